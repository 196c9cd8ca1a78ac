//! HTTP handlers, one module per resource.

pub mod account;
pub mod addresses;
pub mod admin;
pub mod auth;
pub mod carts;
pub mod cases;
pub mod catalog;
pub mod checkout_events;
pub mod documents;
pub mod figures;
pub mod identity;
pub mod me;
pub mod media;
pub mod money;
pub mod notices;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod personal;
pub mod policies;
pub mod regions;
pub mod remittances;
pub mod reports;
pub mod reviews;
pub mod search;
pub mod shipments;
pub mod stall_carriers;
pub mod tax;
pub mod vouchers;

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

/// The administrators' desk for what stalls submit (their seller's identity, business
/// documents): the `queue` by status (the first status by default), and the verdicts, `verify`
/// or `reject` with a reason the owner reads; each the use case of the same name on
/// `state.$service`. `$id` turns the path's id into what the use case takes; the answers every
/// verdict has, and the rest each lists, make the operation's document.
macro_rules! review_desk {
    (
        $service:ident, $id:path, $id_type:ty, $id_doc:literal => $view:ty;
        $(#[$queue_doc:meta])* queue($params:ty, $default:expr $(, $extra:expr)?): $queue_op:literal, $queue_path:literal;
        $(#[$verify_doc:meta])* verify: $verify_op:literal, $verify_path:literal, [$($verify_answers:tt)*];
        $(#[$reject_doc:meta])* reject($rejection:ty): $reject_op:literal, $reject_path:literal, [$($reject_answers:tt)*];
    ) => {
        $(#[$queue_doc])*
        #[utoipa::path(get, operation_id = $queue_op, path = $queue_path, tag = "admin", security(("bearer" = [])),
            params($params), responses((status = 200, body = Page<$view>)))]
        pub async fn queue(
            State(state): State<AppState>,
            auth: AuthUser,
            Query(q): Query<$params>,
        ) -> ApiResult<axum::Json<Page<$view>>> {
            let (page, status) = (q.page()?, q.status.unwrap_or($default));
            let actor = auth.user.actor();
            let rows = state.$service.queue(&state.db, &actor, status, page $(, $extra)?);
            Ok(axum::Json(rows.await?))
        }

        $(#[$verify_doc])*
        #[utoipa::path(post, operation_id = $verify_op, path = $verify_path, tag = "admin", security(("bearer" = [])),
            params(("id" = $id_type, Path, description = $id_doc)),
            responses((status = 200, body = $view), $($verify_answers)*))]
        pub async fn verify(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
        ) -> ApiResult<axum::Json<$view>> {
            let id = $id(&id)?;
            let actor = auth.user.actor();
            Ok(axum::Json(state.$service.verify(&state.db, &actor, id, Utc::now()).await?))
        }

        $(#[$reject_doc])*
        #[utoipa::path(post, operation_id = $reject_op, path = $reject_path, tag = "admin", security(("bearer" = [])),
            params(("id" = $id_type, Path, description = $id_doc)),
            request_body = $rejection,
            responses((status = 200, body = $view), $($reject_answers)*))]
        pub async fn reject(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
            Json(body): Json<$rejection>,
        ) -> ApiResult<axum::Json<$view>> {
            let id = $id(&id)?;
            let (actor, reason) = (auth.user.actor(), Some(body.reason.as_str()));
            let rejected = state.$service.reject(&state.db, &actor, id, reason, Utc::now());
            Ok(axum::Json(rejected.await?))
        }
    };
}
pub(crate) use review_desk;

paged_params! {
    /// `?page=&per_page=`
    PageParams {}
}

/// A UUID in the path; a malformed one names nothing there, so it is 404 like an unknown one.
pub(crate) fn path_id(id: &str) -> crate::error::ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| crate::error::ApiError::from_status(axum::http::StatusCode::NOT_FOUND))
}

/// Whether an anonymous read of `path` is still for one holder only: a guest cart, read by
/// whoever holds its id. Such answers are `no-store`, never a public cache's.
pub(crate) fn is_private_read(path: &str) -> bool {
    path.starts_with("/api/v1/carts/")
}
