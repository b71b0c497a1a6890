//! The public announce list at `/p/{project}/announce`: subscription with double
//! opt-in, and the copies of list mail (pre-announcements, disclosure notices) sent
//! to each subscriber, one message each, with an unsubscribe link in the text and in
//! `List-Unsubscribe`, and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
//! (RFC 2369, RFC 8058). Unsubscribing takes effect at once: list mail is composed
//! from the subscribers current in the transaction that queues it.
//!
//! Links carry `{id}.{mac}`: an HMAC-SHA256 of the purpose and subscriber id (and, for
//! confirmation, the time of the request) under an instance key kept in
//! `instance_settings`, so nothing secret is stored per subscriber, every process can
//! check a link, and a new request invalidates an older confirmation link. The page's
//! answer to "subscribe" is the same whatever the address's state: it does not reveal
//! who is subscribed.

use super::mail::Mail;
use super::mail::{Protect, enqueue};
use super::{ProjectRef, ServiceError, audit};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::mail::compose::{self, ListHeaders, Outgoing, Protection};
use crate::pgp::SecretKey;
use crate::store::announce::Subscriber;
use crate::store::projects::ProjectRow;
use crate::store::{self, Db};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How long a confirmation link works.
const CONFIRM_WITHIN: i64 = 7 * 86_400;

/// The instance key of the announce list's links (created on first use, so call it
/// outside any transaction).
pub(crate) async fn link_key(db: &Db) -> Result<Vec<u8>, ServiceError> {
    let initial = crate::auth::secret::random_token(32);
    let mut c = db.acquire().await?;
    Ok(
        store::settings::get_or_init(c.conn(), "announce_link_key", &initial)
            .await?
            .into_bytes(),
    )
}

fn mac(key: &[u8], purpose: &str, id: i64, stamp: i64) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    m.update(format!("announce\0{purpose}\0{id}\0{stamp}").as_bytes());
    URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..20])
}

fn token(key: &[u8], purpose: &str, id: i64, stamp: i64) -> String {
    format!("{id}.{}", mac(key, purpose, id, stamp))
}

/// The subscriber a link names, if its MAC is right.
async fn check(
    db: &Db,
    key: &[u8],
    purpose: &str,
    token: &str,
    stamp: impl Fn(&Subscriber) -> i64,
) -> Result<Subscriber, ServiceError> {
    let gone = || ServiceError::NotFound("this subscription link".into());
    let (id, presented) = token.split_once('.').ok_or_else(gone)?;
    let id: i64 = id.parse().map_err(|_| gone())?;
    let sub = {
        let mut c = db.acquire().await?;
        store::announce::by_id(c.conn(), id)
            .await?
            .ok_or_else(gone)?
    };
    let expected = mac(key, purpose, id, stamp(&sub));
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(gone());
    }
    Ok(sub)
}

/// The List-Id of a project's announce list (RFC 2919).
pub fn list_id(cfg: &Config, project: &ProjectRow) -> String {
    let host = cfg.public_url.host_str().unwrap_or("localhost").to_owned();
    format!(
        "{} security announcements <{}-announce.{host}>",
        project.name.replace(['<', '>', '"'], ""),
        project.slug
    )
}

/// Ask to subscribe `email`: a confirmation link is mailed (or, to a current
/// subscriber, a note that they already are). The caller shows the same answer either way.
pub async fn subscribe(db: &Db, cfg: &Config, slug: &str, email: &str) -> Result<(), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let email: EmailAddress = email.trim().parse().map_err(|e| {
        ServiceError::Invalid(format!("{e}; give the address to send announcements to"))
    })?;
    let key = link_key(db).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let sub = store::announce::request(tx.conn(), project.id, email.as_str(), now).await?;
    let page = cfg.link(&format!("/p/{}/announce", project.slug));
    let already = sub.status == "subscribed";
    let link = if already {
        cfg.link(&format!(
            "/p/{}/announce/unsubscribe/{}",
            project.slug,
            token(&key, "unsubscribe", sub.id, 0)
        ))
    } else {
        cfg.link(&format!(
            "/p/{}/announce/confirm/{}",
            project.slug,
            token(&key, "confirm", sub.id, sub.created_at)
        ))
    };
    let text = super::mail::render(&ConfirmMail {
        email: email.as_str(),
        project: &project.name,
        page: &page,
        already,
        link: &link,
    })?;
    let msg = super::mail::team_message(
        cfg,
        &project,
        email.as_str(),
        "Confirm your subscription",
        text,
    );
    enqueue(
        &mut tx,
        cfg,
        &msg,
        &Protect::None,
        Some(project.id),
        "announce-confirm",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "announce.subscribe_requested",
        ("announce_subscriber", &sub.id.to_string()),
        Some(project.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The project and subscriber a link of `purpose` names: 404 for a wrong MAC, an
/// unknown subscriber, or another project's link.
async fn by_link(
    db: &Db,
    slug: &str,
    purpose: &str,
    token_text: &str,
) -> Result<(ProjectRow, Subscriber), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let key = link_key(db).await?;
    // A confirmation link is bound to the time of the request; an unsubscribe link is not.
    let confirming = purpose == "confirm";
    let sub = check(db, &key, purpose, token_text, |s| {
        if confirming { s.created_at } else { 0 }
    })
    .await?;
    if sub.project_id != project.id {
        return Err(ServiceError::NotFound("this subscription link".into()));
    }
    Ok((project, sub))
}

/// Whether a confirmation link is valid (for the page that shows the button).
pub async fn check_confirm(db: &Db, slug: &str, token_text: &str) -> Result<(), ServiceError> {
    by_link(db, slug, "confirm", token_text).await.map(|_| ())
}

/// Confirm a subscription; returns the address.
pub async fn confirm(db: &Db, slug: &str, token_text: &str) -> Result<String, ServiceError> {
    let (project, sub) = by_link(db, slug, "confirm", token_text).await?;
    if sub.status == "subscribed" {
        return Ok(sub.email);
    }
    let now = store::now();
    let mut tx = db.begin().await?;
    if !store::announce::confirm(tx.conn(), sub.id, now, now - CONFIRM_WITHIN).await? {
        return Err(ServiceError::Conflict(
            "this confirmation link has expired or was replaced; subscribe again".into(),
        ));
    }
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "announce.subscribed",
        ("announce_subscriber", &sub.id.to_string()),
        Some(project.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(sub.email)
}

/// Whether an unsubscribe link is valid.
pub async fn check_unsubscribe(db: &Db, slug: &str, token_text: &str) -> Result<(), ServiceError> {
    by_link(db, slug, "unsubscribe", token_text)
        .await
        .map(|_| ())
}

/// Unsubscribe by link, at once (also RFC 8058 one-click). Idempotent.
pub async fn unsubscribe(db: &Db, slug: &str, token_text: &str) -> Result<(), ServiceError> {
    let (project, sub) = by_link(db, slug, "unsubscribe", token_text).await?;
    remove_row(db, &Actor::Anonymous, &project, &sub).await
}

async fn remove_row(
    db: &Db,
    actor: &Actor,
    project: &ProjectRow,
    sub: &Subscriber,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    if store::announce::unsubscribe(tx.conn(), sub.id, store::now()).await? {
        audit::record(
            &mut tx,
            actor,
            "announce.unsubscribed",
            ("announce_subscriber", &sub.id.to_string()),
            Some(project.id),
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Subscribers of a project (team, CLI and API only).
pub async fn subscribers(
    db: &Db,
    project_ref: &ProjectRef,
    current: bool,
) -> Result<Vec<Subscriber>, ServiceError> {
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let mut c = db.acquire().await?;
    Ok(store::announce::list(c.conn(), project.id, current).await?)
}

/// An operator adds a subscriber directly (moving an existing list in): confirmed at once.
pub async fn add_confirmed(
    db: &Db,
    project_ref: &ProjectRef,
    email: &EmailAddress,
) -> Result<(), ServiceError> {
    let actor = project_ref.actor();
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let sub = store::announce::request(tx.conn(), project.id, email.as_str(), now).await?;
    if sub.status != "subscribed" {
        store::announce::confirm(tx.conn(), sub.id, now, now - CONFIRM_WITHIN).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "announce.subscriber_added",
        ("announce_subscriber", &sub.id.to_string()),
        Some(project.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An operator removes a subscriber.
pub async fn remove(
    db: &Db,
    project_ref: &ProjectRef,
    email: &EmailAddress,
) -> Result<(), ServiceError> {
    let actor = project_ref.actor();
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let sub = subscribers(db, project_ref, false)
        .await?
        .into_iter()
        .find(|s| s.email == email.as_str())
        .ok_or_else(|| ServiceError::NotFound(format!("subscriber {email}")))?;
    remove_row(db, actor, &project, &sub).await
}

/// Keep only the copies whose subscriber is still current, read in the caller's
/// transaction: an unsubscribe committed before the list mail is queued is honoured.
pub(crate) async fn still_current(
    tx: &mut store::Tx,
    project_id: i64,
    mails: Vec<(String, Mail)>,
) -> Result<Vec<(String, Mail)>, ServiceError> {
    if mails.is_empty() {
        return Ok(mails);
    }
    let current: std::collections::HashSet<String> =
        store::announce::list(tx.conn(), project_id, true)
            .await?
            .into_iter()
            .map(|s| s.email)
            .collect();
    Ok(mails
        .into_iter()
        .filter(|(to, _)| current.contains(to))
        .collect())
}

/// What list mail needs: the link key and the current subscribers (read outside any
/// transaction, so the key can be created on first use).
pub(crate) async fn audience(
    db: &Db,
    project_id: i64,
) -> Result<(Vec<u8>, Vec<Subscriber>), ServiceError> {
    let key = link_key(db).await?;
    let mut c = db.acquire().await?;
    Ok((
        key,
        store::announce::list(c.conn(), project_id, true).await?,
    ))
}

/// One copy of a list mail per subscriber, each with its own unsubscribe link (in the
/// text and in the List-Unsubscribe headers), signed when a key is given.
pub(crate) fn compose_list(
    cfg: &Config,
    project: &ProjectRow,
    key: &[u8],
    subs: &[Subscriber],
    subject: &str,
    text: &str,
    signer: Option<&SecretKey>,
) -> Result<Vec<(String, Mail)>, ServiceError> {
    let page = cfg.link(&format!("/p/{}/announce", project.slug));
    let id = list_id(cfg, project);
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let url = cfg.link(&format!(
            "/p/{}/announce/unsubscribe/{}",
            project.slug,
            token(key, "unsubscribe", s.id, 0)
        ));
        let message_id = crate::mail::new_message_id(cfg.mail_from.domain());
        let msg = Outgoing {
            from: super::mail::team_sender(cfg, project),
            to: vec![s.email.clone()],
            subject: subject.to_owned(),
            text: super::mail::render(&ListCopy {
                text,
                email: &s.email,
                project: &project.name,
                page: &page,
                unsubscribe: &url,
            })?,
            message_id: message_id.clone(),
            in_reply_to: None,
            reply_to: None,
            list: Some(ListHeaders {
                id: id.clone(),
                unsubscribe_url: url,
            }),
            attachments: Vec::new(),
        };
        let protection = match signer {
            Some(k) => Protection::Sign(k),
            None => Protection::None,
        };
        out.push((
            s.email.clone(),
            Mail {
                message_id,
                raw: compose::compose(&msg, protection)?,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{mac, token};

    #[test]
    fn links_are_bound_to_purpose_subscriber_and_request_time() {
        let t = token(b"key", "confirm", 7, 1000);
        assert!(t.starts_with("7."));
        assert_eq!(t, token(b"key", "confirm", 7, 1000));
        for other in [
            token(b"key", "unsubscribe", 7, 1000),
            token(b"key", "confirm", 8, 1000),
            token(b"key", "confirm", 7, 1001),
            token(b"other", "confirm", 7, 1000),
        ] {
            assert_ne!(t, other);
        }
        assert_eq!(mac(b"key", "confirm", 7, 1000).len(), 27);
    }
}

/// The mail that asks to confirm a subscription (or says the address already is subscribed).
#[derive(askama::Template)]
#[template(path = "email/announce_confirm/body.txt")]
struct ConfirmMail<'a> {
    email: &'a str,
    project: &'a str,
    page: &'a str,
    already: bool,
    /// Confirm (new) or unsubscribe (already subscribed).
    link: &'a str,
}

/// A subscriber's copy of an announcement: the text and the list footer.
#[derive(askama::Template)]
#[template(path = "email/announce_copy/body.txt")]
struct ListCopy<'a> {
    text: &'a str,
    email: &'a str,
    project: &'a str,
    page: &'a str,
    unsubscribe: &'a str,
}

#[cfg(test)]
mod mail_snapshots {
    //! The announce list's own mails (`cargo insta review` after a change).
    use super::*;
    use askama::Template;

    #[test]
    fn confirmation_and_already_subscribed() {
        let new = ConfirmMail {
            email: "ada@example.org",
            project: "Django",
            page: "https://security.example.org/p/django/announce",
            already: false,
            link: "https://security.example.org/p/django/announce/confirm/7.abc",
        };
        let already = ConfirmMail {
            already: true,
            link: "https://security.example.org/p/django/announce/unsubscribe/7.def",
            ..new
        };
        insta::assert_snapshot!(format!(
            "{}\n=====\n{}",
            new.render().unwrap(),
            already.render().unwrap()
        ));
    }

    #[test]
    fn a_subscribers_copy() {
        insta::assert_snapshot!(
            ListCopy {
                text: "Django will release security fixes on 2026-12-08 around 14:00 UTC.\n",
                email: "ada@example.org",
                project: "Django",
                page: "https://security.example.org/p/django/announce",
                unsubscribe: "https://security.example.org/p/django/announce/unsubscribe/7.def",
            }
            .render()
            .unwrap()
        );
    }
}
