//! The Norwegian working-day calendar (rule H1).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` (Gregorian computus, the anonymous algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// The public holidays of `year` (H1), sorted, without duplicates (17 May 2027 is also 2. pinsedag).
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let from_easter = |offset: i64, name| (easter + chrono::Duration::days(offset), name);
    let fixed = |m, d, name| {
        (
            NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN),
            name,
        )
    };
    let mut days = vec![
        fixed(1, 1, "1. nyttårsdag"),
        from_easter(-3, "Skjærtorsdag"),
        from_easter(-2, "Langfredag"),
        from_easter(0, "1. påskedag"),
        from_easter(1, "2. påskedag"),
        fixed(5, 1, "Offentlig høytidsdag"),
        from_easter(39, "Kristi himmelfartsdag"),
        fixed(5, 17, "Grunnlovsdag"),
        from_easter(49, "1. pinsedag"),
        from_easter(50, "2. pinsedag"),
        fixed(12, 25, "1. juledag"),
        fixed(12, 26, "2. juledag"),
    ];
    days.sort_by_key(|(d, _)| *d);
    days.dedup_by_key(|(d, _)| *d);
    days
}

/// Whether `day` is a public holiday (H1).
pub fn is_public_holiday(day: NaiveDate) -> bool {
    let (m, d) = (day.month(), day.day());
    if matches!((m, d), (1, 1) | (5, 1) | (5, 17) | (12, 25) | (12, 26)) {
        return true;
    }
    let offset = (day - easter_sunday(day.year())).num_days();
    matches!(offset, -3 | -2 | 0 | 1 | 39 | 49 | 50)
}

/// A working day: not Saturday, not Sunday, not a public holiday (D4, H1).
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(day)
}

/// `day` itself if it is a working day, otherwise the next one.
pub fn this_or_next_working_day(day: NaiveDate) -> NaiveDate {
    let mut d = day;
    while !is_working_day(d) {
        d = d.succ_opt().unwrap_or(d);
        if d == NaiveDate::MAX {
            break;
        }
    }
    d
}

/// The working day `n` working days after `day` (n = 0 gives `day` moved to a working day).
pub fn add_working_days(day: NaiveDate, n: u32) -> NaiveDate {
    let mut d = this_or_next_working_day(day);
    for _ in 0..n {
        d = this_or_next_working_day(d.checked_add_days(Days::new(1)).unwrap_or(d));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// H1: every holiday in the vector file, and nothing else, for 2025–2028.
    #[test]
    fn h1_vectors_2025_2028() {
        let mut reader =
            csv::Reader::from_reader(&include_bytes!("../tests/data/helligdager-2025-2028.csv")[..]);
        let mut expected: Vec<NaiveDate> = reader
            .records()
            .map(|r| NaiveDate::parse_from_str(&r.unwrap()[0], "%Y-%m-%d").unwrap())
            .collect();
        expected.dedup();
        let computed: Vec<NaiveDate> = (2025..=2028).flat_map(public_holidays).map(|(d, _)| d).collect();
        assert_eq!(computed, expected);
        let mut day = date(2025, 1, 1);
        while day <= date(2028, 12, 31) {
            assert_eq!(is_public_holiday(day), expected.contains(&day), "{day}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn h1_working_days_per_year() {
        let count = |y| {
            let mut n = 0;
            let mut d = date(y, 1, 1);
            while d.year() == y {
                n += u32::from(is_working_day(d));
                d = d.succ_opt().unwrap();
            }
            n
        };
        assert_eq!(count(2026), 253);
        assert_eq!(count(2027), 255);
    }

    #[test]
    fn h1_2027_17_may_is_also_pinse() {
        let days = public_holidays(2027);
        assert_eq!(days.iter().filter(|(d, _)| *d == date(2027, 5, 17)).count(), 1);
    }

    #[test]
    fn d4_easter_2026_working_days() {
        // Skjærtorsdag 2 April 2026 → 2. påskedag 6 April: the next working day after Wednesday 1 April is Tuesday 7 April.
        assert_eq!(add_working_days(date(2026, 4, 1), 1), date(2026, 4, 7));
        assert_eq!(add_working_days(date(2026, 11, 20), 1), date(2026, 11, 23));
        assert_eq!(add_working_days(date(2026, 11, 21), 0), date(2026, 11, 23));
    }

    proptest! {
        /// H1: adding n working days never lands on a weekend or a holiday, and moves forward by at least n days.
        #[test]
        fn adding_working_days_lands_on_a_working_day(offset in 0i64..(365 * 30), n in 0u32..400) {
            let start = date(2020, 1, 1) + chrono::Duration::days(offset);
            let end = add_working_days(start, n);
            prop_assert!(is_working_day(end));
            prop_assert!((end - start).num_days() >= i64::from(n));
            // Exactly n working days lie in (start moved to a working day, end].
            let first = this_or_next_working_day(start);
            let mut count = 0;
            let mut d = first;
            while d < end { d = d.succ_opt().unwrap(); if is_working_day(d) { count += 1; } }
            prop_assert_eq!(count, n);
        }
    }
}
