//! Advisories: the team's draft, the [`Advisory`] built from a case (for the
//! pre-notification before publication, frozen at publication), public reads of
//! published advisories, exports, and the project's CVE ID pool.

use super::cases::{case_row, project_of};
use super::{CaseRef, ProjectRef, ServiceError, audit};
use crate::config::Config;
use crate::domain::advisory::{self, Advisory, Credit, Cvss, Product, Range, Weakness};
use crate::domain::case::CaseState;
use crate::domain::export::{self, Format};
use crate::domain::policy::{CreditReporter, Policy};
use crate::store::advisories::Draft;
use crate::store::cases::CaseRow;
use crate::store::projects::ProjectRow;
use crate::store::{self, Db};
use serde_json::json;

/// Longest title, summary and each text field of a draft.
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 64 * 1024;

pub(super) fn policy_for(project: &ProjectRow) -> Result<Policy, ServiceError> {
    super::projects::policy_of(project)?
        .ok_or_else(|| ServiceError::Conflict("the project has no policy".into()))
}

/// The draft of a case (prefilled from the case when none was saved).
pub async fn draft(db: &Db, case_ref: &CaseRef) -> Result<Draft, ServiceError> {
    draft_of(db, case_ref.id()).await
}

async fn draft_of(db: &Db, case_id: i64) -> Result<Draft, ServiceError> {
    let case = case_row(db, case_id).await?;
    let saved = {
        let mut c = db.acquire().await?;
        store::advisories::draft(c.conn(), case_id).await?
    };
    Ok(saved.unwrap_or_else(|| Draft {
        title: case.summary.clone(),
        ..Draft::default()
    }))
}

/// Save the draft: title required, references must be links, fixed versions must be
/// versions of the project's scheme; refused once published.
pub async fn save_draft(db: &Db, case_ref: &CaseRef, d: &Draft) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = policy_for(&project)?;
    let state: CaseState = case.state;
    if !state.is_embargoed() {
        return Err(ServiceError::Conflict(
            "the advisory is published; its text can no longer change here".into(),
        ));
    }
    let title = d.title.trim();
    if title.is_empty() {
        return Err(ServiceError::Invalid("the advisory needs a title".into()));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(ServiceError::Invalid(format!(
            "the title is longer than {MAX_TITLE} characters; put the detail in the summary"
        )));
    }
    for (name, text) in [
        ("summary", &d.summary),
        ("description", &d.description),
        ("remedy", &d.remedy),
        ("workarounds", &d.workarounds),
    ] {
        if text.len() > MAX_TEXT {
            return Err(ServiceError::Invalid(format!(
                "the {name} is longer than 64 KiB"
            )));
        }
    }
    let refs = advisory::check_references(&d.refs).map_err(ServiceError::Invalid)?;
    let mut fixed = Vec::new();
    for (i, line) in advisory::lines(&d.fixed).iter().enumerate() {
        let v = policy.versions.scheme.parse(line).map_err(|e| {
            ServiceError::Invalid(format!("fixed version on line {} (`{line}`): {e}", i + 1))
        })?;
        fixed.push(v.to_string());
    }
    let clean = Draft {
        title: title.to_owned(),
        summary: d.summary.trim().to_owned(),
        description: d.description.trim().to_owned(),
        remedy: d.remedy.trim().to_owned(),
        workarounds: d.workarounds.trim().to_owned(),
        fixed: fixed.join("\n"),
        refs: refs.join("\n"),
    };
    let mut tx = db.begin().await?;
    store::advisories::save_draft(tx.conn(), case.id, case.project_id, &clean, store::now())
        .await?;
    audit::record(
        &mut tx,
        actor,
        "case.advisory_saved",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"title": clean.title}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything an advisory is built from, read before the publishing transaction.
pub(super) struct Sources {
    pub case: CaseRow,
    pub project: ProjectRow,
    pub policy: Policy,
    pub draft: Draft,
    pub credits: Vec<Credit>,
    pub cve: Option<String>,
    pub zone: String,
}

/// Read what the advisory of `case_id` is built from.
pub(super) async fn sources(db: &Db, case_id: i64) -> Result<Sources, ServiceError> {
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = policy_for(&project)?;
    let draft = draft_of(db, case_id).await?;
    let (schedule, dups, guests) = {
        let mut c = db.acquire().await?;
        (
            store::disclosure::schedule_of(c.conn(), case_id).await?,
            store::cases::duplicates_of(c.conn(), case_id).await?,
            store::guests::of_case(c.conn(), case_id).await?,
        )
    };
    let schedule = schedule.unwrap_or_default();
    let mut credits = Vec::new();
    let mut credit = |row: &CaseRow| {
        let wished = match policy.publication.credit_reporter {
            CreditReporter::Never => false,
            CreditReporter::Always => true,
            CreditReporter::IfWished => row.wants_credit,
        };
        let name = row
            .credit_as
            .clone()
            .or_else(|| row.reporter_name.clone())
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if let (true, Some(name)) = (wished, name)
            && !credits.iter().any(|c: &Credit| c.name == name)
        {
            credits.push(Credit {
                name,
                kind: "finder".into(),
            });
        }
    };
    credit(&case);
    for d in &dups {
        credit(d);
    }
    if policy.publication.credit_collaborators {
        for g in guests.iter().filter(|g| g.removed_at.is_none()) {
            let kind = credit_kind(&g.role);
            if !credits.iter().any(|c| c.name == g.name) && !g.name.trim().is_empty() {
                credits.push(Credit {
                    name: g.name.trim().to_owned(),
                    kind: kind.into(),
                });
            }
        }
    }
    Ok(Sources {
        zone: schedule
            .disclose_zone
            .clone()
            .unwrap_or_else(|| policy.embargo.time_zone.clone()),
        cve: schedule.cve_id,
        case,
        project,
        policy,
        draft,
        credits,
    })
}

/// The credit type (OSV / CVE JSON 5 vocabulary) of a collaborator's role: an upstream
/// maintainer fixed the code, another affected project coordinated its own release with
/// ours, a colleague of the reporter helped analyse it.
fn credit_kind(role: &str) -> &'static str {
    match role {
        "upstream" => "remediation developer",
        "affected-project" => "coordinator",
        "reporter-colleague" => "analyst",
        _ => "other",
    }
}

/// Build the advisory from its sources, with `id`, published at `at`.
pub(super) fn build(cfg: &Config, s: &Sources, id: &str, at: i64) -> Advisory {
    let scheme = s.policy.versions.scheme;
    let parsed = crate::domain::affected::parse(scheme, s.case.affected.as_deref().unwrap_or(""))
        .unwrap_or_default();
    let show = |v: &Option<crate::domain::policy::Version>| v.as_ref().map(|v| v.to_string());
    let osv_id = match &s.policy.publication.osv_prefix {
        Some(p) => format!("{}-{id}", p.0),
        None => format!("x_{id}"),
    };
    let url = cfg.link(&format!("/p/{}/advisories/{id}", s.project.slug));
    Advisory {
        id: id.to_owned(),
        osv_id,
        product: Product {
            slug: s.project.slug.clone(),
            name: s.project.name.clone(),
            homepage: s.policy.project.homepage.clone(),
            ecosystem: s.policy.project.ecosystem.clone(),
            package: s.policy.project.package.clone(),
            version_scheme: scheme.to_string(),
        },
        title: s.draft.title.clone(),
        summary: if s.draft.summary.is_empty() {
            s.draft.title.clone()
        } else {
            s.draft.summary.clone()
        },
        description: s.draft.description.clone(),
        remedy: s.draft.remedy.clone(),
        workarounds: s.draft.workarounds.clone(),
        severity: s.case.severity.clone(),
        cvss: [&s.case.cvss3, &s.case.cvss4]
            .into_iter()
            .flatten()
            .filter_map(|v| Cvss::from_vector(v))
            .collect(),
        cwe: s.case.cwe.and_then(|id| {
            crate::domain::cwe::lookup(&id.to_string())
                .ok()
                .map(|c| Weakness {
                    id: c.id,
                    name: c.name.to_owned(),
                })
        }),
        cve: s.cve.clone(),
        affected: parsed
            .ranges
            .iter()
            .map(|r| Range {
                introduced: show(&r.introduced),
                fixed: show(&r.fixed),
                last_affected: show(&r.last_affected),
            })
            .collect(),
        affected_versions: parsed.versions.iter().map(|v| v.to_string()).collect(),
        fixed: advisory::lines(&s.draft.fixed),
        references: advisory::lines(&s.draft.refs),
        credits: s.credits.clone(),
        published_at: at,
        modified_at: at,
        zone: s.zone.clone(),
        url,
        publisher_url: cfg.link(&format!("/p/{}/", s.project.slug)),
        cna_org_id: s.policy.cve.org_id.as_ref().map(|o| o.0.clone()),
    }
}

/// The next public id of a project in the year of `at`: `DEMO-2026-001`.
pub(super) async fn next_public_id(
    tx: &mut store::Tx,
    project: &ProjectRow,
    at: i64,
) -> Result<String, ServiceError> {
    let year = jiff::Timestamp::from_second(at)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).year())
        .unwrap_or(1970);
    let prefix = format!("{}-{year}-", project.slug.to_uppercase());
    // From the counter, never from a count; an id taken some other way (by hand,
    // by an import) is skipped rather than handed out again.
    for _ in 0..1000 {
        let n =
            store::advisories::next_number(tx.conn(), project.id, i64::from(year), &prefix).await?;
        let id = format!("{prefix}{n:03}");
        if !store::advisories::public_id_taken(tx.conn(), project.id, &id).await? {
            return Ok(id);
        }
    }
    Err(ServiceError::Internal(format!(
        "no free public id after {prefix}: a thousand in a row are taken"
    )))
}

/// A published advisory of a project (public).
pub async fn published(db: &Db, slug: &str, id: &str) -> Result<Advisory, ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let doc = {
        let mut c = db.acquire().await?;
        store::advisories::published(c.conn(), project.id, id).await?
    };
    let doc = doc.ok_or_else(|| ServiceError::NotFound(format!("advisory {id}")))?;
    serde_json::from_str(&doc).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The published advisory of a case, if published.
pub async fn of_case(db: &Db, case_ref: &CaseRef) -> Result<Option<Advisory>, ServiceError> {
    let case_id = case_ref.id();
    let doc = {
        let mut c = db.acquire().await?;
        store::advisories::published_of_case(c.conn(), case_id).await?
    };
    doc.map(|d| serde_json::from_str(&d).map_err(|e| ServiceError::Internal(e.to_string())))
        .transpose()
}

/// The archive: published advisories, newest first, matching `q` if given.
pub async fn archive(
    db: &Db,
    project: &ProjectRow,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<Advisory>, ServiceError> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let docs = {
        let mut c = db.acquire().await?;
        store::advisories::archive(c.conn(), project.id, q, limit).await?
    };
    docs.iter()
        .map(|d| serde_json::from_str(d).map_err(|e| ServiceError::Internal(e.to_string())))
        .collect()
}

/// Export a published advisory, by its public id (`DEMO-2026-001`) or its case number.
pub async fn export(db: &Db, id: &str, format: Format) -> Result<String, ServiceError> {
    let doc = {
        let mut c = db.acquire().await?;
        match id.trim().trim_start_matches('#').parse::<i64>() {
            Ok(case_id) => store::advisories::published_of_case(c.conn(), case_id).await?,
            Err(_) => {
                // `{SLUG}-{YEAR}-{NNN}`: the slug may itself contain hyphens.
                let slug = id
                    .trim()
                    .rsplitn(3, '-')
                    .nth(2)
                    .unwrap_or_default()
                    .to_lowercase();
                match store::projects::by_slug(c.conn(), &slug).await? {
                    Some(p) => store::advisories::published(c.conn(), p.id, id.trim()).await?,
                    None => None,
                }
            }
        }
    };
    let doc = doc.ok_or_else(|| {
        ServiceError::NotFound(format!(
            "published advisory `{id}` (give its id, such as DEMO-2026-001, or its case number)"
        ))
    })?;
    let a: Advisory =
        serde_json::from_str(&doc).map_err(|e| ServiceError::Internal(e.to_string()))?;
    export::render(&a, format).map_err(ServiceError::Conflict)
}

/// Import reserved CVE IDs into a project's pool; returns how many were new.
pub async fn import_cve_ids(
    db: &Db,
    project_ref: &ProjectRef,
    text: &str,
) -> Result<u64, ServiceError> {
    let actor = project_ref.actor();
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let ids: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| advisory::check_cve_id(t).map_err(ServiceError::Invalid))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err(ServiceError::Invalid(
            "no CVE IDs given; list reserved IDs such as CVE-2026-12345, one per line".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let added = store::cve::import(tx.conn(), project.id, &ids, store::now()).await?;
    audit::record(
        &mut tx,
        actor,
        "project.cve_ids_imported",
        ("project", &project.id.to_string()),
        Some(project.id),
        json!({"given": ids.len(), "added": added}),
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Assign the next free CVE ID of the project's pool to a case (idempotent: a case
/// with an ID keeps it).
pub async fn assign_cve(db: &Db, case_ref: &CaseRef) -> Result<String, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    if let Some(existing) = store::disclosure::schedule_of(tx.conn(), case.id)
        .await?
        .and_then(|s| s.cve_id)
    {
        return Ok(existing);
    }
    let id = store::cve::take(tx.conn(), case.project_id, case.id, store::now())
        .await?
        .ok_or_else(|| {
            ServiceError::Conflict(
                "the project's pool of reserved CVE IDs is empty; an administrator imports more with `embargo cve import`".into(),
            )
        })?;
    audit::record(
        &mut tx,
        actor,
        "case.cve_assigned",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"cve": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Assign a CVE ID on acceptance when the pool has one (in the caller's transaction);
/// an empty pool is not an error here.
pub(super) async fn assign_on_acceptance(
    tx: &mut store::Tx,
    project_id: i64,
    case_id: i64,
) -> Result<Option<String>, ServiceError> {
    Ok(store::cve::take(tx.conn(), project_id, case_id, store::now()).await?)
}

/// The pool of a project: (id, case) pairs.
pub async fn cve_pool(
    db: &Db,
    project_ref: &ProjectRef,
) -> Result<Vec<(String, Option<i64>)>, ServiceError> {
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let mut c = db.acquire().await?;
    Ok(store::cve::pool(c.conn(), project.id).await?)
}
