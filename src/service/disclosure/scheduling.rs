//! Setting, moving and withdrawing the disclosure date of a case: the policy's bounds,
//! one job per step, and a note to everyone already told of the new date.

use super::*;

/// Set or move the disclosure date of a case. Checks the policy's bounds, queues the
/// steps, and tells everyone already told (announce lists, list members) of the new date.
pub async fn schedule(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    input: &ScheduleInput,
) -> Result<Plan, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = advisories::policy_for(&project)?;
    let from: CaseState = case.state;
    let to = from.apply(Action::Schedule).map_err(conflict)?;
    let date: jiff::civil::Date = input.date.trim().parse().map_err(|_| {
        ServiceError::Invalid(format!(
            "`{}` is not a date; write it as 2026-12-01",
            input.date.trim()
        ))
    })?;
    let time: jiff::civil::Time = input.time.trim().parse().map_err(|_| {
        ServiceError::Invalid(format!(
            "`{}` is not a time of day; write it as 14:00",
            input.time.trim()
        ))
    })?;
    let now = store::now();
    let exploited = input.exploited.trim();
    let plan = schedule::plan(
        &policy.embargo,
        case.received_at,
        now,
        &schedule::Request {
            date,
            time,
            zone: input.zone.clone(),
            exploited: (!exploited.is_empty()).then(|| exploited.to_owned()),
        },
    )
    .map_err(ServiceError::Invalid)?;
    let (before, told) = {
        let mut c = db.acquire().await?;
        (
            store::disclosure::schedule_of(c.conn(), case.id)
                .await?
                .unwrap_or_default(),
            store::disclosure::told_list(c.conn(), case.id).await?,
        )
    };
    let moved = before.disclose_at.is_some_and(|t| t != plan.disclose_at);
    // Everyone already told hears of the new date (composed before the transaction).
    let mut notices = Vec::new();
    if moved && !told.is_empty() {
        let signer = signer(db, cfg, project.id, user_id.or(before.scheduled_by))
            .await
            .ok();
        let members = {
            let mut c = db.acquire().await?;
            store::members::list(c.conn(), project.id, true).await?
        };
        for (kind, address, member_id) in &told {
            let text = date_moved_text(
                &project.name,
                kind == PRE_NOTIFY,
                plan.disclose_at,
                &plan.zone,
            );
            // A revoked member is not told again.
            let member = member_id.and_then(|id| members.iter().find(|m| m.id == id));
            if member_id.is_some() && member.is_none() {
                continue;
            }
            let key = member
                .and_then(|m| m.public_key.as_deref())
                .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok());
            let subject = format!("[{}] Security release date changed", project.name);
            let raw = compose_one(
                cfg,
                &project,
                address,
                &subject,
                &text,
                vec![],
                signer.as_ref(),
                key.as_ref(),
            )?;
            notices.push((address.clone(), raw));
        }
    }
    // The announce list's subscribers heard the pre-announcement: they hear of the move.
    let mut copies = Vec::new();
    if moved && before.pre_announced_at.is_some() {
        let signer = signer(db, cfg, project.id, None).await.ok();
        let (link_key, subscribers) = crate::service::announce::audience(db, project.id).await?;
        copies = crate::service::announce::compose_list(
            cfg,
            &project,
            &link_key,
            &subscribers,
            &format!("[{}] Security release date changed", project.name),
            &date_moved_text(&project.name, false, plan.disclose_at, &plan.zone),
            signer.as_ref(),
        )?;
    }
    let mut tx = db.begin().await?;
    let copies = crate::service::announce::still_current(&mut tx, project.id, copies).await?;
    for (address, raw) in &copies {
        enqueue_raw(&mut tx, cfg, project.id, "reschedule", address, raw).await?;
    }
    let Moved {
        schedule_version: version,
        ..
    } = transition(
        &mut tx,
        case_ref,
        from,
        Action::Schedule,
        &Beside::Schedule(NewSchedule {
            disclose_at: plan.disclose_at,
            zone: &plan.zone,
            exploited_reason: (!exploited.is_empty()).then_some(exploited),
            auto_publish: input.auto_publish,
            scheduled_by: user_id,
            from_version: before.schedule_version,
        }),
    )
    .await?;
    store::disclosure::cancel_jobs(tx.conn(), case.id, None, now).await?;
    let mut queued = Vec::new();
    if policy.announcements.pre_announce
        && before.pre_announced_at.is_none()
        && let Some(at) = plan.pre_announce_at
    {
        store::disclosure::add_job(
            tx.conn(),
            case.id,
            project.id,
            PRE_ANNOUNCE,
            at,
            version,
            now,
        )
        .await?;
        queued.push(json!({"kind": PRE_ANNOUNCE, "at": at}));
    }
    if policy.notification_list.is_some()
        && before.pre_notified_at.is_none()
        && let Some(at) = plan.pre_notify_at
    {
        store::disclosure::add_job(tx.conn(), case.id, project.id, PRE_NOTIFY, at, version, now)
            .await?;
        queued.push(json!({"kind": PRE_NOTIFY, "at": at}));
    }
    if input.auto_publish {
        store::disclosure::add_job(
            tx.conn(),
            case.id,
            project.id,
            PUBLISH,
            plan.disclose_at,
            version,
            now,
        )
        .await?;
        queued.push(json!({"kind": PUBLISH, "at": plan.disclose_at}));
    }
    for (address, raw) in &notices {
        enqueue_raw(&mut tx, cfg, project.id, "reschedule", address, raw).await?;
    }
    audit::record(
        &mut tx,
        actor,
        if before.disclose_at.is_some() {
            "case.rescheduled"
        } else {
            "case.schedule"
        },
        ("case", &case.id.to_string()),
        Some(project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "disclose_at": plan.disclose_at,
            "previous": before.disclose_at,
            "zone": plan.zone,
            "exploited_reason": (!exploited.is_empty()).then_some(exploited),
            "auto_publish": input.auto_publish,
            "jobs": queued,
            "told_again": notices.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(plan)
}

/// Withdraw the date (back to fixing); pending steps are cancelled.
pub async fn unschedule(
    db: &Db,
    case_ref: &CaseRef,
    note: &str,
) -> Result<CaseState, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let from: CaseState = case.state;
    let to = from.apply(Action::Unschedule).map_err(conflict)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    transition(
        &mut tx,
        case_ref,
        from,
        Action::Unschedule,
        &Beside::Nothing,
    )
    .await?;
    store::disclosure::clear_schedule(tx.conn(), case.id, now).await?;
    let note = note.trim();
    audit::record(
        &mut tx,
        actor,
        "case.unschedule",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"from": from.as_str(), "to": to.as_str(), "note": (!note.is_empty()).then_some(note)}),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// A case's schedule columns.
pub async fn schedule_of(
    db: &Db,
    case_ref: &CaseRef,
) -> Result<store::disclosure::Schedule, ServiceError> {
    let case_id = case_ref.id();
    let mut c = db.acquire().await?;
    Ok(store::disclosure::schedule_of(c.conn(), case_id)
        .await?
        .unwrap_or_default())
}
