//! After the call: change a placed order before dispatch, or cancel it (D8, P5), offline too. Judged
//! by core here and again by the central store; the read-back says what changed and what happens to
//! the payment.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_cache::StoredOrder;
use skranke_core::order_change::{
    describe_change, may_change, payment_follow, validate_change, ChangeDraft, PaymentFollow,
};
use skranke_core::{OrderStatus, ValidOrder};

use crate::views::{FieldErrorView, LineView, TotalsView};
use crate::{oslo_time, Desk, DeskError};

/// The changed order as it would stand, before or after it is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeView {
    /// The version it would become (or became).
    pub version: u32,
    /// What changed, one sentence each (the read-back).
    pub changes: Vec<String>,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub promise_text: String,
    /// What happens to the payment.
    pub payment_text: String,
    /// Every refused field; empty when the change can be saved.
    pub errors: Vec<FieldErrorView>,
    /// Why the change cannot be made at all (sent, paid and dearer ...), or `None`.
    pub refusal: Option<String>,
}

impl Desk {
    /// The order in full for the window, with the shop's shipping methods for the change form.
    pub async fn order_detail(&self, order_number: &str) -> Result<crate::views::OrderDetailView, DeskError> {
        let stored = self.show_order(order_number).await?;
        let exchange = self.cache().exchange_of(&stored.order_id).await?;
        let mut view = crate::views::OrderDetailView::from(stored);
        // An exchange's new order the returned goods paid for in full has no payment of its own.
        if let Some(e) = exchange {
            // Settled against the goods coming back: not changed or cancelled on its own.
            view.may_change = false;
            if !matches!(
                e.terms.settlement(),
                skranke_core::exchange::Settlement::CustomerPays { .. }
            ) {
                view.payment_state_text =
                    format!("Betalt med tilgode fra ordre {} (bytte)", e.original_number);
                view.payment_good = true;
                view.payment_bad = false;
                view.payment_expired = false;
                view.payment_may_change = false;
                view.payment_expires_at = None;
            }
        }
        view.shipping_methods = self
            .policy()
            .shipping_methods
            .iter()
            .map(|m| crate::views::ChoiceView {
                code: m.code.clone(),
                name: format!("{} ({})", m.name, m.price),
            })
            .collect();
        Ok(view)
    }

    /// Judges `draft` as a change of the order `order_number` without saving anything: the read-back.
    pub async fn preview_change(
        &self,
        order_number: &str,
        draft: &ChangeDraft,
        now: DateTime<Utc>,
    ) -> Result<ChangeView, DeskError> {
        let stored = self.show_order(order_number).await?;
        let refusal = refusal(&stored).err();
        let judged = self.judge_change(&stored, draft, now).await?;
        Ok(match judged {
            Ok(new) => {
                let (payment_text, payment_refusal) = follow_text(&stored, &new);
                read_back(
                    &stored,
                    &new,
                    payment_text,
                    refusal.or(payment_refusal),
                    Vec::new(),
                )
            }
            Err(errors) => {
                let errors = errors.iter().map(FieldErrorView::from).collect();
                let mut view = read_back(&stored, &stored.order, String::new(), refusal, errors);
                view.changes.clear();
                view
            }
        })
    }

    /// Saves `draft` as the next version of the order, made from `base_version` (the version staff
    /// opened): refused when the order was sent, cancelled, changed meanwhile, or paid and dearer.
    pub async fn change_order(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        base_version: u32,
        draft: &ChangeDraft,
        now: DateTime<Utc>,
    ) -> Result<ChangeView, DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        refusal(&stored).map_err(DeskError::ChangeRefused)?;
        self.refuse_if_exchange(&stored).await?;
        let new = self
            .judge_change(&stored, draft, now)
            .await?
            .map_err(DeskError::Invalid)?;
        let (payment_text, payment_refusal) = follow_text(&stored, &new);
        if let Some(r) = payment_refusal {
            return Err(DeskError::ChangeRefused(r));
        }
        let changes = describe_change(&stored.order, &new);
        if changes.is_empty() {
            return Err(DeskError::ChangeRefused("Ingenting er endret.".into()));
        }
        let saved = self
            .cache()
            .change_order(&stored.order_id, base_version, &new, &changes, draft.reprice, now)
            .await?;
        tracing::info!(order = %stored.order_number, version = saved.version, "ordre endret");
        let mut view = read_back(&stored, &new, payment_text, None, Vec::new());
        view.version = saved.version;
        Ok(view)
    }

    /// Cancels the order before dispatch, with the customer's reason (D8); the central store withdraws
    /// or gives back the payment and mails the customer.
    pub async fn cancel_order(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        refusal(&stored).map_err(DeskError::ChangeRefused)?;
        self.refuse_if_exchange(&stored).await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::Invalid(vec![skranke_core::FieldError::new(
                "cancel_reason",
                skranke_core::Invalid::Missing,
            )]));
        }
        if reason.chars().nth(500).is_some() {
            return Err(DeskError::Invalid(vec![skranke_core::FieldError::new(
                "cancel_reason",
                skranke_core::Invalid::TooLong { max: 500 },
            )]));
        }
        self.cache().cancel_order(&stored.order_id, reason, now).await?;
        tracing::info!(order = %stored.order_number, "ordre kansellert");
        Ok(())
    }

    /// An exchange's new order is settled against the goods coming back: the central store refuses
    /// to change or cancel it from a desk, and so does this desk, at once.
    async fn refuse_if_exchange(&self, stored: &StoredOrder) -> Result<(), DeskError> {
        match self.cache().exchange_of(&stored.order_id).await? {
            Some(e) => Err(DeskError::ChangeRefused(
                skranke_core::exchange::exchange_order_refusal(&e.original_number),
            )),
            None => Ok(()),
        }
    }

    async fn judge_change(
        &self,
        stored: &StoredOrder,
        draft: &ChangeDraft,
        now: DateTime<Utc>,
    ) -> Result<Result<ValidOrder, Vec<skranke_core::FieldError>>, DeskError> {
        let skus: Vec<String> = draft.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
        let products = self.cache().products_by_sku(&skus).await?;
        Ok(validate_change(
            &stored.order,
            draft,
            |sku| products.get(&sku.to_uppercase()).cloned(),
            oslo_time(now),
            self.policy(),
        ))
    }
}

/// D8 as far as this desk knows: the central store judges again.
fn refusal(stored: &StoredOrder) -> Result<(), String> {
    let status = stored.status.known().unwrap_or(OrderStatus::Sendt);
    may_change(status).map_err(|e| e.to_string())
}

/// P5 as far as this desk knows the payment: what happens to it, or why the change cannot be made.
fn follow_text(stored: &StoredOrder, new: &ValidOrder) -> (String, Option<String>) {
    let old = &stored.order;
    let state = stored.payment.as_ref().and_then(|p| p.state.known());
    let offline = if stored.synced {
        ""
    } else {
        " (når skranken er tilkoblet)"
    };
    match payment_follow(
        old.totals.total,
        new.totals.total,
        old.payment_method != new.payment_method,
        state,
    ) {
        Ok(PaymentFollow::Unchanged) if old.totals.total == new.totals.total => {
            ("Betalingen er uendret.".into(), None)
        }
        Ok(PaymentFollow::Unchanged) => (
            format!(
                "Ny sum {}: betalingen gjelder den nye summen når den sendes{offline}.",
                new.totals.total
            ),
            None,
        ),
        Ok(PaymentFollow::NewRequest) => (
            format!(
                "Kunden får en ny betalingsforespørsel ({}) på {}{offline}; den gamle trekkes tilbake.",
                new.payment_method.name(),
                new.totals.total
            ),
            None,
        ),
        Ok(PaymentFollow::CaptureLess { give_back }) => (
            format!(
                "Reservert {}: ved sending trekkes bare {}, og {give_back} frigis.",
                old.totals.total, new.totals.total
            ),
            None,
        ),
        Ok(PaymentFollow::Refund { amount }) => (format!("Kunden får {amount} tilbake{offline}."), None),
        Err(e) => (String::new(), Some(e.to_string())),
    }
}

fn read_back(
    stored: &StoredOrder,
    new: &ValidOrder,
    payment_text: String,
    refusal: Option<String>,
    errors: Vec<FieldErrorView>,
) -> ChangeView {
    ChangeView {
        version: stored.version.saturating_add(1),
        changes: describe_change(&stored.order, new)
            .iter()
            .map(|c| c.text())
            .collect(),
        lines: new.lines.iter().map(LineView::from).collect(),
        totals: TotalsView::from(&new.totals),
        promise_text: new.promise.text(),
        payment_text,
        errors,
        refusal,
    }
}
