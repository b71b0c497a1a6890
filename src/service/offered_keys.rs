//! The reporter's key from what a mail offers, and the report's signature as the
//! case shows it.
//!
//! A mail may offer several keys (an attachment, an Autocrypt header, a key block in
//! the text; see `mail::inbound`). The one kept as the case's reporter key is the
//! first that can receive encrypted mail and names the sender's address; failing
//! that, the first that can receive encrypted mail, kept with a note that it does
//! not name the sender (it encrypts replies, but never makes the sender count as the
//! report's author: that is decided by `Inbound::sender_bound` alone). An Autocrypt
//! header for another address (gossip about other recipients) is not the sender's.

use crate::mail::inbound::{Inbound, OfferedKey};
use crate::pgp::{PublicKey, SignatureStatus};

/// The key kept for the reporter.
#[derive(Debug, Clone)]
pub(super) struct Chosen {
    /// Armored.
    pub armored: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Where it came from, and whether it names the sender (shown on the case).
    pub note: String,
}

/// Whether a user ID (`Name <address>` or an address) is for `address`.
pub(super) fn uid_names(uid: &str, address: &str) -> bool {
    let addr = match (uid.rfind('<'), uid.rfind('>')) {
        (Some(a), Some(b)) if a < b => &uid[a + 1..b],
        _ => uid,
    };
    addr.trim().eq_ignore_ascii_case(address)
}

/// The reporter's key among `keys`, for mail from `sender`.
pub(super) async fn choose(keys: &[OfferedKey], sender: &str) -> Option<Chosen> {
    let mut fallback = None;
    for k in keys {
        if k.addr
            .as_deref()
            .is_some_and(|a| !a.eq_ignore_ascii_case(sender))
        {
            continue;
        }
        let Ok((key, info)) = super::keys::inspect_recipient_untrusted(k.bytes.clone()).await
        else {
            continue;
        };
        let Ok(armored) = key.to_armored() else {
            continue;
        };
        if info.user_ids.iter().any(|u| uid_names(u, sender)) {
            return Some(Chosen {
                armored,
                fingerprint: info.fingerprint.clone(),
                note: format!(
                    "from {} ({}, names {sender})",
                    k.source.describe(),
                    info.key_id
                ),
            });
        }
        // A key block in the report's text that does not name the sender may be the
        // report's subject (a proof of concept), not the reporter's key.
        if fallback.is_none() && k.source != crate::mail::inbound::KeySource::Inline {
            fallback = Some(Chosen {
                armored,
                fingerprint: info.fingerprint.clone(),
                note: format!(
                    "from {} ({}); it does not name the sender's address {sender}, so it does not show who wrote the report",
                    k.source.describe(),
                    info.key_id
                ),
            });
        }
    }
    fallback
}

/// Whether `parsed` proves its sender holds `key`: encrypted, bound to the sender, and
/// signed inside the encryption by that very key. Only then does a key offered in a
/// reply (whose thread anyone who saw a Reply-To can join) replace nothing silently.
pub(super) fn proven_by(parsed: &Inbound, key: &Chosen) -> bool {
    parsed.sender_bound
        && !parsed.decrypted_digests.is_empty()
        && matches!(&parsed.signature, SignatureStatus::Good { fingerprint } if *fingerprint == key.fingerprint)
}

/// The report's signature as the case shows it (`None`: not signed).
pub(super) fn signature_text(
    parsed: &Inbound,
    known: &[PublicKey],
    sender: &str,
) -> Option<String> {
    match &parsed.signature {
        SignatureStatus::Unsigned => None,
        SignatureStatus::Good { fingerprint } => {
            let offered: Vec<PublicKey> = parsed
                .keys
                .iter()
                .filter_map(|k| PublicKey::from_bytes(&k.bytes).ok())
                .collect();
            let names_sender = known
                .iter()
                .chain(&offered)
                .filter(|k| k.fingerprint() == *fingerprint)
                .flat_map(|k| k.info().user_ids)
                .any(|u| uid_names(&u, sender));
            Some(if names_sender {
                format!("signed by {fingerprint} ({sender})")
            } else {
                format!(
                    "signed by {fingerprint}, a key that does not name the sender's address {sender}"
                )
            })
        }
        SignatureStatus::UnknownKey { issuer } => Some(format!(
            "signed by an unknown key {issuer}: the signature could not be checked"
        )),
        SignatureStatus::Bad { reason } => Some(format!("a bad signature: {reason}")),
    }
}
