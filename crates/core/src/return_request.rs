//! A return: which lines of an order, how many, and why (R3); never more than was bought and not yet
//! returned.

use chrono::NaiveDate;
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
    /// When the customer received the goods (for the withdrawal deadline, R2), if known: `YYYY-MM-DD`.
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub received: Option<NaiveDate>,
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

/// A return every rule accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidReturn {
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
    if errors.is_empty() {
        Ok(ValidReturn {
            lines,
            description: description.to_string(),
            received: draft.received,
        })
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
