//! Money in øre and MVA per rate on totals (rule S2).
//!
//! Rounding rule (S2): prices include MVA. The MVA of a rate is computed once, on the sum of all amounts
//! at that rate: `mva = total − round_half_up(total / (1 + r))`, in øre. Lines are never rounded one by
//! one and then summed, because that drifts: 3 × 0,99 at 25 % gives 0,59 on the total, 0,60 per line.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Mul};

use crate::Invalid;

/// An amount in øre (1/100 NOK). Prices include MVA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_ore(ore: i64) -> Self {
        Money(ore)
    }

    pub const fn from_kroner(kroner: i64) -> Self {
        Money(kroner * 100)
    }

    pub const fn ore(self) -> i64 {
        self.0
    }

    pub fn checked_mul(self, quantity: u32) -> Option<Money> {
        self.0.checked_mul(i64::from(quantity)).map(Money)
    }

    /// Parses what staff type or a CSV holds: `1249`, `1249,00`, `1 249,50`, `1249.5`, `kr 99,-`.
    pub fn parse_kroner(text: &str) -> Result<Money, Invalid> {
        let invalid = || Invalid::Amount {
            text: text.chars().take(40).collect(),
        };
        let cleaned: String = text
            .trim()
            .trim_start_matches("kr")
            .trim_end_matches("kr")
            .trim_end_matches(",-")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = match digits.split_once([',', '.']) {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 2 || whole.len() > 13 {
            return Err(invalid());
        }
        let kroner: i64 = whole.parse().map_err(|_| invalid())?;
        let ore: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| invalid())? * 10,
            _ => frac.parse().map_err(|_| invalid())?,
        };
        let value = kroner * 100 + ore;
        Ok(Money(if negative { -value } else { value }))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Mul<u32> for Money {
    type Output = Money;
    fn mul(self, rhs: u32) -> Money {
        Money(self.0 * i64::from(rhs))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

/// Norwegian style: `1 249,00 kr` (thin grouping by a no-break space, comma decimals).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "−" } else { "" };
        let abs = self.0.unsigned_abs();
        let kroner = (abs / 100).to_string();
        let mut grouped = String::with_capacity(kroner.len() + kroner.len() / 3);
        for (i, c) in kroner.chars().enumerate() {
            if i > 0 && (kroner.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped},{:02}\u{a0}kr", abs % 100)
    }
}

/// The MVA rates a product can carry (S2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MvaRate {
    /// 25 %, the general rate.
    General,
    /// 15 %, food (næringsmidler).
    Food,
    /// 12 %, passenger transport and similar.
    Transport,
}

impl MvaRate {
    pub const ALL: [MvaRate; 3] = [MvaRate::General, MvaRate::Food, MvaRate::Transport];

    /// The rate in basis points (2500 = 25 %), the unit Klarna's `tax_rate` also uses.
    pub const fn basis_points(self) -> i64 {
        match self {
            MvaRate::General => 2500,
            MvaRate::Food => 1500,
            MvaRate::Transport => 1200,
        }
    }

    pub const fn percent(self) -> u32 {
        (self.basis_points() / 100) as u32
    }

    pub fn from_percent(percent: u32) -> Option<MvaRate> {
        MvaRate::ALL.into_iter().find(|r| r.percent() == percent)
    }

    pub fn parse(text: &str) -> Result<MvaRate, Invalid> {
        let t = text.trim().trim_end_matches('%').trim();
        t.parse::<u32>()
            .ok()
            .and_then(MvaRate::from_percent)
            .ok_or_else(|| Invalid::MvaRate {
                text: text.chars().take(20).collect(),
            })
    }

    /// `total` (an amount including MVA) without its MVA: what a sale outside the MVA area costs (D7a).
    pub fn without_mva(self, total: Money) -> Money {
        total + Money(-self.mva_of_total(total).ore())
    }

    /// `net` (an amount without MVA) with its MVA added, rounded half up to øre: the listed price of a
    /// line sold without MVA (D7a).
    pub fn with_mva(self, net: Money) -> Money {
        let bp = i128::from(self.basis_points());
        let scaled = i128::from(net.ore()) * (10_000 + bp);
        let incl = if scaled >= 0 {
            (scaled + 5_000) / 10_000
        } else {
            -((-scaled + 5_000) / 10_000)
        };
        Money(i64::try_from(incl).unwrap_or(if incl > 0 { i64::MAX } else { i64::MIN }))
    }

    /// MVA contained in `total` (an amount including MVA), rounded half up to øre (S2).
    pub fn mva_of_total(self, total: Money) -> Money {
        let bp = i128::from(self.basis_points());
        let incl = i128::from(total.ore());
        // excl = incl·10000 / (10000 + bp), rounded half away from zero.
        let denominator = 10_000 + bp;
        let numerator = incl * 10_000;
        let excl = if numerator >= 0 {
            (2 * numerator + denominator) / (2 * denominator)
        } else {
            -((-2 * numerator + denominator) / (2 * denominator))
        };
        // The result is at most |incl|, which came from an i64.
        Money(i64::try_from(incl - excl).unwrap_or(i64::MAX))
    }
}

/// MVA per line, for a payment provider that wants it per line (Klarna's `total_tax_amount`) while the
/// sums per rate must still be those of S2. Each line gets its own rounded MVA; what rounding per line
/// drifts from the per-rate figure is spread one øre at a time over that rate's largest lines, so no
/// line is more than one øre from its own figure and the lines add up to what the document prints.
pub fn mva_per_line(amounts: &[(MvaRate, Money)]) -> Vec<Money> {
    let mut per_line: Vec<Money> = amounts.iter().map(|(r, m)| r.mva_of_total(*m)).collect();
    for line in mva_per_rate(amounts.iter().copied()) {
        let mut of_rate: Vec<usize> = (0..amounts.len())
            .filter(|i| amounts[*i].0 == line.rate)
            .collect();
        of_rate.sort_by_key(|i| std::cmp::Reverse(amounts[*i].1));
        let sum: i64 = of_rate.iter().map(|i| per_line[*i].ore()).sum();
        let drift = line.mva.ore() - sum;
        // |drift| ≤ half the number of lines: each line rounded by at most half an øre.
        for i in of_rate
            .iter()
            .cycle()
            .take(usize::try_from(drift.unsigned_abs()).unwrap_or(0))
        {
            per_line[*i] += Money::from_ore(drift.signum());
        }
    }
    per_line
}

/// One rate's part of an amount that is split across rates (S2a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateShare {
    pub rate: MvaRate,
    pub amount: Money,
}

/// S2a: what the seller charges for delivering the goods (shipping, the unclaimed-parcel fee of D9, a
/// refund of either) is part of the supply of the goods and takes their MVA rates, split in proportion
/// to the goods' value at each rate.
///
/// Rounding: each rate's part is `amount × goods at the rate / all goods`, rounded down to øre; the øre
/// left over go one at a time to the rates with the largest remainders (ties: the higher rate first), so
/// the parts add up to `amount` exactly and no part is more than one øre from its exact value. Goods of
/// no value at all (nothing to be in proportion to) leave the amount at the general rate. Parts of zero
/// øre are left out; the result is ordered 25 %, 15 %, 12 %.
pub fn split_by_rate(amount: Money, goods: impl IntoIterator<Item = (MvaRate, Money)>) -> Vec<RateShare> {
    if amount == Money::ZERO {
        return Vec::new();
    }
    let mut basis = [0i128; 3];
    for (rate, value) in goods {
        let i = MvaRate::ALL.iter().position(|r| *r == rate).unwrap_or(0);
        basis[i] += i128::from(value.ore());
    }
    // A rate whose goods net to nothing or less takes no part.
    for b in &mut basis {
        *b = (*b).max(0);
    }
    let whole: i128 = basis.iter().sum();
    if whole == 0 {
        return vec![RateShare {
            rate: MvaRate::General,
            amount,
        }];
    }
    // Split the magnitude and give the sign back, so a refund splits as its charge did.
    let magnitude = i128::from(amount.ore()).abs();
    let mut parts = [0i128; 3];
    let mut remainders = [0i128; 3];
    for i in 0..3 {
        parts[i] = magnitude * basis[i] / whole;
        remainders[i] = magnitude * basis[i] % whole;
    }
    let mut left = magnitude - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..3).filter(|i| basis[*i] > 0).collect();
    // Stable sort: among equal remainders the higher rate (earlier in ALL) comes first.
    order.sort_by_key(|i| std::cmp::Reverse(remainders[*i]));
    for i in order.iter().cycle().take(usize::try_from(left).unwrap_or(0)) {
        parts[*i] += 1;
        left -= 1;
    }
    debug_assert_eq!(left, 0);
    let sign = i128::from(amount.ore().signum());
    MvaRate::ALL
        .into_iter()
        .zip(parts)
        .filter(|(_, p)| *p != 0)
        .map(|(rate, p)| RateShare {
            rate,
            // Each part is at most |amount|, which came from an i64.
            amount: Money(i64::try_from(sign * p).unwrap_or(0)),
        })
        .collect()
}

/// MVA of one rate on a document: the base incl. MVA and the MVA in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MvaLine {
    pub rate: MvaRate,
    pub total_incl: Money,
    pub mva: Money,
}

/// Sums amounts per rate and computes MVA per rate on those totals (S2). Rates with no amount are left
/// out; the result is ordered 25 %, 15 %, 12 %.
pub fn mva_per_rate(amounts: impl IntoIterator<Item = (MvaRate, Money)>) -> Vec<MvaLine> {
    let mut totals = [Money::ZERO; 3];
    let mut seen = [false; 3];
    for (rate, amount) in amounts {
        let i = MvaRate::ALL.iter().position(|r| *r == rate).unwrap_or(0);
        totals[i] += amount;
        seen[i] = true;
    }
    MvaRate::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| seen[*i])
        .map(|(i, rate)| MvaLine {
            rate,
            total_incl: totals[i],
            mva: rate.mva_of_total(totals[i]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn s2_vectors() {
        let cases = [
            (124_900, MvaRate::General, 24_980),
            (59_700, MvaRate::General, 11_940),
            (9_900, MvaRate::General, 1_980),
            (69_600, MvaRate::General, 13_920),
            (99, MvaRate::General, 20),
            (297, MvaRate::General, 59),
            (10_000, MvaRate::Food, 1_304),
            (10_000, MvaRate::Transport, 1_071),
        ];
        for (incl, rate, mva) in cases {
            assert_eq!(
                rate.mva_of_total(Money::from_ore(incl)),
                Money::from_ore(mva),
                "{incl} @ {rate:?}"
            );
        }
    }

    #[test]
    fn s2_mva_is_on_the_total_per_rate_not_per_line() {
        let lines = [(MvaRate::General, Money::from_ore(99)); 3];
        let per_rate = mva_per_rate(lines);
        assert_eq!(per_rate.len(), 1);
        assert_eq!(per_rate[0].mva, Money::from_ore(59));
        let per_line: i64 = lines.iter().map(|(r, m)| r.mva_of_total(*m).ore()).sum();
        assert_eq!(per_line, 60, "the drift the rule avoids");
    }

    #[test]
    fn mva_per_rate_keeps_rates_apart_and_in_order() {
        let lines = [
            (MvaRate::Food, Money::from_ore(10_000)),
            (MvaRate::General, Money::from_ore(124_900)),
            (MvaRate::Food, Money::from_ore(10_000)),
        ];
        let got = mva_per_rate(lines);
        assert_eq!(
            got.iter().map(|l| l.rate).collect::<Vec<_>>(),
            vec![MvaRate::General, MvaRate::Food]
        );
        assert_eq!(got[1].total_incl, Money::from_ore(20_000));
        assert_eq!(got[1].mva, Money::from_ore(2_609));
    }

    #[test]
    fn parses_and_formats_kroner() {
        assert_eq!(Money::parse_kroner("1 249,00"), Ok(Money::from_ore(124_900)));
        assert_eq!(Money::parse_kroner("1249.5"), Ok(Money::from_ore(124_950)));
        assert_eq!(Money::parse_kroner("kr 99,-"), Ok(Money::from_ore(9_900)));
        assert!(Money::parse_kroner("12,345").is_err());
        assert!(Money::parse_kroner("abc").is_err());
        assert!(Money::parse_kroner("").is_err());
        assert_eq!(Money::from_ore(124_900).to_string(), "1\u{a0}249,00\u{a0}kr");
        assert_eq!(Money::from_ore(5).to_string(), "0,05\u{a0}kr");
        assert_eq!(
            Money::from_ore(123_456_789).to_string(),
            "1\u{a0}234\u{a0}567,89\u{a0}kr"
        );
    }

    proptest! {
        /// The MVA of a total never exceeds the total, is never negative, and the excl. part plus the
        /// MVA gives the total back exactly (no øre lost).
        #[test]
        fn mva_is_a_part_of_the_total(incl in 0i64..10_000_000_000, rate in 0usize..3) {
            let rate = MvaRate::ALL[rate];
            let mva = rate.mva_of_total(Money::from_ore(incl)).ore();
            prop_assert!(mva >= 0 && mva <= incl);
            // MVA is within half an øre of the exact value incl·r/(1+r).
            let bp = rate.basis_points() as i128;
            let exact_times_denominator = incl as i128 * bp; // mva·(10000+bp) ≈ incl·bp
            let diff = (mva as i128 * (10_000 + bp) - exact_times_denominator).abs();
            prop_assert!(diff * 2 <= 10_000 + bp);
        }

        /// Summing lines per rate and then computing MVA differs from summing per-line MVA by at most
        /// half an øre per line: the documented price of computing on the total.
        #[test]
        fn total_mva_vs_line_mva_drift_is_bounded(lines in proptest::collection::vec((1i64..1_000_000, 0usize..3), 1..40)) {
            let items: Vec<(MvaRate, Money)> = lines.iter().map(|(o, r)| (MvaRate::ALL[*r], Money::from_ore(*o))).collect();
            for line in mva_per_rate(items.clone()) {
                let n = items.iter().filter(|(r, _)| *r == line.rate).count() as i64;
                let per_line: i64 = items.iter().filter(|(r, _)| *r == line.rate).map(|(r, m)| r.mva_of_total(*m).ore()).sum();
                prop_assert!((per_line - line.mva.ore()).abs() <= (n + 1) / 2 + 1);
                let sum: i64 = items.iter().filter(|(r, _)| *r == line.rate).map(|(_, m)| m.ore()).sum();
                prop_assert_eq!(line.total_incl.ore(), sum);
            }
        }
    }

    /// S2a: a food-only basket's shipping is all at 15 %.
    #[test]
    fn s2a_food_only_shipping_is_at_15() {
        let split = split_by_rate(Money::from_kroner(99), [(MvaRate::Food, Money::from_kroner(500))]);
        assert_eq!(
            split,
            vec![RateShare {
                rate: MvaRate::Food,
                amount: Money::from_kroner(99)
            }]
        );
    }

    /// S2a: 1 249,00 at 25 % and 249,80 at 15 % share 99,00 of shipping 82,50 / 16,50.
    #[test]
    fn s2a_mixed_basket_splits_shipping_by_value() {
        let goods = [
            (MvaRate::General, Money::from_ore(124_900)),
            (MvaRate::Food, Money::from_ore(24_980)),
        ];
        let split = split_by_rate(Money::from_ore(9_900), goods);
        assert_eq!(
            split,
            vec![
                RateShare {
                    rate: MvaRate::General,
                    amount: Money::from_ore(8_250)
                },
                RateShare {
                    rate: MvaRate::Food,
                    amount: Money::from_ore(1_650)
                },
            ]
        );
        // Three equal rates share 1,00: 34 + 33 + 33 øre, the extra øre to the higher rate.
        let thirds = split_by_rate(
            Money::from_ore(100),
            MvaRate::ALL.map(|r| (r, Money::from_kroner(10))),
        );
        assert_eq!(
            thirds.iter().map(|s| s.amount.ore()).collect::<Vec<_>>(),
            vec![34, 33, 33]
        );
        // A refund splits as its charge did.
        let refund = split_by_rate(Money::from_ore(-9_900), goods);
        assert_eq!(refund[0].amount, Money::from_ore(-8_250));
        // Nothing to be in proportion to: the general rate.
        assert_eq!(
            split_by_rate(Money::from_ore(9_900), []),
            vec![RateShare {
                rate: MvaRate::General,
                amount: Money::from_ore(9_900)
            }]
        );
    }

    proptest! {
        /// S2a: the parts add up to the amount exactly, each within one øre of its exact share, and
        /// only rates that have goods take a part.
        #[test]
        fn s2a_parts_add_up_and_stay_within_an_ore(
            amount in -10_000_000i64..10_000_000,
            goods in proptest::collection::vec((0i64..10_000_000, 0usize..3), 1..20),
        ) {
            let goods: Vec<(MvaRate, Money)> =
                goods.iter().map(|(o, r)| (MvaRate::ALL[*r], Money::from_ore(*o))).collect();
            let split = split_by_rate(Money::from_ore(amount), goods.clone());
            let sum: i64 = split.iter().map(|s| s.amount.ore()).sum();
            prop_assert_eq!(sum, amount);
            let whole: i128 = goods.iter().map(|(_, m)| i128::from(m.ore())).sum();
            for share in &split {
                let at_rate: i128 = goods.iter().filter(|(r, _)| *r == share.rate).map(|(_, m)| i128::from(m.ore())).sum();
                if whole > 0 {
                    prop_assert!(at_rate > 0);
                    // |part·whole − amount·at_rate| < whole: within one øre of the exact share.
                    let diff = (i128::from(share.amount.ore()) * whole - i128::from(amount) * at_rate).abs();
                    prop_assert!(diff < whole);
                } else {
                    prop_assert_eq!(share.rate, MvaRate::General);
                }
            }
        }
    }

    /// S2 for a provider that wants MVA per line: three lines of 0,99 at 25 % carry 0,20 each by
    /// themselves (0,60), but the rate's total 2,97 carries 0,59; the lines must add up to 0,59.
    #[test]
    fn s2_mva_per_line_adds_up_to_the_rate_total() {
        let m = |o| Money::from_ore(o);
        let lines = [
            (MvaRate::General, m(99)),
            (MvaRate::General, m(99)),
            (MvaRate::Food, m(10_000)),
            (MvaRate::General, m(124_900)),
        ];
        let per_line = mva_per_line(&lines);
        assert_eq!(per_line[2], m(1_304));
        let general: Money = [0, 1, 3].iter().map(|i| per_line[*i]).sum();
        assert_eq!(general, MvaRate::General.mva_of_total(m(99 + 99 + 124_900)));
        assert_eq!(per_line[0], m(20));
    }
}
