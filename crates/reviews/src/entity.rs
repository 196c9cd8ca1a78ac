//! The `reviews` and `review_reports` tables.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

/// The `reviews` table: one review per delivered order line, with the stall's reply and an
/// administrator's hiding.
pub mod review {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reviews")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub product_id: Uuid,
        pub stall_id: Uuid,
        pub order_id: Uuid,
        pub order_item_id: Uuid,
        pub author_id: Uuid,
        pub variant_name: Option<String>,
        /// 1 to 5.
        pub rating: i16,
        pub text: String,
        /// Media ids, a JSON array.
        pub images: String,
        pub created_at: DateTimeUtc,
        pub edited_at: Option<DateTimeUtc>,
        pub reply_text: Option<String>,
        pub reply_by: Option<Uuid>,
        pub replied_at: Option<DateTimeUtc>,
        pub hidden_at: Option<DateTimeUtc>,
        pub hidden_by: Option<Uuid>,
        pub hidden_reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `review_reports` table: what users report of reviews, one per user and review.
pub mod report {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub review_id: Uuid,
        pub reporter_id: Uuid,
        /// [`crate::ReportReason`].
        pub reason: String,
        pub detail: String,
        /// [`crate::ReportStatus`].
        pub status: String,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub closed_by: Option<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
