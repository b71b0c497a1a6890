//! CSRF tokens for every state-changing form (synchroniser tokens bound to
//! the browser's session, OWASP's "HMAC-based token" variant).
//!
//! A token is `HMAC-SHA256(instance secret, "csrf\0" || binding)` where the
//! binding is the session cookie for a signed-in browser, or a random
//! pre-session cookie otherwise. Any process sharing the database shares the
//! instance secret, so a form rendered by one process posts to another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The token for `binding` under `secret`.
pub fn token(secret: &[u8], binding: &str) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(b"csrf\0");
    mac.update(binding.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `presented` is the token for `binding`, compared in constant time.
pub fn verify(secret: &[u8], binding: &str, presented: &str) -> bool {
    let expected = token(secret, binding);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_secret_and_binding() {
        let t = token(b"k1", "session-a");
        assert!(verify(b"k1", "session-a", &t));
        assert!(!verify(b"k1", "session-b", &t));
        assert!(!verify(b"k2", "session-a", &t));
        assert!(!verify(b"k1", "session-a", ""));
    }
}
