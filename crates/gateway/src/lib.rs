//! The HTTP gateway of the marketplace: routes, extractors, authentication, errors as
//! problem+json, OpenAPI, metrics; and the `marketplace` binary's commands.
//!
//! Domain rules live in the domain crates; this crate turns HTTP into calls on them and their
//! results back into HTTP.
//!
//! How a request walks through the gateway:
//! 1. The listener ([`serve`]) accepts the connection (at most `http.max_connections` at once;
//!    the headers must arrive within `http.header_read_timeout_secs`) and hands each request,
//!    with the client's address, to the router.
//! 2. The layers of [`app::router`], outermost first: a request id (`x-request-id`, UUID v7,
//!    in every log line of the request's span), the request log, [`metrics::track`],
//!    problem+json for any error a layer or the router answers, security and cache headers,
//!    refusal of control characters in the path and query, panics caught as 500, compression,
//!    problems in Vietnamese for a request that prefers it ([`error::localize`]), `ETag`s on
//!    public reads, CORS, the request timeout (`http.request_timeout_secs`, then 503) and the
//!    body limit (`http.body_limit_bytes`, then 413).
//! 3. The router picks the handler by method and path, one area at a time (the public
//!    catalogue, search, accounts, orders, money, administration, the operators' endpoints);
//!    an unknown path is 404 `not_found`.
//! 4. Extractors ([`extract`]) make typed input of the request: the signed-in user
//!    ([`extract::AuthUser`]), a JSON body or a query, refused as a problem naming the bad
//!    field.
//! 5. The handler ([`routes`]) calls a domain service of [`AppState`] (accounts, catalog,
//!    search, order, ledger, notify), made once from the [`Config`] and the pieces it built
//!    ([`config::Built`]); the service owns the rules and the transactions.
//! 6. The answer leaves as JSON, or, for an error, as problem+json (RFC 9457): a domain error's
//!    kind gives its status in the one table of [`error`], its stable code goes with it, and a
//!    5xx is logged once with the request id and its detail hidden.

pub mod app;
pub mod carrier_map;
pub mod config;
pub mod error;
pub mod extract;
pub mod live;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod personal;
pub mod process;
pub mod progress;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod serve;
pub mod state;
pub mod telemetry;

pub use app::router;
pub use config::Config;
pub use state::AppState;
