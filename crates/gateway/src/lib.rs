//! The HTTP gateway of the marketplace: routes, extractors, authentication, errors as
//! problem+json, OpenAPI, metrics; and the `marketplace` binary's commands.
//!
//! Domain rules live in the domain crates; this crate turns HTTP into calls on them and their
//! results back into HTTP.

pub mod app;
pub mod config;
pub mod error;
pub mod extract;
pub mod messages;
pub mod metrics;
pub mod openapi;
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
