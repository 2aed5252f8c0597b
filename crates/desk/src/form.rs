//! The order form as it is typed: a live preview, payment options with their rules, postcode lookup,
//! and the draft saved on every change.

use chrono::{DateTime, Utc};
use skranke_core::delivery::Destination;
use skranke_core::discount::apply_discounts;
use skranke_core::order::{quote, totals, validate_order};
use skranke_core::payment::{available_methods, Buyer};
use skranke_core::{postcode, Email, Fodselsnummer, OrderDraft, PhoneNumber};
use uuid::Uuid;

use crate::views::{
    FieldErrorView, LineView, PaymentOptionView, PreviewView, ShippingOptionView, TotalsView,
};
use crate::{oslo_time, Desk, DeskError};

/// A draft brought back after a restart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SavedDraft {
    pub order_id: String,
    pub draft: OrderDraft,
}

impl Desk {
    /// Prices and promises the cart as it stands, lists every refusal, and which payment methods this
    /// buyer may use (P1–P3 shown before staff try). Never fails on the form's content.
    pub async fn preview(&self, draft: &OrderDraft, now: DateTime<Utc>) -> Result<PreviewView, DeskError> {
        let policy = self.policy();
        let placed_at = oslo_time(now);
        let skus: Vec<String> = draft.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
        let mut products = self.cache().products_by_sku(&skus).await?;
        // Issue 20: a draft made from a quote is priced as quoted while the quote is valid.
        let quote_text = match self.quoted_prices(draft, &mut products, now).await {
            Ok(text) => text,
            Err(e) => Some(e.to_string()),
        };
        let items = draft
            .lines
            .iter()
            .filter_map(|l| {
                let q = u32::try_from(l.quantity)
                    .ok()
                    .filter(|q| *q >= 1 && *q <= skranke_core::order::MAX_QUANTITY)?;
                products.get(&l.sku.trim().to_uppercase()).map(|p| (p.clone(), q))
            })
            .collect();
        let shipping = policy
            .shipping_method(&draft.shipping_method)
            .or(policy.shipping_methods.first());
        let address = draft.delivery_address.as_ref().unwrap_or(&draft.customer.address);
        let entry = postcode::lookup(&address.postcode).ok();
        // D7a: the cart is priced without MVA as soon as the address is on Svalbard or Jan Mayen and
        // the shop sells there (under "refuse" the form shows the refusal instead).
        let outside_mva_area = entry
            .and_then(postcode::OutsideMvaArea::of)
            .filter(|_| policy.delivery.svalbard == skranke_core::policy::OutsideMvaPolicy::WithoutMva);
        let dest = Destination {
            postcode: entry.map_or("0150", |e| e.code),
            shipping: shipping.map_or(skranke_core::policy::ShippingKind::PickupPoint, |s| s.kind),
            outside_mva_area,
        };
        let mut q = quote(
            items,
            placed_at,
            dest,
            shipping.map_or(skranke_core::Money::ZERO, |s| s.price),
            policy,
        );

        // Issue 20: the discounts asked for, priced as they will be, and refused at once where they
        // cannot be given (validation reaches them only once the rest of the form is right).
        let asked: Vec<_> = draft.lines.iter().map(|l| l.discount.clone()).collect();
        let mut discount_errors = Vec::new();
        if q.lines.len() == asked.len() && (draft.discount.is_some() || asked.iter().any(Option::is_some)) {
            discount_errors =
                apply_discounts(&mut q.lines, &asked, draft.discount.as_ref(), &policy.discounts);
            q.totals = totals(&q.lines, q.totals.shipping, q.totals.outside_mva_area);
        }
        let mut errors: Vec<FieldErrorView> = match validate_order(
            draft,
            |sku| products.get(&sku.to_uppercase()).cloned(),
            placed_at,
            policy,
        ) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(FieldErrorView::from).collect(),
        };
        for e in &discount_errors {
            if !errors.iter().any(|v| v.field == e.field) {
                errors.push(FieldErrorView::from(e));
            }
        }
        let fnr = Fodselsnummer::parse(&draft.customer.fodselsnummer).ok();
        let phone = PhoneNumber::parse(&draft.customer.phone).ok();
        let buyer = Buyer {
            fodselsnummer: fnr.as_ref(),
            birth_year: draft.customer.birth_year.trim().parse().ok(),
            has_mobile: phone.as_ref().is_some_and(PhoneNumber::is_mobile),
            has_email: Email::parse(&draft.customer.email).is_ok(),
            company: !draft.customer.company.is_empty(),
        };
        let payment_options = available_methods(buyer, placed_at.date(), &policy.payment)
            .into_iter()
            .map(|(m, refusals)| PaymentOptionView {
                code: m.code().to_string(),
                name: m.name().to_string(),
                terms: m.terms(&policy.payment),
                refusal: refusals.first().map(|e| e.problem.to_string()),
                needs_fodselsnummer: m.is_credit()
                    && policy.payment.fodselsnummer_for_credit
                    && draft.customer.company.is_empty(),
            })
            .collect();
        let shipping_options = policy
            .shipping_methods
            .iter()
            .map(|m| ShippingOptionView {
                code: m.code.clone(),
                name: m.name.clone(),
                price_text: m.price.to_string(),
            })
            .collect();
        let needs_birth_year = fnr.as_ref().is_some_and(Fodselsnummer::needs_birth_year);
        let lines: Vec<LineView> = q.lines.iter().map(LineView::from).collect();
        let totals = TotalsView::from(&q.totals);
        let promise_text = q.promise.text();
        let discount_text = crate::views::form::discount_text(&q.lines);
        let read_back = read_back(
            draft,
            &lines,
            &totals,
            &promise_text,
            entry.map(|e| e.place),
            discount_text.as_deref(),
        );
        Ok(PreviewView {
            read_back,
            default_shipping_method: policy
                .shipping_methods
                .first()
                .map(|m| m.code.clone())
                .unwrap_or_default(),
            needs_birth_year,
            marketing_consent_text: policy.consent.marketing_text.clone(),
            lines,
            totals,
            promise_text,
            promise_reasons: q.promise.reasons.iter().map(|r| r.text()).collect(),
            discount_text,
            quote_text,
            ready: errors.is_empty(),
            errors,
            payment_options,
            shipping_options,
        })
    }

    /// Saves the form as typed; called on every change.
    pub async fn save_draft(
        &self,
        order_id: Uuid,
        draft: &OrderDraft,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        let body = serde_json::to_string(draft).map_err(|e| DeskError::Io {
            context: "utkastet".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(self.cache().save_draft(&order_id.to_string(), &body, now).await?)
    }

    /// The draft left when the window was closed (or the desk crashed), if any.
    pub async fn load_draft(&self) -> Result<Option<SavedDraft>, DeskError> {
        let Some((order_id, body)) = self.cache().load_draft().await? else {
            return Ok(None);
        };
        // A draft written by an older version that no longer parses is not worth failing the start for.
        Ok(serde_json::from_str(&body)
            .ok()
            .map(|draft| SavedDraft { order_id, draft }))
    }

    pub async fn discard_draft(&self) -> Result<(), DeskError> {
        Ok(self.cache().discard_draft().await?)
    }
}

/// The sentence read back on the phone before placing: who, how many items, the total, why there is
/// no MVA (D7a), how they pay, where it goes, when, and each supplier-direct line (D6).
fn read_back(
    draft: &OrderDraft,
    lines: &[LineView],
    totals: &TotalsView,
    promise_text: &str,
    place: Option<&str>,
    discount_text: Option<&str>,
) -> String {
    if draft.lines.is_empty() {
        return String::new();
    }
    let count: i64 = draft.lines.iter().map(|l| l.quantity.max(0)).sum();
    let who = match draft.customer.name.trim() {
        "" => "kunden",
        name => name,
    };
    let address = draft.delivery_address.as_ref().unwrap_or(&draft.customer.address);
    let town = format!("{} {}", address.postcode.trim(), place.unwrap_or_default());
    let where_to = [address.line1.trim(), town.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let pay = skranke_core::payment::PaymentMethod::from_code(&draft.payment_method)
        .map_or("ikke valgt", |m| m.name());
    let mva = totals
        .mva_note
        .as_ref()
        .map_or(String::new(), |n| format!(" {n}"));
    let direct: String = lines
        .iter()
        .filter_map(|l| l.supplier_text.as_ref().map(|t| format!(" {}: {t}", l.name)))
        .collect();
    // Issue 20: the customer hears the discount with the total.
    let discount = discount_text.map_or(String::new(), |d| format!(" ({})", d.to_lowercase()));
    format!(
        "{who}: {count} {}, totalt {}{discount}.{mva} Betaling: {pay}. Levering til {}. Forventet levering: {promise_text}.{direct}",
        if count == 1 { "vare" } else { "varer" },
        totals.total_text,
        if where_to.is_empty() { "–" } else { &where_to },
    )
}

/// Poststed for a postnummer, offline (D7); `None` when the code does not exist.
pub fn place_of(code: &str) -> Option<String> {
    postcode::lookup(code).ok().map(|e| e.place.to_string())
}
