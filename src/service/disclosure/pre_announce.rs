//! The public pre-announcement: the date, zone and severity levels only, to the
//! policy's announce addresses and the announce list's subscribers.

use super::*;

/// Send the public pre-announcement now (by hand).
pub async fn pre_announce_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
) -> Result<Outcome, ServiceError> {
    pre_announce(db, cfg, case_ref, Trigger::Manual).await
}

/// The pre-announcement: date, approximate time and zone, severity levels and the
/// number of issues released together — nothing else.
pub(super) async fn pre_announce(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    trigger: Trigger<'_>,
) -> Result<Outcome, ServiceError> {
    let actor = case_ref.actor();
    let case = case_row(db, case_ref.id()).await?;
    let project = project_of(db, &case).await?;
    let policy = advisories::policy_for(&project)?;
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), case.id)
            .await?
            .unwrap_or_default()
    };
    let Some(disclose_at) = sched.disclose_at else {
        return Err(ServiceError::Conflict(
            "the case has no disclosure date; schedule it first".into(),
        ));
    };
    let from: CaseState = case.state;
    from.apply(Action::PreAnnounce).map_err(conflict)?;
    let src = advisories::sources(db, case.id).await?;
    super::publication::solution_exists(db, &src, "pre-announcement").await?;
    // Every case of the project released at the same instant and not yet announced.
    let joint: Vec<(i64, CaseState, Option<String>)> = {
        let mut c = db.acquire().await?;
        store::disclosure::same_instant(c.conn(), project.id, disclose_at).await?
    }
    .into_iter()
    .filter_map(|(id, state, sev)| {
        let st: CaseState = state.parse().ok()?;
        st.apply(Action::PreAnnounce).ok().map(|_| (id, st, sev))
    })
    .collect();
    let zone = sched
        .disclose_zone
        .clone()
        .unwrap_or_else(|| policy.embargo.time_zone.clone());
    let text = pre_announcement_text(&project, &policy, cfg, disclose_at, &zone, &joint);
    let subject = format!(
        "[{}] Upcoming security release on {}",
        project.name,
        show(disclose_at, &zone)
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
    );
    let signer = signer(db, cfg, project.id, None).await.ok();
    let addresses = announce_addresses(&policy);
    let mut messages = Vec::new();
    for a in &addresses {
        messages.push((
            a.clone(),
            compose_one(
                cfg,
                &project,
                a,
                &subject,
                &text,
                vec![],
                signer.as_ref(),
                None,
            )?,
        ));
    }
    // Subscribers of the announce list get their own copy, with their unsubscribe link.
    let (link_key, subscribers) = crate::service::announce::audience(db, project.id).await?;
    let copies = crate::service::announce::compose_list(
        cfg,
        &project,
        &link_key,
        &subscribers,
        &subject,
        &text,
        signer.as_ref(),
    )?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok(Outcome::Skipped("another process took this job".into()));
    }
    let copies = crate::service::announce::still_current(&mut tx, project.id, copies).await?;
    let mut stepped = 0;
    for (id, st, _) in &joint {
        if let Some(Moved { to, .. }) = try_transition(
            &mut tx,
            *id,
            *st,
            Action::PreAnnounce,
            &Beside::Stamp(Stamp::PreAnnounced),
        )
        .await?
        {
            stepped += 1;
            if *id != case.id {
                store::disclosure::cancel_jobs(tx.conn(), *id, Some(PRE_ANNOUNCE), now).await?;
            }
            for a in &addresses {
                store::disclosure::told(tx.conn(), *id, PRE_ANNOUNCE, a, None, now).await?;
            }
            audit::record(
                &mut tx,
                actor,
                "case.pre_announce",
                ("case", &id.to_string()),
                Some(project.id),
                json!({
                    "from": st.as_str(),
                    "to": to.as_str(),
                    "lists": addresses.len(),
                    "subscribers": copies.len(),
                    "issues": joint.len(),
                    "late_by_seconds": late(trigger, now),
                }),
            )
            .await?;
        }
    }
    if stepped == 0 {
        return Ok(Outcome::Skipped("the case changed meanwhile".into()));
    }
    for (a, raw) in &messages {
        enqueue_raw(&mut tx, cfg, project.id, "pre-announcement", a, raw).await?;
    }
    for (a, raw) in &copies {
        enqueue_raw(&mut tx, cfg, project.id, "pre-announcement", a, raw).await?;
    }
    tx.commit().await?;
    Ok(Outcome::Done {
        messages: messages.len() + copies.len(),
    })
}
