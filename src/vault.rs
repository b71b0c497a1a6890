//! Secrets at rest: project and personal secret keys are stored sealed with
//! ChaCha20-Poly1305 under the instance's master key, which comes from the
//! configuration (`secret_key`, i.e. `EMBARGO_SECRET_KEY`) or from a key file
//! (`secret_key_file`, default `<data_dir>/secret.key`, created 0600 on first
//! need) — never from the database. A stolen database alone reveals no secret key.
//!
//! Sealed text is `v1:` + base64(nonce ‖ ciphertext ‖ tag); the nonce is random.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::path::Path;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The master key is missing or malformed.
    #[error("{0}")]
    Key(String),
    /// Sealed data does not open with this master key (wrong key or tampered data).
    #[error(
        "a stored secret does not open with the configured master key (was EMBARGO_SECRET_KEY changed?)"
    )]
    Open,
}

/// The instance's master key.
#[derive(Clone)]
pub struct Vault {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(<master key>)")
    }
}

fn decode_key(text: &str, origin: &str) -> Result<[u8; 32], VaultError> {
    let bytes = STANDARD.decode(text.trim()).map_err(|_| {
        VaultError::Key(format!(
            "{origin} is not base64; generate a key with `embargo secret generate`"
        ))
    })?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| VaultError::Key(format!("{origin} must be 32 bytes of base64 (44 characters); generate one with `embargo secret generate`")))
}

/// A fresh master key, base64.
pub fn generate_key() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    STANDARD.encode(key)
}

impl Vault {
    /// The vault for a base64 master key.
    pub fn from_base64(text: &str) -> Result<Self, VaultError> {
        let key = decode_key(text, "secret_key")?;
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// The vault for a key file; with `create`, a missing file is created (mode 0600).
    pub fn from_file(path: &Path, create: bool) -> Result<Self, VaultError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let key = decode_key(&text, &format!("the key file {}", path.display()))?;
                Ok(Self {
                    cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::files::create_dir_all(dir).map_err(|e| {
                        VaultError::Key(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                let text = generate_key();
                write_private(path, &text).map_err(|e| {
                    VaultError::Key(format!("cannot write the key file {}: {e}", path.display()))
                })?;
                Self::from_base64(&text)
            }
            Err(e) => Err(VaultError::Key(format!(
                "cannot read the key file {}: {e}; set EMBARGO_SECRET_KEY or secret_key_file",
                path.display()
            ))),
        }
    }

    /// Seal a secret.
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, VaultError> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| VaultError::Open)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("v1:{}", STANDARD.encode(out)))
    }

    /// Open a sealed secret.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let data = sealed
            .strip_prefix("v1:")
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(VaultError::Open)?;
        if data.len() < 12 {
            return Err(VaultError::Open);
        }
        let (nonce, ct) = data.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| VaultError::Open)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let v = Vault::from_base64(&generate_key()).unwrap();
        let sealed = v.seal(b"secret key material").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(v.open(&sealed).unwrap(), b"secret key material");
        let other = Vault::from_base64(&generate_key()).unwrap();
        assert!(matches!(other.open(&sealed), Err(VaultError::Open)));
        assert!(Vault::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Vault::from_file(&path, true).unwrap();
        let sealed = a.seal(b"x").unwrap();
        let b = Vault::from_file(&path, false).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(Vault::from_file(&dir.path().join("missing.key"), false).is_err());
    }
}
