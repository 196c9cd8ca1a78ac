//! A user's personal data in reports: the reports they filed (for their export), and their
//! erasure, which keeps the reports (a takedown may rest on them) but no longer ties them to
//! the user nor keeps their words. Authority requests an administrator recorded are the
//! marketplace's records, not the administrator's personal data, and the messages a member
//! wrote for a stall's review are the stall's.

use chrono::Utc;
use common::Stored;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::Result;
use super::{
    entity::{report, takedown},
    report::{Report, ReportKind},
    store,
};

/// The reports `user_id` filed, oldest first, as they see them.
pub async fn export_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Vec<Report>> {
    let rows = filed_by(user_id)
        .order_by_asc(report::Column::CreatedAt)
        .all(db)
        .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|m| store::report_view(m, now, None))
        .collect::<Result<_, _>>()?)
}

/// Erases `user_id` from reports: the reports they filed lose their reporter, detail and
/// evidence, and the reviews they asked for lose who asked. Returns how many rows changed.
pub async fn erase_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let reports = report::Entity::update_many()
        .set(report::ActiveModel {
            reporter_id: Set(None),
            detail: Set(String::new()),
            evidence: Set("[]".to_owned()),
            ..Default::default()
        })
        .filter(report::Column::ReporterId.eq(user_id))
        .filter(report::Column::Kind.eq(ReportKind::UserReport.as_str()))
        .exec(db)
        .await?;
    let reviews = takedown::Entity::update_many()
        .set(takedown::ActiveModel {
            review_requested_by: Set(None),
            ..Default::default()
        })
        .filter(takedown::Column::ReviewRequestedBy.eq(user_id))
        .exec(db)
        .await?;
    Ok(reports.rows_affected + reviews.rows_affected)
}

fn filed_by(user_id: Uuid) -> sea_orm::Select<report::Entity> {
    report::Entity::find()
        .filter(report::Column::ReporterId.eq(user_id))
        .filter(report::Column::Kind.eq(ReportKind::UserReport.as_str()))
}
