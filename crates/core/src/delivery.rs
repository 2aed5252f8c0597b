//! The delivery promise of a line and of an order (rules D1–D5).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::{add_working_days, is_working_day, this_or_next_working_day};
use crate::policy::{CutoffDays, DeliveryPolicy, ShippingKind};
use crate::postcode::OutsideMvaArea;
use crate::Availability;

/// Where and how the order goes, as far as the promise and the prices depend on it.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub postcode: &'a str,
    pub shipping: ShippingKind,
    /// D7a: outside the MVA area, sold without MVA (only when the shop policy sells there).
    pub outside_mva_area: Option<OutsideMvaArea>,
}

/// Why a promise is what it is: each reason carries the text staff read to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PromiseReason {
    /// D4: placed after the cut-off or on a day the office is closed. `rule` says which; it is absent
    /// in promises made by desks older than the cut-off policy.
    HandledFromNextWorkingDay {
        handled: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<HandlingRule>,
    },
    /// D1 + D3: in stock, dispatched within the policy's working days, then transit.
    InStock { dispatch_days: u32, transit: (u32, u32) },
    /// D2: not in stock in Norway.
    NotInNorway { weeks: (u32, u32) },
    /// Remote warehouse: extra working days before dispatch (shop policy).
    RemoteWarehouse { extra_days: u32 },
    /// D5: the supplier confirmed the date the item reaches the shop.
    SupplierConfirmed { date: NaiveDate },
    /// D5: no confirmed date, so no date can be promised.
    NotConfirmed,
    /// Collected in the shop: no transit.
    InStore,
    /// D6: delivered by the supplier directly, in the supplier's time (shop policy), after the
    /// supplier has contacted the customer.
    SupplierDirect { working_days: (u32, u32) },
}

/// D6: what a line delivered by the supplier says, wherever it is shown.
pub const SUPPLIER_DIRECT_TEXT: &str = "Leveres direkte fra leverandør, som kontakter deg.";

/// D4: why an order waits for the next working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandlingRule {
    /// Placed on a Friday at or after the cut-off (the shop's terms).
    FridayCutoff { at: NaiveTime },
    /// Placed on a working day at or after the daily cut-off (a shop that chose one).
    DailyCutoff { at: NaiveTime },
    /// Placed on a Saturday, Sunday or public holiday (H1): the office is closed.
    ClosedDay,
}

impl PromiseReason {
    /// Norwegian text for the screen and the confirmation.
    pub fn text(&self) -> String {
        match self {
            PromiseReason::HandledFromNextWorkingDay { handled, rule } => {
                let from = weekday_date(*handled);
                match rule {
                    Some(HandlingRule::FridayCutoff { at }) => format!(
                        "Bestilt fredag etter kl. {}: ordren behandles etter helgen, fra {from}.",
                        at.format("%H.%M")
                    ),
                    Some(HandlingRule::DailyCutoff { at }) => format!(
                        "Bestilt etter kl. {}: ordren behandles fra neste virkedag, {from}.",
                        at.format("%H.%M")
                    ),
                    Some(HandlingRule::ClosedDay) => format!(
                        "Bestilt på en dag kontoret er stengt (helg eller helligdag): ordren behandles fra {from}."
                    ),
                    None => format!("Bestilt etter kl. 16.00 eller på en fridag: ordren behandles fra {from}."),
                }
            }
            PromiseReason::InStock { dispatch_days, transit: (lo, hi) } => format!(
                "På lager: sendes innen {dispatch_days} virkedager, deretter {lo}–{hi} virkedager med Posten/Bring."
            ),
            PromiseReason::NotInNorway { weeks: (lo, hi) } => {
                format!("Varen er ikke på lager i Norge: regn med {lo}–{hi} uker.")
            }
            PromiseReason::RemoteWarehouse { extra_days } => {
                format!("Varen hentes fra fjernlager: {extra_days} virkedager ekstra før den sendes.")
            }
            PromiseReason::SupplierConfirmed { date } => {
                format!("Leverandøren har bekreftet at varen kommer til oss {}.", weekday_date(*date))
            }
            PromiseReason::NotConfirmed => {
                "Leveringsdato er ikke bekreftet: vi kan ikke love en dato ennå.".to_string()
            }
            PromiseReason::InStore => "Hentes i butikken.".to_string(),
            PromiseReason::SupplierDirect { working_days: (lo, hi) } => format!(
                "{SUPPLIER_DIRECT_TEXT} Leverandøren leverer vanligvis innen {lo}–{hi} virkedager."
            ),
        }
    }
}

/// A delivery promise: a window of dates, or none when a date cannot be promised (D5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPromise {
    /// Earliest and latest expected delivery date; `None` means "ikke bekreftet".
    pub window: Option<(NaiveDate, NaiveDate)>,
    pub reasons: Vec<PromiseReason>,
}

impl DeliveryPromise {
    /// "fredag 27.11.–onsdag 2.12." or "ikke bekreftet".
    pub fn text(&self) -> String {
        match self.window {
            Some((a, b)) if a == b => weekday_date(a),
            Some((a, b)) => format!("{}–{}", weekday_date(a), weekday_date(b)),
            None => "ikke bekreftet".to_string(),
        }
    }
}

/// The day the office starts on an order placed at `placed_at` (local Norwegian time), and the rule
/// that moved it when it is not that day (D4). A working day's order is handled the same day unless it
/// came at or after the cut-off on a day the policy applies it to (Fridays by the shop's terms, or every
/// working day); an order on a closed day waits for the next working day.
pub fn handling_day(placed_at: NaiveDateTime, policy: &DeliveryPolicy) -> (NaiveDate, Option<HandlingRule>) {
    let day = placed_at.date();
    let next = || this_or_next_working_day(day.succ_opt().unwrap_or(day));
    if !is_working_day(day) {
        return (next(), Some(HandlingRule::ClosedDay));
    }
    if placed_at.time() < policy.cutoff {
        return (day, None);
    }
    let at = policy.cutoff;
    match policy.cutoff_days {
        CutoffDays::Friday if day.weekday() == Weekday::Fri => {
            (next(), Some(HandlingRule::FridayCutoff { at }))
        }
        CutoffDays::Friday => (day, None),
        CutoffDays::EveryWorkingDay => (next(), Some(HandlingRule::DailyCutoff { at })),
    }
}

fn transit(dest: Destination<'_>, policy: &DeliveryPolicy) -> (u32, u32) {
    match dest.shipping {
        ShippingKind::InStore => (0, 0),
        ShippingKind::PickupPoint | ShippingKind::Home => {
            if policy
                .remote_postcode_prefixes
                .iter()
                .any(|p| dest.postcode.starts_with(p.as_str()))
            {
                policy.transit_working_days_remote
            } else {
                policy.transit_working_days
            }
        }
    }
}

/// The promise of one line (D1–D6). `placed_at` is local Norwegian time, passed in by the caller.
pub fn line_promise(
    availability: Availability,
    supplier_direct: bool,
    placed_at: NaiveDateTime,
    dest: Destination<'_>,
    policy: &DeliveryPolicy,
) -> DeliveryPromise {
    let (handled, rule) = handling_day(placed_at, policy);
    let mut reasons = Vec::new();
    if rule.is_some() {
        reasons.push(PromiseReason::HandledFromNextWorkingDay { handled, rule });
    }
    let (tmin, tmax) = transit(dest, policy);
    let dispatch = policy.dispatch_working_days;
    let from_ready = |ready: NaiveDate| {
        (
            add_working_days(ready, tmin),
            add_working_days(ready, dispatch + tmax),
        )
    };
    let window = match availability {
        // D6: the supplier delivers in its own time; never the shop's "sent within 2 working days".
        Availability::OrderedUnconfirmed | Availability::Unconfirmed if supplier_direct => {
            reasons.push(PromiseReason::SupplierDirect {
                working_days: policy.supplier_direct_working_days,
            });
            reasons.push(PromiseReason::NotConfirmed);
            None
        }
        _ if supplier_direct => {
            let (lo, hi) = policy.supplier_direct_working_days;
            reasons.push(PromiseReason::SupplierDirect {
                working_days: (lo, hi),
            });
            Some((add_working_days(handled, lo), add_working_days(handled, hi)))
        }
        Availability::InStock => {
            reasons.push(PromiseReason::InStock {
                dispatch_days: dispatch,
                transit: (tmin, tmax),
            });
            Some(from_ready(handled))
        }
        Availability::RemoteWarehouse => {
            let extra = policy.remote_warehouse_extra_working_days;
            reasons.push(PromiseReason::RemoteWarehouse { extra_days: extra });
            Some(from_ready(add_working_days(handled, extra)))
        }
        Availability::MustOrder | Availability::SupplierWarehouse => {
            let (lo, hi) = policy.not_in_norway_weeks;
            reasons.push(PromiseReason::NotInNorway { weeks: (lo, hi) });
            let after_weeks = |w: u32| {
                this_or_next_working_day(
                    handled
                        .checked_add_days(Days::new(7 * u64::from(w)))
                        .unwrap_or(handled),
                )
            };
            Some((after_weeks(lo), after_weeks(hi)))
        }
        Availability::OrderedConfirmed { date } => {
            reasons.push(PromiseReason::SupplierConfirmed { date });
            Some(from_ready(this_or_next_working_day(date.max(handled))))
        }
        Availability::OrderedUnconfirmed | Availability::Unconfirmed => {
            reasons.push(PromiseReason::NotConfirmed);
            None
        }
    };
    if dest.shipping == ShippingKind::InStore && window.is_some() {
        reasons.push(PromiseReason::InStore);
    }
    DeliveryPromise { window, reasons }
}

/// The promise of an order: that of its slowest line (D5). One unconfirmed line makes the whole order
/// unconfirmed. An order with no lines has no promise.
pub fn order_promise<'a>(lines: impl IntoIterator<Item = &'a DeliveryPromise>) -> DeliveryPromise {
    let mut slowest: Option<&DeliveryPromise> = None;
    let mut earliest_max: Option<NaiveDate> = None;
    for line in lines {
        match line.window {
            None => return line.clone(),
            Some((earliest, latest)) => {
                earliest_max = earliest_max.max(Some(earliest));
                if slowest.and_then(|s| s.window).is_none_or(|(_, l)| latest > l) {
                    slowest = Some(line);
                }
            }
        }
    }
    match (slowest, earliest_max) {
        (Some(s), Some(earliest)) => DeliveryPromise {
            window: s.window.map(|(_, latest)| (earliest, latest)),
            reasons: s.reasons.clone(),
        },
        _ => DeliveryPromise {
            window: None,
            reasons: Vec::new(),
        },
    }
}

const WEEKDAYS: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];

/// "fredag 27.11.2026"
pub fn weekday_date(d: NaiveDate) -> String {
    format!(
        "{} {}.{}.{}",
        WEEKDAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        d.month(),
        d.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn at(d: NaiveDate, h: u32, min: u32) -> NaiveDateTime {
        d.and_time(NaiveTime::from_hms_opt(h, min, 0).unwrap())
    }
    const OSLO: Destination<'static> = Destination {
        postcode: "0150",
        shipping: ShippingKind::PickupPoint,
        outside_mva_area: None,
    };
    const TROMSO: Destination<'static> = Destination {
        postcode: "9008",
        shipping: ShippingKind::PickupPoint,
        outside_mva_area: None,
    };

    fn promise(a: Availability, placed: NaiveDateTime, dest: Destination<'_>) -> DeliveryPromise {
        line_promise(a, false, placed, dest, &DeliveryPolicy::default())
    }

    /// D6: a supplier-direct line is promised in the supplier's time and says the supplier calls; it
    /// is never "sendes innen 2 virkedager", even when the catalog says in stock.
    #[test]
    fn d6_supplier_direct_follows_the_suppliers_terms() {
        let policy = DeliveryPolicy::default();
        let monday = at(date(2026, 11, 23), 10, 0);
        let p = line_promise(Availability::InStock, true, monday, OSLO, &policy);
        let (lo, hi) = policy.supplier_direct_working_days;
        assert_eq!(
            p.reasons,
            vec![PromiseReason::SupplierDirect {
                working_days: (lo, hi)
            }]
        );
        assert_eq!(
            p.window,
            Some((
                add_working_days(date(2026, 11, 23), lo),
                add_working_days(date(2026, 11, 23), hi)
            ))
        );
        let text = p.reasons[0].text();
        assert!(
            text.starts_with("Leveres direkte fra leverandør, som kontakter deg."),
            "{text}"
        );
        assert!(!text.contains("sendes innen"), "{text}");
        let unconfirmed = line_promise(Availability::Unconfirmed, true, monday, OSLO, &policy);
        assert_eq!(unconfirmed.window, None);
    }

    /// D1 + D3: in stock on Monday morning: 2–6 working days.
    #[test]
    fn d1_d3_in_stock_on_a_monday() {
        let p = promise(Availability::InStock, at(date(2026, 11, 23), 10, 0), OSLO);
        assert_eq!(p.window, Some((date(2026, 11, 25), date(2026, 12, 1))));
        assert_eq!(
            p.reasons,
            vec![PromiseReason::InStock {
                dispatch_days: 2,
                transit: (2, 4)
            }]
        );
    }

    /// D3: farther north the transit is longer.
    #[test]
    fn d3_north_takes_longer() {
        let p = promise(Availability::InStock, at(date(2026, 11, 23), 10, 0), TROMSO);
        assert_eq!(p.window, Some((date(2026, 11, 26), date(2026, 12, 2))));
    }

    fn daily() -> DeliveryPolicy {
        DeliveryPolicy {
            cutoff_days: CutoffDays::EveryWorkingDay,
            ..DeliveryPolicy::default()
        }
    }

    /// D4 (the shop's terms, the default): Friday after 16:00 is handled on Monday; before 16:00 the
    /// same Friday. The same holds under a daily cut-off.
    #[test]
    fn d4_friday_15_59_and_16_00_under_both_policies() {
        let friday = date(2026, 11, 20);
        for policy in [DeliveryPolicy::default(), daily()] {
            let before = line_promise(Availability::InStock, false, at(friday, 15, 59), OSLO, &policy);
            let after = line_promise(Availability::InStock, false, at(friday, 16, 0), OSLO, &policy);
            assert_eq!(before.window, Some((date(2026, 11, 24), date(2026, 11, 30))));
            assert_eq!(after.window, Some((date(2026, 11, 25), date(2026, 12, 1))));
            assert!(!matches!(
                before.reasons[0],
                PromiseReason::HandledFromNextWorkingDay { .. }
            ));
            let PromiseReason::HandledFromNextWorkingDay { handled, .. } = after.reasons[0] else {
                panic!("{:?}", after.reasons);
            };
            assert_eq!(handled, date(2026, 11, 23));
        }
        let terms = promise(Availability::InStock, at(friday, 16, 0), OSLO);
        let at_four = NaiveTime::from_hms_opt(16, 0, 0).unwrap();
        assert_eq!(
            terms.reasons[0],
            PromiseReason::HandledFromNextWorkingDay {
                handled: date(2026, 11, 23),
                rule: Some(HandlingRule::FridayCutoff { at: at_four })
            }
        );
        assert_eq!(
            terms.reasons[0].text(),
            "Bestilt fredag etter kl. 16.00: ordren behandles etter helgen, fra mandag 23.11.2026."
        );
        let by_day = line_promise(Availability::InStock, false, at(friday, 16, 0), OSLO, &daily());
        assert_eq!(
            by_day.reasons[0].text(),
            "Bestilt etter kl. 16.00: ordren behandles fra neste virkedag, mandag 23.11.2026."
        );
    }

    /// D4: Wednesday 17:00 is handled the same Wednesday under the shop's terms (the cut-off is
    /// Friday's), and on Thursday under a daily cut-off, which the promise says.
    #[test]
    fn d4_wednesday_17_00_under_both_policies() {
        let wednesday = date(2026, 11, 25);
        let terms = promise(Availability::InStock, at(wednesday, 17, 0), OSLO);
        let same_day = promise(Availability::InStock, at(wednesday, 10, 0), OSLO);
        assert_eq!(terms.window, same_day.window);
        assert!(!matches!(
            terms.reasons[0],
            PromiseReason::HandledFromNextWorkingDay { .. }
        ));
        let by_day = line_promise(Availability::InStock, false, at(wednesday, 17, 0), OSLO, &daily());
        assert_eq!(
            by_day.reasons[0],
            PromiseReason::HandledFromNextWorkingDay {
                handled: date(2026, 11, 26),
                rule: Some(HandlingRule::DailyCutoff {
                    at: NaiveTime::from_hms_opt(16, 0, 0).unwrap()
                })
            }
        );
        assert_eq!(
            by_day.window,
            promise(Availability::InStock, at(date(2026, 11, 26), 10, 0), OSLO).window
        );
    }

    /// D4 + H1: a weekend or a holiday order waits for the next working day (Easter 2026).
    #[test]
    fn d4_weekend_and_holiday() {
        let saturday = promise(Availability::InStock, at(date(2026, 11, 21), 9, 0), OSLO);
        let monday = promise(Availability::InStock, at(date(2026, 11, 23), 9, 0), OSLO);
        assert_eq!(saturday.window, monday.window);
        assert_eq!(
            saturday.reasons[0].text(),
            "Bestilt på en dag kontoret er stengt (helg eller helligdag): ordren behandles fra mandag 23.11.2026."
        );
        // Skjærtorsdag 2 April 2026: Thursday to Monday are holidays or weekend; handled Tuesday 7 April.
        let easter = promise(Availability::InStock, at(date(2026, 4, 2), 11, 0), OSLO);
        assert_eq!(
            easter.reasons[0],
            PromiseReason::HandledFromNextWorkingDay {
                handled: date(2026, 4, 7),
                rule: Some(HandlingRule::ClosedDay)
            }
        );
        assert_eq!(easter.window, Some((date(2026, 4, 9), date(2026, 4, 15))));
        // Wednesday 1 April after 16:00 under a daily cut-off: also Tuesday 7 April.
        let daily_easter = line_promise(
            Availability::InStock,
            false,
            at(date(2026, 4, 1), 17, 0),
            OSLO,
            &daily(),
        );
        assert_eq!(daily_easter.window, easter.window);
    }

    /// A promise made by a desk older than the cut-off policy reads back with its old text.
    #[test]
    fn d4_an_older_promise_without_its_rule_still_reads() {
        let old: PromiseReason =
            serde_json::from_str(r#"{"kind":"handled_from_next_working_day","handled":"2026-11-23"}"#)
                .unwrap();
        assert!(old.text().contains("etter kl. 16.00 eller på en fridag"));
    }

    /// D2: not in stock in Norway: 2–4 weeks.
    #[test]
    fn d2_two_to_four_weeks() {
        for a in [Availability::MustOrder, Availability::SupplierWarehouse] {
            let p = promise(a, at(date(2026, 11, 23), 10, 0), OSLO);
            assert_eq!(p.window, Some((date(2026, 12, 7), date(2026, 12, 21))));
            assert_eq!(p.reasons, vec![PromiseReason::NotInNorway { weeks: (2, 4) }]);
        }
        // 4 weeks after 2026-12-01 is 29 December, a working day; 2 weeks after 2026-12-11 is 25 December → 28th.
        let p = promise(Availability::MustOrder, at(date(2026, 12, 11), 10, 0), OSLO);
        assert_eq!(p.window.unwrap().0, date(2026, 12, 28));
    }

    /// D5: a confirmed supplier date moves the promise to that date plus dispatch and transit.
    #[test]
    fn d5_confirmed_supplier_date() {
        let date_in = date(2026, 12, 4);
        let p = promise(
            Availability::OrderedConfirmed { date: date_in },
            at(date(2026, 11, 23), 10, 0),
            OSLO,
        );
        assert_eq!(p.window, Some((date(2026, 12, 8), date(2026, 12, 14))));
        assert!(p.reasons[0].text().contains("fredag 4.12.2026"));
        // A supplier date in the past counts from the handling day.
        let late = promise(
            Availability::OrderedConfirmed {
                date: date(2026, 11, 1),
            },
            at(date(2026, 11, 23), 10, 0),
            OSLO,
        );
        assert_eq!(
            late.window,
            promise(Availability::InStock, at(date(2026, 11, 23), 10, 0), OSLO).window
        );
    }

    /// D5: no confirmed date: no promise.
    #[test]
    fn d5_unconfirmed_gives_no_date() {
        for a in [Availability::OrderedUnconfirmed, Availability::Unconfirmed] {
            let p = promise(a, at(date(2026, 11, 23), 10, 0), OSLO);
            assert_eq!(p.window, None);
            assert_eq!(p.text(), "ikke bekreftet");
        }
    }

    /// D5: the order's promise is its slowest line; one unconfirmed line leaves the order unconfirmed.
    #[test]
    fn d5_order_is_its_slowest_line() {
        let placed = at(date(2026, 11, 23), 10, 0);
        let fast = promise(Availability::InStock, placed, OSLO);
        let slow = promise(Availability::MustOrder, placed, OSLO);
        let order = order_promise([&fast, &slow]);
        assert_eq!(order.window, slow.window);
        assert_eq!(order.reasons, slow.reasons);
        let none = promise(Availability::Unconfirmed, placed, OSLO);
        assert_eq!(order_promise([&fast, &none, &slow]).window, None);
        assert_eq!(order_promise([]).window, None);
    }

    #[test]
    fn in_store_pickup_has_no_transit() {
        let dest = Destination {
            postcode: "0150",
            shipping: ShippingKind::InStore,
            outside_mva_area: None,
        };
        let p = promise(Availability::InStock, at(date(2026, 11, 23), 10, 0), dest);
        assert_eq!(p.window, Some((date(2026, 11, 23), date(2026, 11, 25))));
        assert!(p.reasons.contains(&PromiseReason::InStore));
    }
}
