//! HTTP tests of the gateway, driven through the router as a client would, on SQLite and
//! PostgreSQL. One test binary, so it links once.

mod auth;
mod cli;
mod errors;
mod ops;
mod support;
