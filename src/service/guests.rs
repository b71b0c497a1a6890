//! Collaborators of one case: an upstream maintainer, another affected project's
//! team, a colleague of the reporter. The team invites them by mail with a
//! capability link (`/g/{token}`, only a hash stored) that opens that case and no
//! other; they read the report's thread and the messages shared with collaborators
//! (never team-only notes, never the reporter's address) and can write there. The
//! team can remove them at any time: the link stops working at once. Every view by a
//! guest is audited.

use super::cases::{case_row, project_of};
use super::mail::{Protect, enqueue};
use super::{CaseRef, ServiceError, audit};
use crate::auth::secret;
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::mail::compose::Outgoing;
use crate::store::{self, Db, cases::CaseRow, guests::GuestRow};
use serde_json::json;

/// The kinds of collaborator.
pub const ROLES: &[(&str, &str)] = &[
    ("upstream", "maintainer of an upstream dependency"),
    ("affected-project", "team of another affected project"),
    ("reporter-colleague", "colleague of the reporter"),
    ("other", "other collaborator"),
];

/// An invitation as the team submits it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Invitation {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// One of [`ROLES`].
    pub role: String,
    /// A personal note in the invitation mail.
    #[serde(default)]
    pub note: String,
    /// The collaborator's armored OpenPGP key (optional): the invitation is
    /// encrypted to it.
    #[serde(default)]
    pub key: String,
}

/// Invite a collaborator into a case; mails them the link. Returns the guest id and
/// the link (shown to the team once, for handing over another way).
pub async fn invite(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    inv: &Invitation,
) -> Result<(i64, String), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let email: EmailAddress = inv
        .email
        .trim()
        .parse()
        .map_err(|e| ServiceError::Invalid(format!("the collaborator's address: {e}")))?;
    let name = inv.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(
            "give the collaborator's name (1–100 characters)".into(),
        ));
    }
    let role = inv.role.trim();
    if !ROLES.iter().any(|(r, _)| *r == role) {
        let names: Vec<&str> = ROLES.iter().map(|(r, _)| *r).collect();
        return Err(ServiceError::Invalid(format!(
            "`{role}` is not a kind of collaborator; use one of: {}",
            names.join(", ")
        )));
    }
    let case = case_row(db, case_id).await?;
    let state: crate::domain::case::CaseState = case.state;
    if !state.is_open() {
        return Err(ServiceError::Conflict(format!(
            "case #{} is {}: reopen it before inviting anyone",
            case.id, state
        )));
    }
    {
        let mut c = db.acquire().await?;
        let current = store::guests::of_case(c.conn(), case.id).await?;
        if current
            .iter()
            .any(|g| g.removed_at.is_none() && g.email.eq_ignore_ascii_case(email.as_str()))
        {
            return Err(ServiceError::Conflict(format!(
                "{email} is already a collaborator on case #{}",
                case.id
            )));
        }
    }
    let key = if inv.key.trim().is_empty() {
        None
    } else {
        Some(
            super::keys::inspect_recipient_untrusted(inv.key.as_bytes().to_vec())
                .await
                .map_err(|e| ServiceError::Invalid(format!("the collaborator's key: {e}")))?
                .0,
        )
    };
    let project = project_of(db, &case).await?;
    let token = secret::random_token(32);
    let link = cfg.link(&format!("/g/{token}"));
    let note = inv.note.trim();
    // The case's summary stays out of the mail (F9): the link shows it.
    let body = askama::Template::render(&InvitationBody {
        name,
        project: &project.name,
        case_id: case.id,
        note,
        link: &link,
    })
    .map_err(|e| ServiceError::Internal(format!("mail template: {e}")))?;
    let msg = Outgoing {
        from: format!(
            "{} security team <{}>",
            project.name.replace(['<', '>', '"'], ""),
            cfg.mail_from
        ),
        to: vec![email.to_string()],
        subject: format!("[{}] Invitation to a private security case", project.name),
        text: body,
        message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    let id = store::guests::insert(
        tx.conn(),
        &store::guests::NewGuest {
            case_id: case.id,
            email: email.as_str(),
            name,
            role,
            token_hash: &secret::digest(&token),
            invited_by: user_id,
        },
        now,
    )
    .await?;
    let protect = match key {
        Some(k) => Protect::Encrypt {
            recipients: vec![k],
            signer: None,
        },
        None => Protect::None,
    };
    enqueue(
        &mut tx,
        cfg,
        &msg,
        &protect,
        Some(project.id),
        "guest-invitation",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.guest_invited",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"guest": id, "email": email.as_str(), "role": role}),
    )
    .await?;
    tx.commit().await?;
    Ok((id, link))
}

/// Remove a collaborator: their link stops working at once.
pub async fn remove(db: &Db, case_ref: &CaseRef, guest_id: i64) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let guest = {
        let mut c = db.acquire().await?;
        store::guests::by_id(c.conn(), guest_id).await?
    };
    let guest = guest
        .filter(|g| g.case_id == case_id)
        .ok_or_else(|| ServiceError::NotFound(format!("collaborator #{guest_id} of this case")))?;
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    if !store::guests::remove(tx.conn(), guest.id, store::now()).await? {
        return Err(ServiceError::Conflict(format!(
            "{} was already removed",
            guest.email
        )));
    }
    audit::record(
        &mut tx,
        actor,
        "case.guest_removed",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"guest": guest.id, "email": guest.email}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The case's collaborators.
pub async fn of_case(db: &Db, case_ref: &CaseRef) -> Result<Vec<GuestRow>, ServiceError> {
    let case_id = case_ref.id();
    let mut c = db.acquire().await?;
    Ok(store::guests::of_case(c.conn(), case_id).await?)
}

/// What a guest sees.
pub struct GuestView {
    /// Who they are.
    pub guest: GuestRow,
    /// The case.
    pub case: CaseRow,
    /// The project's name.
    pub project: String,
    /// The reporter's thread and the collaborators' messages.
    pub messages: Vec<store::cases::MessageRow>,
}

/// The guest behind a link (`None`: unknown or removed).
pub async fn by_link(db: &Db, token: &str) -> Result<Option<GuestRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::guests::by_token_hash(c.conn(), &secret::digest(token)).await?)
}

/// Open the case as a guest: audited on every view.
pub async fn view(db: &Db, token: &str) -> Result<Option<GuestView>, ServiceError> {
    let Some(guest) = by_link(db, token).await? else {
        return Ok(None);
    };
    let case = case_row(db, guest.case_id).await?;
    let project = project_of(db, &case).await?;
    let messages = {
        let mut c = db.acquire().await?;
        store::cases::messages_for_guests(c.conn(), case.id).await?
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    store::guests::seen(tx.conn(), guest.id, now).await?;
    audit::record(
        &mut tx,
        &Actor::Guest(guest.id),
        "case.guest_viewed",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"guest": guest.id, "email": guest.email}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(GuestView {
        guest,
        case,
        project: project.name,
        messages,
    }))
}

/// A guest writes in the case (seen by the team and the other collaborators).
pub async fn reply(db: &Db, token: &str, text: &str) -> Result<Option<i64>, ServiceError> {
    let Some(guest) = by_link(db, token).await? else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() || text.len() > 256 * 1024 {
        return Err(ServiceError::Invalid(
            "write a message (at most 256 KiB)".into(),
        ));
    }
    let case = case_row(db, guest.case_id).await?;
    let body = format!("{} ({}):\n\n{text}", guest.name, guest.email);
    let mut tx = db.begin().await?;
    let id = store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: case.id,
            author: "guest",
            author_user_id: None,
            visibility: "guests",
            body: &body,
            message_id: None,
        },
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Guest(guest.id),
        "case.guest_wrote",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"guest": guest.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// The team writes to the case's collaborators (not to the reporter).
pub async fn team_message(db: &Db, case_ref: &CaseRef, text: &str) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.member_id()?;
    let case_id = case_ref.id();
    let text = text.trim();
    if text.is_empty() || text.len() > 256 * 1024 {
        return Err(ServiceError::Invalid(
            "write a message (at most 256 KiB)".into(),
        ));
    }
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: case.id,
            author: "team",
            author_user_id: Some(user_id),
            visibility: "guests",
            body: text,
            message_id: None,
        },
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.collaborators_messaged",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(askama::Template)]
#[template(path = "email/guest_invitation/body.txt")]
struct InvitationBody<'a> {
    name: &'a str,
    project: &'a str,
    case_id: i64,
    note: &'a str,
    link: &'a str,
}

#[cfg(test)]
mod mail_snapshots {
    //! The invitation's body (`cargo insta review` after a change).
    use super::*;
    use askama::Template;

    #[test]
    fn invitation_with_and_without_a_note() {
        let with = InvitationBody {
            name: "Mia Maintainer",
            project: "Django",
            case_id: 7,
            note: "We would like your review of the fix for templib.",
            link: "https://security.example.org/g/0123456789abcdef",
        };
        let without = InvitationBody { note: "", ..with };
        insta::assert_snapshot!(format!(
            "{}\n=====\n{}",
            with.render().unwrap(),
            without.render().unwrap()
        ));
    }
}
