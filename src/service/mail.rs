//! Putting mail in the outbox, in the transaction of the change that causes it.

use super::{ServiceError, audit, keys};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::mail::compose::{self, Outgoing, Protection};
use crate::pgp::{PublicKey, SecretKey};
use crate::store::{self, Db, Tx, outbox::NewMessage};
use crate::vault::Vault;
use askama::Template;
use serde_json::json;

impl From<compose::ComposeError> for ServiceError {
    fn from(e: compose::ComposeError) -> Self {
        match e {
            compose::ComposeError::Invalid(m) => Self::Invalid(m),
            compose::ComposeError::Pgp(p) => p.into(),
        }
    }
}

/// Render a mail body template (every body is one: `templates/email/`).
pub(super) fn render(t: &impl Template) -> Result<String, ServiceError> {
    t.render()
        .map_err(|e| ServiceError::Internal(format!("mail template: {e}")))
}

/// The sender line of a project's mail: `{Project} security team <mail_from>`.
pub fn team_sender(cfg: &Config, project: &store::projects::ProjectRow) -> String {
    format!(
        "{} security team <{}>",
        project.name.replace(['<', '>', '"'], ""),
        cfg.mail_from
    )
}

/// A one-recipient message from a project's team, its subject prefixed `[{Project}]`.
pub fn team_message(
    cfg: &Config,
    project: &store::projects::ProjectRow,
    to: &str,
    subject: &str,
    text: String,
) -> Outgoing {
    Outgoing {
        from: team_sender(cfg, project),
        to: vec![to.to_owned()],
        subject: format!("[{}] {subject}", project.name),
        text,
        message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    }
}

/// A composed message and its Message-ID.
pub(crate) struct Mail {
    /// Its Message-ID (without angle brackets).
    pub(crate) message_id: String,
    /// The RFC 5322 bytes.
    pub(crate) raw: Vec<u8>,
}

/// How to protect an outgoing message (owned keys, resolved by the caller).
pub enum Protect {
    /// Plain.
    None,
    /// Signed by this key.
    Sign(SecretKey),
    /// Encrypted to these keys, signed by the signer if any.
    Encrypt {
        /// Recipient keys.
        recipients: Vec<PublicKey>,
        /// Signer.
        signer: Option<SecretKey>,
    },
}

/// The project's current signing key, read in `tx` (`None` without a master key or a
/// project key: the mail then goes encrypted but unsigned, as before a key existed).
async fn project_signer(tx: &mut Tx, cfg: &Config, project_id: i64) -> Option<SecretKey> {
    let row = store::keys::current(tx.conn(), store::keys::Owner::Project(project_id))
        .await
        .ok()??;
    let sealed = row.secret_sealed?;
    let vault = cfg.vault(false).ok()?;
    SecretKey::from_bytes(&vault.open(&sealed).ok()?).ok()
}

/// Compose `msg` and add it to the outbox in `tx`; returns the outbox id.
pub async fn enqueue(
    tx: &mut Tx,
    cfg: &Config,
    msg: &Outgoing,
    protect: &Protect,
    project_id: Option<i64>,
    purpose: &str,
) -> Result<i64, ServiceError> {
    // Every encrypted mail sent for a project is signed with the project's key, so its
    // recipient can tell it comes from the team: callers that pass no signer get it here.
    let project_signer = match (protect, project_id) {
        (Protect::Encrypt { signer: None, .. }, Some(pid)) => project_signer(tx, cfg, pid).await,
        _ => None,
    };
    let protection = match protect {
        Protect::None => Protection::None,
        Protect::Sign(k) => Protection::Sign(k),
        Protect::Encrypt { recipients, signer } => Protection::Encrypt {
            recipients: recipients.iter().collect(),
            signer: signer.as_ref().or(project_signer.as_ref()),
        },
    };
    let raw = compose::compose(msg, protection)?;
    let recipients: Vec<String> = msg
        .to
        .iter()
        .map(|t| {
            t.parse::<lettre::message::Mailbox>()
                .map(|m| m.email.to_string())
                .map_err(|e| ServiceError::Invalid(format!("recipient `{t}`: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let id = store::outbox::enqueue(
        tx.conn(),
        NewMessage {
            message_id: &msg.message_id,
            project_id,
            purpose,
            envelope_from: cfg.mail_from.as_str(),
            recipients: &recipients,
            raw: &raw,
        },
        store::now(),
    )
    .await?;
    Ok(id)
}

#[derive(Template)]
#[template(path = "email/send_test/body.txt")]
struct SendTestBody {
    project: Option<String>,
    queued_at: String,
    signed: bool,
    signer: String,
    encrypted: bool,
    recipient_key: String,
    public_url: String,
}

/// Options of `embargo mail send-test`.
pub struct SendTest {
    /// Recipient.
    pub to: EmailAddress,
    /// Project whose key signs, if any.
    pub project: Option<String>,
    /// Sign with the project key.
    pub sign: bool,
    /// Encrypt to this key.
    pub encrypt_to: Option<PublicKey>,
}

/// Queue a test message through the outbox; returns its Message-ID.
pub async fn send_test(
    db: &Db,
    cfg: &Config,
    vault: Option<&Vault>,
    actor: &Actor,
    t: SendTest,
) -> Result<String, ServiceError> {
    let project = match &t.project {
        Some(slug) => Some(super::projects::find(db, slug).await?),
        None => None,
    };
    let signer = if t.sign {
        let project = project.as_ref().ok_or_else(|| {
            ServiceError::Invalid(
                "--sign needs --project: test mail is signed with the project key".into(),
            )
        })?;
        let vault = vault.ok_or_else(|| {
            ServiceError::Invalid(
                "signing needs the master key (secret_key or secret_key_file)".into(),
            )
        })?;
        Some(
            keys::project_signing_key(db, vault, project.id)
                .await?
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "project `{}` has no key yet; run `embargo key generate --project {}`",
                        project.slug, project.slug
                    ))
                })?,
        )
    } else {
        None
    };
    let body = SendTestBody {
        project: project.as_ref().map(|p| p.name.clone()),
        queued_at: jiff::Timestamp::now().to_string(),
        signed: signer.is_some(),
        signer: signer
            .as_ref()
            .map(SecretKey::fingerprint)
            .unwrap_or_default(),
        encrypted: t.encrypt_to.is_some(),
        recipient_key: t
            .encrypt_to
            .as_ref()
            .map(PublicKey::fingerprint)
            .unwrap_or_default(),
        public_url: cfg.public_url.to_string(),
    }
    .render()
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let message_id = crate::mail::new_message_id(cfg.mail_from.domain());
    let msg = Outgoing {
        from: format!("Embargo <{}>", cfg.mail_from),
        to: vec![t.to.to_string()],
        subject: "Embargo test message".into(),
        text: body,
        message_id: message_id.clone(),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    };
    let protect = match (t.encrypt_to, signer) {
        (Some(key), signer) => Protect::Encrypt {
            recipients: vec![key],
            signer,
        },
        (None, Some(signer)) => Protect::Sign(signer),
        (None, None) => Protect::None,
    };
    let mut tx = db.begin().await?;
    let id = enqueue(
        &mut tx,
        cfg,
        &msg,
        &protect,
        project.as_ref().map(|p| p.id),
        "test",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "mail.test_queued",
        ("outbox", &id.to_string()),
        project.as_ref().map(|p| p.id),
        json!({"to": t.to.as_str(), "message_id": message_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(message_id)
}
