//! Whether a claim is in time: reklamasjon (R1, forbrukerkjøpsloven § 27) and transport damage (D10),
//! with the dates staff read to the customer.

use chrono::{Duration, Months, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::returns::complaint_limits;

/// What the customer claims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ClaimKind {
    /// R1: a defect (mangel).
    Reklamasjon,
    /// D10: damaged on the way.
    Transportskade,
}

impl ClaimKind {
    pub const fn code(self) -> &'static str {
        match self {
            ClaimKind::Reklamasjon => "reklamasjon",
            ClaimKind::Transportskade => "transportskade",
        }
    }

    pub fn from_code(code: &str) -> Option<ClaimKind> {
        [ClaimKind::Reklamasjon, ClaimKind::Transportskade]
            .into_iter()
            .find(|k| k.code() == code.trim())
    }

    pub const fn text(self) -> &'static str {
        match self {
            ClaimKind::Reklamasjon => "Reklamasjon (mangel)",
            ClaimKind::Transportskade => "Transportskade",
        }
    }
}

/// The facts a claim is judged on. `received` is when the customer took the goods over (a date alone
/// counts from the end of that day, in the customer's favour); times are Norwegian local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimFacts {
    pub kind: ClaimKind,
    pub received: NaiveDateTime,
    pub discovered: NaiveDate,
    pub reported: NaiveDateTime,
    /// R1: goods meant to last substantially longer than two years (five-year limit).
    pub meant_to_last_longer: bool,
}

impl ClaimFacts {
    /// `received` when only the day is known: the end of that day.
    pub fn received_on(day: NaiveDate) -> NaiveDateTime {
        day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
    }
}

/// The verdict, with the deadlines it was judged against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ClaimTiming {
    InTime {
        text: String,
    },
    /// Past the two months after discovery but within the absolute limit: "reasonable time" is for the
    /// shop to judge, and staff must not turn the customer away on the phone.
    Judge {
        text: String,
    },
    Late {
        text: String,
    },
    /// The dates cannot be right (discovered before receipt, or after today).
    Impossible {
        text: String,
    },
}

impl ClaimTiming {
    pub fn text(&self) -> &str {
        match self {
            ClaimTiming::InTime { text }
            | ClaimTiming::Judge { text }
            | ClaimTiming::Late { text }
            | ClaimTiming::Impossible { text } => text,
        }
    }

    pub const fn accepted(&self) -> bool {
        matches!(self, ClaimTiming::InTime { .. } | ClaimTiming::Judge { .. })
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn moment(t: NaiveDateTime) -> String {
    t.format("%d.%m.%Y kl. %H:%M").to_string()
}

/// D10 and R1: whether the claim is in time, in Norwegian with the dates. Transport damage reported
/// later than `damage_hours` after receipt is no longer transport damage (the shop's terms), but the
/// defect may still be claimed under R1, and the verdict says so.
pub fn judge_claim(facts: &ClaimFacts, damage_hours: u32) -> ClaimTiming {
    let received_day = facts.received.date();
    if facts.discovered < received_day {
        return ClaimTiming::Impossible {
            text: format!(
                "Oppdaget {} er før varen ble mottatt {}: sjekk datoene.",
                day(facts.discovered),
                day(received_day)
            ),
        };
    }
    if facts.discovered > facts.reported.date() || facts.received > facts.reported {
        return ClaimTiming::Impossible {
            text: "Datoene ligger fram i tid: sjekk datoene.".into(),
        };
    }
    if facts.kind == ClaimKind::Transportskade {
        let limit = facts.received + Duration::hours(i64::from(damage_hours));
        if facts.reported <= limit {
            return ClaimTiming::InTime {
                text: format!(
                    "Transportskaden er meldt i tide: fristen er {damage_hours} timer etter mottak ({}), til {}.",
                    moment(facts.received),
                    moment(limit)
                ),
            };
        }
        let r1 = reklamasjon(facts);
        let text = format!(
            "Fristen for å melde transportskade ({damage_hours} timer etter mottak {}) gikk ut {}. Skaden kan fortsatt meldes som reklamasjon: {}",
            moment(facts.received),
            moment(limit),
            r1.text()
        );
        return match r1 {
            ClaimTiming::InTime { .. } | ClaimTiming::Judge { .. } => ClaimTiming::Judge { text },
            _ => ClaimTiming::Late { text },
        };
    }
    reklamasjon(facts)
}

/// R1: at least two months from discovery; at the latest two (five) years from receipt. A period in
/// months or years ends on the same date, or the month's last day where there is none (29 February).
fn reklamasjon(facts: &ClaimFacts) -> ClaimTiming {
    let received = facts.received.date();
    let limits = complaint_limits(received, Some(facts.discovered), facts.meant_to_last_longer);
    let years = if facts.meant_to_last_longer { 5 } else { 2 };
    let reported = facts.reported.date();
    if reported > limits.absolute {
        return ClaimTiming::Late {
            text: format!(
                "For sent: reklamasjon må skje senest {years} år etter at varen ble mottatt ({}), altså innen {}.",
                day(received),
                day(limits.absolute)
            ),
        };
    }
    let two_months = facts
        .discovered
        .checked_add_months(Months::new(2))
        .unwrap_or(facts.discovered);
    if reported <= two_months {
        return ClaimTiming::InTime {
            text: format!(
                "Reklamasjonen er i tide: meldt innen to måneder etter at mangelen ble oppdaget {} (frist {}), og innen {years} år etter mottak (frist {}).",
                day(facts.discovered),
                day(two_months.min(limits.absolute)),
                day(limits.absolute)
            ),
        };
    }
    ClaimTiming::Judge {
        text: format!(
            "Mangelen ble oppdaget {}, mer enn to måneder før i dag ({}). Loven krever melding innen rimelig tid: ta imot reklamasjonen og la butikken vurdere den. Absolutt frist: {}.",
            day(facts.discovered),
            day(two_months),
            day(limits.absolute)
        ),
    }
}

/// At most this many photos with a claim (issue 19; 10 MB in all, checked where the files are).
pub const MAX_PHOTOS: usize = 10;
/// The longest description of what is wrong.
pub const MAX_CLAIM_TEXT: usize = 2000;

/// What staff fill in for a claim, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClaimDraft {
    /// `reklamasjon` or `transportskade`.
    pub kind: String,
    /// The order's lines the claim is about (at least one), with how many units.
    pub lines: Vec<ClaimLineDraft>,
    /// What is wrong, in the customer's words.
    pub description: String,
    /// When the customer discovered it: `dd.mm.åååå`.
    pub discovered: String,
    /// When the goods were received: `dd.mm.åååå`, with `tt:mm` when known (D10's 24 hours).
    pub received: String,
    /// R1: goods meant to last substantially longer (the five-year limit).
    pub meant_to_last_longer: bool,
    /// The photos' names (SHA-256 of each JPEG as the desk keeps it).
    pub photos: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClaimLineDraft {
    pub line_no: u32,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub quantity: i64,
}

/// A claim every rule accepted, with its verdict on time. Made only by [`validate_claim`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidClaim {
    pub kind: ClaimKind,
    pub lines: Vec<ClaimLine>,
    pub description: String,
    pub discovered: NaiveDate,
    pub received: NaiveDateTime,
    pub reported: NaiveDateTime,
    pub meant_to_last_longer: bool,
    pub photos: Vec<String>,
    pub timing: ClaimTiming,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    pub line_no: u32,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
}

/// A photo's name: the lower-case hex SHA-256 of its JPEG, as desk and central store both name it.
pub fn is_photo_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `dd.mm.åååå` or `dd.mm.åååå tt:mm` (also `tt.mm`, or ISO from scripts): the moment, or the end of
/// the day when no time is given (in the customer's favour).
pub fn parse_received(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Some(day) = crate::return_request::parse_date(text) {
        return Some(ClaimFacts::received_on(day));
    }
    let (day, time) = text.split_once(' ')?;
    let day = crate::return_request::parse_date(day)?;
    let time = time.trim().trim_start_matches("kl.").trim().replace('.', ":");
    let time = NaiveTime::parse_from_str(&time, "%H:%M").ok()?;
    Some(day.and_time(time))
}

/// Judges a claim against the order's lines and the law's deadlines (R1, D10). `reported` is now, in
/// Norwegian time. A late claim is still recorded, with its verdict: the customer is told why.
pub fn validate_claim(
    order_lines: &[crate::order::OrderLine],
    draft: &ClaimDraft,
    reported: NaiveDateTime,
    damage_hours: u32,
) -> Result<ValidClaim, Vec<crate::FieldError>> {
    use crate::{FieldError, Invalid};
    let mut errors = Vec::new();
    let kind = ClaimKind::from_code(&draft.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", Invalid::Missing));
    }
    let description = draft.description.trim().to_string();
    if description.is_empty() {
        errors.push(FieldError::new("description", Invalid::Missing));
    } else if description.chars().nth(MAX_CLAIM_TEXT).is_some() {
        errors.push(FieldError::new(
            "description",
            Invalid::TooLong { max: MAX_CLAIM_TEXT },
        ));
    }
    let typed = |field: &str, text: &str, errors: &mut Vec<FieldError>| {
        if text.trim().is_empty() {
            errors.push(FieldError::new(field, Invalid::Missing));
        } else {
            errors.push(FieldError::new(
                field,
                Invalid::TypedDate {
                    text: text.chars().take(20).collect(),
                },
            ));
        }
    };
    let discovered = crate::return_request::parse_date(&draft.discovered);
    if discovered.is_none() {
        typed("discovered", &draft.discovered, &mut errors);
    }
    let received = parse_received(&draft.received);
    if received.is_none() {
        typed("received", &draft.received, &mut errors);
    }
    if draft.lines.is_empty() {
        errors.push(FieldError::new("claim_lines", Invalid::NoLines));
    }
    let mut lines = Vec::new();
    for (i, l) in draft.lines.iter().enumerate() {
        let Some(line) = usize::try_from(l.line_no)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| order_lines.get(n))
        else {
            errors.push(FieldError::new(
                format!("claim_lines[{i}].line_no"),
                Invalid::UnknownOrderLine { line_no: l.line_no },
            ));
            continue;
        };
        match u32::try_from(l.quantity) {
            Ok(q) if q >= 1 && q <= line.quantity => lines.push(ClaimLine {
                line_no: l.line_no,
                sku: line.sku.clone(),
                name: line.name.clone(),
                quantity: q,
            }),
            _ if l.quantity < 1 => errors.push(FieldError::new(
                format!("claim_lines[{i}].quantity"),
                Invalid::QuantityNotPositive,
            )),
            _ => errors.push(FieldError::new(
                format!("claim_lines[{i}].quantity"),
                Invalid::QuantityTooLarge { max: line.quantity },
            )),
        }
    }
    if draft.photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new("photos", Invalid::TooLong { max: MAX_PHOTOS }));
    }
    if !draft.photos.iter().all(|p| is_photo_name(p)) {
        errors.push(FieldError::new("photos", Invalid::PhotoName));
    }
    let (Some(kind), Some(discovered), Some(received)) = (kind, discovered, received) else {
        return Err(errors);
    };
    let facts = ClaimFacts {
        kind,
        received,
        discovered,
        reported,
        meant_to_last_longer: draft.meant_to_last_longer,
    };
    let timing = judge_claim(&facts, damage_hours);
    if let ClaimTiming::Impossible { text } = &timing {
        errors.push(FieldError::new(
            "discovered",
            Invalid::ClaimDates { text: text.clone() },
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut photos = draft.photos.clone();
    photos.dedup();
    Ok(ValidClaim {
        kind,
        lines,
        description,
        discovered,
        received,
        reported,
        meant_to_last_longer: draft.meant_to_last_longer,
        photos,
        timing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn facts(kind: ClaimKind, received: NaiveDateTime, discovered: &str, reported: &str) -> ClaimFacts {
        ClaimFacts {
            kind,
            received,
            discovered: d(discovered),
            reported: t(reported),
            meant_to_last_longer: false,
        }
    }

    /// D10: 24 hours from receipt, to the minute; a day alone counts from its end.
    #[test]
    fn d10_transport_damage_within_24_hours() {
        let received = t("2026-11-30 14:00");
        let on_time = facts(
            ClaimKind::Transportskade,
            received,
            "2026-11-30",
            "2026-12-01 14:00",
        );
        let verdict = judge_claim(&on_time, 24);
        assert!(matches!(verdict, ClaimTiming::InTime { .. }), "{verdict:?}");
        assert!(
            verdict.text().contains("til 01.12.2026 kl. 14:00"),
            "{}",
            verdict.text()
        );

        let late = facts(
            ClaimKind::Transportskade,
            received,
            "2026-11-30",
            "2026-12-01 14:01",
        );
        let verdict = judge_claim(&late, 24);
        assert!(matches!(verdict, ClaimTiming::Judge { .. }), "{verdict:?}");
        assert!(
            verdict.text().contains("gikk ut 01.12.2026 kl. 14:00"),
            "{}",
            verdict.text()
        );
        assert!(verdict.text().contains("reklamasjon"), "{}", verdict.text());

        // Only the day is known: received 30.11 counts from 23:59:59, so 01.12 23:59 is in time.
        let day_only = ClaimFacts::received_on(d("2026-11-30"));
        let verdict = judge_claim(
            &facts(
                ClaimKind::Transportskade,
                day_only,
                "2026-11-30",
                "2026-12-01 23:59",
            ),
            24,
        );
        assert!(matches!(verdict, ClaimTiming::InTime { .. }), "{verdict:?}");
        let verdict = judge_claim(
            &facts(
                ClaimKind::Transportskade,
                day_only,
                "2026-11-30",
                "2026-12-02 00:00",
            ),
            24,
        );
        assert!(!matches!(verdict, ClaimTiming::InTime { .. }), "{verdict:?}");
    }

    /// R1: two months from discovery (a month's last day where the date does not exist), two years
    /// from receipt; the day of the limit itself is in time.
    #[test]
    fn r1_vectors_around_day_boundaries() {
        let received = ClaimFacts::received_on(d("2026-01-10"));
        let cases = [
            // (discovered, reported, in time?)
            ("2026-12-31", "2027-02-28 12:00", "in"), // 31.12 + 2 months = 28.02 (no 31.02)
            ("2026-12-31", "2027-03-01 09:00", "judge"),
            ("2027-03-15", "2027-05-15 16:00", "in"),
            ("2027-03-15", "2027-05-16 08:00", "judge"),
            ("2027-12-01", "2028-01-10 10:00", "in"), // the last day of the two years
            ("2027-12-01", "2028-01-11 10:00", "late"), // the day after
        ];
        for (discovered, reported, expected) in cases {
            let v = judge_claim(&facts(ClaimKind::Reklamasjon, received, discovered, reported), 24);
            let got = match v {
                ClaimTiming::InTime { .. } => "in",
                ClaimTiming::Judge { .. } => "judge",
                ClaimTiming::Late { .. } => "late",
                ClaimTiming::Impossible { .. } => "impossible",
            };
            assert_eq!(got, expected, "{discovered} → {reported}: {}", v.text());
        }
    }

    /// Leap years: received 29.02.2024 gives the two-year limit 28.02.2026 and the five-year limit
    /// 28.02.2029; discovered 29.12.2023 + 2 months is 29.02.2024.
    #[test]
    fn r1_leap_years() {
        let received = ClaimFacts::received_on(d("2024-02-29"));
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, received, "2025-06-01", "2026-02-28 12:00"),
            24,
        );
        assert!(v.accepted(), "{}", v.text());
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, received, "2025-06-01", "2026-03-01 12:00"),
            24,
        );
        assert!(matches!(v, ClaimTiming::Late { .. }), "{}", v.text());
        assert!(v.text().contains("innen 28.02.2026"), "{}", v.text());
        let mut five = facts(ClaimKind::Reklamasjon, received, "2029-01-20", "2029-02-28 12:00");
        five.meant_to_last_longer = true;
        let v = judge_claim(&five, 24);
        assert!(matches!(v, ClaimTiming::InTime { .. }), "{}", v.text());
        five.reported = t("2029-03-01 08:00");
        assert!(matches!(judge_claim(&five, 24), ClaimTiming::Late { .. }));

        let early = ClaimFacts::received_on(d("2023-12-01"));
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, early, "2023-12-29", "2024-02-29 12:00"),
            24,
        );
        assert!(matches!(v, ClaimTiming::InTime { .. }), "{}", v.text());
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, early, "2023-12-29", "2024-03-01 12:00"),
            24,
        );
        assert!(matches!(v, ClaimTiming::Judge { .. }), "{}", v.text());
    }

    /// Late transport damage older than the absolute limit is late under R1 too.
    #[test]
    fn late_damage_past_the_absolute_limit_is_late() {
        let received = ClaimFacts::received_on(d("2024-01-10"));
        let v = judge_claim(
            &facts(
                ClaimKind::Transportskade,
                received,
                "2024-01-10",
                "2026-01-11 12:00",
            ),
            24,
        );
        assert!(matches!(v, ClaimTiming::Late { .. }), "{}", v.text());
    }

    #[test]
    fn impossible_dates_are_named() {
        let received = ClaimFacts::received_on(d("2026-11-20"));
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, received, "2026-11-19", "2026-11-25 12:00"),
            24,
        );
        assert!(matches!(v, ClaimTiming::Impossible { .. }));
        assert!(v.text().contains("før varen ble mottatt"));
        let v = judge_claim(
            &facts(ClaimKind::Reklamasjon, received, "2026-11-26", "2026-11-25 12:00"),
            24,
        );
        assert!(matches!(v, ClaimTiming::Impossible { .. }));
    }
}

#[cfg(test)]
mod validation_tests {
    use super::*;
    use crate::order::OrderLine;
    use crate::{Availability, DeliveryPromise, Money, MvaRate};

    fn lines() -> Vec<OrderLine> {
        vec![OrderLine {
            discount: None,
            sku: "KAFFE-1".into(),
            name: "Kaffetrakter".into(),
            quantity: 2,
            unit_price: Money::from_kroner(1000),
            mva_rate: MvaRate::General,
            line_total: Money::from_kroner(2000),
            availability: Availability::InStock,
            promise: DeliveryPromise {
                window: None,
                reasons: vec![],
            },
            supplier_direct: false,
        }]
    }

    fn draft() -> ClaimDraft {
        ClaimDraft {
            kind: "transportskade".into(),
            lines: vec![ClaimLineDraft {
                line_no: 1,
                quantity: 1,
            }],
            description: "Knust glasskanne".into(),
            discovered: "01.12.2026".into(),
            received: "01.12.2026 14:30".into(),
            meant_to_last_longer: false,
            photos: vec!["a".repeat(64), "b".repeat(64)],
        }
    }

    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-12-02 10:00", "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_transport_damage_claim_in_time_is_valid_with_its_verdict() {
        let claim = validate_claim(&lines(), &draft(), now(), 24).unwrap();
        assert_eq!(claim.kind, ClaimKind::Transportskade);
        assert_eq!(claim.lines[0].name, "Kaffetrakter");
        assert_eq!(
            claim.received,
            NaiveDateTime::parse_from_str("2026-12-01 14:30", "%Y-%m-%d %H:%M").unwrap()
        );
        assert!(
            matches!(claim.timing, ClaimTiming::InTime { .. }),
            "{:?}",
            claim.timing
        );
        assert_eq!(claim.photos.len(), 2);
    }

    #[test]
    fn every_refusal_at_once() {
        let mut d = draft();
        d.kind = "garanti".into();
        d.description = " ".into();
        d.discovered = "1/12/2026".into();
        d.lines = vec![
            ClaimLineDraft {
                line_no: 1,
                quantity: 3,
            },
            ClaimLineDraft {
                line_no: 9,
                quantity: 1,
            },
        ];
        d.photos = vec!["x".into(); 11];
        let fields: Vec<String> = validate_claim(&lines(), &d, now(), 24)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "kind",
                "description",
                "discovered",
                "claim_lines[0].quantity",
                "claim_lines[1].line_no",
                "photos",
                "photos"
            ]
        );
    }

    #[test]
    fn dates_that_cannot_be_are_refused_and_a_late_claim_is_kept_with_why() {
        let mut d = draft();
        d.discovered = "30.11.2026".into();
        let errors = validate_claim(&lines(), &d, now(), 24).unwrap_err();
        assert!(
            errors[0].problem.to_string().contains("før varen ble mottatt"),
            "{}",
            errors[0].problem
        );
        let mut late = draft();
        late.received = "30.11.2026 08:00".into();
        late.discovered = "30.11.2026".into();
        let claim = validate_claim(&lines(), &late, now(), 24).unwrap();
        assert!(
            matches!(claim.timing, ClaimTiming::Judge { .. }),
            "{:?}",
            claim.timing
        );
        assert!(claim.timing.text().contains("fortsatt meldes som reklamasjon"));
    }
}
