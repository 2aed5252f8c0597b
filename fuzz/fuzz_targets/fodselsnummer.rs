//! F1–F4: any text either parses or is refused; a parsed number never prints in full, and its age on
//! any day is computed without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_core::Fodselsnummer;

fuzz_target!(|text: &str| {
    if let Ok(fnr) = Fodselsnummer::parse(text) {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(!format!("{fnr}").contains(&digits), "P3: never shown in full");
        assert!(!format!("{fnr:?}").contains(&digits), "P3: never logged in full");
        for day in [(1900, 1, 1), (2026, 11, 22), (2099, 12, 31)] {
            if let Some(d) = chrono::NaiveDate::from_ymd_opt(day.0, day.1, day.2) {
                let _ = fnr.age_on(d);
            }
        }
    }
});
