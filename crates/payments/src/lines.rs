//! The order as payment lines: what Klarna's `order_lines` and Vipps' receipt are both built from, so
//! the two providers and the confirmation show the same MVA to the øre (S2, S2a, D7a).

use serde::{Deserialize, Serialize};
use skranke_core::{mva_per_line, split_by_rate, Money, MvaRate, RateShare, Refund, ValidOrder, ValidReturn};

/// One line as a payment provider takes it: amounts in øre, MVA rate in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    /// The SKU, or `frakt-<percent>` for a shipping share.
    pub id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    /// 2500 for 25 %; 0 for an order sold outside the MVA area.
    pub tax_rate: i64,
    pub total: Money,
    pub tax: Money,
    pub shipping: bool,
}

impl PaymentLine {
    pub fn total_excluding_tax(&self) -> Money {
        Money::from_ore(self.total.ore() - self.tax.ore())
    }
}

/// The goods, then one shipping line per rate the shipping takes (S2a), since a provider's line carries
/// one rate. An order delivered outside the MVA area (D7a) carries no tax and one shipping line.
pub fn payment_lines(order: &ValidOrder) -> Vec<PaymentLine> {
    let amounts = order.totals.amounts_by_rate(&order.lines);
    let outside = order.totals.outside_mva_area.is_some();
    let taxes = if outside {
        vec![Money::ZERO; amounts.len()]
    } else {
        mva_per_line(&amounts)
    };
    let tax_rate = |rate: MvaRate| if outside { 0 } else { rate.basis_points() };
    let mut shipping = order.totals.shipping_shares();
    if outside && shipping.len() > 1 {
        // Untaxed, the shares' rates mean nothing to the provider.
        shipping = vec![RateShare {
            rate: shipping[0].rate,
            amount: order.totals.shipping,
        }];
    }
    let goods = order.lines.iter().zip(&taxes).map(|(l, tax)| PaymentLine {
        id: l.sku.clone(),
        name: l.name.clone(),
        quantity: l.quantity,
        unit_price: l.unit_price,
        tax_rate: tax_rate(l.mva_rate),
        total: l.line_total,
        tax: *tax,
        shipping: false,
    });
    let freight = shipping_lines(order, &shipping, &taxes[order.lines.len()..], outside);
    goods.chain(freight).collect()
}

/// One line per rate the shipping is charged (or paid back) at (S2a), with its tax.
fn shipping_lines(
    order: &ValidOrder,
    shares: &[RateShare],
    taxes: &[Money],
    outside: bool,
) -> Vec<PaymentLine> {
    let several_rates = shares.len() > 1;
    shares
        .iter()
        .zip(taxes)
        .map(|(share, tax)| PaymentLine {
            id: format!("frakt-{}", share.rate.percent()),
            name: if several_rates {
                format!("{} ({} % MVA)", order.shipping.name, share.rate.percent())
            } else {
                order.shipping.name.clone()
            },
            quantity: 1,
            unit_price: share.amount,
            tax_rate: if outside { 0 } else { share.rate.basis_points() },
            total: share.amount,
            tax: *tax,
            shipping: true,
        })
        .collect()
}

/// The lines a refund pays back (R3, S2a): each returned line at its price, and the shipping shares
/// when this return brings the last unit back. Their MVA per rate is the refund's (`refund.mva`), and
/// they add up to `refund.total`, so Klarna's refund shows the customer what the credit note says.
pub fn refund_lines(order: &ValidOrder, this: &ValidReturn, refund: &Refund) -> Vec<PaymentLine> {
    let outside = order.totals.outside_mva_area.is_some();
    let goods: Vec<(&skranke_core::order::OrderLine, u32)> = this
        .lines
        .iter()
        .filter_map(|r| {
            let i = usize::try_from(r.line_no).ok()?.checked_sub(1)?;
            order.lines.get(i).map(|l| (l, r.quantity))
        })
        .collect();
    let amounts: Vec<(MvaRate, Money)> = goods
        .iter()
        .map(|(l, q)| (l.mva_rate, l.unit_price.checked_mul(*q).unwrap_or(Money::ZERO)))
        .chain(refund.shipping_by_rate.iter().map(|s| (s.rate, s.amount)))
        .collect();
    let taxes = if outside {
        vec![Money::ZERO; amounts.len()]
    } else {
        mva_per_line(&amounts)
    };
    let tax_rate = |rate: MvaRate| if outside { 0 } else { rate.basis_points() };
    let mut lines: Vec<PaymentLine> = goods
        .iter()
        .zip(&amounts)
        .zip(&taxes)
        .map(|(((l, q), (_, total)), tax)| PaymentLine {
            id: l.sku.clone(),
            name: l.name.clone(),
            quantity: *q,
            unit_price: l.unit_price,
            tax_rate: tax_rate(l.mva_rate),
            total: *total,
            tax: *tax,
            shipping: false,
        })
        .collect();
    lines.extend(shipping_lines(
        order,
        &refund.shipping_by_rate,
        &taxes[goods.len()..],
        outside,
    ));
    lines
}

/// The lines of what a change of an order pays back (`amount`, the old total less the new): one line
/// per MVA rate the order got cheaper at, so Klarna's refund carries the right tax. When rates moved
/// both ways (a food line removed, a 25 % line added) no lines add up honestly to the amount, and the
/// refund goes without lines (Klarna's `order_lines` are optional on a refund).
pub fn change_refund_lines(old: &ValidOrder, new: &ValidOrder, amount: Money) -> Vec<PaymentLine> {
    let outside = old.totals.outside_mva_area.is_some();
    let mut by_rate: Vec<(MvaRate, i64)> = Vec::new();
    let amounts = old
        .totals
        .amounts_by_rate(&old.lines)
        .into_iter()
        .map(|(r, m)| (r, m.ore()))
        .chain(
            new.totals
                .amounts_by_rate(&new.lines)
                .into_iter()
                .map(|(r, m)| (r, -m.ore())),
        );
    for (rate, ore) in amounts {
        match by_rate.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, sum)) => *sum += ore,
            None => by_rate.push((rate, ore)),
        }
    }
    by_rate.retain(|(_, ore)| *ore != 0);
    if by_rate.iter().any(|(_, ore)| *ore < 0) || by_rate.iter().map(|(_, o)| o).sum::<i64>() != amount.ore()
    {
        return Vec::new();
    }
    let differences: Vec<(MvaRate, Money)> = by_rate.iter().map(|(r, o)| (*r, Money::from_ore(*o))).collect();
    let taxes = if outside {
        vec![Money::ZERO; differences.len()]
    } else {
        mva_per_line(&differences)
    };
    differences
        .iter()
        .zip(taxes)
        .map(|((rate, total), tax)| PaymentLine {
            id: format!("endring-{}", rate.percent()),
            name: format!("Endring av ordren ({} % MVA)", rate.percent()),
            quantity: 1,
            unit_price: *total,
            tax_rate: if outside { 0 } else { rate.basis_points() },
            total: *total,
            tax,
            shipping: false,
        })
        .collect()
}

/// What an exchange sets against its new order (R3 bytte): each line coming back at the price paid,
/// as a negative line with its MVA, and the return label as a charge when the customer pays it (an
/// exchange the customer wanted; its MVA follows the original shipping's rates, S2a). The new
/// order's lines plus these add up to what the customer pays, so no full refund and new payment.
pub fn exchange_credit_lines(
    original: &ValidOrder,
    back: &ValidReturn,
    return_shipping: Money,
) -> Vec<PaymentLine> {
    let goods_only = Refund {
        goods: Money::ZERO,
        shipping: Money::ZERO,
        total: Money::ZERO,
        mva: Vec::new(),
        shipping_by_rate: Vec::new(),
    };
    let mut lines: Vec<PaymentLine> = refund_lines(original, back, &goods_only)
        .into_iter()
        .map(|l| PaymentLine {
            id: format!("retur-{}", l.id),
            name: format!("Tilgode: {}", l.name),
            unit_price: Money::from_ore(-l.unit_price.ore()),
            total: Money::from_ore(-l.total.ore()),
            tax: Money::from_ore(-l.tax.ore()),
            ..l
        })
        .collect();
    if return_shipping > Money::ZERO {
        let outside = original.totals.outside_mva_area.is_some();
        // Split as the shipping itself was (S2a).
        let shares = split_by_rate(
            return_shipping,
            original
                .totals
                .shipping_shares()
                .iter()
                .map(|s| (s.rate, s.amount)),
        );
        let amounts: Vec<(MvaRate, Money)> = shares.iter().map(|s| (s.rate, s.amount)).collect();
        let taxes = if outside {
            vec![Money::ZERO; amounts.len()]
        } else {
            mva_per_line(&amounts)
        };
        let several = shares.len() > 1;
        lines.extend(shares.iter().zip(taxes).map(|(share, tax)| PaymentLine {
            id: format!("returfrakt-{}", share.rate.percent()),
            name: if several {
                format!("Returfrakt ({} % MVA)", share.rate.percent())
            } else {
                "Returfrakt".to_string()
            },
            quantity: 1,
            unit_price: share.amount,
            tax_rate: if outside { 0 } else { share.rate.basis_points() },
            total: share.amount,
            tax,
            shipping: true,
        }));
    }
    lines
}
