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
    #[error("{off} i rabatt er over grensen til den som godkjente også ({limit}).")]
    AboveApprover { off: Money, limit: String },
    #[error("Gi rabatt enten på linjene eller på hele ordren, ikke begge.")]
    LineAndOrder,
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

/// A staff member's role: what they may give on their own (policy per role).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum StaffRole {
    #[default]
    Selger,
    Leder,
}

impl StaffRole {
    pub fn parse(text: &str) -> Option<StaffRole> {
        match text.trim().to_lowercase().as_str() {
            "selger" => Some(StaffRole::Selger),
            "leder" => Some(StaffRole::Leder),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Selger => "selger",
            StaffRole::Leder => "leder",
        }
    }
}

/// A reason staff may give, from the shop policy's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiscountReason {
    pub code: String,
    /// What staff and the confirmation read: "Prismatch".
    pub text: String,
}

/// Issue 20, item 4: the reasons a discount may have, and how much each role may give on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscountPolicy {
    pub reasons: Vec<DiscountReason>,
    pub selger: DiscountLimit,
    pub leder: DiscountLimit,
}

impl Default for DiscountPolicy {
    fn default() -> Self {
        let reason = |code: &str, text: &str| DiscountReason {
            code: code.into(),
            text: text.into(),
        };
        DiscountPolicy {
            reasons: vec![
                reason("prismatch", "Prismatch"),
                reason("skadet_emballasje", "Skadet emballasje"),
                reason("utstillingsmodell", "Utstillingsmodell"),
                reason("goodwill", "Goodwill"),
            ],
            selger: DiscountLimit {
                basis_points: 1000,
                amount: Money::from_ore(20_000),
            },
            leder: DiscountLimit {
                basis_points: 10_000,
                amount: Money::ZERO,
            },
        }
    }
}

impl DiscountPolicy {
    pub fn limit(&self, role: StaffRole) -> DiscountLimit {
        match role {
            StaffRole::Selger => self.selger,
            StaffRole::Leder => self.leder,
        }
    }

    fn reason(&self, code: &str) -> Option<&DiscountReason> {
        self.reasons.iter().find(|r| r.code == code.trim())
    }
}

/// A discount as staff ask for it on a line or on the whole order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiscountDraft {
    #[serde(flatten)]
    pub kind: DiscountKind,
    /// A code from the policy's list.
    pub reason: String,
}

/// A discount given on an order line. It is taken off each unit, so the line's unit price is what
/// the customer pays per unit: MVA (S2), a partial return's refund and the payment providers' lines
/// all follow the discounted price with no rule of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDiscount {
    pub kind: DiscountKind,
    pub reason: String,
    pub reason_text: String,
    /// Part of a discount on the whole order.
    #[serde(default)]
    pub order_wide: bool,
    /// The unit price before the discount.
    pub listed_unit_price: Money,
}

impl LineDiscount {
    /// The line's discount as staff and the customer read it, on the screen and the confirmation:
    /// "15 % rabatt (Prismatch): −524,85 kr, før 3 499,00 kr".
    pub fn text(&self, line: &crate::order::OrderLine) -> String {
        let listed = self.listed_unit_price * line.quantity;
        let off = Money::from_ore(listed.ore() - line.line_total.ore());
        let what = match (self.order_wide, self.kind) {
            (true, DiscountKind::Percent { basis_points }) => {
                format!("Ordrerabatt {}", percent_text(basis_points))
            }
            (true, _) => "Ordrerabatt".to_string(),
            (false, DiscountKind::Percent { basis_points }) => {
                format!("{} rabatt", percent_text(basis_points))
            }
            (false, DiscountKind::Amount { .. }) => "Rabatt".to_string(),
            (false, DiscountKind::UnitPrice { .. }) => "Ny pris".to_string(),
        };
        format!("{what} ({}): −{off}, før {listed}", self.reason_text)
    }
}

/// Who asked for the discounts in an order and, above their own limit, which manager approved them
/// (with their own PIN on the same desk). Stamped by the desk; judged again by the central store
/// against the roles it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountApproval {
    pub asked_by_id: String,
    pub asked_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

/// The discount worked out for one unit: `None` where a share of an order discount is too small to
/// take a whole øre off each unit.
fn unit_off(unit: Money, quantity: u32, kind: DiscountKind) -> Result<Money, DiscountRefused> {
    let per_unit = match kind {
        // An amount off a line of several is taken off each unit, rounded down to the øre, so the
        // customer is never given more than was asked (at most quantity − 1 øre less).
        DiscountKind::Amount { ore } => DiscountKind::Amount {
            ore: ore / i64::from(quantity.max(1)),
        },
        other => other,
    };
    discount_off(unit, 1, per_unit)
}

/// The discounts of a draft applied to its priced lines (issue 20, item 4): each line's unit price
/// becomes the discounted one, with what it was and why. A discount on the whole order is split over
/// the lines in proportion to their sums (largest remainder, as `money::split_by_rate`), then taken
/// off each unit. Line and order discounts are not combined. Refusals name the field.
pub fn apply_discounts(
    lines: &mut [crate::order::OrderLine],
    line_discounts: &[Option<DiscountDraft>],
    order_discount: Option<&DiscountDraft>,
    policy: &DiscountPolicy,
) -> Vec<crate::FieldError> {
    let mut errors = Vec::new();
    let refuse = |field: String, why: DiscountRefused| {
        crate::FieldError::new(
            field,
            crate::Invalid::Discount {
                message: why.to_string(),
            },
        )
    };
    if order_discount.is_some() && line_discounts.iter().any(Option::is_some) {
        errors.push(refuse("discount".into(), DiscountRefused::LineAndOrder));
        return errors;
    }
    for (i, (line, asked)) in lines.iter_mut().zip(line_discounts).enumerate() {
        let Some(asked) = asked else { continue };
        let field = format!("lines[{i}].discount");
        let Some(reason) = policy.reason(&asked.reason) else {
            errors.push(refuse(field, DiscountRefused::NoReason));
            continue;
        };
        match unit_off(line.unit_price, line.quantity, asked.kind) {
            Ok(off) => give(line, off, asked.kind, reason, false),
            Err(why) => errors.push(refuse(field, why)),
        }
    }
    let Some(asked) = order_discount else {
        return errors;
    };
    let Some(reason) = policy.reason(&asked.reason) else {
        errors.push(refuse("discount".into(), DiscountRefused::NoReason));
        return errors;
    };
    let goods: Money = lines.iter().map(|l| l.line_total).sum();
    let wanted = match discount_off(goods, 1, asked.kind) {
        Ok(off) => off,
        Err(why) => {
            errors.push(refuse("discount".into(), why));
            return errors;
        }
    };
    let shares = split_in_proportion(wanted, lines.iter().map(|l| l.line_total).collect());
    for (line, share) in lines.iter_mut().zip(shares) {
        let per_unit = match asked.kind {
            DiscountKind::Percent { .. } => unit_off(line.unit_price, 1, asked.kind).ok(),
            _ => Some(Money::from_ore(share.ore() / i64::from(line.quantity.max(1)))),
        };
        if let Some(off) = per_unit.filter(|o| o.ore() > 0 && *o <= line.unit_price) {
            give(line, off, asked.kind, reason, true);
        }
    }
    errors
}

fn give(
    line: &mut crate::order::OrderLine,
    off: Money,
    kind: DiscountKind,
    reason: &DiscountReason,
    order_wide: bool,
) {
    let listed = line.unit_price;
    line.unit_price = Money::from_ore(listed.ore() - off.ore());
    line.line_total = line.unit_price * line.quantity;
    line.discount = Some(LineDiscount {
        kind,
        reason: reason.code.clone(),
        reason_text: reason.text.clone(),
        order_wide,
        listed_unit_price: listed,
    });
}

/// `amount` split in proportion to `weights`: each part rounded down, the øre left over to the
/// largest remainders (the first of equals first), so the parts add up to `amount`.
fn split_in_proportion(amount: Money, weights: Vec<Money>) -> Vec<Money> {
    let whole: i128 = weights.iter().map(|w| i128::from(w.ore().max(0))).sum();
    if whole == 0 {
        return weights.iter().map(|_| Money::ZERO).collect();
    }
    let total = i128::from(amount.ore());
    let mut parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let w = i128::from(w.ore().max(0));
            (total * w / whole, total * w % whole)
        })
        .collect();
    let left = total - parts.iter().map(|p| p.0).sum::<i128>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(parts[*i].1));
    for i in order.into_iter().take(usize::try_from(left).unwrap_or(0)) {
        parts[i].0 += 1;
    }
    parts
        .into_iter()
        .map(|(p, _)| Money::from_ore(i64::try_from(p).unwrap_or(0)))
        .collect()
}

/// What the discounts of an order take off, and the goods before them.
pub fn order_discount_total(lines: &[crate::order::OrderLine]) -> (Money, Money) {
    let mut off = Money::ZERO;
    let mut listed = Money::ZERO;
    for l in lines {
        let before = l.discount.as_ref().map_or(l.unit_price, |d| d.listed_unit_price);
        listed += before * l.quantity;
        off += Money::from_ore(before.ore() - l.unit_price.ore()) * l.quantity;
    }
    (off, listed)
}

/// Issue 20, item 4: the discounts of an order, all together, within what the person who asked may
/// give on their own, or approved by someone whose limit covers them. The desk asks this before it
/// places the order, and the central store again with the roles it keeps.
pub fn judge_approval(
    lines: &[crate::order::OrderLine],
    asker: DiscountLimit,
    approver: Option<DiscountLimit>,
) -> Result<(), DiscountRefused> {
    let (off, listed) = order_discount_total(lines);
    if off == Money::ZERO || off <= asker.allows(listed) {
        return Ok(());
    }
    match approver {
        Some(limit) if off <= limit.allows(listed) => Ok(()),
        Some(limit) => Err(DiscountRefused::AboveApprover {
            off,
            limit: limit.text(),
        }),
        None => Err(DiscountRefused::NeedsApproval {
            off,
            limit: asker.text(),
        }),
    }
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
    use crate::order::OrderLine;
    use crate::{Availability, MvaRate};

    const SELGER: DiscountLimit = DiscountLimit {
        basis_points: 1000,
        amount: Money::from_ore(20_000),
    };

    fn line(sku: &str, unit: i64, quantity: u32, rate: MvaRate) -> OrderLine {
        let unit_price = Money::from_ore(unit);
        OrderLine {
            sku: sku.into(),
            name: sku.into(),
            quantity,
            unit_price,
            mva_rate: rate,
            line_total: unit_price * quantity,
            availability: Availability::InStock,
            promise: crate::delivery::DeliveryPromise {
                window: None,
                reasons: vec![],
            },
            supplier_direct: false,
            discount: None,
        }
    }

    fn asked(kind: DiscountKind, reason: &str) -> Option<DiscountDraft> {
        Some(DiscountDraft {
            kind,
            reason: reason.into(),
        })
    }

    #[test]
    fn a_discount_within_the_limit_is_given_and_above_it_needs_a_manager() {
        let policy = DiscountPolicy::default();
        let mut lines = vec![line("KAFFE", 349_900, 1, MvaRate::General)];
        let ten = DiscountKind::Percent { basis_points: 1000 };
        assert!(apply_discounts(&mut lines, &[asked(ten, "goodwill")], None, &policy).is_empty());
        // 10 % of 3 499,00 is 349,90: the larger of that and 200,00 is the limit.
        assert_eq!(SELGER.allows(Money::from_ore(349_900)), Money::from_ore(34_990));
        assert_eq!(lines[0].unit_price, Money::from_ore(314_910));
        assert_eq!(judge_approval(&lines, SELGER, None), Ok(()));

        let mut lines = vec![line("KAFFE", 349_900, 1, MvaRate::General)];
        let fifteen = DiscountKind::Percent { basis_points: 1500 };
        assert!(apply_discounts(&mut lines, &[asked(fifteen, "prismatch")], None, &policy).is_empty());
        let refused = judge_approval(&lines, SELGER, None).unwrap_err();
        let text = refused.to_string().replace('\u{a0}', " ");
        assert!(
            text.contains("524,85 kr i rabatt er over grensen din (10 % eller 200,00 kr)"),
            "{text}"
        );
        assert_eq!(judge_approval(&lines, SELGER, Some(policy.leder)), Ok(()));
        // A second seller's PIN is no approval: their limit is the same.
        assert!(matches!(
            judge_approval(&lines, SELGER, Some(SELGER)),
            Err(DiscountRefused::AboveApprover { .. })
        ));
        // On a small line the amount is the limit: 200,00 off 250,00 is fine on one's own.
        let mut small = vec![line("KOPP", 25_000, 1, MvaRate::General)];
        let amount = DiscountKind::Amount { ore: 20_000 };
        assert!(apply_discounts(&mut small, &[asked(amount, "goodwill")], None, &policy).is_empty());
        assert_eq!(judge_approval(&small, SELGER, None), Ok(()));
    }

    #[test]
    fn mva_follows_the_discounted_price() {
        let policy = DiscountPolicy::default();
        // 2 × 1 299,00 matched to 1 199,00 each; 1 × 100,00 of food (15 %) untouched.
        let mut lines = vec![
            line("TV", 129_900, 2, MvaRate::General),
            line("KAFFE", 10_000, 1, MvaRate::Food),
        ];
        let matched = DiscountKind::UnitPrice { ore: 119_900 };
        assert!(apply_discounts(&mut lines, &[asked(matched, "prismatch"), None], None, &policy).is_empty());
        assert_eq!(lines[0].line_total, Money::from_ore(239_800));
        let text = lines[0]
            .discount
            .as_ref()
            .unwrap()
            .text(&lines[0])
            .replace('\u{a0}', " ");
        assert_eq!(text, "Ny pris (Prismatch): −200,00 kr, før 2 598,00 kr");
        assert_eq!(
            order_discount_total(&lines),
            (Money::from_ore(20_000), Money::from_ore(269_800))
        );
        let totals = crate::order::totals(&lines, Money::ZERO, None);
        // S2: 25 % MVA in 2 398,00 is 479,60; 15 % in 100,00 is 13,04.
        let mva: Vec<(MvaRate, i64)> = totals.mva.iter().map(|m| (m.rate, m.mva.ore())).collect();
        assert_eq!(mva, vec![(MvaRate::General, 47_960), (MvaRate::Food, 1_304)]);
        assert_eq!(totals.goods, Money::from_ore(249_800));
    }

    #[test]
    fn an_order_discount_is_split_over_the_lines_and_never_more_than_asked() {
        let policy = DiscountPolicy::default();
        let mut lines = vec![
            line("A", 30_000, 3, MvaRate::General),
            line("B", 10_000, 1, MvaRate::Food),
        ];
        let amount = DiscountKind::Amount { ore: 10_000 };
        let errors = apply_discounts(
            &mut lines,
            &[None, None],
            asked(amount, "goodwill").as_ref(),
            &policy,
        );
        assert!(errors.is_empty(), "{errors:?}");
        // 100,00 over 900,00 and 100,00: 90,00 and 10,00; 90,00 over 3 units is 30,00 each.
        assert_eq!(lines[0].unit_price, Money::from_ore(27_000));
        assert_eq!(lines[1].unit_price, Money::from_ore(9_000));
        assert!(lines
            .iter()
            .all(|l| l.discount.as_ref().is_some_and(|d| d.order_wide)));
        // 100,00 over 3 units of one line: 33,33 each, 99,99 in all: never more than asked.
        let mut three = vec![line("A", 30_000, 3, MvaRate::General)];
        apply_discounts(&mut three, &[None], asked(amount, "goodwill").as_ref(), &policy);
        assert_eq!(order_discount_total(&three).0, Money::from_ore(9_999));
        // Percent on the order is that percent off every unit.
        let mut both = vec![
            line("A", 30_000, 3, MvaRate::General),
            line("B", 9_990, 1, MvaRate::Food),
        ];
        let ten = DiscountKind::Percent { basis_points: 1000 };
        apply_discounts(&mut both, &[None, None], asked(ten, "goodwill").as_ref(), &policy);
        assert_eq!(both[1].unit_price, Money::from_ore(8_991));
    }

    #[test]
    fn a_draft_line_with_a_discount_reads_as_the_window_sends_it() {
        let json = r#"{"sku":"A","quantity":2,"discount":{"kind":"percent","basis_points":1500,"reason":"goodwill"}}"#;
        let line: crate::order::LineDraft = serde_json::from_str(json).unwrap();
        assert_eq!(
            line.discount,
            asked(DiscountKind::Percent { basis_points: 1500 }, "goodwill")
        );
        assert_eq!(serde_json::to_string(&line).unwrap(), json);
        let plain: crate::order::LineDraft = serde_json::from_str(r#"{"sku":"A","quantity":1}"#).unwrap();
        assert_eq!(plain.discount, None);
    }

    #[test]
    fn refusals_say_why_and_name_the_field() {
        let policy = DiscountPolicy::default();
        let mut lines = vec![line("A", 10_000, 1, MvaRate::General)];
        let errors = apply_discounts(
            &mut lines,
            &[asked(DiscountKind::Amount { ore: 100 }, "fordi")],
            None,
            &policy,
        );
        assert_eq!(errors[0].field, "lines[0].discount");
        assert!(
            errors[0].to_string().contains("årsak fra listen"),
            "{}",
            errors[0]
        );
        assert_eq!(lines[0].unit_price, Money::from_ore(10_000));
        assert_eq!(
            discount_off(Money::from_ore(10_000), 1, DiscountKind::Amount { ore: 10_001 }),
            Err(DiscountRefused::MoreThanTheAmount {
                before: Money::from_ore(10_000)
            })
        );
        assert_eq!(
            discount_off(
                Money::from_ore(10_000),
                1,
                DiscountKind::Percent { basis_points: 0 }
            ),
            Err(DiscountRefused::Nothing)
        );
        assert_eq!(
            discount_off(
                Money::from_ore(10_000),
                1,
                DiscountKind::UnitPrice { ore: 12_000 }
            ),
            Err(DiscountRefused::Nothing)
        );
        let both = apply_discounts(
            &mut lines,
            &[asked(DiscountKind::Amount { ore: 100 }, "goodwill")],
            asked(DiscountKind::Amount { ore: 100 }, "goodwill").as_ref(),
            &policy,
        );
        assert_eq!(both[0].field, "discount");
        assert_eq!(percent_text(1250), "12,5 %");
    }
}
