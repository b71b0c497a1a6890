//! Building outgoing messages as RFC 5322 bytes.
//!
//! Plain messages are `text/plain; charset=utf-8` in quoted-printable, with
//! optional attachments in `multipart/mixed`. PGP/MIME follows RFC 3156:
//! signed mail is `multipart/signed; protocol="application/pgp-signature";
//! micalg=pgp-sha256` over the exact bytes of the first part; encrypted mail
//! is `multipart/encrypted; protocol="application/pgp-encrypted"` whose
//! payload is the inner MIME entity, signed and encrypted in one OpenPGP
//! message (RFC 3156 §6.2). The inner entity of an encrypted message carries
//! the Subject as a protected header (`protected-headers="v1"`), as
//! Thunderbird does. List mail carries List-Id, List-Unsubscribe and
//! List-Unsubscribe-Post (RFC 2369, RFC 2919, RFC 8058).

use crate::pgp::{self, PublicKey, SecretKey};
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An address or header is not valid.
    #[error("cannot build the message: {0}")]
    Invalid(String),
    /// Signing or encryption failed.
    #[error(transparent)]
    Pgp(#[from] pgp::PgpError),
}

fn invalid(e: impl std::fmt::Display) -> ComposeError {
    ComposeError::Invalid(e.to_string())
}

/// An attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name shown to the recipient.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Headers of mail sent to a list (announcements).
#[derive(Debug, Clone)]
pub struct ListHeaders {
    /// List-Id value, such as `Demo announcements <demo-announce.security.example.org>`.
    pub id: String,
    /// HTTPS unsubscribe link; POSTing `List-Unsubscribe=One-Click` to it unsubscribes (RFC 8058).
    pub unsubscribe_url: String,
}

/// A message to compose.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Sender (display name and address).
    pub from: String,
    /// Recipients; one message per recipient for confidential mail (never Cc).
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// Message-ID this answers (threading).
    pub in_reply_to: Option<String>,
    /// Where replies should go (a per-case address), if not the sender.
    pub reply_to: Option<String>,
    /// List headers, for list mail.
    pub list: Option<ListHeaders>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

/// How a message is protected.
pub enum Protection<'a> {
    /// Neither signed nor encrypted.
    None,
    /// PGP/MIME signed.
    Sign(&'a SecretKey),
    /// PGP/MIME encrypted to every recipient key, signed by `signer` if given.
    Encrypt {
        /// Recipients' keys.
        recipients: Vec<&'a PublicKey>,
        /// Signing key.
        signer: Option<&'a SecretKey>,
    },
}

enum Entity {
    Single(SinglePart),
    Multi(MultiPart),
}

impl Entity {
    fn formatted(&self) -> Vec<u8> {
        match self {
            Self::Single(p) => p.formatted(),
            Self::Multi(p) => p.formatted(),
        }
    }

    fn add_to(self, parent: lettre::message::MultiPartBuilder) -> MultiPart {
        match self {
            Self::Single(p) => parent.singlepart(p),
            Self::Multi(p) => parent.multipart(p),
        }
    }
}

fn text_part(text: &str, protected_subject: Option<&str>) -> Result<SinglePart, ComposeError> {
    // CRLF line ends and quoted-printable keep the signed bytes stable through any relay.
    let normalised = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let body = Body::new_with_encoding(normalised, ContentTransferEncoding::QuotedPrintable)
        .map_err(|_| invalid("the text cannot be encoded"))?;
    let content_type = match protected_subject {
        Some(_) => "text/plain; charset=utf-8; protected-headers=\"v1\"",
        None => "text/plain; charset=utf-8",
    };
    let mut part = SinglePart::builder().header(ContentType::parse(content_type).map_err(invalid)?);
    if let Some(subject) = protected_subject {
        part = part.header(lettre::message::header::Subject::from(subject.to_owned()));
    }
    Ok(part.body(body))
}

fn body_entity(msg: &Outgoing, protected_subject: Option<&str>) -> Result<Entity, ComposeError> {
    let text = text_part(
        &msg.text,
        if msg.attachments.is_empty() {
            protected_subject
        } else {
            None
        },
    )?;
    if msg.attachments.is_empty() {
        return Ok(Entity::Single(text));
    }
    let mut mixed = MultiPart::mixed().singlepart(text);
    if let Some(subject) = protected_subject {
        // The protected Subject goes on the outermost inner part.
        mixed = MultiPart::mixed()
            .header(lettre::message::header::Subject::from(subject.to_owned()))
            .singlepart(text_part(&msg.text, None)?);
    }
    for a in &msg.attachments {
        let ct = ContentType::parse(&a.content_type)
            .map_err(|_| invalid(format!("`{}` is not a media type", a.content_type)))?;
        mixed = mixed.singlepart(
            lettre::message::Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct),
        );
    }
    Ok(Entity::Multi(mixed))
}

fn header(name: &str, value: String) -> Result<HeaderValue, ComposeError> {
    let name = HeaderName::new_from_ascii(name.to_owned()).map_err(invalid)?;
    Ok(HeaderValue::new(name, value))
}

fn seven_bit(content_type: &str, text: String) -> Result<SinglePart, ComposeError> {
    let body = Body::new_with_encoding(text, ContentTransferEncoding::SevenBit)
        .map_err(|_| invalid("armored data is not 7-bit"))?;
    Ok(SinglePart::builder()
        .header(ContentType::parse(content_type).map_err(invalid)?)
        .body(body))
}

/// The `X-Loop` value of mail sent as `from` (`Name <address>` or an address): the
/// address, lower case.
pub fn loop_stamp(from: &str) -> String {
    let addr = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from,
    };
    addr.trim().to_lowercase()
}

/// The whole message as bytes, ready for the outbox.
pub fn compose(msg: &Outgoing, protection: Protection<'_>) -> Result<Vec<u8>, ComposeError> {
    let from: Mailbox = msg
        .from
        .parse()
        .map_err(|e| invalid(format!("sender `{}`: {e}", msg.from)))?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(msg.subject.clone())
        .message_id(Some(format!("<{}>", msg.message_id)))
        .date_now()
        .user_agent("Embargo".to_owned());
    for to in &msg.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|e| invalid(format!("recipient `{to}`: {e}")))?;
        builder = builder.to(mailbox);
    }
    if let Some(reply_to) = &msg.reply_to {
        let mailbox: Mailbox = reply_to
            .parse()
            .map_err(|e| invalid(format!("reply address `{reply_to}`: {e}")))?;
        builder = builder.reply_to(mailbox);
    }
    if let Some(parent) = &msg.in_reply_to {
        builder = builder
            .in_reply_to(format!("<{parent}>"))
            .references(format!("<{parent}>"));
    }
    if let Some(list) = &msg.list {
        builder = builder
            .raw_header(header("List-Id", list.id.clone())?)
            .raw_header(header(
                "List-Unsubscribe",
                format!("<{}>", list.unsubscribe_url),
            )?)
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            )?);
    }
    builder = builder.raw_header(header("Auto-Submitted", "auto-generated".into())?);
    // Embargo's own stamp (RFC 3834 §5 asks a responder to recognise its own mail): a
    // message that comes back in through `mail ingest` never opens a case.
    builder = builder.raw_header(header("X-Loop", loop_stamp(&msg.from))?);

    let message = match protection {
        Protection::None => match body_entity(msg, None)? {
            Entity::Single(p) => builder.singlepart(p),
            Entity::Multi(p) => builder.multipart(p),
        },
        Protection::Sign(key) => {
            let inner = body_entity(msg, None)?;
            // RFC 3156 §5 / RFC 2046 §5.1.1: the CRLF before the next boundary belongs to the
            // boundary, so it is not signed; lettre's formatted part ends with it.
            let bytes = inner.formatted();
            let signature = pgp::sign_detached(key, bytes.strip_suffix(b"\r\n").unwrap_or(&bytes))?;
            let signed = inner
                .add_to(MultiPart::signed(
                    "application/pgp-signature".into(),
                    pgp::MICALG.into(),
                ))
                .singlepart(seven_bit(
                    "application/pgp-signature; name=\"signature.asc\"",
                    signature,
                )?);
            builder.multipart(signed)
        }
        Protection::Encrypt { recipients, signer } => {
            let inner = body_entity(msg, Some(&msg.subject))?;
            let armored = pgp::encrypt(&recipients, signer, &inner.formatted())?;
            let encrypted = MultiPart::encrypted("application/pgp-encrypted".into())
                .singlepart(seven_bit(
                    "application/pgp-encrypted",
                    "Version: 1\r\n".into(),
                )?)
                .singlepart(seven_bit(
                    "application/octet-stream; name=\"encrypted.asc\"",
                    armored,
                )?);
            builder.multipart(encrypted)
        }
    }
    .map_err(invalid)?;
    Ok(message.formatted())
}
