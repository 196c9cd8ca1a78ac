//! Logging: human-readable or JSON lines, filtered by `log.filter` (or `RUST_LOG`). Each line
//! written while serving a request carries that request's id and client address through its
//! span; the line that closes a request has its status and its latency in milliseconds as
//! numbers.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{LogConfig, LogFormat};

/// The filter: `RUST_LOG` when set (an invalid one is an error, like an invalid `log.filter`),
/// else `log.filter` (checked when the configuration was loaded).
pub fn filter(config: &LogConfig) -> Result<EnvFilter, String> {
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .map_err(|e| format!("RUST_LOG {directives:?} is not a valid log filter: {e}")),
        _ => EnvFilter::try_new(&config.filter)
            .map_err(|e| format!("configuration key `log.filter`: {e}")),
    }
}

/// Installs the global subscriber; a second call is a no-op (tests build many apps). Text has
/// colours only on a terminal.
pub fn init(config: &LogConfig) -> Result<(), String> {
    let filter = filter(config)?;
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    Ok(())
}
