//! A return: which lines of an order, how many, and why (R3); never more than was bought and not yet
//! returned.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::order::OrderLine;
use crate::{FieldError, Invalid};

/// Why the customer sends something back (R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// R2: the customer withdraws (angrerett).
    Angrerett,
    /// R1: a defect (reklamasjon/mangel).
    Reklamasjon,
    /// D10: damaged in transport.
    Transportskade,
    /// We sent the wrong item.
    FeilVare,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 4] = [
        ReturnReason::Angrerett,
        ReturnReason::Reklamasjon,
        ReturnReason::Transportskade,
        ReturnReason::FeilVare,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            ReturnReason::Angrerett => "angrerett",
            ReturnReason::Reklamasjon => "reklamasjon",
            ReturnReason::Transportskade => "transportskade",
            ReturnReason::FeilVare => "feil_vare",
        }
    }

    pub fn from_code(code: &str) -> Option<ReturnReason> {
        ReturnReason::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// The text on the return slip.
    pub const fn text(self) -> &'static str {
        match self {
            ReturnReason::Angrerett => "Angrerett",
            ReturnReason::Reklamasjon => "Reklamasjon / mangel",
            ReturnReason::Transportskade => "Transportskade",
            ReturnReason::FeilVare => "Feil vare",
        }
    }
}

/// What staff fill in for a return.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReturnDraft {
    pub lines: Vec<ReturnLineDraft>,
    pub description: String,
    /// When the customer received the goods (for the withdrawal deadline, R2), as typed: `dd.mm.åååå`
    /// (scripts may write `åååå-mm-dd`); empty when not known.
    pub received: String,
}

/// A date as staff type it in a Norwegian window, `dd.mm.åååå` (also `d.m.åååå`), or `åååå-mm-dd` from
/// scripts; `None` for anything else.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
        // Two-digit years parse as year 26 AD; nobody received goods then.
        .filter(|d| d.year() >= 2000)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReturnLineDraft {
    /// 1-based line number on the order.
    pub line_no: u32,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub quantity: i64,
    pub reason: String,
}

/// A return every rule accepted: made only by [`validate_return`], or read back from the desk's file
/// and the wire (where `received::check_return` and [`check_within_order`] judge it again). Read it
/// through `Deref`; outside core it cannot be built or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidReturn(pub(crate) ReturnContent);

impl std::ops::Deref for ValidReturn {
    type Target = ReturnContent;

    fn deref(&self) -> &ReturnContent {
        &self.0
    }
}

/// What a valid return holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnContent {
    pub lines: Vec<ReturnLine>,
    pub description: String,
    pub received: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_no: u32,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub reason: ReturnReason,
}

impl ValidReturn {
    pub fn has_reason(&self, reason: ReturnReason) -> bool {
        self.lines.iter().any(|l| l.reason == reason)
    }
}

/// A return that would take back more of an order line than is left of it (R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Linje {line_no}: {asked} stk. til retur, men {returned} av {bought} kjøpt er returnert fra før.")]
pub struct ReturnExceedsOrder {
    pub line_no: u32,
    pub bought: u32,
    /// Returned by earlier returns.
    pub returned: u32,
    /// Asked by this return, all its lines for the order line together.
    pub asked: u32,
}

/// The quantities bought, line by line, as [`check_within_order`] takes them.
pub fn bought(order_lines: &[OrderLine]) -> Vec<u32> {
    order_lines.iter().map(|l| l.quantity).collect()
}

/// R3: how many of each order line the earlier returns took back (`[i]` for line i + 1).
pub fn returned_per_line(line_count: usize, earlier: &[ValidReturn]) -> Vec<u32> {
    let mut returned = vec![0u32; line_count];
    for line in earlier.iter().flat_map(|r| &r.lines) {
        if let Some(n) = (line.line_no as usize)
            .checked_sub(1)
            .and_then(|i| returned.get_mut(i))
        {
            *n = n.saturating_add(line.quantity);
        }
    }
    returned
}

/// R3, the one judge every place that records a return calls (the desk's cache inside its transaction,
/// the central store when a return arrives): this return, its lines for the same order line counted
/// together, plus the earlier returns, never exceeds what was bought (`bought[i]`: the quantity of line
/// i + 1, [`bought`] of an order's lines). An order line the order does not have counts as bought 0.
pub fn check_within_order(
    bought: &[u32],
    earlier: &[ValidReturn],
    this: &ValidReturn,
) -> Result<(), ReturnExceedsOrder> {
    let returned = returned_per_line(bought.len(), earlier);
    let mut line_nos: Vec<u32> = this.lines.iter().map(|l| l.line_no).collect();
    line_nos.sort_unstable();
    line_nos.dedup();
    for line_no in line_nos {
        let index = (line_no as usize).checked_sub(1);
        let bought = index.and_then(|i| bought.get(i)).copied().unwrap_or(0);
        let returned = index.and_then(|i| returned.get(i)).copied().unwrap_or(0);
        let asked = this
            .lines
            .iter()
            .filter(|l| l.line_no == line_no)
            .fold(0u32, |sum, l| sum.saturating_add(l.quantity));
        if returned.saturating_add(asked) > bought {
            return Err(ReturnExceedsOrder {
                line_no,
                bought,
                returned,
                asked,
            });
        }
    }
    Ok(())
}

pub const MAX_DESCRIPTION: usize = 2000;

/// Checks a return against the order's lines and what was returned of each before (`returned[i]` for
/// line i + 1). Every refusal at once, each against its field.
pub fn validate_return(
    order_lines: &[OrderLine],
    returned: &[u32],
    draft: &ReturnDraft,
) -> Result<ValidReturn, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut lines: Vec<ReturnLine> = Vec::new();
    if draft.lines.is_empty() {
        errors.push(FieldError::new("return_lines", Invalid::NoLines));
    }
    for (i, l) in draft.lines.iter().enumerate() {
        let field = |f: &str| format!("return_lines[{i}].{f}");
        let index = (l.line_no as usize).checked_sub(1);
        let Some(line) = index.and_then(|i| order_lines.get(i)) else {
            errors.push(FieldError::new(
                field("line_no"),
                Invalid::UnknownOrderLine { line_no: l.line_no },
            ));
            continue;
        };
        let reason = ReturnReason::from_code(&l.reason);
        if reason.is_none() {
            errors.push(FieldError::new(
                field("reason"),
                Invalid::ReturnReason {
                    text: l.reason.chars().take(40).collect(),
                },
            ));
        }
        // The same order line twice in one return counts together.
        let earlier_in_draft: u32 = lines
            .iter()
            .filter(|r| r.line_no == l.line_no)
            .map(|r| r.quantity)
            .sum();
        let already = returned.get(l.line_no as usize - 1).copied().unwrap_or(0) + earlier_in_draft;
        let left = line.quantity.saturating_sub(already);
        let quantity = match u32::try_from(l.quantity) {
            Ok(q) if q >= 1 && q <= left => Some(q),
            _ if l.quantity < 1 => {
                errors.push(FieldError::new(field("quantity"), Invalid::QuantityNotPositive));
                None
            }
            _ if left == 0 => {
                errors.push(FieldError::new(
                    field("quantity"),
                    Invalid::AlreadyReturned { line_no: l.line_no },
                ));
                None
            }
            _ => {
                errors.push(FieldError::new(
                    field("quantity"),
                    Invalid::ReturnExceeds {
                        bought: line.quantity,
                        returned: already,
                        asked: u32::try_from(l.quantity).unwrap_or(u32::MAX),
                    },
                ));
                None
            }
        };
        if let (Some(quantity), Some(reason)) = (quantity, reason) {
            lines.push(ReturnLine {
                line_no: l.line_no,
                sku: line.sku.clone(),
                name: line.name.clone(),
                quantity,
                reason,
            });
        }
    }
    let description = draft.description.trim();
    if description.chars().nth(MAX_DESCRIPTION).is_some() {
        errors.push(FieldError::new(
            "description",
            Invalid::TooLong { max: MAX_DESCRIPTION },
        ));
    }
    let received = match draft.received.trim() {
        "" => None,
        text => {
            let date = parse_date(text);
            if date.is_none() {
                errors.push(FieldError::new(
                    "received",
                    Invalid::TypedDate {
                        text: text.chars().take(20).collect(),
                    },
                ));
            }
            date
        }
    };
    if errors.is_empty() {
        Ok(ValidReturn(ReturnContent {
            lines,
            description: description.to_string(),
            received,
        }))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::DeliveryPromise;
    use crate::{Availability, Money, MvaRate};

    fn line(sku: &str, quantity: u32) -> OrderLine {
        OrderLine {
            discount: None,
            sku: sku.into(),
            name: format!("Vare {sku}"),
            quantity,
            unit_price: Money::from_kroner(100),
            mva_rate: MvaRate::General,
            line_total: Money::from_kroner(100) * quantity,
            availability: Availability::InStock,
            promise: DeliveryPromise {
                window: None,
                reasons: vec![],
            },
            supplier_direct: false,
        }
    }

    fn draft(lines: &[(u32, i64, &str)]) -> ReturnDraft {
        ReturnDraft {
            lines: lines
                .iter()
                .map(|(n, q, r)| ReturnLineDraft {
                    line_no: *n,
                    quantity: *q,
                    reason: r.to_string(),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn problems(r: Result<ValidReturn, Vec<FieldError>>) -> Vec<(String, Invalid)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.problem)).collect()
    }

    fn valid(lines: &[(u32, u32)]) -> ValidReturn {
        ValidReturn(ReturnContent {
            lines: lines
                .iter()
                .map(|(n, q)| ReturnLine {
                    line_no: *n,
                    sku: format!("SKU-{n}"),
                    name: "Vare".into(),
                    quantity: *q,
                    reason: ReturnReason::Angrerett,
                })
                .collect(),
            description: String::new(),
            received: None,
        })
    }

    #[test]
    fn r2_the_received_date_is_read_as_staff_type_it_and_refused_with_the_format_when_not() {
        assert_eq!(parse_date("01.12.2026"), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_date(" 1.2.2026 "), NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(parse_date("2026-12-01"), NaiveDate::from_ymd_opt(2026, 12, 1));
        // The US order a WebKit date input shows, a two-digit year and a day that does not exist.
        assert_eq!(parse_date("12/01/2026"), None);
        assert_eq!(parse_date("01.12.26"), None);
        assert_eq!(parse_date("31.02.2026"), None);
        let order = [line("A", 1)];
        let draft = |received: &str| ReturnDraft {
            lines: vec![ReturnLineDraft {
                line_no: 1,
                quantity: 1,
                reason: "angrerett".into(),
            }],
            received: received.into(),
            ..Default::default()
        };
        assert_eq!(
            validate_return(&order, &[], &draft("03.12.2026")).map(|r| r.received),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 3))
        );
        assert_eq!(
            problems(validate_return(&order, &[], &draft("12/03/2026"))),
            vec![(
                "received".to_string(),
                Invalid::TypedDate {
                    text: "12/03/2026".into()
                }
            )]
        );
    }

    #[test]
    fn r3_the_judge_counts_one_returns_lines_for_the_same_order_line_together() {
        let order = [line("A", 3), line("B", 1)];
        // 2 + 2 of 3 bought, in one return: refused as 4 of 3.
        assert_eq!(
            check_within_order(&bought(&order), &[], &valid(&[(1, 2), (1, 2)])),
            Err(ReturnExceedsOrder {
                line_no: 1,
                bought: 3,
                returned: 0,
                asked: 4
            })
        );
        assert_eq!(
            check_within_order(&bought(&order), &[], &valid(&[(1, 2), (1, 1), (2, 1)])),
            Ok(())
        );
        // Earlier returns count: 2 back before, 2 more is one too many.
        let earlier = [valid(&[(1, 1)]), valid(&[(1, 1), (2, 1)])];
        assert_eq!(returned_per_line(2, &earlier), vec![2, 1]);
        assert_eq!(
            check_within_order(&bought(&order), &earlier, &valid(&[(1, 2)])),
            Err(ReturnExceedsOrder {
                line_no: 1,
                bought: 3,
                returned: 2,
                asked: 2
            })
        );
        assert_eq!(
            check_within_order(&bought(&order), &earlier, &valid(&[(1, 1)])),
            Ok(())
        );
        // A line the order does not have was bought 0 times.
        assert_eq!(
            check_within_order(&bought(&order), &[], &valid(&[(3, 1)])),
            Err(ReturnExceedsOrder {
                line_no: 3,
                bought: 0,
                returned: 0,
                asked: 1
            })
        );
        assert_eq!(
            check_within_order(&bought(&order), &[], &valid(&[(0, 1)])).map_err(|e| e.bought),
            Err(0)
        );
    }

    #[test]
    fn r3_a_return_within_what_was_bought() {
        let order = [line("A", 3), line("B", 1)];
        let ok = validate_return(
            &order,
            &[1, 0],
            &draft(&[(1, 2, "angrerett"), (2, 1, "transportskade")]),
        )
        .unwrap();
        assert_eq!(ok.lines.len(), 2);
        assert!(ok.has_reason(ReturnReason::Angrerett));
        assert_eq!(ok.lines[1].reason, ReturnReason::Transportskade);
    }

    #[test]
    fn r3_more_than_bought_negative_unknown_and_a_second_return_are_refused() {
        let order = [line("A", 3), line("B", 1)];
        assert_eq!(
            problems(validate_return(&order, &[0, 0], &draft(&[(1, 4, "angrerett")]))),
            vec![(
                "return_lines[0].quantity".into(),
                Invalid::ReturnExceeds {
                    bought: 3,
                    returned: 0,
                    asked: 4
                }
            )]
        );
        assert_eq!(
            problems(validate_return(&order, &[0, 0], &draft(&[(1, -1, "angrerett")]))),
            vec![("return_lines[0].quantity".into(), Invalid::QuantityNotPositive)]
        );
        assert_eq!(
            problems(validate_return(&order, &[0, 0], &draft(&[(3, 1, "angrerett")]))),
            vec![(
                "return_lines[0].line_no".into(),
                Invalid::UnknownOrderLine { line_no: 3 }
            )]
        );
        assert_eq!(
            problems(validate_return(&order, &[0, 1], &draft(&[(2, 1, "feil_vare")]))),
            vec![(
                "return_lines[0].quantity".into(),
                Invalid::AlreadyReturned { line_no: 2 }
            )]
        );
        // Twice the same line in one return counts together.
        assert_eq!(
            problems(validate_return(
                &order,
                &[1, 0],
                &draft(&[(1, 1, "angrerett"), (1, 2, "angrerett")])
            )),
            vec![(
                "return_lines[1].quantity".into(),
                Invalid::ReturnExceeds {
                    bought: 3,
                    returned: 2,
                    asked: 2
                }
            )]
        );
        assert_eq!(
            problems(validate_return(&order, &[0, 0], &draft(&[(1, 1, "angret")]))),
            vec![(
                "return_lines[0].reason".into(),
                Invalid::ReturnReason {
                    text: "angret".into()
                }
            )]
        );
        assert_eq!(
            problems(validate_return(&order, &[0, 0], &draft(&[]))),
            vec![("return_lines".into(), Invalid::NoLines)]
        );
    }
}
