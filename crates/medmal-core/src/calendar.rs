//! Calendar arithmetic on civil dates in plain integers.
//!
//! Look-back windows and credit expiries are evaluated for every row of a book, twice; jiff's
//! general span arithmetic is exact but costly there. These give the same answers as jiff
//! (a day that does not exist in the target month is clamped to its last day) at the cost of
//! a few comparisons, and the tests hold them to jiff.

use jiff::civil::Date;

/// jiff's largest span in years and in months; beyond them jiff refuses the arithmetic.
const MAX_YEARS: u32 = 19_998;
const MAX_MONTHS: u32 = 239_976;

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: i8) -> i8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn civil(year: i32, month: i8, day: i8) -> Option<Date> {
    let day = day.min(days_in_month(year, month));
    Date::new(i16::try_from(year).ok()?, month, day).ok()
}

/// `date` moved `years` years back; `None` when that leaves the calendar's range.
pub fn years_before(date: Date, years: u32) -> Option<Date> {
    if years > MAX_YEARS {
        return None;
    }
    civil(i32::from(date.year()) - i32::try_from(years).ok()?, date.month(), date.day())
}

/// `date` moved `months` months forward; `None` when that leaves the calendar's range.
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    if months > MAX_MONTHS {
        return None;
    }
    let total = i64::from(date.year()) * 12 + i64::from(date.month() - 1) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = i8::try_from(total.rem_euclid(12) + 1).ok()?;
    civil(year, month, date.day())
}

/// The `years` years before an effective date: from the same day `years` years earlier,
/// inclusive, to the effective date, exclusive (a claim reported on the effective date belongs
/// to the new term).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    start: Option<Date>,
    end: Date,
}

impl Window {
    pub fn before(effective: Date, years: u32) -> Self {
        Self { start: years_before(effective, years), end: effective }
    }

    pub fn holds(&self, date: Date) -> bool {
        self.start.is_some_and(|s| date >= s) && date < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jiff_years_before(d: Date, years: u32) -> Option<Date> {
        d.checked_sub(jiff::Span::new().try_years(i64::from(years)).ok()?).ok()
    }

    fn jiff_add_months(d: Date, months: u32) -> Option<Date> {
        d.checked_add(jiff::Span::new().try_months(i64::from(months)).ok()?).ok()
    }

    #[test]
    fn agrees_with_jiff_on_every_day_of_several_years() {
        let mut d = Date::constant(1999, 12, 1);
        let end = Date::constant(2005, 3, 31);
        while d <= end {
            for n in [0, 1, 2, 3, 4, 5, 7, 10, 11, 12, 13, 24, 25, 36, 48, 100, 400] {
                assert_eq!(years_before(d, n), jiff_years_before(d, n), "{d} - {n} years");
                assert_eq!(add_months(d, n), jiff_add_months(d, n), "{d} + {n} months");
            }
            d = d.tomorrow().unwrap_or(end);
            if d == end {
                break;
            }
        }
    }

    #[test]
    fn agrees_with_jiff_at_the_ends_of_the_calendar() {
        for d in [Date::MIN, Date::MAX, Date::constant(-9999, 2, 28), Date::constant(9999, 1, 31)] {
            for n in [0, 1, 12, 13, 19_998, 19_999, 239_976, 239_977, u32::MAX] {
                assert_eq!(years_before(d, n), jiff_years_before(d, n), "{d} - {n} years");
                assert_eq!(add_months(d, n), jiff_add_months(d, n), "{d} + {n} months");
            }
        }
    }

    #[test]
    fn window_is_inclusive_at_its_start_and_exclusive_at_the_effective_date() {
        let w = Window::before(Date::constant(2026, 7, 1), 5);
        assert!(w.holds(Date::constant(2021, 7, 1)));
        assert!(!w.holds(Date::constant(2021, 6, 30)));
        assert!(w.holds(Date::constant(2026, 6, 30)));
        assert!(!w.holds(Date::constant(2026, 7, 1)));
        let leap = Window::before(Date::constant(2024, 2, 29), 1);
        assert!(leap.holds(Date::constant(2023, 2, 28)));
        assert!(!leap.holds(Date::constant(2023, 2, 27)));
    }
}
