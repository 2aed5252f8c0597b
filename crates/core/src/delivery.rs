//! The delivery promise of a line and of an order (rules D1–D5).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::calendar::{add_working_days, is_working_day, this_or_next_working_day};
use crate::policy::{DeliveryPolicy, ShippingKind};
use crate::Availability;

/// Where and how the order goes, as far as the promise depends on it.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub postcode: &'a str,
    pub shipping: ShippingKind,
}

/// Why a promise is what it is: each reason carries the text staff read to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PromiseReason {
    /// D4: placed after the cut-off or on a day the office is closed.
    HandledFromNextWorkingDay { handled: NaiveDate },
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
}

impl PromiseReason {
    /// Norwegian text for the screen and the confirmation.
    pub fn text(&self) -> String {
        match self {
            PromiseReason::HandledFromNextWorkingDay { handled } => format!(
                "Bestilt etter kl. 16.00 eller på en fridag: ordren behandles fra {}.",
                weekday_date(*handled)
            ),
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

/// The day the office starts on an order placed at `placed_at` (local Norwegian time): the same day when
/// it is a working day and before the cut-off, otherwise the next working day (D4).
pub fn handling_day(placed_at: NaiveDateTime, policy: &DeliveryPolicy) -> NaiveDate {
    let day = placed_at.date();
    if is_working_day(day) && placed_at.time() < policy.cutoff {
        day
    } else {
        this_or_next_working_day(day.succ_opt().unwrap_or(day))
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

/// The promise of one line (D1–D5). `placed_at` is local Norwegian time, passed in by the caller.
pub fn line_promise(
    availability: Availability,
    placed_at: NaiveDateTime,
    dest: Destination<'_>,
    policy: &DeliveryPolicy,
) -> DeliveryPromise {
    let handled = handling_day(placed_at, policy);
    let mut reasons = Vec::new();
    if handled != placed_at.date() {
        reasons.push(PromiseReason::HandledFromNextWorkingDay { handled });
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
    };
    const TROMSO: Destination<'static> = Destination {
        postcode: "9008",
        shipping: ShippingKind::PickupPoint,
    };

    fn promise(a: Availability, placed: NaiveDateTime, dest: Destination<'_>) -> DeliveryPromise {
        line_promise(a, placed, dest, &DeliveryPolicy::default())
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

    /// D4: Friday after 16:00 is handled on Monday; before 16:00 the same Friday.
    #[test]
    fn d4_friday_after_four() {
        let friday = date(2026, 11, 20);
        let before = promise(Availability::InStock, at(friday, 15, 59), OSLO);
        let after = promise(Availability::InStock, at(friday, 16, 0), OSLO);
        assert_eq!(before.window, Some((date(2026, 11, 24), date(2026, 11, 30))));
        assert_eq!(after.window, Some((date(2026, 11, 25), date(2026, 12, 1))));
        assert_eq!(
            after.reasons[0],
            PromiseReason::HandledFromNextWorkingDay {
                handled: date(2026, 11, 23)
            }
        );
        assert!(after.reasons[0].text().contains("mandag 23.11.2026"));
    }

    /// D4 + H1: a weekend or a holiday order waits for the next working day (Easter 2026).
    #[test]
    fn d4_weekend_and_holiday() {
        let saturday = promise(Availability::InStock, at(date(2026, 11, 21), 9, 0), OSLO);
        let monday = promise(Availability::InStock, at(date(2026, 11, 23), 9, 0), OSLO);
        assert_eq!(saturday.window, monday.window);
        // Wednesday 1 April 2026 after 16:00: Thursday to Monday are holidays or weekend; handled Tuesday 7 April.
        let easter = promise(Availability::InStock, at(date(2026, 4, 1), 17, 0), OSLO);
        assert_eq!(
            easter.reasons[0],
            PromiseReason::HandledFromNextWorkingDay {
                handled: date(2026, 4, 7)
            }
        );
        assert_eq!(easter.window, Some((date(2026, 4, 9), date(2026, 4, 15))));
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
        };
        let p = promise(Availability::InStock, at(date(2026, 11, 23), 10, 0), dest);
        assert_eq!(p.window, Some((date(2026, 11, 23), date(2026, 11, 25))));
        assert!(p.reasons.contains(&PromiseReason::InStore));
    }
}
