//! OpenPGP keys: project keys, team members' personal signing keys, and
//! recipients' public keys. Secret keys are sealed by the vault before they
//! reach the store, and opened only when a signature or decryption needs them.

use super::{ServiceError, audit};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::pgp::{KeyInfo, PgpError, PublicKey, SecretKey};
use crate::store::{self, Db, keys::Owner};
use crate::vault::Vault;
use serde_json::json;

impl From<PgpError> for ServiceError {
    fn from(e: PgpError) -> Self {
        match e {
            PgpError::Failed(m) => Self::Internal(m),
            other => Self::Invalid(other.to_string()),
        }
    }
}

impl From<crate::vault::VaultError> for ServiceError {
    fn from(e: crate::vault::VaultError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// Whose key is being stored, and the audit action that records it.
struct Placement<'a> {
    owner: Owner,
    label: &'a str,
    project_id: Option<i64>,
    action: &'a str,
}

async fn store_secret(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    key: &SecretKey,
    at: Placement<'_>,
) -> Result<KeyInfo, ServiceError> {
    let Placement {
        owner,
        label,
        project_id,
        action,
    } = at;
    let info = key.info();
    let sealed = vault.seal(key.to_armored_secret()?.as_bytes())?;
    let public = key.public().to_armored()?;
    let mut tx = db.begin().await?;
    let id = store::keys::insert(
        tx.conn(),
        owner,
        label,
        &info.fingerprint,
        &public,
        Some(&sealed),
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        action,
        ("openpgp_key", &id.to_string()),
        project_id,
        json!({"fingerprint": info.fingerprint, "label": label}),
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

/// The user IDs a project key carries: one per security address, or the team's name.
fn project_user_ids(project: &store::projects::ProjectRow) -> Result<Vec<String>, ServiceError> {
    let name = format!("{} security team", project.name);
    let addresses = match super::projects::policy_of(project)? {
        Some(p) => p
            .contact
            .addresses
            .iter()
            .map(ToString::to_string)
            .collect(),
        None => Vec::new(),
    };
    if addresses.is_empty() {
        Ok(vec![name])
    } else {
        Ok(addresses.iter().map(|a| format!("{name} <{a}>")).collect())
    }
}

/// Whose secret key: a project's (signs its mail, decrypts reports sent to it) or a team
/// member's personal signing key.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// A project, by slug.
    Project(&'a str),
    /// A team member, by address.
    User(&'a EmailAddress),
}

/// A holder looked up: where its key is stored, its audit name, and the user IDs a new key carries.
struct Resolved {
    owner: Owner,
    label: String,
    project_id: Option<i64>,
    kind: &'static str,
    user_ids: Vec<String>,
}

async fn resolve(db: &Db, holder: Holder<'_>) -> Result<Resolved, ServiceError> {
    Ok(match holder {
        Holder::Project(slug) => {
            let project = super::projects::find(db, slug).await?;
            Resolved {
                owner: Owner::Project(project.id),
                label: project.slug.clone(),
                project_id: Some(project.id),
                kind: "project",
                user_ids: project_user_ids(&project)?,
            }
        }
        Holder::User(email) => {
            let user = super::accounts::find(db, email).await?;
            let uid = format!("{} <{}>", user.display_name, user.email);
            Resolved {
                owner: Owner::User(user.id),
                label: user.email,
                project_id: None,
                kind: "user",
                user_ids: vec![uid],
            }
        }
    })
}

/// Generate a new key for the holder (its old key, if any, is retired but kept to read old mail).
pub async fn generate(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    holder: Holder<'_>,
) -> Result<KeyInfo, ServiceError> {
    let r = resolve(db, holder).await?;
    let key = SecretKey::generate(&r.user_ids)?;
    let action = format!("{}.key_generated", r.kind);
    store_secret(
        db,
        vault,
        actor,
        &key,
        Placement {
            owner: r.owner,
            label: &r.label,
            project_id: r.project_id,
            action: &action,
        },
    )
    .await
}

/// Import an existing secret key (armored, without a passphrase) for the holder.
pub async fn import(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    holder: Holder<'_>,
    armored: &[u8],
) -> Result<KeyInfo, ServiceError> {
    let r = resolve(db, holder).await?;
    let key = SecretKey::from_bytes(armored)?;
    let action = format!("{}.key_imported", r.kind);
    store_secret(
        db,
        vault,
        actor,
        &key,
        Placement {
            owner: r.owner,
            label: &r.label,
            project_id: r.project_id,
            action: &action,
        },
    )
    .await
}

/// The project's current public key.
pub async fn project_public_key(
    db: &Db,
    project_id: i64,
) -> Result<Option<PublicKey>, ServiceError> {
    let mut c = db.acquire().await?;
    match store::keys::current(c.conn(), Owner::Project(project_id)).await? {
        Some(row) => Ok(Some(PublicKey::from_bytes(row.public_key.as_bytes())?)),
        None => Ok(None),
    }
}

async fn open_all(
    db: &Db,
    vault: &Vault,
    owner: Owner,
    current_only: bool,
) -> Result<Vec<SecretKey>, ServiceError> {
    let rows = {
        let mut c = db.acquire().await?;
        if current_only {
            store::keys::current(c.conn(), owner)
                .await?
                .into_iter()
                .collect()
        } else {
            store::keys::all_of(c.conn(), owner).await?
        }
    };
    let mut keys = Vec::new();
    for row in rows {
        if let Some(sealed) = row.secret_sealed {
            keys.push(SecretKey::from_bytes(&vault.open(&sealed)?)?);
        }
    }
    Ok(keys)
}

/// The project's current secret key, for signing.
pub async fn project_signing_key(
    db: &Db,
    vault: &Vault,
    project_id: i64,
) -> Result<Option<SecretKey>, ServiceError> {
    Ok(open_all(db, vault, Owner::Project(project_id), true)
        .await?
        .into_iter()
        .next())
}

/// Every secret key the project has had, for decrypting mail sent to it.
pub async fn project_decryption_keys(
    db: &Db,
    vault: &Vault,
    project_id: i64,
) -> Result<Vec<SecretKey>, ServiceError> {
    open_all(db, vault, Owner::Project(project_id), false).await
}

/// A team member's current signing key.
pub async fn user_signing_key(
    db: &Db,
    vault: &Vault,
    user_id: i64,
) -> Result<Option<SecretKey>, ServiceError> {
    Ok(open_all(db, vault, Owner::User(user_id), true)
        .await?
        .into_iter()
        .next())
}

/// Validate a recipient's armored public key: parses, not expired or revoked, can encrypt.
pub fn inspect_recipient(armored: &[u8]) -> Result<(PublicKey, KeyInfo), ServiceError> {
    Ok(PublicKey::recipient_from_bytes(armored)?)
}

/// [`inspect_recipient`] for a key from outside, off the async workers within
/// the time budget of [`super::cpu`]; every problem is `Invalid` with the reason.
pub async fn inspect_recipient_untrusted(
    armored: Vec<u8>,
) -> Result<(PublicKey, KeyInfo), ServiceError> {
    super::cpu::run("the OpenPGP key", move || {
        PublicKey::recipient_from_bytes(&armored).map_err(|e| ServiceError::Invalid(e.to_string()))
    })
    .await?
}

/// The Web Key Directory hash of a local part: z-base-32 of SHA-1 of the lower-cased local part.
pub fn wkd_hash(local_part: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(local_part.to_lowercase().as_bytes());
    zbase32::encode_full_bytes(&digest)
}

/// The current project key published in the WKD for `hash` (and `domain` if given).
pub async fn wkd_lookup(
    db: &Db,
    hash: &str,
    domain: Option<&str>,
) -> Result<Option<PublicKey>, ServiceError> {
    let rows = {
        let mut c = db.acquire().await?;
        store::keys::current_project_keys(c.conn()).await?
    };
    let mut found = Vec::new();
    for row in rows {
        let key = PublicKey::from_bytes(row.public_key.as_bytes())?;
        let matches = key.info().user_ids.iter().any(|uid| {
            let Some(addr) = uid
                .rsplit_once('<')
                .and_then(|(_, rest)| rest.strip_suffix('>'))
            else {
                return false;
            };
            let Some((local, dom)) = addr.rsplit_once('@') else {
                return false;
            };
            wkd_hash(local) == hash && domain.is_none_or(|d| d.eq_ignore_ascii_case(dom))
        });
        if matches {
            found.push(key);
        }
    }
    // Without a domain, an ambiguous local part (security@a.org and security@b.org) finds nothing.
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// How the OpenPGP key a project's policy names compares with the key this desk decrypts
/// with (#19 item 9: they can differ silently when the policy quotes the project's old key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyKey {
    /// The policy names no key (the desk's own is the one shown).
    Unstated,
    /// The policy's key is the desk's current key.
    Matches,
    /// The policy names another key than the one the desk serves.
    Differs {
        /// The key ID or fingerprint as the policy gives it.
        stated: String,
        /// The key the desk serves and decrypts with.
        served: KeyInfo,
        /// The policy's key is a retired key of the desk (old mail still decrypts).
        retired: bool,
    },
    /// The policy names a key but the desk has none.
    NotServed {
        /// The key ID or fingerprint as the policy gives it.
        stated: String,
    },
}

impl PolicyKey {
    /// What to tell the team, or `None` when all is well.
    pub fn warning(&self, slug: &str) -> Option<String> {
        match self {
            Self::Unstated | Self::Matches => None,
            Self::Differs {
                stated,
                served,
                retired,
            } => Some(format!(
                "the policy of {slug} names OpenPGP key {stated}, but this desk serves and decrypts with {} ({}){}: reporters who encrypt to the policy's key {}. \
                 Import that key (`embargo key import --project {slug} FILE`) or change `contact.openpgp` in the policy to {}.",
                served.key_id,
                served.fingerprint,
                if *retired {
                    "; the policy's key is a retired key of this desk"
                } else {
                    ""
                },
                if *retired {
                    "are read, but replies and the public pages use the newer key"
                } else {
                    "cannot be read"
                },
                served.key_id,
            )),
            Self::NotServed { stated } => Some(format!(
                "the policy of {slug} names OpenPGP key {stated}, but this desk has no key for {slug}: encrypted reports cannot be read. \
                 Import that key (`embargo key import --project {slug} FILE`) or generate one (`embargo key generate --project {slug}`) and name it in the policy."
            )),
        }
    }
}

/// Normalise a key ID or fingerprint for comparison: hex digits only, upper case.
fn hex_of(id: &str) -> String {
    let id = id.trim();
    let id = id
        .strip_prefix("0x")
        .or_else(|| id.strip_prefix("0X"))
        .unwrap_or(id);
    id.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Compare the key the project's policy names with the keys the desk holds for it.
pub async fn policy_key(
    db: &Db,
    project_id: i64,
    policy: &crate::domain::policy::Policy,
) -> Result<PolicyKey, ServiceError> {
    let Some(k) = &policy.contact.openpgp else {
        return Ok(PolicyKey::Unstated);
    };
    let (stated, want) = match (&k.fingerprint, &k.key_id) {
        (Some(fp), _) => (fp.clone(), hex_of(fp)),
        (None, Some(id)) => (id.clone(), hex_of(id)),
        (None, None) => return Ok(PolicyKey::Unstated),
    };
    if want.len() < 8 {
        return Ok(PolicyKey::Unstated);
    }
    let rows = {
        let mut c = db.acquire().await?;
        store::keys::all_of(c.conn(), Owner::Project(project_id)).await?
    };
    let is_it = |fingerprint: &str| {
        let fp = hex_of(fingerprint);
        fp == want || (want.len() <= 16 && fp.ends_with(&want))
    };
    let Some(current) = rows.iter().find(|r| r.retired_at.is_none()) else {
        return Ok(PolicyKey::NotServed { stated });
    };
    if is_it(&current.fingerprint) {
        return Ok(PolicyKey::Matches);
    }
    let served = PublicKey::from_bytes(current.public_key.as_bytes())?.info();
    Ok(PolicyKey::Differs {
        stated,
        served,
        retired: rows.iter().any(|r| is_it(&r.fingerprint)),
    })
}

/// The warning for a project whose policy names another key than the desk's, if any.
pub async fn policy_key_warning(
    db: &Db,
    project: &store::projects::ProjectRow,
) -> Result<Option<String>, ServiceError> {
    let Some(policy) = super::projects::policy_of(project)? else {
        return Ok(None);
    };
    Ok(policy_key(db, project.id, &policy)
        .await?
        .warning(&project.slug))
}
