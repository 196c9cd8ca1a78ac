//! The month a test's entries fall in.

use chrono::Utc;
use common::calendar;

/// This month in Vietnam, as `yyyy-mm`.
pub fn this_month() -> String {
    let (y, m) = calendar::month_of(Utc::now());
    format!("{y:04}-{m:02}")
}
