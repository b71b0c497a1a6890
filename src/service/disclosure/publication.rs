//! Publication: the rule that says whether a case can be published now, the plan
//! (what an early publication skips and who has not been told), and the step itself.

use super::*;

/// Whether a case can be published now, and if not why, in words a team member
/// acts on: the one rule the case page's button, the confirmation page and
/// publication itself all ask.
pub async fn can_publish(db: &Db, case_ref: &CaseRef) -> Result<(), ServiceError> {
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state;
    if from.apply(Action::Publish).is_err() {
        return Err(ServiceError::Conflict(format!(
            "a case that is {from} cannot be published: schedule its disclosure first"
        )));
    }
    publishable(db, &src, from).await
}

/// A policy that announces only once a solution exists (`embargo.announce_only_after_fix`,
/// Pylons: "announcements only once a solution exists"): publication and the
/// pre-announcement refuse, naming what is missing, until the advisory names a fixed
/// version, a patch is approved, or a workaround is documented. `Invalid`, not
/// `Conflict`: a scheduled step retries (and the team is told if it keeps failing)
/// rather than being dropped.
pub(super) async fn solution_exists(
    db: &Db,
    src: &advisories::Sources,
    step: &str,
) -> Result<(), ServiceError> {
    if !src.policy.embargo.announce_only_after_fix {
        return Ok(());
    }
    if !src.draft.fixed.trim().is_empty() || !src.draft.workarounds.trim().is_empty() {
        return Ok(());
    }
    if !crate::service::fixes::reviewed_of(db, src.case.id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    Err(ServiceError::Invalid(format!(
        "{} announces a vulnerability only once a solution exists (embargo.announce_only_after_fix), and case #{} has none yet: before the {step}, name the fixed version in the advisory (Fixed versions), have a patch approved, or document a workaround (Workarounds)",
        src.project.name, src.case.id
    )))
}

pub(super) async fn publishable(
    db: &Db,
    src: &advisories::Sources,
    from: CaseState,
) -> Result<(), ServiceError> {
    solution_exists(db, src, "publication").await?;
    if from == CaseState::Fixing {
        let upstream = {
            let mut c = db.acquire().await?;
            store::upstream::of_case(c.conn(), src.case.id).await?
        };
        if upstream.and_then(|u| u.upstream_name).is_none() {
            return Err(ServiceError::Conflict(
                "schedule the disclosure first: only a case with an upstream track publishes (a workaround advisory) without a schedule".into(),
            ));
        }
        if src.draft.workarounds.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "a workaround advisory needs the workaround: fill in the advisory's workarounds"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Longest reason for publishing early (it goes into the audit trail and onto the case).
pub const MAX_EARLY_REASON: usize = 2_000;

/// What publishing a case now would do and skip: for the confirmation page,
/// and for the refusal when an early publication comes without a reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublishPlan {
    /// The scheduled disclosure instant, if any.
    pub disclose_at: Option<i64>,
    /// The date as the schedule states it (date, time and zone), if any.
    pub disclose_shown: Option<String>,
    /// Whether publishing now comes before the scheduled date.
    pub early: bool,
    /// The steps that have not happened and will not (publication ends the embargo).
    pub skipped: Vec<String>,
    /// List members not pre-notified (name, organisation), who will learn it in public.
    pub untold_members: Vec<String>,
    /// Addresses the disclosure notice goes to (announce lists).
    pub notices_to: Vec<String>,
}

/// The plan of publishing `case_id` now.
pub async fn publish_plan(db: &Db, case_ref: &CaseRef) -> Result<PublishPlan, ServiceError> {
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let sched = schedule_of(db, case_ref).await?;
    let now = store::now();
    let early = sched.disclose_at.is_some_and(|at| at > now);
    let mut skipped = Vec::new();
    if src.policy.announcements.pre_announce && sched.pre_announced_at.is_none() {
        skipped.push("the pre-announcement of the date to the announce lists".to_owned());
    }
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), src.project.id, true).await?
    };
    let untold_members: Vec<String> = if sched.pre_notified_at.is_none() {
        members
            .iter()
            .map(|m| {
                if m.organisation.is_empty() {
                    m.name.clone()
                } else {
                    format!("{} ({})", m.name, m.organisation)
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    if sched.pre_notified_at.is_none()
        && (src.policy.notification_list.is_some() || !untold_members.is_empty())
    {
        skipped.push(match untold_members.len() {
            0 => "the pre-notification (the confidential list has no members yet)".to_owned(),
            n => format!("the pre-notification of the {n} member(s) of the confidential list, who get no time to prepare"),
        });
    }
    Ok(PublishPlan {
        disclose_at: sched.disclose_at,
        disclose_shown: sched
            .disclose_at
            .map(|at| show(at, sched.disclose_zone.as_deref().unwrap_or("UTC"))),
        early,
        skipped,
        untold_members,
        notices_to: announce_addresses(&src.policy),
    })
}

/// Publish now (by hand): the advisory becomes public, notices go out, the reporter is told.
/// Before the scheduled date this skips steps and tells people early: `reason`
/// is then required (it is audited and noted on the case).
pub async fn publish_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    reason: Option<&str>,
) -> Result<String, ServiceError> {
    let case_id = case_ref.id();
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_EARLY_REASON) {
        return Err(ServiceError::Invalid(format!(
            "the reason is longer than {MAX_EARLY_REASON} characters: say it in a few sentences"
        )));
    }
    let plan = publish_plan(db, case_ref).await?;
    if plan.early && reason.is_none() {
        let mut message = format!(
            "Case #{case_id} is scheduled for {}: publishing now is early",
            plan.disclose_shown.clone().unwrap_or_default()
        );
        if !plan.skipped.is_empty() {
            message.push_str(&format!(" and skips {}", plan.skipped.join(" and ")));
        }
        message.push_str(". Give the reason for publishing early.");
        return Err(ServiceError::Invalid(message));
    }
    let shown = plan.disclose_shown.clone().unwrap_or_default();
    let early = match (plan.early, reason) {
        (true, Some(r)) => Some((r, shown.as_str())),
        _ => None,
    };
    match publish(db, cfg, case_ref, Trigger::Manual, early).await? {
        (Outcome::Done { .. }, Some(id)) => Ok(id),
        (Outcome::Skipped(why), _) => Err(ServiceError::Conflict(why_or(why))),
        (Outcome::Done { .. }, None) => Err(ServiceError::Conflict(why_or(""))),
    }
}

pub(super) async fn publish(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    trigger: Trigger<'_>,
    early: Option<(&str, &str)>,
) -> Result<(Outcome, Option<String>), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state;
    let to = from.apply(Action::Publish).map_err(conflict)?;
    publishable(db, &src, from).await?;
    let signer = signer(db, cfg, src.project.id, None).await.ok();
    let link_key = crate::service::announce::link_key(db).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok((
            Outcome::Skipped("another process took this job".into()),
            None,
        ));
    }
    let public_id = advisories::next_public_id(&mut tx, &src.project, now).await?;
    let advisory = advisories::build(cfg, &src, &public_id, now);
    let doc =
        serde_json::to_string(&advisory).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if try_transition(
        &mut tx,
        case_id,
        from,
        Action::Publish,
        &Beside::Stamp(Stamp::Published),
    )
    .await?
    .is_none()
    {
        return Ok((Outcome::Skipped("the case changed meanwhile".into()), None));
    }
    store::advisories::save_draft(tx.conn(), case_id, src.project.id, &src.draft, now).await?;
    store::advisories::publish(
        tx.conn(),
        case_id,
        &public_id,
        &doc,
        (&advisory.title, &advisory.summary),
        now,
    )
    .await?;
    store::disclosure::cancel_jobs(tx.conn(), case_id, None, now).await?;
    let text = notice_text(&advisory);
    let subject = format!(
        "[{}] Security advisory {}: {}",
        src.project.name, advisory.id, advisory.title
    );
    let mut addresses = announce_addresses(&src.policy);
    for a in &src.policy.announcements.disclosure_notices_to {
        if !addresses.contains(&a.to_string()) {
            addresses.push(a.to_string());
        }
    }
    for a in &addresses {
        let raw = compose_one(
            cfg,
            &src.project,
            a,
            &subject,
            &text,
            vec![],
            signer.as_ref(),
            None,
        )?;
        enqueue_raw(&mut tx, cfg, src.project.id, "disclosure-notice", a, &raw).await?;
    }
    let subscribers = store::announce::list(tx.conn(), src.project.id, true).await?;
    for (a, raw) in &crate::service::announce::compose_list(
        cfg,
        &src.project,
        &link_key,
        &subscribers,
        &subject,
        &text,
        signer.as_ref(),
    )? {
        enqueue_raw(&mut tx, cfg, src.project.id, "disclosure-notice", a, raw).await?;
    }
    crate::service::cases::tell_reporter(
        &mut tx,
        cfg,
        &src.project,
        &src.case,
        &[],
        None,
        &published_text(&advisory.url),
        &format!("Case #{}: published as {}", case_id, advisory.id),
        "published",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.publish",
        ("case", &case_id.to_string()),
        Some(src.project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "advisory": public_id,
            "notices": addresses.len(),
            "late_by_seconds": late(trigger, now),
            "early_reason": early.map(|(reason, _)| reason),
        }),
    )
    .await?;
    if let Some((reason, date)) = early {
        crate::service::cases::system_note_in(
            &mut tx,
            case_id,
            &format!("Published before its scheduled date ({date}). Reason given: {reason}"),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((
        Outcome::Done {
            messages: addresses.len(),
        },
        Some(public_id),
    ))
}
