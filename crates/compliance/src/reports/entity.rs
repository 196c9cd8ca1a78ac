//! The `reports` and `takedowns` tables.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

/// The `reports` table: every report of a listing and every authority's request, open or
/// closed.
pub mod report {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// [`crate::reports::ReportKind`].
        pub kind: String,
        /// [`crate::reports::ListingType`].
        pub subject_type: String,
        pub subject_id: Uuid,
        pub stall_id: Uuid,
        pub subject_name: String,
        /// [`crate::reports::ReportReason`]; null for an authority's request.
        pub reason: Option<String>,
        pub detail: String,
        /// The evidence's URLs, a JSON array.
        pub evidence: String,
        pub reporter_id: Option<Uuid>,
        pub authority: Option<String>,
        pub reference: Option<String>,
        pub received_at: Option<DateTimeUtc>,
        pub due_at: Option<DateTimeUtc>,
        /// [`crate::reports::ReportStatus`].
        pub status: String,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub closed_by: Option<Uuid>,
        pub resolution: Option<String>,
        pub takedown_id: Option<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `takedowns` table: each listing taken down on a report, and its review.
pub mod takedown {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "takedowns")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// [`crate::reports::ListingType`].
        pub subject_type: String,
        pub subject_id: Uuid,
        pub stall_id: Uuid,
        pub subject_name: String,
        pub reason: String,
        pub report_id: Uuid,
        pub taken_by: Uuid,
        pub created_at: DateTimeUtc,
        /// [`crate::reports::TakedownStatus`].
        pub status: String,
        pub review_message: Option<String>,
        pub review_requested_by: Option<Uuid>,
        pub review_requested_at: Option<DateTimeUtc>,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<DateTimeUtc>,
        pub decision_reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
