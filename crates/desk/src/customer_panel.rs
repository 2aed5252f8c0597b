//! The customer at a glance (issue 20, item 1): what staff need in the first seconds of a call, from
//! the desk's own file, offline too: the orders with their status, open payment requests, bounced
//! e-mails, returns and claims, the notes staff left, and what the customer has bought in all.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::views::CustomerView;
use crate::{oslo_time, Desk, DeskError};

/// How many orders the panel lists; the count says how many there are.
const LISTED: u32 = 20;

/// One of the customer's orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PanelOrderView {
    pub order_number: String,
    pub placed_text: String,
    pub total_text: String,
    pub status_text: String,
    /// "Vipps: venter på betaling", "Kort: betalt" ...; empty before the central store reported it.
    pub payment_text: String,
    /// A payment request the customer has not answered yet.
    pub payment_open: bool,
    pub email_bounced: bool,
    pub returns: u32,
    pub claims: u32,
    /// Placed at another desk of the store (issue 20: it came with the orders stream).
    pub other_desk: bool,
}

/// The panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerPanelView {
    pub customer: CustomerView,
    pub orders: Vec<PanelOrderView>,
    pub order_count: u32,
    /// Everything bought here, cancelled orders left out.
    pub total_bought_text: String,
    pub open_payments: u32,
    pub bounced_emails: u32,
    pub returns: u32,
    pub claims: u32,
    /// Notes staff left, newest first: "ring etter 16 · Demo, 03.12.2026 14:05".
    pub notes: Vec<PanelNoteView>,
}

/// A note on the customer, as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PanelNoteView {
    pub text: String,
    pub by_text: String,
}

/// The longest note.
const MAX_NOTE: usize = 500;

impl Desk {
    /// Leaves a note on a customer ("ring etter 16"), by the acting person; the panel as it is after.
    pub async fn add_customer_note(
        &self,
        who: &crate::staff::Acting,
        customer_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<CustomerPanelView, DeskError> {
        self.as_actor(who);
        let text = text.trim();
        let refused = match text.chars().count() {
            0 => Some(skranke_core::Invalid::Missing),
            n if n > MAX_NOTE => Some(skranke_core::Invalid::TooLong { max: MAX_NOTE }),
            _ => None,
        };
        if let Some(problem) = refused {
            return Err(DeskError::Invalid(vec![skranke_core::FieldError::new(
                "note", problem,
            )]));
        }
        if self.cache().customer(customer_id).await?.is_none() {
            return Err(DeskError::CustomerNotFound(customer_id.to_string()));
        }
        self.cache().add_customer_note(customer_id, text, now).await?;
        self.customer_panel(customer_id).await
    }

    /// The panel of stored customer `customer_id`.
    pub async fn customer_panel(&self, customer_id: &str) -> Result<CustomerPanelView, DeskError> {
        let record = self
            .cache()
            .customer(customer_id)
            .await?
            .ok_or_else(|| DeskError::CustomerNotFound(customer_id.to_string()))?;
        let (orders, count) = self.cache().customer_orders(customer_id, LISTED).await?;
        let total = self.cache().customer_total(customer_id).await?;
        let count_of = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let orders: Vec<PanelOrderView> = orders
            .into_iter()
            .map(|o| {
                let state = o.payment.as_ref().and_then(|p| p.state.known());
                PanelOrderView {
                    placed_text: oslo_time(o.placed_at_utc).format("%d.%m.%Y").to_string(),
                    total_text: o.total.to_string(),
                    status_text: o.status.text().to_string(),
                    payment_text: o
                        .payment
                        .as_ref()
                        .map(|p| format!("{}: {}", payment_name(&p.method), p.state.text()))
                        .unwrap_or_default(),
                    payment_open: state.is_some_and(skranke_core::payment_state::PaymentState::is_open),
                    email_bounced: o
                        .email
                        .as_ref()
                        .is_some_and(|e| e.state == skranke_protocol::EmailState::Bounced),
                    returns: count_of(o.returns),
                    claims: count_of(o.claims),
                    other_desk: o.other_desk,
                    order_number: o.order_number,
                }
            })
            .collect();
        Ok(CustomerPanelView {
            customer: CustomerView::from(record),
            order_count: count_of(count),
            total_bought_text: total.to_string(),
            open_payments: count_where(&orders, |o| o.payment_open),
            bounced_emails: count_where(&orders, |o| o.email_bounced),
            returns: orders.iter().map(|o| o.returns).sum(),
            claims: orders.iter().map(|o| o.claims).sum(),
            notes: self
                .cache()
                .customer_notes(customer_id, LISTED)
                .await?
                .into_iter()
                .map(|n| PanelNoteView {
                    by_text: format!("{}, {}", n.staff, oslo_time(n.at).format("%d.%m.%Y %H:%M")),
                    text: n.text,
                })
                .collect(),
            orders,
        })
    }
}

fn count_where(orders: &[PanelOrderView], f: impl Fn(&PanelOrderView) -> bool) -> u32 {
    u32::try_from(orders.iter().filter(|o| f(o)).count()).unwrap_or(u32::MAX)
}

fn payment_name(code: &str) -> String {
    skranke_core::PaymentMethod::from_code(code).map_or_else(|| code.to_string(), |m| m.name().to_string())
}
