//! After the order: send the payment request again or with another method (P5), send the
//! confirmation e-mail again, perhaps to a corrected address (R3). Checked here, queued in the cache,
//! sent with the next sync.

use chrono::{DateTime, Utc};
use skranke_core::payment::{available_methods, Buyer};
use skranke_core::{Email, FieldError, Invalid, PaymentMethod};

use crate::{oslo_time, Desk, DeskError};

impl Desk {
    /// Staff send the payment request again (`method` as before) or switch method, while nothing is
    /// reserved or paid. The rules of P2–P5 apply as when the order was placed.
    pub async fn request_payment(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        let method = PaymentMethod::from_code(method.trim())
            .ok_or_else(|| DeskError::Invalid(vec![FieldError::new("payment_method", Invalid::Missing)]))?;
        if let Some(p) = &stored.payment {
            if !p.state.may_be_replaced() {
                return Err(DeskError::PaymentSettled(p.state.text().to_string()));
            }
        }
        let customer = &stored.order.customer;
        let buyer = Buyer {
            fodselsnummer: None,
            birth_year: None,
            has_mobile: customer.phone.is_mobile(),
            has_email: customer.email.is_some(),
            company: customer.company.is_some(),
        };
        let today = oslo_time(now).date();
        let refusals: Vec<FieldError> = available_methods(buyer, today, &self.policy().payment)
            .into_iter()
            .find(|(m, _)| *m == method)
            .map(|(_, errors)| errors)
            .unwrap_or_default();
        if !refusals.is_empty() {
            return Err(DeskError::Invalid(refusals));
        }
        self.cache()
            .request_payment(&stored.order_id, method, now)
            .await?;
        Ok(())
    }

    /// Sends the confirmation e-mail again; `email` empty means the address on the order.
    pub async fn resend_confirmation(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        let email = if email.trim().is_empty() {
            stored.order.customer.email.clone().ok_or_else(|| {
                DeskError::Invalid(vec![FieldError::new("customer.email", Invalid::Missing)])
            })?
        } else {
            Email::parse(email).map_err(|e| DeskError::Invalid(vec![FieldError::new("customer.email", e)]))?
        };
        self.cache()
            .resend_confirmation(&stored.order_id, &email, now)
            .await?;
        Ok(())
    }
}
