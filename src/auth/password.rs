//! Password hashing with argon2id (RFC 9106), OWASP's recommended parameters
//! (19 MiB memory, 2 iterations, 1 lane). Hashes are PHC strings, so the
//! parameters travel with each hash and can be raised later.

use crate::domain::password::NewPassword;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

/// Hashing failed (only on a broken random source or invalid parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash a new password into a PHC string.
pub fn hash(password: &NewPassword) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// A hash of a random password, verified against when the account does not
/// exist so that a failed login takes as long whether or not it does.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let filler = crate::auth::secret::random_token(24);
    NewPassword::new(filler).ok().and_then(|p| hash(&p).ok())
});

/// Whether `candidate` matches the stored PHC `stored` hash. A malformed hash never matches.
pub fn verify(candidate: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok()
}

/// Spend the time of one verification, for an account that does not exist.
pub fn verify_dummy(candidate: &str) {
    if let Some(stored) = DUMMY_HASH.as_deref() {
        let _ = verify(candidate, stored);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let p = NewPassword::new("correct horse battery staple".into()).unwrap();
        let h = hash(&p).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("correct horse battery stapler", &h));
        assert!(!verify("anything", "not a phc string"));
    }
}
