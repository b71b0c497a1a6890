//! The mail kept for the team instead of opening a case (see `mail_loops`): listed and
//! read through the project door, like every other piece of team work.

use super::{ProjectRef, ServiceError};
use crate::store::{self, Db, held_mail::HeldMail};

/// The project's held mail, newest first (at most `limit`, 1 to 1000).
pub async fn list(
    db: &Db,
    project: &ProjectRef,
    limit: i64,
) -> Result<Vec<HeldMail>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::held_mail::list(c.conn(), project.id(), limit.clamp(1, 1000)).await?)
}

/// One held message as it was delivered.
pub async fn raw(db: &Db, project: &ProjectRef, id: i64) -> Result<Vec<u8>, ServiceError> {
    let mut c = db.acquire().await?;
    store::held_mail::raw(c.conn(), project.id(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("held mail #{id} of this project")))
}
