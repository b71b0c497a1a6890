//! OpenPGP, and the only module that imports the OpenPGP implementation
//! (Sequoia, `sequoia-openpgp` 2.x, pure-Rust crypto backend).
//!
//! Keys Embargo generates are v4 (RFC 4880 profile) with Curve25519
//! subkeys and advertise SEIPDv1 only, because GnuPG 2.2 cannot read
//! RFC 9580 SEIPDv2 messages. Every operation applies Sequoia's standard
//! policy (no SHA-1 signatures, no weak keys). Signatures use SHA-256, so
//! PGP/MIME `micalg` is always `pgp-sha256`.

use openpgp::cert::prelude::*;
use openpgp::crypto::SessionKey;
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::Parse;
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, DetachedVerifierBuilder, MessageLayer, MessageStructure,
    VerificationError, VerificationHelper, VerifierBuilder,
};
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message, Signer};
use openpgp::serialize::{Serialize, SerializeInto};
use openpgp::types::{Features, HashAlgorithm, SymmetricAlgorithm};
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;
use std::io::{Read, Write};

/// The hash every Embargo signature uses, as PGP/MIME names it (RFC 3156 §5).
pub const MICALG: &str = "pgp-sha256";

/// Largest OpenPGP input accepted (armored or binary): bounds memory on hostile input.
pub const MAX_INPUT: usize = 32 * 1024 * 1024;

/// Most recipients (PKESK packets) an inbound message may be encrypted to.
pub const MAX_RECIPIENTS: usize = 32;
/// Most anonymous recipients (wildcard key IDs) tried against our keys.
pub const MAX_ANONYMOUS_RECIPIENTS: usize = 2;

/// Largest public key accepted from outside (armored or binary). Real keys
/// exported for mail (`gpg --export --export-options export-minimal`) are a
/// few KiB; the bound keeps hostile certificates away from the parser.
pub const MAX_KEY_INPUT: usize = 64 * 1024;
/// Most user IDs (and user attributes) a public key from outside may carry.
pub const MAX_KEY_USER_IDS: usize = 50;
/// Most subkeys a public key from outside may carry.
pub const MAX_KEY_SUBKEYS: usize = 20;
/// Most signatures a public key from outside may carry. Validating a
/// certificate is superlinear in these (Sequoia: 4,000 user IDs took 38 s).
pub const MAX_KEY_SIGNATURES: usize = 500;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum PgpError {
    /// The input is not OpenPGP data of the expected kind.
    #[error("not a valid OpenPGP {what}: {reason}")]
    Malformed {
        /// What was expected ("public key", "message").
        what: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// The key cannot be used for this.
    #[error("the key {fingerprint} cannot be used: {reason}")]
    Unusable {
        /// The key's fingerprint.
        fingerprint: String,
        /// Why (expired, revoked, no encryption subkey, …).
        reason: String,
    },
    /// A message is encrypted to none of our keys.
    #[error("the message is not encrypted to any key Embargo holds (it is for {recipients})")]
    NotForUs {
        /// The key IDs it is encrypted to.
        recipients: String,
    },
    /// Too large to process.
    #[error("the OpenPGP data is larger than {} MiB", MAX_INPUT / (1024 * 1024))]
    TooLarge,
    /// A public key beyond the bounds for keys from outside.
    #[error(
        "the key is too large to accept: {0}. Export it without third-party signatures (gpg --export --armor --export-options export-minimal ADDRESS)"
    )]
    KeyTooLarge(String),
    /// An operation failed.
    #[error("OpenPGP operation failed: {0}")]
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> PgpError {
    PgpError::Failed(e.to_string())
}

fn policy() -> StandardPolicy<'static> {
    StandardPolicy::new()
}

/// A key with its secret parts (a project key or a team member's signing key).
#[derive(Clone)]
pub struct SecretKey(Cert);

/// A public key (a recipient's, or the public half of ours).
#[derive(Clone, Debug)]
pub struct PublicKey(Cert);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.0.fingerprint())
    }
}

/// What a key is and whether it can be used now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// Upper-case hex fingerprint.
    pub fingerprint: String,
    /// The long key ID (last 16 hex digits), `0x`-prefixed, lower case.
    pub key_id: String,
    /// User IDs ("Name <address>").
    pub user_ids: Vec<String>,
    /// Unix seconds of creation.
    pub created: i64,
    /// Unix seconds of expiry, if it expires.
    pub expires: Option<i64>,
    /// Expired now.
    pub expired: bool,
    /// Revoked.
    pub revoked: bool,
    /// Has a valid encryption-capable (sub)key now.
    pub can_encrypt: bool,
    /// Has a valid signing-capable (sub)key now.
    pub can_sign: bool,
}

fn info_of(cert: &Cert) -> KeyInfo {
    let p = policy();
    let valid = cert.with_policy(&p, None);
    let fingerprint = cert.fingerprint().to_hex();
    let key_id = format!("0x{}", cert.keyid().to_hex().to_lowercase());
    // Only user IDs the key's owner bound with a valid self-signature, and has not
    // revoked: anyone can append an unsigned user ID to someone else's key, and a
    // user ID decides whose address a signature vouches for (F2).
    let user_ids = match &valid {
        Ok(vc) => vc
            .userids()
            .filter(|u| {
                !matches!(
                    u.revocation_status(),
                    openpgp::types::RevocationStatus::Revoked(_)
                )
            })
            .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    let created = unix(cert.primary_key().key().creation_time());
    let (expires, expired, revoked) = match &valid {
        Ok(vc) => {
            let expires = vc.primary_key().key_expiration_time().map(unix);
            let revoked = matches!(
                vc.revocation_status(),
                openpgp::types::RevocationStatus::Revoked(_)
            );
            (expires, vc.alive().is_err(), revoked)
        }
        Err(_) => (None, true, false),
    };
    let usable = |f: &dyn Fn(&Cert) -> bool| f(cert);
    // The one definition of "can receive encrypted mail", shared with [`encrypt`].
    let can_encrypt = mail_encryption_keys(cert, &p).next().is_some();
    let can_sign = usable(&|c: &Cert| {
        c.keys()
            .with_policy(&p, None)
            .supported()
            .alive()
            .revoked(false)
            .for_signing()
            .next()
            .is_some()
    });
    KeyInfo {
        fingerprint,
        key_id,
        user_ids,
        created,
        expires,
        expired,
        revoked,
        can_encrypt,
        can_sign,
    }
}

/// The subkeys mail is encrypted to: valid now under the policy, supported,
/// alive, not revoked, and flagged for transport (communications) encryption.
/// A key with storage-only encryption subkeys cannot receive mail, and both
/// validation ([`KeyInfo::can_encrypt`]) and [`encrypt`] say so alike.
fn mail_encryption_keys<'a>(
    cert: &'a Cert,
    p: &'a StandardPolicy<'static>,
) -> impl Iterator<
    Item = openpgp::cert::amalgamation::key::ValidErasedKeyAmalgamation<
        'a,
        openpgp::packet::key::PublicParts,
    >,
> + 'a {
    cert.keys()
        .with_policy(p, None)
        .supported()
        .alive()
        .revoked(false)
        .for_transport_encryption()
}

/// Count a public key's packets before Sequoia builds and validates it:
/// linear in the input, and refuses keys beyond the bounds for keys from
/// outside ([`MAX_KEY_INPUT`], [`MAX_KEY_USER_IDS`], [`MAX_KEY_SUBKEYS`],
/// [`MAX_KEY_SIGNATURES`]).
fn check_key_bounds(input: &[u8]) -> Result<(), PgpError> {
    use openpgp::Packet;
    use openpgp::parse::{PacketParser, PacketParserResult};
    if input.len() > MAX_KEY_INPUT {
        return Err(PgpError::KeyTooLarge(format!(
            "{} KiB, more than {} KiB",
            input.len().div_ceil(1024),
            MAX_KEY_INPUT / 1024
        )));
    }
    let (mut uids, mut subkeys, mut sigs) = (0usize, 0usize, 0usize);
    let Ok(mut ppr) = PacketParser::from_bytes(input) else {
        // Not parseable at all: the certificate reader gives the precise reason.
        return Ok(());
    };
    while let PacketParserResult::Some(pp) = ppr {
        match pp.packet {
            Packet::UserID(_) | Packet::UserAttribute(_) => uids += 1,
            Packet::PublicSubkey(_) | Packet::SecretSubkey(_) => subkeys += 1,
            Packet::Signature(_) => sigs += 1,
            _ => {}
        }
        if uids > MAX_KEY_USER_IDS {
            return Err(PgpError::KeyTooLarge(format!(
                "more than {MAX_KEY_USER_IDS} user IDs"
            )));
        }
        if subkeys > MAX_KEY_SUBKEYS {
            return Err(PgpError::KeyTooLarge(format!(
                "more than {MAX_KEY_SUBKEYS} subkeys"
            )));
        }
        if sigs > MAX_KEY_SIGNATURES {
            return Err(PgpError::KeyTooLarge(format!(
                "more than {MAX_KEY_SIGNATURES} signatures"
            )));
        }
        ppr = match pp.next() {
            Ok((_, next)) => next,
            Err(_) => return Ok(()),
        };
    }
    Ok(())
}

fn unix(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn read_cert_unguarded(input: &[u8], what: &'static str) -> Result<Cert, PgpError> {
    if input.len() > MAX_INPUT {
        return Err(PgpError::TooLarge);
    }
    Cert::from_bytes(input).map_err(|e| PgpError::Malformed {
        what,
        reason: e.to_string(),
    })
}

impl SecretKey {
    /// Generate a key for these user IDs ("Name <address>"): a certification-only
    /// Ed25519 primary key with Ed25519 signing and X25519 encryption subkeys.
    pub fn generate(user_ids: &[String]) -> Result<Self, PgpError> {
        let mut builder = CertBuilder::new()
            .set_cipher_suite(CipherSuite::Cv25519)
            .set_profile(openpgp::Profile::RFC4880)
            .map_err(failed)?
            .set_features(Features::empty().set_seipdv1())
            .map_err(failed)?
            .add_signing_subkey()
            .add_transport_encryption_subkey()
            .add_storage_encryption_subkey();
        for uid in user_ids {
            builder = builder.add_userid(uid.as_str());
        }
        let (cert, _revocation) = builder.generate().map_err(failed)?;
        Ok(Self(cert))
    }

    /// Read an armored or binary secret key (without a passphrase).
    pub fn from_bytes(input: &[u8]) -> Result<Self, PgpError> {
        let cert = read_cert(input, "secret key")?;
        if !cert.is_tsk() {
            return Err(PgpError::Malformed { what: "secret key", reason: "it holds only public key material; export the secret key (gpg --export-secret-keys --armor)".into() });
        }
        let encrypted = cert
            .keys()
            .secret()
            .any(|k| k.key().secret().is_encrypted());
        if encrypted {
            return Err(PgpError::Unusable {
                fingerprint: cert.fingerprint().to_hex(),
                reason: "its secret parts are protected by a passphrase; remove it before importing (Embargo encrypts keys at rest itself)".into(),
            });
        }
        let key = Self(cert);
        if !key.info().can_sign {
            return Err(PgpError::Unusable {
                fingerprint: key.fingerprint(),
                reason: "it has no valid signing key (expired, revoked, or missing)".into(),
            });
        }
        Ok(key)
    }

    /// The armored transferable secret key (store only sealed, see [`crate::vault`]).
    pub fn to_armored_secret(&self) -> Result<String, PgpError> {
        let bytes = self.0.as_tsk().armored().to_vec().map_err(failed)?;
        String::from_utf8(bytes).map_err(failed)
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.clone().strip_secret_key_material())
    }

    /// Upper-case hex fingerprint.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint().to_hex()
    }

    /// Facts about the key.
    pub fn info(&self) -> KeyInfo {
        info_of(&self.0)
    }
}

impl PublicKey {
    /// Read an armored or binary public key (a certificate).
    ///
    /// Every public key comes from outside (a reporter, a list member, a team
    /// member), so the bounds on size, user IDs, subkeys and signatures apply
    /// before the certificate is built.
    pub fn from_bytes(input: &[u8]) -> Result<Self, PgpError> {
        guarded("public key", || check_key_bounds(input))?;
        let cert = read_cert(input, "public key")?;
        Ok(Self(cert.strip_secret_key_material()))
    }

    /// Read a recipient's key and check it can receive mail now: it parses,
    /// is not expired or revoked, and has an encryption-capable subkey.
    pub fn recipient_from_bytes(input: &[u8]) -> Result<(Self, KeyInfo), PgpError> {
        let key = Self::from_bytes(input)?;
        let info = key.info();
        let reason = if info.revoked {
            Some("it is revoked")
        } else if info.expired {
            Some("it has expired")
        } else if !info.can_encrypt {
            Some("it has no valid encryption subkey")
        } else {
            None
        };
        match reason {
            Some(r) => Err(PgpError::Unusable {
                fingerprint: info.fingerprint,
                reason: r.into(),
            }),
            None => Ok((key, info)),
        }
    }

    /// ASCII-armored.
    pub fn to_armored(&self) -> Result<String, PgpError> {
        let bytes = self.0.armored().to_vec().map_err(failed)?;
        String::from_utf8(bytes).map_err(failed)
    }

    /// Binary (for the Web Key Directory).
    pub fn to_binary(&self) -> Result<Vec<u8>, PgpError> {
        self.0.to_vec().map_err(failed)
    }

    /// Upper-case hex fingerprint.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint().to_hex()
    }

    /// Facts about the key.
    pub fn info(&self) -> KeyInfo {
        info_of(&self.0)
    }
}

fn signing_keypair(key: &SecretKey) -> Result<openpgp::crypto::KeyPair, PgpError> {
    let p = policy();
    let ka = key
        .0
        .keys()
        .unencrypted_secret()
        .with_policy(&p, None)
        .supported()
        .alive()
        .revoked(false)
        .for_signing()
        .next()
        .ok_or_else(|| PgpError::Unusable {
            fingerprint: key.fingerprint(),
            reason: "it has no valid signing key".into(),
        })?;
    ka.key().clone().into_keypair().map_err(failed)
}

/// An armored detached signature over `data` (for PGP/MIME `multipart/signed`).
pub fn sign_detached(key: &SecretKey, data: &[u8]) -> Result<String, PgpError> {
    let mut out = Vec::new();
    {
        let message = Message::new(&mut out);
        let message = Armorer::new(message)
            .kind(openpgp::armor::Kind::Signature)
            .build()
            .map_err(failed)?;
        let mut signer = Signer::new(message, signing_keypair(key)?)
            .map_err(failed)?
            .hash_algo(HashAlgorithm::SHA256)
            .map_err(failed)?
            .detached()
            .build()
            .map_err(failed)?;
        signer.write_all(data).map_err(failed)?;
        signer.finalize().map_err(failed)?;
    }
    String::from_utf8(out).map_err(failed)
}

/// A cleartext-signed message (RFC 9580 §7).
pub fn sign_cleartext(key: &SecretKey, text: &str) -> Result<String, PgpError> {
    let mut out = Vec::new();
    {
        let message = Message::new(&mut out);
        let mut signer = Signer::new(message, signing_keypair(key)?)
            .map_err(failed)?
            .hash_algo(HashAlgorithm::SHA256)
            .map_err(failed)?
            .cleartext()
            .build()
            .map_err(failed)?;
        signer.write_all(text.as_bytes()).map_err(failed)?;
        signer.finalize().map_err(failed)?;
    }
    String::from_utf8(out).map_err(failed)
}

/// Encrypt `data` to every recipient (and, optionally, sign it first), armored.
pub fn encrypt(
    recipients: &[&PublicKey],
    signer: Option<&SecretKey>,
    data: &[u8],
) -> Result<String, PgpError> {
    if recipients.is_empty() {
        return Err(PgpError::Failed("no recipients to encrypt to".into()));
    }
    let p = policy();
    let mut keys = Vec::new();
    for r in recipients {
        let before = keys.len();
        keys.extend(mail_encryption_keys(&r.0, &p));
        if keys.len() == before {
            return Err(PgpError::Unusable {
                fingerprint: r.fingerprint(),
                reason: "it has no valid encryption subkey (expired, revoked or missing)".into(),
            });
        }
    }
    let mut out = Vec::new();
    {
        let message = Message::new(&mut out);
        let message = Armorer::new(message).build().map_err(failed)?;
        let message = Encryptor::for_recipients(message, keys)
            .symmetric_algo(SymmetricAlgorithm::AES256)
            .build()
            .map_err(failed)?;
        let message = match signer {
            Some(key) => Signer::new(message, signing_keypair(key)?)
                .map_err(failed)?
                .hash_algo(HashAlgorithm::SHA256)
                .map_err(failed)?
                .build()
                .map_err(failed)?,
            None => message,
        };
        let mut literal = LiteralWriter::new(message).build().map_err(failed)?;
        literal.write_all(data).map_err(failed)?;
        literal.finalize().map_err(failed)?;
    }
    String::from_utf8(out).map_err(failed)
}

/// The result of checking a signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// No signature.
    Unsigned,
    /// A good signature by a key Embargo knows.
    Good {
        /// The signing certificate's fingerprint.
        fingerprint: String,
    },
    /// Signed by a key Embargo does not know (it cannot be checked).
    UnknownKey {
        /// The issuer's key ID or fingerprint, as the signature names it.
        issuer: String,
    },
    /// The signature does not verify (tampered, or made by a revoked/expired key).
    Bad {
        /// Why.
        reason: String,
    },
}

struct Helper<'a> {
    secrets: &'a [SecretKey],
    known: &'a [PublicKey],
    status: SignatureStatus,
    decrypted_with: Option<String>,
    /// Creation time (Unix seconds) of the good signature, when there is one.
    signed_at: Option<i64>,
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        let all = self
            .known
            .iter()
            .map(|k| &k.0)
            .chain(self.secrets.iter().map(|k| &k.0));
        Ok(all
            .filter(|c| {
                c.keys()
                    .any(|k| ids.iter().any(|id| id.aliases(k.key().key_handle())))
            })
            .cloned()
            .collect())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                // The first good signature wins; otherwise report the first problem.
                let mut first_problem = None;
                for result in results {
                    match result {
                        Ok(good) => {
                            self.status = SignatureStatus::Good {
                                fingerprint: good.ka.cert().fingerprint().to_hex(),
                            };
                            self.signed_at = good.sig.signature_creation_time().map(unix);
                            return Ok(());
                        }
                        Err(e) => {
                            if first_problem.is_none() {
                                first_problem = Some(match e {
                                    VerificationError::MissingKey { sig } => {
                                        SignatureStatus::UnknownKey {
                                            issuer: sig
                                                .get_issuers()
                                                .first()
                                                .map(|h| h.to_hex())
                                                .unwrap_or_else(|| "an unnamed key".into()),
                                        }
                                    }
                                    other => SignatureStatus::Bad {
                                        reason: other.to_string(),
                                    },
                                });
                            }
                        }
                    }
                }
                if let Some(problem) = first_problem {
                    self.status = problem;
                }
            }
        }
        Ok(())
    }
}

impl DecryptionHelper for Helper<'_> {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        _skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        let p = policy();
        // Each recipient entry can cost a public-key operation per key of ours: a
        // hostile message with thousands of them (anonymous ones above all) must
        // not buy minutes of CPU.
        if pkesks.len() > MAX_RECIPIENTS {
            return Err(anyhow_like(PgpError::Malformed {
                what: "message",
                reason: format!(
                    "it is encrypted to {} recipients; Embargo reads messages with at most {MAX_RECIPIENTS}",
                    pkesks.len()
                ),
            }));
        }
        let mut anonymous = 0;
        for pkesk in pkesks {
            if pkesk.recipient().is_none() {
                anonymous += 1;
                if anonymous > MAX_ANONYMOUS_RECIPIENTS {
                    continue;
                }
            }
            for key in self.secrets {
                // Decrypt with any of our keys, even expired ones: old mail must stay readable.
                for ka in key
                    .0
                    .keys()
                    .unencrypted_secret()
                    .with_policy(&p, None)
                    .supported()
                    .for_transport_encryption()
                    .chain(
                        key.0
                            .keys()
                            .unencrypted_secret()
                            .with_policy(&p, None)
                            .supported()
                            .for_storage_encryption(),
                    )
                {
                    let matches = pkesk
                        .recipient()
                        .is_none_or(|r| r.aliases(ka.key().key_handle()));
                    if !matches {
                        continue;
                    }
                    let Ok(mut pair) = ka.key().clone().into_keypair() else {
                        continue;
                    };
                    if let Some((algo, session_key)) = pkesk.decrypt(&mut pair, sym_algo)
                        && decrypt(algo, &session_key)
                    {
                        self.decrypted_with = Some(key.fingerprint());
                        return Ok(Some(key.0.clone()));
                    }
                }
            }
        }
        let recipients: Vec<String> = pkesks
            .iter()
            .take(8)
            .map(|p| {
                p.recipient()
                    .map(|r| r.to_hex())
                    .unwrap_or_else(|| "an anonymous recipient".into())
            })
            .collect();
        Err(anyhow_like(PgpError::NotForUs {
            recipients: recipients.join(", "),
        }))
    }
}

fn anyhow_like(e: PgpError) -> openpgp::anyhow::Error {
    openpgp::anyhow::Error::new(e)
}

fn unwrap_pgp_error(e: openpgp::anyhow::Error, what: &'static str) -> PgpError {
    match e.downcast::<PgpError>() {
        Ok(mine) => mine,
        Err(other) => PgpError::Malformed {
            what,
            reason: format!("{other:#}"),
        },
    }
}

/// A decrypted message.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// Its signature, checked against `known` and our own keys.
    pub signature: SignatureStatus,
    /// Fingerprint of our key that decrypted it.
    pub decrypted_with: Option<String>,
}

fn read_bounded(mut reader: impl Read) -> Result<Vec<u8>, PgpError> {
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_INPUT).unwrap_or(u64::MAX) + 1;
    reader
        .by_ref()
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| PgpError::Malformed {
            what: "message",
            reason: e.to_string(),
        })?;
    if out.len() > MAX_INPUT {
        return Err(PgpError::TooLarge);
    }
    Ok(out)
}

/// Decrypt a message with any of `secrets`, checking its signature against `known` keys.
fn decrypt_unguarded(
    secrets: &[SecretKey],
    known: &[PublicKey],
    ciphertext: &[u8],
) -> Result<Decrypted, PgpError> {
    if ciphertext.len() > MAX_INPUT {
        return Err(PgpError::TooLarge);
    }
    let p = policy();
    let helper = Helper {
        secrets,
        known,
        status: SignatureStatus::Unsigned,
        decrypted_with: None,
        signed_at: None,
    };
    let mut decryptor = DecryptorBuilder::from_bytes(ciphertext)
        .map_err(|e| PgpError::Malformed {
            what: "message",
            reason: e.to_string(),
        })?
        .with_policy(&p, None, helper)
        .map_err(|e| unwrap_pgp_error(e, "message"))?;
    let plaintext = read_bounded(&mut decryptor)?;
    let helper = decryptor.into_helper();
    Ok(Decrypted {
        plaintext,
        signature: helper.status,
        decrypted_with: helper.decrypted_with,
    })
}

/// Check a detached signature over `data`.
fn verify_detached_unguarded(
    known: &[PublicKey],
    data: &[u8],
    signature: &[u8],
) -> Result<SignatureStatus, PgpError> {
    let p = policy();
    let helper = Helper {
        secrets: &[],
        known,
        status: SignatureStatus::Unsigned,
        decrypted_with: None,
        signed_at: None,
    };
    let mut verifier = DetachedVerifierBuilder::from_bytes(signature)
        .map_err(|e| PgpError::Malformed {
            what: "signature",
            reason: e.to_string(),
        })?
        .with_policy(&p, None, helper)
        .map_err(|e| unwrap_pgp_error(e, "signature"))?;
    match verifier.verify_bytes(data) {
        Ok(()) => Ok(verifier.into_helper().status),
        Err(e) => Ok(SignatureStatus::Bad {
            reason: e.to_string(),
        }),
    }
}

/// Check a signed message (cleartext-signed or inline signed); returns the signed text.
fn verify_inline_unguarded(
    known: &[PublicKey],
    message: &[u8],
) -> Result<(Vec<u8>, SignatureStatus, Option<i64>), PgpError> {
    if message.len() > MAX_INPUT {
        return Err(PgpError::TooLarge);
    }
    let p = policy();
    let helper = Helper {
        secrets: &[],
        known,
        status: SignatureStatus::Unsigned,
        decrypted_with: None,
        signed_at: None,
    };
    let mut verifier = VerifierBuilder::from_bytes(message)
        .map_err(|e| PgpError::Malformed {
            what: "signed message",
            reason: e.to_string(),
        })?
        .with_policy(&p, None, helper)
        .map_err(|e| unwrap_pgp_error(e, "signed message"))?;
    let text = read_bounded(&mut verifier)?;
    let helper = verifier.into_helper();
    Ok((text, helper.status, helper.signed_at))
}

/// Serialize a secret key for a test fixture or export (binary).
pub fn secret_to_binary(key: &SecretKey) -> Result<Vec<u8>, PgpError> {
    let mut out = Vec::new();
    key.0.as_tsk().serialize(&mut out).map_err(failed)?;
    Ok(out)
}

/// Run a parser over untrusted input, turning a panic inside the OpenPGP
/// library into an error. Sequoia 2.4 panics on some corrupted encrypted
/// packets (an `unwrap` in its SEIP parser); hostile mail must not crash Embargo.
fn guarded<T>(what: &'static str, f: impl FnOnce() -> Result<T, PgpError>) -> Result<T, PgpError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(PgpError::Malformed {
            what,
            reason: "the data is corrupt (the OpenPGP parser gave up)".into(),
        }),
    }
}

fn read_cert(input: &[u8], what: &'static str) -> Result<Cert, PgpError> {
    guarded(what, || read_cert_unguarded(input, what))
}

/// Decrypt a message with any of `secrets`, checking its signature against `known` keys.
pub fn decrypt(
    secrets: &[SecretKey],
    known: &[PublicKey],
    ciphertext: &[u8],
) -> Result<Decrypted, PgpError> {
    guarded("message", || decrypt_unguarded(secrets, known, ciphertext))
}

/// Check a detached signature over `data`.
pub fn verify_detached(
    known: &[PublicKey],
    data: &[u8],
    signature: &[u8],
) -> Result<SignatureStatus, PgpError> {
    guarded("signature", || {
        verify_detached_unguarded(known, data, signature)
    })
}

/// Check a signed message (cleartext-signed or inline signed); returns the signed text.
pub fn verify_inline(
    known: &[PublicKey],
    message: &[u8],
) -> Result<(Vec<u8>, SignatureStatus), PgpError> {
    verify_inline_dated(known, message).map(|(text, status, _)| (text, status))
}

/// [`verify_inline`], also returning when a good signature was made (Unix seconds).
pub fn verify_inline_dated(
    known: &[PublicKey],
    message: &[u8],
) -> Result<(Vec<u8>, SignatureStatus, Option<i64>), PgpError> {
    guarded("signed message", || verify_inline_unguarded(known, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn armored(cert: &Cert) -> Vec<u8> {
        cert.armored().to_vec().unwrap()
    }

    #[test]
    fn keys_from_outside_are_bounded_before_validation() {
        let mut b = CertBuilder::new().add_transport_encryption_subkey();
        for i in 0..=MAX_KEY_USER_IDS {
            b = b.add_userid(format!("u{i} <u@example.org>"));
        }
        let (cert, _) = b.generate().unwrap();
        let err = PublicKey::from_bytes(&armored(&cert)).unwrap_err();
        assert!(
            matches!(&err, PgpError::KeyTooLarge(m) if m.contains("user IDs")),
            "{err}"
        );
        let err = PublicKey::from_bytes(&vec![b'A'; MAX_KEY_INPUT + 1]).unwrap_err();
        assert!(matches!(err, PgpError::KeyTooLarge(_)), "{err}");
        let mut b = CertBuilder::new().add_userid("s <s@example.org>");
        for _ in 0..=MAX_KEY_SUBKEYS {
            b = b.add_transport_encryption_subkey();
        }
        let (cert, _) = b.generate().unwrap();
        let err = PublicKey::from_bytes(&armored(&cert)).unwrap_err();
        assert!(
            matches!(&err, PgpError::KeyTooLarge(m) if m.contains("subkeys")),
            "{err}"
        );
        // An ordinary key passes.
        let (cert, _) = CertBuilder::general_purpose(Some("ok <ok@example.org>"))
            .generate()
            .unwrap();
        assert!(PublicKey::recipient_from_bytes(&armored(&cert)).is_ok());
    }

    #[test]
    fn messages_to_too_many_recipients_are_refused_before_trying_them() {
        let ours = SecretKey::generate(&["Us <us@example.org>".into()]).unwrap();
        let other = SecretKey::generate(&["Other <o@example.org>".into()]).unwrap();
        let other = other.public();
        let many: Vec<&PublicKey> = std::iter::repeat_n(&other, MAX_RECIPIENTS + 1).collect();
        let msg = encrypt(&many, None, b"x").unwrap();
        let err = decrypt(std::slice::from_ref(&ours), &[], msg.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("at most 32"), "{err}");
        // Within the bound, a message for us still decrypts.
        let mine = ours.public();
        let msg = encrypt(&[&other, &mine], None, b"hello").unwrap();
        let plain = decrypt(std::slice::from_ref(&ours), &[], msg.as_bytes()).unwrap();
        assert_eq!(plain.plaintext, b"hello");
    }

    #[test]
    fn storage_only_keys_cannot_receive_mail_in_validation_or_encryption() {
        let (cert, _) = CertBuilder::new()
            .add_userid("s <s@example.org>")
            .add_storage_encryption_subkey()
            .generate()
            .unwrap();
        let key = PublicKey::from_bytes(&armored(&cert)).unwrap();
        assert!(!key.info().can_encrypt);
        assert!(PublicKey::recipient_from_bytes(&armored(&cert)).is_err());
        assert!(encrypt(&[&key], None, b"x").is_err());
    }

    #[test]
    fn generate_sign_verify_encrypt_decrypt() {
        let alice = SecretKey::generate(&["Alice <alice@example.org>".into()]).unwrap();
        let bob = SecretKey::generate(&["Bob <bob@example.org>".into()]).unwrap();
        let info = alice.info();
        assert!(info.can_sign && info.can_encrypt && !info.expired && !info.revoked);
        assert_eq!(info.user_ids, ["Alice <alice@example.org>"]);

        let sig = sign_detached(&alice, b"hello").unwrap();
        assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
        assert_eq!(
            verify_detached(&[alice.public()], b"hello", sig.as_bytes()).unwrap(),
            SignatureStatus::Good {
                fingerprint: alice.fingerprint()
            }
        );
        assert!(matches!(
            verify_detached(&[alice.public()], b"hellO", sig.as_bytes()).unwrap(),
            SignatureStatus::Bad { .. }
        ));
        assert!(matches!(
            verify_detached(&[], b"hello", sig.as_bytes()).unwrap(),
            SignatureStatus::UnknownKey { .. }
        ));

        let ct = encrypt(&[&bob.public()], Some(&alice), b"secret report").unwrap();
        let d = decrypt(std::slice::from_ref(&bob), &[alice.public()], ct.as_bytes()).unwrap();
        assert_eq!(d.plaintext, b"secret report");
        assert_eq!(
            d.signature,
            SignatureStatus::Good {
                fingerprint: alice.fingerprint()
            }
        );
        assert_eq!(d.decrypted_with, Some(bob.fingerprint()));
        assert!(matches!(
            decrypt(std::slice::from_ref(&alice), &[], ct.as_bytes()),
            Err(PgpError::NotForUs { .. })
        ));

        let signed = sign_cleartext(&alice, "line one\nline two\n").unwrap();
        let (text, status) = verify_inline(&[alice.public()], signed.as_bytes()).unwrap();
        assert_eq!(text, b"line one\nline two\n");
        assert_eq!(
            status,
            SignatureStatus::Good {
                fingerprint: alice.fingerprint()
            }
        );
    }

    #[test]
    fn keys_round_trip_and_garbage_is_refused() {
        let k = SecretKey::generate(&["K <k@example.org>".into()]).unwrap();
        let again = SecretKey::from_bytes(k.to_armored_secret().unwrap().as_bytes()).unwrap();
        assert_eq!(again.fingerprint(), k.fingerprint());
        let public = PublicKey::from_bytes(k.public().to_armored().unwrap().as_bytes()).unwrap();
        assert_eq!(public.fingerprint(), k.fingerprint());
        assert!(SecretKey::from_bytes(k.public().to_armored().unwrap().as_bytes()).is_err());
        assert!(matches!(PublicKey::from_bytes(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nzzzz\n-----END PGP PUBLIC KEY BLOCK-----\n"), Err(PgpError::Malformed { .. })));
        assert!(decrypt(std::slice::from_ref(&k), &[], b"not a message").is_err());
    }
}
