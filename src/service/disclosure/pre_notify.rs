//! The confidential pre-notification: the advisory with its patches and an interim
//! CSAF document (TLP:AMBER), signed and encrypted to each list member's key.

use super::*;

/// Send the confidential pre-notification now (by hand).
pub async fn pre_notify_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
) -> Result<Outcome, ServiceError> {
    pre_notify(db, cfg, case_ref, Trigger::Manual).await
}

/// One composed pre-notification.
pub(super) struct Composed {
    address: String,
    member_id: i64,
    encrypted: bool,
    mail: Mail,
}

/// A member the pre-notification could not be composed for (their key cannot
/// receive mail, say). Nothing is sent to them, never in clear; the others
/// are told as usual and the team is told who was not reached and why.
pub(super) struct Unreached {
    pub(super) address: String,
    pub(super) member_id: i64,
    pub(super) reason: String,
}

pub(super) async fn pre_notify(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    trigger: Trigger<'_>,
) -> Result<Outcome, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state;
    let to = from.apply(Action::PreNotify).map_err(conflict)?;
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), case_id)
            .await?
            .unwrap_or_default()
    };
    let Some(disclose_at) = sched.disclose_at else {
        return Err(ServiceError::Conflict(
            "the case has no disclosure date; schedule it first".into(),
        ));
    };
    let signer = signer(db, cfg, src.project.id, user_id.or(sched.scheduled_by)).await?;
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), src.project.id, true).await?
    };
    let patches = crate::service::fixes::reviewed_of(db, case_id).await?;
    let embargo_id = format!("{}-EMBARGOED-{}", src.project.slug.to_uppercase(), case_id);
    let advisory = advisories::build(cfg, &src, &embargo_id, disclose_at);
    let csaf_doc = serde_json::to_vec_pretty(&csaf::document(
        &advisory,
        csaf::Tlp::Amber,
        csaf::Status::Interim,
    ))
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut attachments = vec![Attachment {
        filename: format!("{embargo_id}.csaf.json"),
        content_type: "application/json".into(),
        bytes: csaf_doc,
    }];
    for p in &patches {
        attachments.push(Attachment {
            filename: format!(
                "{}-{}.patch",
                src.project.slug,
                p.branch
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")
            ),
            content_type: "text/x-diff".into(),
            bytes: p.content.clone().into_bytes(),
        });
    }
    let text = pre_notification_text(&src, &advisory, disclose_at, &patches);
    let subject = format!(
        "[{}] CONFIDENTIAL security pre-notification: disclosure {}",
        src.project.name,
        Timestamp(disclose_at).minute()
    );
    let (composed, unreached) = compose_all(
        cfg,
        &src.project,
        &members,
        &subject,
        &text,
        &attachments,
        &signer,
    )
    .await?;
    let team = if unreached.is_empty() {
        Vec::new()
    } else {
        crate::service::projects::members(db, src.project.id).await?
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok(Outcome::Skipped("another process took this job".into()));
    }
    if try_transition(
        &mut tx,
        case_id,
        from,
        Action::PreNotify,
        &Beside::Stamp(Stamp::PreNotified),
    )
    .await?
    .is_none()
    {
        return Ok(Outcome::Skipped("the case changed meanwhile".into()));
    }
    for m in &composed {
        enqueue_raw(
            &mut tx,
            cfg,
            src.project.id,
            "pre-notification",
            &m.address,
            &m.mail,
        )
        .await?;
        store::disclosure::told(
            tx.conn(),
            case_id,
            PRE_NOTIFY,
            &m.address,
            Some(m.member_id),
            now,
        )
        .await?;
    }
    if !unreached.is_empty() {
        let notice = super::text::unreached_text(case_id, composed.len(), &unreached);
        for m in &team {
            crate::service::mail::enqueue(
                &mut tx,
                cfg,
                &crate::service::mail::team_message(
                    cfg,
                    &src.project,
                    &m.email,
                    &format!(
                        "Pre-notification not delivered to {} member(s) (case #{case_id})",
                        unreached.len()
                    ),
                    notice.clone(),
                ),
                &crate::service::mail::Protect::None,
                Some(src.project.id),
                "pre-notification-unreached",
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        "case.pre_notify",
        ("case", &case_id.to_string()),
        Some(src.project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "members": composed.len(),
            "encrypted": composed.iter().filter(|m| m.encrypted).count(),
            "unreached": unreached.iter().map(|u| json!({"member": u.member_id, "reason": u.reason})).collect::<Vec<_>>(),
            "signed_by": signer.fingerprint(),
            "patches": patches.len(),
            "late_by_seconds": late(trigger, now),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Done {
        messages: composed.len(),
    })
}

/// Compose one message per member on every core (signing and encryption are the cost).
pub(super) async fn compose_all(
    cfg: &Config,
    project: &ProjectRow,
    members: &[store::members::Member],
    subject: &str,
    text: &str,
    attachments: &[Attachment],
    signer: &SecretKey,
) -> Result<(Vec<Composed>, Vec<Unreached>), ServiceError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let chunk = members.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    for part in members.chunks(chunk) {
        let part = part.to_vec();
        let (cfg, project, subject, text, attachments, signer) = (
            cfg.clone(),
            project.clone(),
            subject.to_owned(),
            text.to_owned(),
            attachments.to_vec(),
            signer.clone(),
        );
        tasks.push(tokio::task::spawn_blocking(move || {
            // One member's unusable key never stops the others' mail.
            part.iter()
                .map(|m| {
                    let composed = (|| {
                        let key = m
                            .public_key
                            .as_deref()
                            .map(|k| PublicKey::from_bytes(k.as_bytes()))
                            .transpose()?;
                        let mail = compose_one(
                            &cfg,
                            &project,
                            &m.email,
                            &subject,
                            &text,
                            attachments.clone(),
                            Some(&signer),
                            key.as_ref(),
                        )?;
                        Ok::<_, ServiceError>((key.is_some(), mail))
                    })();
                    composed
                        .map(|(encrypted, mail)| Composed {
                            address: m.email.clone(),
                            member_id: m.id,
                            encrypted,
                            mail,
                        })
                        .map_err(|e| Unreached {
                            address: m.email.clone(),
                            member_id: m.id,
                            reason: e.to_string(),
                        })
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::with_capacity(members.len());
    let mut unreached = Vec::new();
    for t in tasks {
        for r in t.await.map_err(|e| ServiceError::Internal(e.to_string()))? {
            match r {
                Ok(c) => out.push(c),
                Err(u) => unreached.push(u),
            }
        }
    }
    Ok((out, unreached))
}
