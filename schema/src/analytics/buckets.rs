//! Calendar buckets (day, ISO week, month) in an IANA time zone, as UTC instants: a day in `Europe/Paris` that
//! ends daylight saving time lasts 25 hours, and its bucket does too. The database compares `created_at` with these
//! instants, so both backends bucket the same way without time-zone support in SQL (SQLite has none).

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Most buckets one query may ask for (about three years of days).
pub const MAX_BUCKETS: usize = 1100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
}

/// One bucket: `[start, end)` in UTC, and the local date it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The time zone named `name` (IANA, e.g. `Europe/Paris`).
pub fn zone(name: &str) -> ApiResult<Tz> {
    name.parse::<Tz>().map_err(|_| ApiError::bad_input("timezone", format!("unknown IANA time zone {name:?}")))
}

/// Local midnight of `date` in `tz` as an instant; where midnight does not exist (a daylight-saving gap at
/// midnight), the first instant of that date.
fn local_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut t = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return at.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The first local date of the bucket holding `date`.
fn floor(unit: Unit, date: NaiveDate) -> NaiveDate {
    match unit {
        Unit::Day => date,
        Unit::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
        Unit::Month => date.with_day(1).unwrap_or(date),
    }
}

fn next(unit: Unit, date: NaiveDate) -> Option<NaiveDate> {
    match unit {
        Unit::Day => date.checked_add_days(Days::new(1)),
        Unit::Week => date.checked_add_days(Days::new(7)),
        Unit::Month => date.checked_add_months(Months::new(1)),
    }
}

/// The buckets covering `[from, to)` in `tz`; the first starts at or before `from`, the last ends at or after `to`.
pub fn buckets(unit: Unit, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Vec<Bucket>> {
    let mut date = floor(unit, from.with_timezone(&tz).date_naive());
    let mut out = vec![];
    loop {
        let start = local_start(tz, date);
        if start >= to {
            return Ok(out);
        }
        let Some(following) = next(unit, date) else { return Ok(out) };
        out.push(Bucket { date, start, end: local_start(tz, following) });
        if out.len() > MAX_BUCKETS {
            return Err(ApiError::bad_input("range", format!("at most {MAX_BUCKETS} time buckets per query")));
        }
        date = following;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn daylight_saving_days_last_23_and_25_hours() {
        let paris = zone("Europe/Paris").expect("zone");
        let days = buckets(Unit::Day, paris, utc("2026-03-28T12:00:00Z"), utc("2026-03-30T00:00:00Z")).expect("b");
        assert_eq!(days[0].start, utc("2026-03-27T23:00:00Z"));
        assert_eq!(days[1].start, utc("2026-03-28T23:00:00Z"));
        assert_eq!(days[1].end - days[1].start, chrono::Duration::hours(23));
        let days = buckets(Unit::Day, paris, utc("2026-10-25T00:00:00Z"), utc("2026-10-25T12:00:00Z")).expect("b");
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].start, utc("2026-10-24T22:00:00Z"));
        assert_eq!(days[0].end - days[0].start, chrono::Duration::hours(25));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let ny = zone("America/New_York").expect("zone");
        let w = buckets(Unit::Week, ny, utc("2026-11-04T12:00:00Z"), utc("2026-11-05T00:00:00Z")).expect("b");
        assert_eq!(w[0].date, NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"));
        let m = buckets(Unit::Month, ny, utc("2026-11-01T03:00:00Z"), utc("2026-12-01T05:00:00Z")).expect("b");
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m[0].date, NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"), "still October in New York");
    }
}
