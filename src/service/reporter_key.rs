//! The reporter's OpenPGP key on a case. Replies, acknowledgements and decisions are
//! encrypted to it. It comes with the report (the form's key field, or a key the
//! mail offered — see `offered_keys`), or later: the team sets, replaces or removes
//! it (page, API, CLI), and the reporter gives one on their case page. Every change
//! is audited and noted on the case; the key is checked first (it parses, is
//! neither expired nor revoked, and can receive encrypted mail).

use super::access::CaseRef;
use super::{ServiceError, audit};
use crate::pgp::KeyInfo;
use crate::store::{self, Db, cases::CaseRow};
use serde_json::json;

/// The team sets or replaces the reporter's key (`armored`), or removes it (empty).
/// Returns the key's details, `None` when removed.
pub async fn set_by_team(
    db: &Db,
    case: &CaseRef,
    armored: &str,
) -> Result<Option<KeyInfo>, ServiceError> {
    let who = match case.caller() {
        super::Caller::Member { email, .. } => email.clone(),
        _ => "the operator".to_owned(),
    };
    let checked = check(armored).await?;
    let mut tx = db.begin().await?;
    let note = checked.as_ref().map(|(_, info)| {
        let names = case
            .row()
            .reporter_email
            .as_deref()
            .filter(|e| {
                info.user_ids
                    .iter()
                    .any(|u| super::offered_keys::uid_names(u, e))
            })
            .map_or_else(
                || "; it does not name the reporter's address".to_owned(),
                |e| format!(", names {e}"),
            );
        format!("set by {who} ({}{names})", info.key_id)
    });
    store::cases::set_reporter_key(
        tx.conn(),
        case.id(),
        checked.as_ref().map(|(k, _)| k.as_str()),
        note.as_deref(),
    )
    .await?;
    audit::record(
        &mut tx,
        case.actor(),
        if checked.is_some() {
            "case.reporter_key_set"
        } else {
            "case.reporter_key_removed"
        },
        ("case", &case.id().to_string()),
        Some(case.project_id()),
        json!({"fingerprint": checked.as_ref().map(|(_, i)| i.fingerprint.clone())}),
    )
    .await?;
    tx.commit().await?;
    Ok(checked.map(|(_, info)| info))
}

/// The reporter gives their key on their case page (the link is theirs: it was
/// issued only to a sender bound to the report, or after the team confirmed them).
pub async fn set_by_reporter(
    db: &Db,
    case: &CaseRow,
    armored: &str,
) -> Result<KeyInfo, ServiceError> {
    let Some((armored, info)) = check(armored).await? else {
        return Err(ServiceError::Invalid(
            "paste your OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK----- …)".into(),
        ));
    };
    let mut tx = db.begin().await?;
    take(
        &mut tx,
        case,
        (&armored, &info.fingerprint),
        &format!("given by the reporter on their case page ({})", info.key_id),
        &format!(
            "The reporter gave an OpenPGP key on their case page: {}. Replies are encrypted to it from now on.",
            info.fingerprint
        ),
        "reporter",
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

/// A key offered in a reporter's mail reply. Taken as the case's reporter key only
/// when the case has none and the reply proves its sender holds it (`proven`: signed
/// inside the encryption by that key, see `offered_keys::proven_by`); otherwise the
/// team is told of it in a note and decides.
pub(super) async fn offered_in_reply(
    db: &Db,
    case: &CaseRow,
    key: &super::offered_keys::Chosen,
    proven: bool,
) -> Result<(), ServiceError> {
    let current = case
        .reporter_key
        .as_deref()
        .and_then(|k| crate::pgp::PublicKey::from_bytes(k.as_bytes()).ok())
        .map(|k| k.fingerprint());
    if current.as_deref() == Some(key.fingerprint.as_str()) {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    if proven && current.is_none() {
        take(
            &mut tx,
            case,
            (&key.armored, &key.fingerprint),
            &key.note,
            &format!(
                "The reporter's encrypted reply, signed with it, offered the OpenPGP key {}: replies are encrypted to it from now on.",
                key.fingerprint
            ),
            "reply",
        )
        .await?;
    } else {
        let why = if current.is_some() {
            "the case keeps the key it has (a key is replaced only by the team or on the reporter's page)"
        } else {
            "the reply was not signed with it inside an encrypted message, so it does not show the reporter holds it"
        };
        super::cases::system_note_in(
            &mut tx,
            case.id,
            &format!(
                "A reply on this case offered the OpenPGP key {} ({}). It was not taken as the reporter's key: {why}. If it is theirs, set it under \"The reporter's OpenPGP key\".",
                key.fingerprint, key.note
            ),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The reporter's own key taken as the case's reporter key: stored with where it came
/// from, noted on the case for the team, audited (`by`: "reporter" or "reply").
async fn take(
    tx: &mut store::Tx,
    case: &CaseRow,
    (armored, fingerprint): (&str, &str),
    source: &str,
    note: &str,
    by: &str,
) -> Result<(), ServiceError> {
    store::cases::set_reporter_key(tx.conn(), case.id, Some(armored), Some(source)).await?;
    super::cases::system_note_in(tx, case.id, note, None).await?;
    audit::record(
        tx,
        &crate::domain::actor::Actor::Anonymous,
        "case.reporter_key_set",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"fingerprint": fingerprint, "by": by}),
    )
    .await?;
    Ok(())
}

/// The key checked and armored again (`None` for an empty field).
async fn check(armored: &str) -> Result<Option<(String, KeyInfo)>, ServiceError> {
    let text = armored.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > crate::mail::inbound::MAX_KEY_BYTES {
        return Err(ServiceError::Invalid(format!(
            "the key is larger than {} KiB; export it without other signatures (gpg --export-options export-minimal --armor --export …)",
            crate::mail::inbound::MAX_KEY_BYTES / 1024
        )));
    }
    let (key, info) = super::keys::inspect_recipient_untrusted(text.as_bytes().to_vec()).await?;
    Ok(Some((key.to_armored()?, info)))
}
