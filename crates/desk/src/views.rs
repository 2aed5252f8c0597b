//! What the desk shows, computed once for every shell: plain serialisable values with their Norwegian
//! texts already formatted, so no shell formats money, dates or rules itself.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_cache::{CustomerRecord, OrderSummary, PlacedOrder, StoredOrder};
use skranke_core::order::{OrderLine, Totals};
use skranke_core::{FieldError, Product, ShopPolicy, ValidOrder};

use crate::labels::field_label;
use crate::oslo_time;

/// A product line in a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProductView {
    pub sku: String,
    pub ean: Option<String>,
    pub name: String,
    pub brand: String,
    // Øre and counts fit exactly in a JavaScript number (below 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub price_ore: i64,
    pub price_text: String,
    pub availability_code: String,
    /// A1: the shop's exact text.
    pub availability_text: String,
    /// A2: "per 14:02" today, "per 20.11. 14:02" before.
    pub as_of_text: String,
    /// Matched by an exact EAN or SKU.
    pub exact: bool,
}

impl ProductView {
    pub fn new(p: Product, exact: bool, now: DateTime<Utc>) -> ProductView {
        let as_of_text = match p.availability_as_of {
            None => "ukjent alder".to_string(),
            Some(t) => {
                let (then, today) = (oslo_time(t), oslo_time(now));
                if then.date() == today.date() {
                    format!("per {}", then.format("%H:%M"))
                } else {
                    format!("per {}", then.format("%-d.%-m. %H:%M"))
                }
            }
        };
        ProductView {
            ean: p.eans.first().cloned(),
            price_text: p.price.to_string(),
            availability_code: p.availability.code().to_string(),
            availability_text: p.availability.text().to_string(),
            as_of_text,
            exact,
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            price_ore: p.price.ore(),
        }
    }
}

/// What staff read back once the order is placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlacedOrderView {
    pub order_id: String,
    pub order_number: String,
    pub already_placed: bool,
    // Øre and counts fit exactly in a JavaScript number (below 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub total_ore: i64,
    pub total_text: String,
    pub promise_text: String,
    pub promise_reasons: Vec<String>,
}

impl PlacedOrderView {
    pub fn new(placed: PlacedOrder, order: ValidOrder) -> PlacedOrderView {
        PlacedOrderView {
            order_id: placed.order_id.to_string(),
            order_number: placed.order_number,
            already_placed: placed.already_placed,
            total_ore: order.totals.total.ore(),
            total_text: order.totals.total.to_string(),
            promise_text: order.promise.text(),
            promise_reasons: order.promise.reasons.iter().map(|r| r.text()).collect(),
        }
    }
}

/// A refused field: its path (for the form), its Norwegian label and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldErrorView {
    pub field: String,
    pub label: String,
    pub message: String,
}

impl From<&FieldError> for FieldErrorView {
    fn from(e: &FieldError) -> Self {
        FieldErrorView {
            field: e.field.clone(),
            label: field_label(&e.field),
            message: e.problem.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_text: String,
    pub line_total_text: String,
    pub availability_text: String,
    pub promise_text: String,
    /// D6: "Leveres direkte fra leverandør, som kontakter deg." for a line the supplier delivers.
    pub supplier_text: Option<String>,
}

impl From<&OrderLine> for LineView {
    fn from(l: &OrderLine) -> Self {
        LineView {
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price_text: l.unit_price.to_string(),
            line_total_text: l.line_total.to_string(),
            availability_text: l.availability.text().to_string(),
            promise_text: l.promise.text(),
            supplier_text: l.supplier_text().map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TotalsView {
    pub goods_text: String,
    pub shipping_text: String,
    pub total_text: String,
    /// "herav MVA 25 % av 1 349,00 kr" → "269,80 kr"
    pub mva: Vec<(String, String)>,
    /// D7a: why the order carries no MVA (delivered to Svalbard or Jan Mayen).
    pub mva_note: Option<String>,
}

impl From<&Totals> for TotalsView {
    fn from(t: &Totals) -> Self {
        TotalsView {
            goods_text: t.goods.to_string(),
            shipping_text: t.shipping.to_string(),
            total_text: t.total.to_string(),
            mva: t
                .mva
                .iter()
                .map(|m| {
                    (
                        format!("herav MVA {} % av {}", m.rate.percent(), m.total_incl),
                        m.mva.to_string(),
                    )
                })
                .collect(),
            mva_note: t.mva_note(),
        }
    }
}

/// A payment method as the form offers it, with the rule that stops it for this buyer (P1–P3, P5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentOptionView {
    pub code: String,
    pub name: String,
    pub terms: String,
    pub refusal: Option<String>,
    /// P3: the fødselsnummer field is shown only when this is true.
    pub needs_fodselsnummer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShippingOptionView {
    pub code: String,
    pub name: String,
    pub price_text: String,
}

/// The order form's live state: the cart priced and promised, every refusal, the payment options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreviewView {
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub promise_text: String,
    pub promise_reasons: Vec<String>,
    pub errors: Vec<FieldErrorView>,
    pub payment_options: Vec<PaymentOptionView>,
    pub shipping_options: Vec<ShippingOptionView>,
    /// Every rule accepts the order: Plasser ordre may be pressed.
    pub ready: bool,
    /// F3a: the fødselsnummer does not tell the birth year: the form shows the birth-year field.
    pub needs_birth_year: bool,
    /// F7: the text staff read aloud before the customer says yes to marketing.
    pub marketing_consent_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address_line1: String,
    pub address_line2: String,
    pub postcode: String,
    pub place: String,
}

impl From<CustomerRecord> for CustomerView {
    fn from(c: CustomerRecord) -> Self {
        let phone = skranke_core::PhoneNumber::parse(&c.phone)
            .map(|p| p.display_national())
            .unwrap_or(c.phone);
        CustomerView {
            id: c.id,
            name: c.name,
            phone,
            email: c.email.unwrap_or_default(),
            address_line1: c.address_line1,
            address_line2: c.address_line2,
            postcode: c.postcode,
            place: c.place,
        }
    }
}

/// D8: what the customer sees of the order's status.
pub fn status_text(code: &str) -> String {
    match code {
        "under_behandling" => "Under behandling".to_string(),
        "sendt" => "Sendt".to_string(),
        other => other.to_string(),
    }
}

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
            customer_phone: skranke_core::PhoneNumber::parse(&o.customer_phone)
                .map(|p| p.display_national())
                .unwrap_or(o.customer_phone),
            total_text: o.total.to_string(),
            status_text: status_text(&o.status),
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
    /// The protocol's state code (`requested`, `sent`, `reserved`, ...); `None` before the central
    /// store reported.
    pub payment_state: Option<String>,
    /// Staff may resend or switch method: nothing is reserved or paid yet.
    pub payment_may_change: bool,
    /// R3: whether the confirmation e-mail went out, and to whom.
    pub email_text: String,
    pub email_state: Option<String>,
    pub email_address: Option<String>,
    /// Why the central store refused a resend or another method.
    pub followup_message: Option<String>,
    /// F6: how the buyer was found 15 or older, or who consented for them, with who recorded it and
    /// when; `None` for an order placed before the age record.
    pub age_text: Option<String>,
}

/// What staff read about the payment (P5), also printed on the confirmation.
pub fn payment_state_text(s: &StoredOrder) -> String {
    match &s.payment {
        Some(p) => {
            let method = skranke_core::PaymentMethod::from_code(&p.method)
                .map_or_else(|| p.method.clone(), |m| m.name().to_string());
            match &p.detail {
                Some(d) if matches!(p.state.as_str(), "declined" | "failed") => {
                    format!("{method}: {} ({d})", p.text)
                }
                _ => format!("{method}: {}", p.text),
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
        .map_or_else(|| "venter på betaling".to_string(), |p| p.text.clone())
}

/// What staff read about the confirmation e-mail (R3).
pub fn email_text(s: &StoredOrder) -> String {
    match &s.email {
        Some(e) => {
            let to = e.recipient.as_deref().unwrap_or("-");
            match e.state.as_str() {
                "sent" => format!("Ordrebekreftelsen er sendt til {to}."),
                "bounced" => format!(
                    "E-posten til {to} kom i retur: {}. Rett adressen og send på nytt.",
                    e.detail.as_deref().unwrap_or("ukjent feil")
                ),
                "none" => {
                    "Kunden har ingen e-postadresse: skriv ut ordrebekreftelsen og send den i posten.".into()
                }
                _ => format!("Ordrebekreftelsen sendes til {to}."),
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
        let mut customer_lines = vec![o.customer.name.clone(), o.customer.phone.to_string()];
        if let Some(e) = &o.customer.email {
            customer_lines.push(e.to_string());
        }
        customer_lines.extend(o.customer.address.lines());
        OrderDetailView {
            order_number: s.order_number.clone(),
            placed_text: o.placed_at.format("%d.%m.%Y %H:%M").to_string(),
            status_text: status_text(&s.status),
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
            payment_state: s.payment.as_ref().map(|p| p.state.clone()),
            payment_may_change: !s
                .payment
                .as_ref()
                .is_some_and(|p| matches!(p.state.as_str(), "reserved" | "captured" | "refunded")),
            email_text: email_text(&s),
            email_state: s.email.as_ref().map(|e| e.state.clone()),
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
        }
    }
}

/// The shop policy and the desk's own facts, for Innstillinger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SettingsView {
    pub data_dir: String,
    // Øre and counts fit exactly in a JavaScript number (below 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub products: i64,
    pub catalog_as_of_text: String,
    pub device_series: String,
    pub facts: Vec<(String, String)>,
}

impl SettingsView {
    pub fn facts(policy: &ShopPolicy) -> Vec<(String, String)> {
        let s = &policy.seller;
        let mut facts = vec![
            ("Selger".to_string(), s.name.clone()),
            ("Organisasjonsnummer".to_string(), policy.org_nr_line()),
            (
                "Adresse".to_string(),
                format!("{}, {} {}", s.address_lines.join(", "), s.postcode, s.place),
            ),
            ("E-post".to_string(), s.email.clone()),
            ("Returadresse".to_string(), s.return_address_lines.join(", ")),
            (
                "Bestillinger etter".to_string(),
                format!(
                    "kl. {} behandles neste virkedag",
                    policy.delivery.cutoff.format("%H:%M")
                ),
            ),
            (
                "Ekspedering".to_string(),
                format!("innen {} virkedager", policy.delivery.dispatch_working_days),
            ),
            (
                "Frakttid".to_string(),
                format!(
                    "{}–{} virkedager (Nord-Norge {}–{})",
                    policy.delivery.transit_working_days.0,
                    policy.delivery.transit_working_days.1,
                    policy.delivery.transit_working_days_remote.0,
                    policy.delivery.transit_working_days_remote.1
                ),
            ),
            (
                "Ikke på lager i Norge".to_string(),
                format!(
                    "{}–{} uker",
                    policy.delivery.not_in_norway_weeks.0, policy.delivery.not_in_norway_weeks.1
                ),
            ),
            (
                "Hentefrist".to_string(),
                format!("{} dager", policy.pickup.pickup_days),
            ),
            (
                "Uavhentet, forhåndsbetalt".to_string(),
                policy.pickup.unclaimed_fee_prepaid.to_string(),
            ),
            (
                "Uavhentet, ikke betalt".to_string(),
                format!("{} + frakt tur/retur", policy.pickup.unclaimed_fee_unpaid),
            ),
            (
                "Transportskade meldes innen".to_string(),
                format!("{} timer", policy.pickup.transport_damage_report_hours),
            ),
            (
                "Faktura forfaller".to_string(),
                format!("{} dager", policy.payment.invoice_due_days),
            ),
        ];
        for m in &policy.shipping_methods {
            facts.push((format!("Fraktmåte: {}", m.name), m.price.to_string()));
        }
        facts
    }
}
