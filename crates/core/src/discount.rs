//! Discounts and price overrides (issue 20, item 4): an amount or a percent off a line or the whole
//! order, or a new unit price, always with a reason from the shop's list. Each role may give up to a
//! limit on its own; above it a manager approves with their own PIN. MVA follows the discounted
//! price, so the discount is taken off the amount incl. MVA and the MVA is worked out from what is
//! left (S2 on the discounted lines). An order discount is split over the rates with
//! `money::split_by_rate`, as the shipping is (S2a).

use serde::{Deserialize, Serialize};

use crate::Money;

/// What staff give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DiscountKind {
    /// This much off (incl. MVA).
    Amount {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        ore: i64,
    },
    /// This many hundredths of a percent off: 1000 is 10 %.
    Percent { basis_points: u32 },
    /// A new price per unit (incl. MVA), e.g. to match a competitor.
    UnitPrice {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        ore: i64,
    },
}

/// Who may give how much on their own: the larger of a percent of the amount and a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountLimit {
    /// 1000 is 10 %.
    pub basis_points: u32,
    pub amount: Money,
}

impl DiscountLimit {
    /// How much may be given off `before` on one's own.
    pub fn allows(&self, before: Money) -> Money {
        let percent = i128::from(before.ore()) * i128::from(self.basis_points) / 10_000;
        Money::from_ore(i64::try_from(percent).unwrap_or(i64::MAX).max(self.amount.ore()))
    }

    /// "10 % eller 500,00 kr" for a refusal.
    pub fn text(&self) -> String {
        format!("{} eller {}", percent_text(self.basis_points), self.amount)
    }
}

/// Why a discount cannot be given as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscountRefused {
    #[error("Rabatten må ha en årsak fra listen.")]
    NoReason,
    #[error("Rabatten kan ikke være større enn beløpet ({before}).")]
    MoreThanTheAmount { before: Money },
    #[error("Rabatten må være større enn 0.")]
    Nothing,
    /// Above the staff member's own limit: a manager approves with their PIN.
    #[error("{off} i rabatt er over grensen din ({limit}): en leder må godkjenne med sin PIN.")]
    NeedsApproval { off: Money, limit: String },
}

/// How much `kind` takes off `before` (a line's total or the order's goods), for `quantity` units
/// where a new unit price is given.
pub fn discount_off(before: Money, quantity: u32, kind: DiscountKind) -> Result<Money, DiscountRefused> {
    let off = match kind {
        DiscountKind::Amount { ore } => ore,
        DiscountKind::Percent { basis_points } => {
            // Rounded to the øre, half up, as a till does.
            let exact = i128::from(before.ore()) * i128::from(basis_points);
            i64::try_from((exact + 5_000) / 10_000).unwrap_or(i64::MAX)
        }
        DiscountKind::UnitPrice { ore } => before.ore() - ore.saturating_mul(i64::from(quantity)),
    };
    if off <= 0 {
        return Err(DiscountRefused::Nothing);
    }
    if off > before.ore() {
        return Err(DiscountRefused::MoreThanTheAmount { before });
    }
    Ok(Money::from_ore(off))
}

/// Judges a discount staff want to give: a reason from the shop's list, not more than the amount,
/// and within `limit` unless `approved` by a manager. Answers what it takes off.
pub fn judge_discount(
    before: Money,
    quantity: u32,
    kind: DiscountKind,
    reason: &str,
    reasons: &[String],
    limit: DiscountLimit,
    approved: bool,
) -> Result<Money, DiscountRefused> {
    if !reasons.iter().any(|r| r == reason.trim()) {
        return Err(DiscountRefused::NoReason);
    }
    let off = discount_off(before, quantity, kind)?;
    if off > limit.allows(before) && !approved {
        return Err(DiscountRefused::NeedsApproval {
            off,
            limit: limit.text(),
        });
    }
    Ok(off)
}

fn percent_text(basis_points: u32) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    if hundredths == 0 {
        format!("{whole} %")
    } else {
        let fraction = format!("{hundredths:02}");
        format!("{whole},{} %", fraction.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons() -> Vec<String> {
        ["prismatch", "skadet_emballasje", "goodwill"]
            .map(String::from)
            .to_vec()
    }

    const SELGER: DiscountLimit = DiscountLimit {
        basis_points: 1000,
        amount: Money::from_ore(20_000),
    };

    #[test]
    fn a_discount_within_the_limit_is_given_and_above_it_needs_a_manager() {
        let before = Money::from_ore(349_900);
        // 10 % of 3 499,00 is 349,90: the larger of that and 200,00 is the limit.
        assert_eq!(SELGER.allows(before), Money::from_ore(34_990));
        let ten = DiscountKind::Percent { basis_points: 1000 };
        assert_eq!(
            judge_discount(before, 1, ten, "goodwill", &reasons(), SELGER, false),
            Ok(Money::from_ore(34_990))
        );
        let fifteen = DiscountKind::Percent { basis_points: 1500 };
        let refused = judge_discount(before, 1, fifteen, "prismatch", &reasons(), SELGER, false).unwrap_err();
        assert!(matches!(refused, DiscountRefused::NeedsApproval { .. }));
        let text = refused.to_string().replace('\u{a0}', " ");
        assert!(
            text.contains("524,85 kr i rabatt er over grensen din (10 % eller 200,00 kr)"),
            "{text}"
        );
        assert_eq!(
            judge_discount(before, 1, fifteen, "prismatch", &reasons(), SELGER, true),
            Ok(Money::from_ore(52_485))
        );
        // On a small line the amount is the limit: 200,00 off 250,00 is fine on one's own.
        let small = Money::from_ore(25_000);
        assert_eq!(
            judge_discount(
                small,
                1,
                DiscountKind::Amount { ore: 20_000 },
                "goodwill",
                &reasons(),
                SELGER,
                false
            ),
            Ok(Money::from_ore(20_000))
        );
    }

    #[test]
    fn a_price_override_is_the_difference_per_unit() {
        let before = Money::from_ore(2 * 129_900);
        let matched = DiscountKind::UnitPrice { ore: 119_900 };
        assert_eq!(discount_off(before, 2, matched), Ok(Money::from_ore(20_000)));
        assert_eq!(
            discount_off(before, 2, DiscountKind::UnitPrice { ore: 139_900 }),
            Err(DiscountRefused::Nothing)
        );
    }

    #[test]
    fn refusals_say_why() {
        let before = Money::from_ore(10_000);
        assert_eq!(
            judge_discount(
                before,
                1,
                DiscountKind::Amount { ore: 100 },
                "fordi",
                &reasons(),
                SELGER,
                true
            ),
            Err(DiscountRefused::NoReason)
        );
        assert_eq!(
            discount_off(before, 1, DiscountKind::Amount { ore: 10_001 }),
            Err(DiscountRefused::MoreThanTheAmount { before })
        );
        assert_eq!(
            discount_off(before, 1, DiscountKind::Percent { basis_points: 0 }),
            Err(DiscountRefused::Nothing)
        );
        assert_eq!(percent_text(1250), "12,5 %");
    }
}
