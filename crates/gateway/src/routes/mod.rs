//! HTTP handlers, one module per resource.

pub mod account;
pub mod addresses;
pub mod admin;
pub mod auth;
pub mod cases;
pub mod catalog;
pub mod documents;
pub mod identity;
pub mod me;
pub mod money;
pub mod notices;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod personal;
pub mod policies;
pub mod regions;
pub mod reports;
pub mod search;

/// A query's own parameters followed by `page` and `per_page`, unknown ones refused;
/// `.page()` checks the two (422 naming the bad one). Every list pages alike, and says so
/// alike in the document.
macro_rules! paged_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
            /// Page number (from 1).
            #[param(minimum = 1)]
            pub page: Option<u64>,
            /// Page size (1 to 100, default 20).
            #[param(minimum = 1, maximum = 100)]
            pub per_page: Option<u64>,
        }

        impl $name {
            /// The page asked for, checked.
            pub fn page(&self) -> Result<common::PageRequest, common::Error> {
                common::PageRequest::new(self.page, self.per_page)
            }
        }
    };
}
pub(crate) use paged_params;

paged_params! {
    /// `?page=&per_page=`
    PageParams {}
}

/// A UUID in the path; a malformed one names nothing there, so it is 404 like an unknown one.
pub(crate) fn path_id(id: &str) -> crate::error::ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| crate::error::ApiError::from_status(axum::http::StatusCode::NOT_FOUND))
}
