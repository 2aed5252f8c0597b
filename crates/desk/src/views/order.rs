//! An order in the list and in full, with how its payment and e-mail stand.

use serde::Serialize;
use skranke_cache::{OrderSummary, StoredOrder};
use skranke_protocol::{EmailState, PaymentStateCode};

use crate::oslo_time;

use super::{phone_text, ChoiceView, LineView, TotalsView};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrderSummaryView {
    pub order_number: String,
    pub placed_text: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub total_text: String,
    pub status_text: String,
    pub synced: bool,
}

impl From<OrderSummary> for OrderSummaryView {
    fn from(o: OrderSummary) -> Self {
        OrderSummaryView {
            order_number: o.order_number,
            placed_text: oslo_time(o.placed_at_utc).format("%d.%m.%Y %H:%M").to_string(),
            customer_name: o.customer_name,
            customer_phone: phone_text(&o.customer_phone),
            total_text: o.total.to_string(),
            status_text: o.status.text().to_string(),
            synced: o.synced,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrderDetailView {
    pub order_number: String,
    pub placed_text: String,
    pub status_text: String,
    pub synced: bool,
    pub customer_lines: Vec<String>,
    pub delivery_lines: Vec<String>,
    pub shipping_text: String,
    pub payment_text: String,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub promise_text: String,
    pub tracking_number: Option<String>,
    /// P5: "venter på betaling", "reservert", ... with the method and why it failed, if it did.
    pub payment_state_text: String,
    /// How the payment stands, for its colour: the money is reserved or taken.
    pub payment_good: bool,
    /// The request ended without payment (declined, failed, expired): staff should act.
    pub payment_bad: bool,
    /// Staff may resend or switch method: nothing is reserved or paid yet.
    pub payment_may_change: bool,
    /// P5: while the request is open, when the provider lets it run out (RFC 3339); the window counts
    /// down to it.
    pub payment_expires_at: Option<String>,
    /// P5: the request ran out unanswered: staff send it again while the customer is on the phone.
    pub payment_expired: bool,
    /// R3: whether the confirmation e-mail went out, and to whom.
    pub email_text: String,
    /// The confirmation e-mail came back: staff should correct the address.
    pub email_bounced: bool,
    pub email_address: Option<String>,
    /// Why the central store refused a resend or another method.
    pub followup_message: Option<String>,
    /// F6: how the buyer was found 15 or older, or who consented for them, with who recorded it and
    /// when; `None` for an order placed before the age record.
    pub age_text: Option<String>,
    /// What the central store said when it took or refused the order, one sentence each.
    pub central_notes: Vec<String>,
    /// R3: the reasons the return form offers, the first preselected.
    pub return_reasons: Vec<ChoiceView>,
    /// P5: the methods a new payment request may use.
    pub payment_methods: Vec<ChoiceView>,
    /// 1 as placed, one more with each change.
    pub version: u32,
    /// D8: "Under behandling": the order may be changed or cancelled.
    pub may_change: bool,
    /// R1, D10: the order is sent or delivered: a claim may be registered.
    pub may_claim: bool,
    /// A change or cancellation made here waits for the central store's answer.
    pub change_pending: bool,
    pub cancel_reason: Option<String>,
    /// The change form, filled with the order as it stands.
    pub change_draft: skranke_core::order_change::ChangeDraft,
    /// The shop's shipping methods, for the change form (filled by `Desk::order_detail`).
    pub shipping_methods: Vec<ChoiceView>,
}

/// What staff read about the payment (P5), also printed on the confirmation.
pub fn payment_state_text(s: &StoredOrder) -> String {
    match &s.payment {
        Some(p) => {
            let method = skranke_core::PaymentMethod::from_code(&p.method)
                .map_or_else(|| p.method.clone(), |m| m.name().to_string());
            match &p.detail {
                // Why it failed, or (Klarna) that the customer can still try again.
                Some(d)
                    if matches!(
                        p.state,
                        PaymentStateCode::Declined | PaymentStateCode::Failed | PaymentStateCode::Sent
                    ) =>
                {
                    format!("{method}: {} ({d})", p.state.text())
                }
                _ => format!("{method}: {}", p.state.text()),
            }
        }
        None if s.synced => format!("{}: venter på betaling", s.order.payment_method.name()),
        None => format!(
            "{}: venter på betaling (forespørselen sendes når skranken er tilkoblet)",
            s.order.payment_method.name()
        ),
    }
}

/// The payment state alone, for the confirmation (which names the method itself).
pub fn payment_state_only(s: &StoredOrder) -> String {
    s.payment
        .as_ref()
        .map_or(PaymentStateCode::Requested, |p| p.state)
        .text()
        .to_string()
}

/// What staff read about the confirmation e-mail (R3).
pub fn email_text(s: &StoredOrder) -> String {
    match &s.email {
        Some(e) => {
            let to = e.recipient.as_deref().unwrap_or("-");
            match e.state {
                EmailState::Sent => format!("Ordrebekreftelsen er sendt til {to}."),
                EmailState::Bounced => format!(
                    "E-posten til {to} kom i retur: {}. Rett adressen og send på nytt.",
                    e.detail.as_deref().unwrap_or("ukjent feil")
                ),
                EmailState::None => {
                    "Kunden har ingen e-postadresse: skriv ut ordrebekreftelsen og send den i posten.".into()
                }
                EmailState::Pending => format!("Ordrebekreftelsen sendes til {to}."),
                EmailState::Unknown => format!("Ordrebekreftelsen til {to}: {}.", e.state.text()),
            }
        }
        None => match &s.order.customer.email {
            Some(e) => format!("Ordrebekreftelsen sendes til {e} når sentralen har ordren."),
            None => "Kunden har ingen e-postadresse: skriv ut ordrebekreftelsen og send den i posten.".into(),
        },
    }
}

impl From<StoredOrder> for OrderDetailView {
    fn from(s: StoredOrder) -> Self {
        let o = &s.order;
        let mut customer_lines = vec![o.customer.name.clone(), o.customer.phone.display_national()];
        if let Some(e) = &o.customer.email {
            customer_lines.push(e.to_string());
        }
        customer_lines.extend(o.customer.address.lines());
        OrderDetailView {
            order_number: s.order_number.clone(),
            placed_text: o.placed_at.format("%d.%m.%Y %H:%M").to_string(),
            status_text: s.status.text().to_string(),
            synced: s.synced,
            customer_lines,
            delivery_lines: o.delivery_address.lines(),
            shipping_text: format!("{} ({})", o.shipping.name, o.shipping.price),
            payment_text: o.payment_method.name().to_string(),
            lines: o.lines.iter().map(LineView::from).collect(),
            totals: TotalsView::from(&o.totals),
            promise_text: o.promise.text(),
            tracking_number: s.tracking_number.clone(),
            payment_state_text: payment_state_text(&s),
            payment_good: s
                .payment
                .as_ref()
                .is_some_and(|p| matches!(p.state, PaymentStateCode::Reserved | PaymentStateCode::Captured)),
            payment_bad: s.payment.as_ref().is_some_and(|p| p.state.is_failure()),
            payment_may_change: s.status != skranke_protocol::OrderState::Kansellert
                && s.payment.as_ref().is_none_or(|p| p.state.may_be_replaced()),
            payment_expires_at: s
                .payment
                .as_ref()
                .filter(|p| matches!(p.state, PaymentStateCode::Requested | PaymentStateCode::Sent))
                .and_then(|p| p.expires_at)
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            payment_expired: s
                .payment
                .as_ref()
                .is_some_and(|p| p.state == PaymentStateCode::Expired),
            email_text: email_text(&s),
            email_bounced: s.email.as_ref().is_some_and(|e| e.state == EmailState::Bounced),
            email_address: s
                .email
                .as_ref()
                .and_then(|e| e.recipient.clone())
                .or_else(|| o.customer.email.as_ref().map(ToString::to_string)),
            followup_message: s.followup_message.clone(),
            age_text: o.age_check.as_ref().map(|a| {
                let by = o.placed_by.as_deref().unwrap_or("ukjent");
                format!(
                    "{} Registrert {} av {by}.",
                    a.text(),
                    o.placed_at.format("%d.%m.%Y %H:%M")
                )
            }),
            central_notes: s
                .central_message
                .iter()
                .map(|m| format!("Avvist av sentralen: {m}"))
                .chain(
                    s.central_flags
                        .iter()
                        .map(|f| format!("Merknad fra sentralen: {}", crate::flag_text(f))),
                )
                .collect(),
            return_reasons: skranke_core::ReturnReason::ALL
                .into_iter()
                .map(|r| ChoiceView {
                    code: r.code().to_string(),
                    name: r.text().to_string(),
                })
                .collect(),
            payment_methods: [
                skranke_core::PaymentMethod::Vipps,
                skranke_core::PaymentMethod::Kort,
                skranke_core::PaymentMethod::KlarnaFaktura,
                skranke_core::PaymentMethod::KlarnaDelbetaling,
            ]
            .into_iter()
            .map(|m| ChoiceView {
                code: m.code().to_string(),
                // A card payment requested afterwards is a link from Klarna the customer opens.
                name: if m == skranke_core::PaymentMethod::Kort {
                    "Kort (lenke fra Klarna)".to_string()
                } else {
                    m.name().to_string()
                },
            })
            .collect(),
            version: s.version,
            may_change: s
                .status
                .known()
                .is_some_and(|st| skranke_core::order_change::may_change(st).is_ok()),
            may_claim: matches!(
                s.status.known(),
                Some(skranke_core::OrderStatus::Sendt | skranke_core::OrderStatus::Levert)
            ),
            change_pending: s.change_pending,
            cancel_reason: s.cancel_reason.clone(),
            change_draft: skranke_core::order_change::ChangeDraft::of(o),
            shipping_methods: Vec::new(),
        }
    }
}
