//! Vietnam's calendar: days and months as people in Vietnam count them (UTC+7 all year, no
//! daylight saving), whatever zone the server runs in. A Vietnamese day or month is given as a
//! half-open range of UTC instants, `[start, end)`, which is what a query over stored instants
//! needs.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

/// Vietnam's offset from UTC: seven hours, all year.
pub const OFFSET: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is an offset"),
};

/// The day in Vietnam at the instant `at`.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&OFFSET).date_naive()
}

/// Today in Vietnam.
pub fn today() -> NaiveDate {
    day_of(Utc::now())
}

/// The month in Vietnam at the instant `at`: its year and its number (1 to 12).
pub fn month_of(at: DateTime<Utc>) -> (i32, u32) {
    let day = day_of(at);
    (day.year(), day.month())
}

/// The instant a day begins in Vietnam (its midnight there), in UTC.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(NaiveTime::MIN) - OFFSET).and_utc()
}

/// A day in Vietnam as UTC instants: its midnight and the next day's.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = start_of(day);
    // Without daylight saving every day is 24 hours long.
    (start, start + TimeDelta::days(1))
}

/// The month `month` (1 to 12) of `year` in Vietnam as UTC instants: the midnight its first
/// day begins and the next month's; `None` when there is no such month.
pub fn month_bounds(year: i32, month: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    Some((start_of(first), start_of(next)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn vietnam_is_seven_hours_ahead_all_year() {
        assert_eq!(OFFSET.local_minus_utc(), 7 * 3600);
        // January and July alike: no daylight saving.
        assert_eq!(start_of(date(2026, 1, 15)), utc(2026, 1, 14, 17));
        assert_eq!(start_of(date(2026, 7, 15)), utc(2026, 7, 14, 17));
    }

    #[test]
    fn the_day_turns_at_midnight_in_vietnam_not_in_utc() {
        // 30 June 2025 18:00 UTC is 1 July 01:00 in Vietnam.
        assert_eq!(day_of(utc(2025, 6, 30, 18)), date(2025, 7, 1));
        assert_eq!(day_of(utc(2025, 6, 30, 16)), date(2025, 6, 30));
        // 17:00 UTC is the first instant of the next Vietnamese day.
        let at = Utc.with_ymd_and_hms(2025, 6, 30, 16, 59, 59).unwrap();
        assert_eq!(day_of(at), date(2025, 6, 30));
        assert_eq!(day_of(utc(2025, 6, 30, 17)), date(2025, 7, 1));
    }

    #[test]
    fn the_month_of_an_instant_is_vietnams() {
        // The evening of 31 December in UTC is already the new year in Vietnam.
        assert_eq!(month_of(utc(2026, 12, 31, 17)), (2027, 1));
        assert_eq!(month_of(utc(2026, 12, 31, 16)), (2026, 12));
        assert_eq!(month_of(utc(2026, 2, 28, 20)), (2026, 3));
    }

    #[test]
    fn a_day_is_the_24_hours_from_its_midnight() {
        let (start, end) = day_bounds(date(2026, 3, 1));
        assert_eq!(start.to_rfc3339(), "2026-02-28T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-03-01T17:00:00+00:00");
        assert_eq!(day_of(start), date(2026, 3, 1));
        assert_eq!(day_of(end - TimeDelta::seconds(1)), date(2026, 3, 1));
        assert_eq!(day_of(end), date(2026, 3, 2));
    }

    #[test]
    fn months_run_from_their_first_midnight_to_the_next_months() {
        let (start, end) = month_bounds(2026, 12).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-31T17:00:00+00:00");
        // February of a leap year, and the months around it meeting without a gap.
        let (feb, march) = month_bounds(2028, 2).unwrap();
        assert_eq!(feb.to_rfc3339(), "2028-01-31T17:00:00+00:00");
        assert_eq!(march.to_rfc3339(), "2028-02-29T17:00:00+00:00");
        assert_eq!(month_bounds(2028, 3).unwrap().0, march);
        assert_eq!(month_of(feb), (2028, 2));
        assert_eq!(month_of(march - TimeDelta::seconds(1)), (2028, 2));
        for bad in [0, 13] {
            assert_eq!(month_bounds(2026, bad), None, "{bad}");
        }
    }

    #[test]
    fn today_is_the_day_of_now() {
        let before = day_of(Utc::now());
        let today = today();
        assert!(today == before || today == before.succ_opt().unwrap());
    }
}
