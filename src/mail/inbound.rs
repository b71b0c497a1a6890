//! Reading inbound mail (RFC 5322 / MIME), including PGP/MIME (RFC 3156)
//! encrypted, signed, and signed-and-encrypted messages, Thunderbird's
//! protected headers, and inline PGP (armored blocks in the body).
//!
//! The sender's OpenPGP key is collected however their client offers it: an
//! `application/pgp-keys` part inside or outside the encryption (Thunderbird's
//! "Attach My Public Key"), an `Autocrypt:` header, an `Autocrypt-Gossip:` header
//! inside the encrypted part, an inline `BEGIN PGP PUBLIC KEY BLOCK`. Key parts,
//! detached signatures and vCards are the client's furniture, never attachments
//! of the report. A signature by a key offered in the same message is checked
//! against it (a second pass): whether that binds the sender is decided as for
//! any key, by its user IDs and by where the signature sits.
//!
//! Input is bounded before parsing ([`MAX_MESSAGE_BYTES`], [`MAX_PARTS`]),
//! so a hostile message costs bounded memory and gets a clear error.

use crate::pgp::{self, PgpError, PublicKey, SecretKey, SignatureStatus};
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

/// Largest message accepted.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
/// Most MIME parts accepted in one message (after decryption too).
pub const MAX_PARTS: usize = 200;
/// Deepest nesting of encrypted/signed layers followed.
const MAX_LAYERS: usize = 4;
/// Most keys taken from one message.
pub const MAX_OFFERED_KEYS: usize = 5;
/// Largest key taken from a message.
pub const MAX_KEY_BYTES: usize = 256 * 1024;

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// Not an RFC 5322 message at all.
    #[error("this is not an e-mail message: {0}")]
    NotMail(String),
    /// Too large.
    #[error("the message is {size} bytes; the limit is {} MiB", MAX_MESSAGE_BYTES / (1024 * 1024))]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Too many parts.
    #[error("the message has {count} MIME parts; the limit is {MAX_PARTS}")]
    TooManyParts {
        /// How many.
        count: usize,
    },
    /// A PGP/MIME structure is broken.
    #[error("the {0} structure is broken: {1}")]
    Structure(&'static str, String),
    /// Decryption or verification failed.
    #[error(transparent)]
    Pgp(#[from] PgpError),
}

/// How the message was encrypted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    /// Not encrypted.
    None,
    /// PGP/MIME `multipart/encrypted`.
    PgpMime,
    /// An armored `BEGIN PGP MESSAGE` block in the body.
    Inline,
}

/// An attachment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InboundAttachment {
    /// File name, if given.
    pub filename: Option<String>,
    /// Media type (`type/subtype`, lower case).
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
    /// Contents.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Where a key offered in a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    /// An `application/pgp-keys` part (inside the encryption, or in clear).
    Attachment,
    /// The `Autocrypt:` header.
    Autocrypt,
    /// An `Autocrypt-Gossip:` header inside the encrypted part.
    AutocryptGossip,
    /// An armored `BEGIN PGP PUBLIC KEY BLOCK` in the text.
    Inline,
}

impl KeySource {
    /// For people: "an attached key".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Attachment => "the key attached to the mail",
            Self::Autocrypt => "the mail's Autocrypt header",
            Self::AutocryptGossip => "an Autocrypt-Gossip header inside the encrypted mail",
            Self::Inline => "the key block in the mail's text",
        }
    }
}

/// An OpenPGP key offered in a message (not yet validated).
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfferedKey {
    /// Where it came from.
    pub source: KeySource,
    /// The address an Autocrypt header gives it (`addr=`), if any.
    pub addr: Option<String>,
    /// The key, armored or binary.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A parsed inbound message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inbound {
    /// Sender address.
    pub from: Option<String>,
    /// Sender display name.
    pub from_name: Option<String>,
    /// To and Cc addresses.
    pub recipients: Vec<String>,
    /// Subject (the protected one, if the message had protected headers).
    pub subject: Option<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To and References message IDs.
    pub thread: Vec<String>,
    /// The plain text (decrypted, signature stripped).
    pub text: String,
    /// Attachments (after decryption).
    pub attachments: Vec<InboundAttachment>,
    /// How it was encrypted.
    pub encryption: Encryption,
    /// The signature result.
    pub signature: SignatureStatus,
    /// Whether what was decrypted is bound to the `From:` address, so it may be
    /// shown or mailed back to that sender (F2: mail intake must not be a
    /// decryption oracle). True when nothing was decrypted. For encrypted mail:
    /// exactly one decryption, and either a good signature by a known key with a
    /// user ID for the sender's address, or protected headers (Thunderbird's
    /// `protected-headers="v1"`) inside the encrypted part naming the sender in
    /// their `From:`.
    pub sender_bound: bool,
    /// SHA-256 (hex) of every plaintext decrypted from this message, to
    /// recognise a copy of an encrypted report sent again by someone else.
    pub decrypted_digests: Vec<String>,
    /// OpenPGP keys the message offers (at most [`MAX_OFFERED_KEYS`]), in the order
    /// found: inside the encryption first.
    pub keys: Vec<OfferedKey>,
    /// The parts the client added (key parts, detached signatures, vCards): kept,
    /// but not attachments of the report.
    pub client_parts: Vec<InboundAttachment>,
}

impl Inbound {
    /// Whether anything in the message was encrypted.
    pub fn was_encrypted(&self) -> bool {
        self.encryption != Encryption::None
    }
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn ctype(part: &MessagePart<'_>) -> (String, String) {
    match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        ),
        None => ("text".into(), "plain".into()),
    }
}

fn is(part: &MessagePart<'_>, t: &str, s: &str) -> bool {
    let (a, b) = ctype(part);
    a == t && b == s
}

fn sub_parts<'m>(msg: &'m Message<'m>, part: &'m MessagePart<'m>) -> Vec<&'m MessagePart<'m>> {
    match &part.body {
        PartType::Multipart(ids) => ids
            .iter()
            .filter_map(|id| msg.parts.get(*id as usize))
            .collect(),
        _ => Vec::new(),
    }
}

/// What the content layer yields.
struct Content {
    text: String,
    attachments: Vec<InboundAttachment>,
    subject: Option<String>,
    encryption: Encryption,
    signature: SignatureStatus,
    /// The `From:` address of protected headers, taken only from inside a
    /// decrypted plaintext (headers outside the encryption protect nothing).
    protected_from: Option<String>,
    /// A signature made inside the encryption (sign-then-encrypt, or a
    /// `multipart/signed` inside the plaintext): only such a signature binds
    /// decrypted content to its signer. One around the ciphertext does not.
    inner_signature: SignatureStatus,
    /// Digests of the plaintexts decrypted on the way (one per decryption).
    digests: Vec<String>,
    /// Keys offered on the way.
    keys: Vec<OfferedKey>,
    /// Parts the client added.
    client_parts: Vec<InboundAttachment>,
}

/// Whether a part is a client's furniture rather than something the reporter attached:
/// keys (collected separately), detached signatures, vCards.
fn furniture(t: &str, s: &str) -> bool {
    matches!(
        (t, s),
        ("application", "pgp-keys")
            | ("application", "pgp-signature")
            | ("application", "pkcs7-signature")
            | ("application", "x-pkcs7-signature")
            | ("text", "vcard")
            | ("text", "x-vcard")
            | ("text", "directory")
    )
}

/// `addr=…; keydata=…` of an Autocrypt or Autocrypt-Gossip header.
fn autocrypt(value: &str, source: KeySource) -> Option<OfferedKey> {
    use base64::Engine;
    let mut addr = None;
    let mut keydata = None;
    for attr in value.split(';') {
        let (k, v) = attr.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "addr" => addr = Some(v.trim().to_lowercase()),
            "keydata" => {
                let b64: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                keydata = base64::engine::general_purpose::STANDARD.decode(b64).ok();
            }
            _ => {}
        }
    }
    let bytes = keydata.filter(|b| !b.is_empty() && b.len() <= MAX_KEY_BYTES)?;
    Some(OfferedKey {
        source,
        addr,
        bytes,
    })
}

fn offer(keys: &mut Vec<OfferedKey>, key: OfferedKey) {
    if keys.len() < MAX_OFFERED_KEYS
        && key.bytes.len() <= MAX_KEY_BYTES
        && !keys.iter().any(|k| k.bytes == key.bytes)
    {
        keys.push(key);
    }
}

fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

struct Reader<'k> {
    secrets: &'k [SecretKey],
    known: &'k [PublicKey],
}

impl Reader<'_> {
    fn parse_bytes<'x>(&self, raw: &'x [u8]) -> Result<Message<'x>, InboundError> {
        let msg = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| InboundError::NotMail("it has no headers and no body".into()))?;
        if msg.parts.len() > MAX_PARTS {
            return Err(InboundError::TooManyParts {
                count: msg.parts.len(),
            });
        }
        Ok(msg)
    }

    /// Read a MIME entity (a whole message, or a decrypted inner entity);
    /// `decrypted` says whether it is (part of) a plaintext Embargo decrypted.
    fn content(&self, raw: &[u8], depth: usize, decrypted: bool) -> Result<Content, InboundError> {
        if depth > MAX_LAYERS {
            return Err(InboundError::Structure(
                "PGP/MIME",
                format!("more than {MAX_LAYERS} nested encrypted or signed layers"),
            ));
        }
        let msg = self.parse_bytes(raw)?;
        let root = msg.root_part();
        let protected = root
            .content_type()
            .and_then(|ct| ct.attribute("protected-headers"))
            .is_some();
        // Protected headers count for binding only inside a decrypted plaintext.
        let protected_from_here = decrypted && protected;
        let protected_subject = protected
            .then(|| msg.subject().map(str::to_owned))
            .flatten();
        let protected_from = protected_from_here
            .then(|| {
                msg.from()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address().map(str::to_lowercase))
            })
            .flatten();

        // Autocrypt: the sender's key in the outer headers; Autocrypt-Gossip only
        // inside a decrypted entity (outside, anyone on the path could have added it).
        let mut header_keys = Vec::new();
        for h in root.headers() {
            let name = h.name();
            let source = if name.eq_ignore_ascii_case("Autocrypt") && depth == 0 && !decrypted {
                KeySource::Autocrypt
            } else if name.eq_ignore_ascii_case("Autocrypt-Gossip") && decrypted {
                KeySource::AutocryptGossip
            } else {
                continue;
            };
            let value = raw
                .get(h.offset_start() as usize..h.offset_end() as usize)
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            if let Some(k) = autocrypt(&value, source) {
                offer(&mut header_keys, k);
            }
        }

        if is(root, "multipart", "encrypted") {
            let parts = sub_parts(&msg, root);
            let payload = parts
                .iter()
                .find(|p| is(p, "application", "octet-stream"))
                .or(parts.get(1))
                .ok_or_else(|| {
                    InboundError::Structure(
                        "multipart/encrypted",
                        "it has no encrypted payload part".into(),
                    )
                })?;
            let plain = pgp::decrypt(self.secrets, self.known, payload.contents())?;
            let mut inner = self.content(&plain.plaintext, depth + 1, true)?;
            inner.digests.insert(0, digest(&plain.plaintext));
            inner.encryption = Encryption::PgpMime;
            for k in header_keys {
                offer(&mut inner.keys, k);
            }
            if plain.signature != SignatureStatus::Unsigned {
                inner.inner_signature = plain.signature.clone();
                inner.signature = plain.signature;
            }
            return Ok(inner);
        }

        if is(root, "multipart", "signed") {
            let parts = sub_parts(&msg, root);
            let (Some(signed), Some(signature)) = (parts.first(), parts.get(1)) else {
                return Err(InboundError::Structure(
                    "multipart/signed",
                    "it needs a signed part and a signature part".into(),
                ));
            };
            // The signed bytes are exactly those between the first two delimiter lines,
            // without the CRLF that belongs to the second (RFC 2046 §5.1.1, RFC 3156 §5):
            // found in the raw text, since a parser's part offsets need not end there
            // (a signed multipart ends with its own closing delimiter and a line break).
            let boundary = root
                .content_type()
                .and_then(|ct| ct.attribute("boundary"))
                .unwrap_or("");
            let signed_bytes = match first_part(raw, boundary) {
                Some(b) => b,
                None => {
                    let start = signed.raw_header_offset() as usize;
                    let end = signed.raw_end_offset() as usize;
                    let b = raw.get(start..end).ok_or_else(|| {
                        InboundError::Structure(
                            "multipart/signed",
                            "the signed part is truncated".into(),
                        )
                    })?;
                    b.strip_suffix(b"\r\n")
                        .or_else(|| b.strip_suffix(b"\n"))
                        .unwrap_or(b)
                }
            };
            let status = pgp::verify_detached(self.known, signed_bytes, signature.contents())?;
            let mut inner = self.content(signed_bytes, depth + 1, decrypted)?;
            for k in header_keys {
                offer(&mut inner.keys, k);
            }
            if inner.subject.is_none() {
                inner.subject = protected_subject;
            }
            if decrypted {
                // Signed inside the encryption: it vouches for the content.
                if inner.protected_from.is_none() {
                    inner.protected_from = protected_from;
                }
                inner.inner_signature = status.clone();
                inner.signature = status;
            } else if inner.digests.is_empty() {
                // A signed message in clear.
                inner.signature = status;
            }
            // A signature around a ciphertext says nothing of who wrote the plaintext:
            // it changes neither the shown status nor the binding.
            return Ok(inner);
        }

        // A plain entity: text and attachments.
        let mut text = String::new();
        let mut attachments = Vec::new();
        let mut keys = Vec::new();
        let mut client_parts = Vec::new();
        let mut forwarded = String::new();
        for part in &msg.parts {
            if part.is_multipart() || is(part, "text", "rfc822-headers") {
                continue;
            }
            let (t, s) = ctype(part);
            // A forwarded message (Gmail's "Forward as attachment", Outlook's "Forward as
            // attachment"): its text is part of the report; the message itself is kept.
            if let PartType::Message(inner) = &part.body {
                forwarded.push_str(&forwarded_text(inner));
                client_parts.push(InboundAttachment {
                    filename: part.attachment_name().map(str::to_owned).or_else(|| {
                        Some(format!(
                            "{}.eml",
                            inner.subject().unwrap_or("forwarded message").trim()
                        ))
                    }),
                    content_type: "message/rfc822".into(),
                    size: inner.raw_message().len(),
                    bytes: inner.raw_message().to_vec(),
                });
                continue;
            }
            // An image the HTML version shows inline (Apple Mail, Outlook: a pasted
            // screenshot, a signature logo): the client's layout, kept, not an attachment.
            let inline_image = t == "image"
                && part.content_id().is_some()
                && !part
                    .content_disposition()
                    .is_some_and(|d| d.is_attachment());
            if inline_image {
                client_parts.push(InboundAttachment {
                    filename: part
                        .attachment_name()
                        .map(str::to_owned)
                        .or_else(|| Some(format!("inline-image.{s}"))),
                    content_type: format!("{t}/{s}"),
                    size: part.contents().len(),
                    bytes: part.contents().to_vec(),
                });
                continue;
            }
            if furniture(&t, &s) {
                client_parts.push(InboundAttachment {
                    filename: part.attachment_name().map(str::to_owned),
                    content_type: format!("{t}/{s}"),
                    size: part.contents().len(),
                    bytes: part.contents().to_vec(),
                });
                if (t.as_str(), s.as_str()) == ("application", "pgp-keys") {
                    offer(
                        &mut keys,
                        OfferedKey {
                            source: KeySource::Attachment,
                            addr: None,
                            bytes: part.contents().to_vec(),
                        },
                    );
                }
                continue;
            }
            let is_attachment = part.attachment_name().is_some()
                || part
                    .content_disposition()
                    .is_some_and(|d| d.is_attachment())
                || !(part.is_text());
            if is_attachment {
                let (t, s) = ctype(part);
                attachments.push(InboundAttachment {
                    filename: part.attachment_name().map(str::to_owned),
                    content_type: format!("{t}/{s}"),
                    size: part.contents().len(),
                    bytes: part.contents().to_vec(),
                });
            }
        }
        // Every text part of the body, in order (a list's footer may be its own part).
        let mut i = 0;
        while let Some(body) = msg.body_text(i) {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&body);
            i += 1;
        }
        // A key block pasted in the text is looked for before an inline signature
        // replaces the text with what it signed (the key often follows the signature).
        if let Some(block) = armored_block(&text, "PGP PUBLIC KEY BLOCK") {
            offer(
                &mut keys,
                OfferedKey {
                    source: KeySource::Inline,
                    addr: None,
                    bytes: block.into_bytes(),
                },
            );
        }
        text.push_str(&forwarded);
        let mut content = Content {
            text,
            attachments,
            subject: protected_subject,
            encryption: Encryption::None,
            signature: SignatureStatus::Unsigned,
            protected_from,
            inner_signature: SignatureStatus::Unsigned,
            digests: Vec::new(),
            keys,
            client_parts,
        };
        self.inline_pgp(&mut content)?;
        // And inside what an inline block decrypted.
        if let Some(block) = armored_block(&content.text, "PGP PUBLIC KEY BLOCK") {
            offer(
                &mut content.keys,
                OfferedKey {
                    source: KeySource::Inline,
                    addr: None,
                    bytes: block.into_bytes(),
                },
            );
        }
        for k in header_keys {
            offer(&mut content.keys, k);
        }
        Ok(content)
    }

    /// Decrypt or verify an armored block in the body.
    fn inline_pgp(&self, content: &mut Content) -> Result<(), InboundError> {
        if let Some(block) = armored_block(&content.text, "PGP MESSAGE") {
            let plain = pgp::decrypt(self.secrets, self.known, block.as_bytes())?;
            content.digests.push(digest(&plain.plaintext));
            content.text = String::from_utf8_lossy(&plain.plaintext).into_owned();
            // Headers outside an inline block protect nothing inside it.
            content.protected_from = None;
            content.encryption = Encryption::Inline;
            content.inner_signature = plain.signature.clone();
            content.signature = plain.signature;
            // The plaintext may itself be cleartext-signed (inside the encryption).
            if let Some(signed) = armored_block(&content.text, "PGP SIGNED MESSAGE") {
                let (text, status) = pgp::verify_inline(self.known, signed.as_bytes())?;
                content.text = String::from_utf8_lossy(&text).into_owned();
                content.inner_signature = status.clone();
                content.signature = status;
            }
        } else if let Some(signed) = armored_block(&content.text, "PGP SIGNED MESSAGE") {
            let (text, status) = pgp::verify_inline(self.known, signed.as_bytes())?;
            content.text = String::from_utf8_lossy(&text).into_owned();
            content.signature = status;
        }
        Ok(())
    }
}

/// The first body part of a multipart entity with `boundary`, as raw bytes: from the
/// line after the first delimiter to the line break before the next one.
fn first_part<'r>(raw: &'r [u8], boundary: &str) -> Option<&'r [u8]> {
    if boundary.is_empty() {
        return None;
    }
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let at_line_start = |i: usize| i == 0 || raw.get(i - 1) == Some(&b'\n');
    let find_from = |from: usize| -> Option<usize> {
        let mut i = from;
        while i + delim.len() <= raw.len() {
            let rel = raw[i..].windows(delim.len()).position(|w| w == delim)?;
            let at = i + rel;
            if at_line_start(at) {
                return Some(at);
            }
            i = at + 1;
        }
        None
    };
    let first = find_from(0)?;
    let line_end = first + raw[first..].iter().position(|&b| b == b'\n')?;
    let start = line_end + 1;
    let second = find_from(start)?;
    // The line break before the second delimiter belongs to it.
    let mut end = second.checked_sub(1)?;
    if end > start && raw.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    raw.get(start..end.max(start))
}

/// The text of a forwarded message, with the headers a reader needs.
fn forwarded_text(inner: &Message<'_>) -> String {
    let from = inner
        .from()
        .and_then(|a| a.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.to_owned(),
            (Some(n), None) => n.to_owned(),
            (None, None) => String::new(),
        })
        .unwrap_or_default();
    let mut body = String::new();
    let mut i = 0;
    while let Some(t) = inner.body_text(i) {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&t);
        i += 1;
    }
    format!(
        "\n\n---------- Forwarded message ----------\nFrom: {from}\nDate: {}\nSubject: {}\n\n{}\n",
        inner.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        inner.subject().unwrap_or(""),
        body.trim_end()
    )
}

/// The first armored block of `kind` in `text`, from BEGIN to END inclusive.
fn armored_block(text: &str, kind: &str) -> Option<String> {
    let begin = format!("-----BEGIN {kind}-----");
    let start = text.find(&begin)?;
    let end_marker = if kind == "PGP SIGNED MESSAGE" {
        "-----END PGP SIGNATURE-----".to_owned()
    } else {
        format!("-----END {kind}-----")
    };
    let end = text[start..].find(&end_marker)? + start + end_marker.len();
    Some(format!("{}\n", &text[start..end]))
}

/// Parse a raw message, decrypting with `secrets` and checking signatures against `known`.
pub fn parse(
    raw: &[u8],
    secrets: &[SecretKey],
    known: &[PublicKey],
) -> Result<Inbound, InboundError> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(InboundError::TooLarge { size: raw.len() });
    }
    let reader = Reader { secrets, known };
    let msg = reader.parse_bytes(raw)?;
    let has_mail_headers = msg.from().is_some()
        || msg.to().is_some()
        || msg.subject().is_some()
        || msg.date().is_some()
        || msg.message_id().is_some();
    if !has_mail_headers {
        return Err(InboundError::NotMail(
            "it has none of From, To, Subject, Date or Message-ID".into(),
        ));
    }
    let from = msg.from().and_then(|a| a.first());
    let recipients: Vec<String> = msg
        .to()
        .into_iter()
        .chain(msg.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::to_owned))
        .collect();
    let mut thread = ids(msg.in_reply_to());
    thread.extend(ids(msg.references()));
    thread.dedup();
    let mut content = reader.content(raw, 0, false)?;
    // Signed by a key the message itself offers: read it again knowing those keys.
    let mut known: Vec<PublicKey> = known.to_vec();
    if matches!(content.signature, SignatureStatus::UnknownKey { .. }) {
        let offered: Vec<PublicKey> = content
            .keys
            .iter()
            .filter_map(|k| PublicKey::from_bytes(&k.bytes).ok())
            .collect();
        if !offered.is_empty() {
            known.extend(offered);
            let again = Reader {
                secrets,
                known: &known,
            };
            content = again.content(raw, 0, false)?;
        }
    }
    let known = known.as_slice();
    let sender = from.and_then(|a| a.address().map(str::to_lowercase));
    let sender_bound = match content.digests.len() {
        0 => true,
        1 => sender.as_deref().is_some_and(|s| {
            content.protected_from.as_deref() == Some(s)
                || signed_by_key_for(&content.inner_signature, known, s)
        }),
        // A ciphertext inside a ciphertext: whoever wrapped it need not have written it.
        _ => false,
    };
    Ok(Inbound {
        sender_bound,
        decrypted_digests: content.digests,
        from: from.and_then(|a| a.address().map(str::to_owned)),
        from_name: from.and_then(|a| a.name().map(str::to_owned)),
        recipients,
        subject: content.subject.or_else(|| msg.subject().map(str::to_owned)),
        message_id: msg.message_id().map(str::to_owned),
        thread,
        text: content.text,
        attachments: content.attachments,
        encryption: content.encryption,
        signature: content.signature,
        keys: content.keys,
        client_parts: content.client_parts,
    })
}

/// Whether `status` is a good signature by one of `known` whose user IDs name `address`.
fn signed_by_key_for(status: &SignatureStatus, known: &[PublicKey], address: &str) -> bool {
    let SignatureStatus::Good { fingerprint } = status else {
        return false;
    };
    known
        .iter()
        .filter(|k| k.fingerprint() == *fingerprint)
        .flat_map(|k| k.info().user_ids)
        .any(|uid| {
            let addr = match (uid.rfind('<'), uid.rfind('>')) {
                (Some(a), Some(b)) if a < b => &uid[a + 1..b],
                _ => uid.as_str(),
            };
            addr.trim().eq_ignore_ascii_case(address)
        })
}

/// The headers needed to route a message, read without decrypting it.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Sender address.
    pub from: Option<String>,
    /// To, Cc and Delivered-To addresses, lower case.
    pub recipients: Vec<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To and References.
    pub thread: Vec<String>,
    /// Auto-Submitted other than `no`, or bulk/junk precedence: never answer it (RFC
    /// 3834). (List mail is held by `service::mail_loops` unless it is the project's
    /// own security list relaying a report, which is answered like any report.)
    pub automatic: bool,
    /// The `Auto-Submitted` header, if any.
    pub auto_submitted: Option<String>,
    /// The `Precedence` header, if any (lower case).
    pub precedence: Option<String>,
    /// The `List-Id` header, if any.
    pub list_id: Option<String>,
    /// The `List-Post` header, if any.
    pub list_post: Option<String>,
    /// Every `X-Loop` header (Embargo stamps its own on everything it sends).
    pub x_loop: Vec<String>,
    /// The `Reply-To` address, lower case (a list that rewrites `From:` for DMARC puts
    /// the author here).
    pub reply_to: Option<String>,
    /// The `X-Original-From` address, lower case (Mailman's and Google Groups' record of
    /// the author when they rewrite `From:`).
    pub original_from: Option<String>,
    /// A delivery or read report (`multipart/report`, RFC 6522): a bounce, never a report.
    pub delivery_report: bool,
}

/// Read the routing headers of a raw message.
pub fn envelope(raw: &[u8]) -> Result<Envelope, InboundError> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(InboundError::TooLarge { size: raw.len() });
    }
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| InboundError::NotMail("it has no headers and no body".into()))?;
    let has_mail_headers = msg.from().is_some()
        || msg.to().is_some()
        || msg.subject().is_some()
        || msg.date().is_some()
        || msg.message_id().is_some();
    if !has_mail_headers {
        return Err(InboundError::NotMail(
            "it has none of From, To, Subject, Date or Message-ID".into(),
        ));
    }
    let mut recipients: Vec<String> = msg
        .to()
        .into_iter()
        .chain(msg.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::to_lowercase))
        .collect();
    for h in msg.headers() {
        if (h.name().eq_ignore_ascii_case("Delivered-To")
            || h.name().eq_ignore_ascii_case("X-Original-To"))
            && let Some(t) = h.value().as_text()
        {
            recipients.push(t.trim().trim_matches(['<', '>']).to_lowercase());
        }
    }
    let mut thread = ids(msg.in_reply_to());
    thread.extend(ids(msg.references()));
    let raw_header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_owned());
    let auto_submitted_header = raw_header("Auto-Submitted");
    let precedence = raw_header("Precedence").map(|v| v.to_ascii_lowercase());
    let auto_submitted = auto_submitted_header
        .as_deref()
        .is_some_and(|v| !v.eq_ignore_ascii_case("no"));
    let bulk = precedence
        .as_deref()
        .is_some_and(|v| matches!(v, "bulk" | "junk"));
    let x_loop = msg
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("X-Loop"))
        .filter_map(|h| {
            raw.get(h.offset_start() as usize..h.offset_end() as usize)
                .map(|v| String::from_utf8_lossy(v).trim().to_lowercase())
        })
        .collect();
    Ok(Envelope {
        from: msg
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address().map(str::to_lowercase)),
        recipients,
        message_id: msg.message_id().map(str::to_owned),
        thread,
        automatic: auto_submitted || bulk,
        auto_submitted: auto_submitted_header,
        precedence,
        list_id: raw_header("List-Id"),
        list_post: raw_header("List-Post"),
        x_loop,
        delivery_report: msg.root_part().content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        }),
        reply_to: msg
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address().map(str::to_lowercase)),
        original_from: raw_header("X-Original-From").map(|v| {
            let addr = match (v.rfind('<'), v.rfind('>')) {
                (Some(a), Some(b)) if a < b => &v[a + 1..b],
                _ => v.as_str(),
            };
            addr.trim().to_lowercase()
        }),
    })
}
