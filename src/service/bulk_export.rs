//! Bulk export: every published advisory of a project written to a directory as one
//! file per advisory (`DEMO-2026-001.osv.json`, `.cve.json`, `.csaf.json`) — the shape
//! OSV importers and CSAF aggregators take. Reads only the frozen documents (as the
//! public routes do), a page at a time, and renders each page on all cores.
//!
//! A file is written under a temporary name and renamed into place, so a reader of the
//! directory never sees half a document. Advisories without a CVE ID have no CVE JSON 5
//! record; they are counted as skipped, not errors.

use super::ServiceError;
use crate::domain::advisory::Advisory;
use crate::domain::export::{self, Format};
use crate::store::{self, Db};
use std::path::{Path, PathBuf};

/// Advisories read per database round trip.
const PAGE: i64 = 2_000;

/// What a bulk export did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    /// Files written.
    pub written: u64,
    /// Advisories the format cannot express (CVE JSON 5 without a CVE ID).
    pub skipped: u64,
}

/// The file name ending of a format.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Osv => "osv.json",
        Format::Cve5 => "cve.json",
        Format::Csaf => "csaf.json",
    }
}

/// Export every published advisory of `slug` in `format` into `dir` (created if missing).
pub async fn export_all(
    db: &Db,
    slug: &str,
    format: Format,
    dir: &Path,
) -> Result<Exported, ServiceError> {
    let project = super::projects::find(db, slug).await?;
    crate::files::create_dir_all(dir).map_err(|e| {
        ServiceError::Invalid(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut after = String::new();
    let mut total = Exported::default();
    loop {
        let page = {
            let mut c = db.acquire().await?;
            store::advisories::documents_after(c.conn(), project.id, &after, PAGE).await?
        };
        let Some((last, _)) = page.last() else {
            break;
        };
        after = last.clone();
        let dir = dir.to_owned();
        let done = tokio::task::spawn_blocking(move || write_page(&page, format, &dir))
            .await
            .map_err(|e| ServiceError::Internal(format!("export worker: {e}")))??;
        total.written += done.written;
        total.skipped += done.skipped;
    }
    Ok(total)
}

/// Render and write one page, split over the machine's cores.
fn write_page(
    page: &[(String, String)],
    format: Format,
    dir: &Path,
) -> Result<Exported, ServiceError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let chunk = page.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = page
            .chunks(chunk)
            .map(|part| scope.spawn(move || write_chunk(part, format, dir)))
            .collect();
        let mut total = Exported::default();
        for h in handles {
            let done = h
                .join()
                .map_err(|_| ServiceError::Internal("an export thread failed".into()))??;
            total.written += done.written;
            total.skipped += done.skipped;
        }
        Ok(total)
    })
}

fn write_chunk(
    part: &[(String, String)],
    format: Format,
    dir: &Path,
) -> Result<Exported, ServiceError> {
    let mut done = Exported::default();
    for (id, doc) in part {
        let a: Advisory = serde_json::from_str(doc)
            .map_err(|e| ServiceError::Internal(format!("advisory {id}: {e}")))?;
        if format == Format::Cve5 && a.cve.is_none() {
            done.skipped += 1;
            continue;
        }
        let json = export::render(&a, format)
            .map_err(|e| ServiceError::Conflict(format!("advisory {id}: {e}")))?;
        let path = file_for(dir, id, format)?;
        let tmp = path.with_extension("tmp");
        crate::files::write(&tmp, json.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| ServiceError::Invalid(format!("cannot write {}: {e}", path.display())))?;
        done.written += 1;
    }
    Ok(done)
}

/// The file of an advisory; ids are `{SLUG}-{YEAR}-{NNN}`, never a path.
fn file_for(dir: &Path, id: &str, format: Format) -> Result<PathBuf, ServiceError> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ServiceError::Internal(format!(
            "advisory id `{id}` is not a file name"
        )));
    }
    Ok(dir.join(format!("{id}.{}", extension(format))))
}
