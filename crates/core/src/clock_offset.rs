//! How far a PC's clock is off the central store's, said in Norwegian (issue 21 item 7): the desk's
//! warning and the back office's flag say it the same way.

/// "3 t 12 min for sakte": `offset_seconds` is the right time less the clock's, so a clock behind
/// is "for sakte". Under an hour in minutes, under two days in hours and minutes, then in days.
pub fn clock_off_text(offset_seconds: i64) -> String {
    let minutes = offset_seconds.unsigned_abs() / 60;
    let amount = match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} t {} min", m / 60, m % 60),
        m => format!("{} døgn", m / (24 * 60)),
    };
    let way = if offset_seconds > 0 {
        "for sakte"
    } else {
        "for fort"
    };
    format!("{amount} {way}")
}

#[cfg(test)]
mod tests {
    use super::clock_off_text;

    #[test]
    fn a_clock_off_is_said_in_minutes_hours_or_days_and_which_way() {
        assert_eq!(clock_off_text(5 * 60), "5 min for sakte");
        assert_eq!(clock_off_text(-(3 * 3600 + 12 * 60)), "3 t 12 min for fort");
        assert_eq!(clock_off_text(3 * 86_400 + 60), "3 døgn for sakte");
    }
}
