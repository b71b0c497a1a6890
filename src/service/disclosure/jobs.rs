//! The scheduler's pass: claim due jobs under a lease, take each step, retry a
//! failure under the queues' one policy, and tell the team when a step failed for good.

use super::*;

/// A job that fired.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The job.
    pub job: Job,
    /// What happened (an error text when it failed and will be retried).
    pub outcome: Result<Outcome, String>,
}

/// Fire every due job (each once). A failure is retried under
/// [`RetryPolicy::DISCLOSURE_JOBS`]; after the last attempt the job has failed, and the
/// case and the team are told.
pub async fn run_due(
    db: &Db,
    cfg: &Config,
    worker: &str,
    now: i64,
) -> Result<Vec<Fired>, ServiceError> {
    let jobs = {
        let mut c = db.acquire().await?;
        store::disclosure::claim(c.conn(), worker, now, now + LEASE_SECONDS, 20).await?
    };
    let mut fired = Vec::new();
    for job in jobs {
        let outcome = run_one(db, cfg, worker, &job).await;
        if let Err(e) = &outcome {
            let error = e.to_string();
            let next =
                RetryPolicy::DISCLOSURE_JOBS.after_failure(job.attempts, false, store::now());
            let retry_at = match next {
                Next::RetryAt(t) => {
                    tracing::warn!(job = job.id, case = job.case_id, kind = %job.kind, attempts = job.attempts, %error, retry_in = t - store::now(), "disclosure step failed; will retry");
                    Some(t)
                }
                Next::GiveUp => {
                    tracing::error!(job = job.id, case = job.case_id, kind = %job.kind, attempts = job.attempts, %error, "disclosure step failed for good; the team is told");
                    None
                }
            };
            {
                let mut c = db.acquire().await?;
                store::disclosure::failed(c.conn(), job.id, worker, &error, retry_at).await?;
            }
            if retry_at.is_none() {
                tell_team_step_failed(db, cfg, &job, &error).await?;
            }
        } else {
            let late_by = (store::now() - job.due_at).max(0);
            if late_by > LATE_AFTER_SECONDS {
                tracing::warn!(job = job.id, case = job.case_id, kind = %job.kind, late_by, "disclosure step fired late (no Embargo process was running at its time)");
            } else {
                tracing::info!(job = job.id, case = job.case_id, kind = %job.kind, "disclosure step fired");
            }
        }
        fired.push(Fired {
            job,
            outcome: outcome.map_err(|e| e.to_string()),
        });
    }
    Ok(fired)
}

/// A step failed for good: a note on the case and a mail to every team member, saying
/// what did not happen and what to do (nothing is retried any more).
pub(super) async fn tell_team_step_failed(
    db: &Db,
    cfg: &Config,
    job: &Job,
    error: &str,
) -> Result<(), ServiceError> {
    let step = match job.kind.as_str() {
        PRE_ANNOUNCE => "pre-announcement",
        PRE_NOTIFY => "pre-notification",
        PUBLISH => "publication",
        other => other,
    };
    let (project, team) = {
        let mut c = db.acquire().await?;
        let project = store::projects::by_id(c.conn(), job.project_id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("project {}", job.project_id)))?;
        let team = store::projects::members(c.conn(), job.project_id).await?;
        (project, team)
    };
    let patience = RetryPolicy::DISCLOSURE_JOBS.patience() / 60;
    let text = step_failed_text(job, error, patience);
    let mut tx = db.begin().await?;
    crate::service::cases::system_note_in(&mut tx, job.case_id, &text, None).await?;
    for m in &team {
        let link = cfg.link(&format!("/team/cases/{}", job.case_id));
        crate::service::mail::enqueue(
            &mut tx,
            cfg,
            &crate::service::mail::team_message(
                cfg,
                &project,
                &m.email,
                &format!("The scheduled {step} of case #{} failed", job.case_id),
                format!("{}\n\n{link}\n", text.trim_end()),
            ),
            &crate::service::mail::Protect::None,
            Some(project.id),
            "team-notification",
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &Actor::System,
        "disclosure.step_failed",
        ("case", &job.case_id.to_string()),
        Some(job.project_id),
        json!({"job": job.id, "kind": job.kind, "attempts": job.attempts, "error": error}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn run_one(
    db: &Db,
    cfg: &Config,
    worker: &str,
    job: &Job,
) -> Result<Outcome, ServiceError> {
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), job.case_id)
            .await?
            .unwrap_or_default()
    };
    if sched.schedule_version != job.schedule_version {
        let mut c = db.acquire().await?;
        store::disclosure::finish(
            c.conn(),
            job.id,
            worker,
            "cancelled",
            store::now(),
            0,
            Some("the schedule changed"),
        )
        .await?;
        return Ok(Outcome::Skipped("the schedule changed".into()));
    }
    let trigger = Trigger::Job(job, worker);
    let result = match crate::service::access::open(
        db,
        &crate::service::Caller::System,
        job.case_id,
    )
    .await
    {
        Err(e) => Err(e),
        Ok(case) => match job.kind.as_str() {
            PRE_ANNOUNCE => pre_announce(db, cfg, &case, trigger).await,
            PRE_NOTIFY => pre_notify(db, cfg, &case, trigger).await,
            PUBLISH => publish(db, cfg, &case, trigger, None).await.map(|(o, _)| o),
            other => Err(ServiceError::Internal(format!(
                "unknown job kind `{other}`"
            ))),
        },
    };
    match result {
        // The case can no longer take this step (published by hand, unscheduled …): done with it.
        Err(ServiceError::Conflict(why))
            if !why.starts_with("no key") && !why.starts_with("signing needs") =>
        {
            let mut c = db.acquire().await?;
            store::disclosure::finish(
                c.conn(),
                job.id,
                worker,
                "cancelled",
                store::now(),
                0,
                Some(&why),
            )
            .await?;
            Ok(Outcome::Skipped(why))
        }
        other => other,
    }
}

/// A case's jobs (the case page); `all` includes finished ones.
pub async fn jobs_of_case(
    db: &Db,
    case_ref: &CaseRef,
    all: bool,
) -> Result<Vec<Job>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::disclosure::jobs(c.conn(), None, Some(case_ref.id()), all).await?)
}

/// A project's jobs (its team's schedule, `schedule list --project`).
pub async fn jobs_of_project(
    db: &Db,
    project_ref: &crate::service::ProjectRef,
    all: bool,
) -> Result<Vec<Job>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::disclosure::jobs(c.conn(), Some(project_ref.id()), None, all).await?)
}

/// Every project's jobs: for the operator at the server (`embargo schedule list`) only.
pub async fn every_job(
    db: &Db,
    caller: &crate::service::Caller,
    all: bool,
) -> Result<Vec<Job>, ServiceError> {
    if !matches!(
        caller,
        crate::service::Caller::Operator | crate::service::Caller::System
    ) {
        return Err(ServiceError::Forbidden(
            "every project's schedule is for the operator at the server; ask for one project's"
                .into(),
        ));
    }
    let mut c = db.acquire().await?;
    Ok(store::disclosure::jobs(c.conn(), None, None, all).await?)
}
