//! Building and validating an order: every rule at once, each refusal against its field.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::consent::{AgeCheck, ConsentText};
use crate::delivery::{line_promise, order_promise, DeliveryPromise, Destination};
use crate::discount::{apply_discounts, DiscountApproval, DiscountDraft, LineDiscount};
use crate::fodselsnummer::age_on;
use crate::payment::{check_payment, Buyer};
use crate::policy::OutsideMvaPolicy;
use crate::policy::{ShippingKind, ShippingMethod, ShopPolicy};
use crate::postcode::{check_address, AddressKind, OutsideMvaArea};
use crate::{
    mva_per_rate, split_by_rate, Availability, Email, FieldError, Fodselsnummer, Invalid, Money, MvaLine,
    MvaRate, OrgNr, PaymentMethod, PhoneNumber, RateShare,
};

pub const MAX_NAME: usize = 100;
pub const MAX_ADDRESS_LINE: usize = 100;
pub const MAX_NOTE: usize = 1000;
pub const MAX_QUANTITY: u32 = 999;
pub const MAX_LINES: usize = 500;

pub use crate::product::{Product, MAX_PRODUCT_TEXT, MAX_SKU};

/// An order as staff (or a JSON file) fill it in: text, not yet trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrderDraft {
    pub customer: CustomerDraft,
    /// Where to deliver; the customer's own address when left out.
    pub delivery_address: Option<AddressDraft>,
    pub lines: Vec<LineDraft>,
    pub shipping_method: String,
    pub payment_method: String,
    pub note: String,
    /// Issue 20: a discount on the whole order, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountDraft>,
    /// Issue 20: the quote (tilbud) this order is made from; its prices hold while it is valid.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub quote_number: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerDraft {
    pub name: String,
    pub phone: String,
    pub email: String,
    /// Only for faktura/delbetaling (P3).
    pub fodselsnummer: String,
    /// F3a: the birth year confirmed with the customer, asked for only when the fødselsnummer does not
    /// tell its century (a number valid only under the 2032 rule).
    pub birth_year: String,
    pub address: AddressDraft,
    /// F7: an active choice, never pre-ticked.
    pub marketing_consent: bool,
    /// F6: a parent's or guardian's consent for buyers under 15 (or instead of the confirmation below),
    /// with who gave it.
    pub guardian_consent: bool,
    pub guardian_name: String,
    /// "mor", "far", "verge" ...
    pub guardian_relation: String,
    /// F6: for card and Vipps (no fødselsnummer), staff asked and the customer is 15 or older.
    pub confirmed_15_or_older: bool,
    /// Issue 20: the customer is a company (an org.nr. makes it one).
    #[serde(skip_serializing_if = "CompanyDraft::is_empty")]
    pub company: CompanyDraft,
}

/// A company customer as typed: org.nr. (F9), the company's name, where invoices go, and the
/// buyer's reference or PO number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompanyDraft {
    pub org_nr: String,
    pub name: String,
    pub invoice_email: String,
    pub reference: String,
}

impl CompanyDraft {
    pub fn is_empty(&self) -> bool {
        [&self.org_nr, &self.name, &self.invoice_email, &self.reference]
            .iter()
            .all(|t| t.trim().is_empty())
    }
}

/// A company customer: the order is the company's, and the confirmation names it (issue 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub org_nr: OrgNr,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_email: Option<Email>,
    /// The buyer's reference or PO number, printed on the confirmation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
}

/// The longest reference or PO number.
pub const MAX_REFERENCE: usize = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AddressDraft {
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    /// Left empty for Norway; anything else is refused (D7, P4).
    pub country: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineDraft {
    pub sku: String,
    // Any integer a form may send, so that 0 and −1 are refused with a message, not a parse error.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub quantity: i64,
    /// Issue 20: a discount or a new unit price on this line, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountDraft>,
}

/// A Norwegian address whose postcode exists and allows it (D7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub place: String,
}

impl Address {
    pub fn lines(&self) -> Vec<String> {
        [
            self.line1.clone(),
            self.line2.clone(),
            format!("{} {}", self.postcode, self.place),
        ]
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect()
    }
}

/// A validated customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub address: Address,
    pub marketing_consent: bool,
    /// F7: the text read aloud when the customer said yes (with its version), so the record the desk
    /// keeps says exactly what was agreed to. Absent when no consent was given here, and in orders from
    /// older desks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketing_consent_text: Option<ConsentText>,
    /// Issue 20: the company that buys, when the customer is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Company>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub mva_rate: MvaRate,
    pub line_total: Money,
    pub availability: Availability,
    pub promise: DeliveryPromise,
    /// Issue 20: the discount given on this line; `unit_price` is then the discounted price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<LineDiscount>,
    /// D6: delivered by the supplier directly (absent in orders from older desks: false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supplier_direct: bool,
}

impl OrderLine {
    /// D6: the line's text beside its availability, for the window, the read-back and the documents.
    pub fn supplier_text(&self) -> Option<&'static str> {
        self.supplier_direct
            .then_some(crate::delivery::SUPPLIER_DIRECT_TEXT)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub goods: Money,
    pub shipping: Money,
    pub total: Money,
    /// S2: MVA per rate, on totals (shipping included in its rates' totals, S2a).
    pub mva: Vec<MvaLine>,
    /// S2a: the shipping split across the goods' rates. Empty when there is no shipping, and in an
    /// order from a desk older than S2a, whose shipping was all at 25 % (see [`Totals::shipping_shares`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_by_rate: Vec<RateShare>,
    /// D7a: delivered outside the Norwegian MVA area and sold without MVA: every amount above is
    /// without MVA and `mva` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_mva_area: Option<OutsideMvaArea>,
}

impl Totals {
    /// The shipping per rate as this order was priced: S2a's split, or all at the general rate for an
    /// order placed by a desk older than S2a.
    pub fn shipping_shares(&self) -> Vec<RateShare> {
        if self.shipping_by_rate.is_empty() && self.shipping != Money::ZERO {
            vec![RateShare {
                rate: MvaRate::General,
                amount: self.shipping,
            }]
        } else {
            self.shipping_by_rate.clone()
        }
    }

    /// D7a: the one line the confirmation and the e-mail print when the order carries no MVA.
    pub fn mva_note(&self) -> Option<String> {
        self.outside_mva_area.map(|area| {
            format!(
                "Uten merverdiavgift: leveres til {}, utenfor det norske MVA-området. Toll eller andre importavgifter kan påløpe ved levering.",
                area.name()
            )
        })
    }

    /// Every amount of the order at its rate: the lines, then the shipping's shares. What a payment
    /// provider's order lines are built from, so their MVA adds up to [`Totals::mva`].
    pub fn amounts_by_rate(&self, lines: &[OrderLine]) -> Vec<(MvaRate, Money)> {
        lines
            .iter()
            .map(|l| (l.mva_rate, l.line_total))
            .chain(self.shipping_shares().into_iter().map(|s| (s.rate, s.amount)))
            .collect()
    }
}

/// An order every rule accepted, ready to be placed: made only by [`validate_order`], or read back from
/// the desk's file and the wire (where `received::check_order` judges it again). Read it through
/// `Deref`; outside core it cannot be built or changed, only stamped with who placed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidOrder(pub(crate) OrderContent);

impl std::ops::Deref for ValidOrder {
    type Target = OrderContent;

    fn deref(&self) -> &OrderContent {
        &self.0
    }
}

impl ValidOrder {
    /// F6: the desk stamps the logged-in person when it places the order (a stamp already there stays).
    #[must_use]
    pub fn placed_by(mut self, name: &str) -> ValidOrder {
        if self.0.placed_by.is_none() {
            self.0.placed_by = Some(name.to_string());
        }
        self
    }

    /// Issue 20: the desk stamps who asked for the discounts and who approved them, once it has
    /// judged them (`discount::judge_approval`). An order without discounts carries no stamp.
    #[must_use]
    pub fn discounts_by(mut self, approval: DiscountApproval) -> ValidOrder {
        if self.0.lines.iter().any(|l| l.discount.is_some()) && self.0.discount_approval.is_none() {
            self.0.discount_approval = Some(approval);
        }
        self
    }
}

/// What a valid order holds. The fødselsnummer travels beside it, never inside what is serialised (P3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderContent {
    pub customer: Customer,
    pub delivery_address: Address,
    pub lines: Vec<OrderLine>,
    pub shipping: ShippingMethod,
    pub payment_method: PaymentMethod,
    pub totals: Totals,
    pub promise: DeliveryPromise,
    pub placed_at: NaiveDateTime,
    pub note: String,
    #[serde(skip)]
    pub fodselsnummer: Option<Fodselsnummer>,
    /// F6: how the buyer was found 15 or older, or who consented for them. Absent in orders from desks
    /// older than the age record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_check: Option<AgeCheck>,
    /// Who placed the order (the logged-in staff member), stamped by the desk when it places it; with
    /// `placed_at` the time and the person behind the F6 record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_by: Option<String>,
    /// Issue 20: who asked for the order's discounts and who approved them; present exactly when a
    /// line has a discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_approval: Option<DiscountApproval>,
    /// Issue 20: the quote the order was made from, whose prices it may carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_number: Option<String>,
}

/// Validates a draft against every rule (D7, F1–F6, P1–P5, S2, D1–D5): either a valid order or every
/// refusal at once. `placed_at` is local Norwegian time; `product` looks a SKU up in the catalog.
pub fn validate_order(
    draft: &OrderDraft,
    product: impl Fn(&str) -> Option<Product>,
    placed_at: NaiveDateTime,
    policy: &ShopPolicy,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut errors = Vec::new();
    let today = placed_at.date();
    let c = &draft.customer;

    let (name, phone, email, customer_address) = contact_fields(&mut errors, c);
    let company = company_field(&mut errors, &c.company);
    let fodselsnummer = if c.fodselsnummer.trim().is_empty() {
        None
    } else {
        record(
            &mut errors,
            "customer.fodselsnummer",
            Fodselsnummer::parse(&c.fodselsnummer),
        )
    };
    let delivery_address = match &draft.delivery_address {
        Some(a) => address(&mut errors, "delivery_address", a),
        None => customer_address.clone(),
    };
    let outside_mva_area = delivery_address
        .as_ref()
        .and_then(|a| outside_mva_area(&mut errors, draft, a, policy));

    let birth_year = birth_year_field(&mut errors, &c.birth_year);
    // F6: under 15 only with a guardian's consent (the age is known only from a fødselsnummer, F3a:
    // with the confirmed birth year where the number does not tell it).
    let birth = fodselsnummer
        .as_ref()
        .and_then(|f| crate::payment::birth_date(f, birth_year).ok());
    let under_15 = birth.is_some_and(|b| age_on(b, today) < 15);
    let guardian = guardian_fields(&mut errors, c, under_15);
    let shipping = shipping_field(&mut errors, &draft.shipping_method, policy);
    let buyer = Buyer {
        fodselsnummer: fodselsnummer.as_ref(),
        birth_year,
        // A field already refused is not refused a second time for the payment's sake.
        has_mobile: phone
            .as_ref()
            .map_or(!c.phone.trim().is_empty(), PhoneNumber::is_mobile),
        has_email: email.is_some() || !c.email.trim().is_empty(),
        company: !c.company.is_empty(),
    };
    let payment_method = payment_field(&mut errors, &draft.payment_method, buyer, today, policy);
    // F6 is about a minor buying: a company buys as a company, and no age is asked.
    let age_check = if c.company.is_empty() {
        age_check(&mut errors, c, guardian, birth, under_15, payment_method)
    } else {
        None
    };
    let note = text_field(&mut errors, "note", &draft.note, MAX_NOTE, false);
    let resolved = line_fields(&mut errors, &draft.lines, product);

    let (
        Some(name),
        Some(phone),
        Some(customer_address),
        Some(delivery_address),
        Some(shipping),
        Some(payment_method),
        Some(note),
    ) = (
        name,
        phone,
        customer_address,
        delivery_address,
        shipping,
        payment_method,
        note,
    )
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }

    let Quote {
        mut lines,
        mut totals,
        promise,
    } = quote(
        resolved,
        placed_at,
        Destination {
            postcode: &delivery_address.postcode,
            shipping: shipping.kind,
            outside_mva_area,
        },
        shipping.price,
        policy,
    );
    let asked: Vec<Option<DiscountDraft>> = draft.lines.iter().map(|l| l.discount.clone()).collect();
    if lines.len() == asked.len() && (draft.discount.is_some() || asked.iter().any(Option::is_some)) {
        let refused = apply_discounts(&mut lines, &asked, draft.discount.as_ref(), &policy.discounts);
        if !refused.is_empty() {
            return Err(refused);
        }
        totals = self::totals(&lines, totals.shipping, totals.outside_mva_area);
    }
    Ok(ValidOrder(OrderContent {
        customer: Customer {
            name,
            phone,
            email,
            address: customer_address,
            marketing_consent: c.marketing_consent,
            marketing_consent_text: c
                .marketing_consent
                .then(|| ConsentText::marketing(&policy.consent)),
            company: company.flatten(),
        },
        delivery_address,
        lines,
        shipping,
        payment_method,
        totals,
        promise,
        placed_at,
        note,
        fodselsnummer,
        age_check,
        placed_by: None,
        discount_approval: None,
        quote_number: Some(draft.quote_number.trim())
            .filter(|q| !q.is_empty())
            .map(|q| q.chars().take(MAX_SKU).collect()),
    }))
}

/// D7a: Svalbard and Jan Mayen are outside the MVA area: the shop policy decides whether the order is
/// taken without MVA or refused at the postcode.
fn outside_mva_area(
    errors: &mut Vec<FieldError>,
    draft: &OrderDraft,
    delivery: &Address,
    policy: &ShopPolicy,
) -> Option<OutsideMvaArea> {
    let field = if draft.delivery_address.is_some() {
        "delivery_address.postcode"
    } else {
        "customer.address.postcode"
    };
    record_outside_area(errors, field, delivery, policy)
}

/// D7a for an address whose postcode field is `field`.
pub(crate) fn record_outside_area(
    errors: &mut Vec<FieldError>,
    field: &str,
    delivery: &Address,
    policy: &ShopPolicy,
) -> Option<OutsideMvaArea> {
    let entry = crate::postcode::lookup(&delivery.postcode).ok()?;
    let area = OutsideMvaArea::of(entry)?;
    match policy.delivery.svalbard {
        OutsideMvaPolicy::WithoutMva => Some(area),
        OutsideMvaPolicy::Refuse => {
            errors.push(FieldError::new(
                field,
                Invalid::OutsideMvaArea {
                    code: entry.code.to_string(),
                    place: entry.place.to_string(),
                    area: area.name().to_string(),
                },
            ));
            None
        }
    }
}

/// F3a: the birth year staff confirm where the fødselsnummer does not tell it: four digits or nothing.
fn birth_year_field(errors: &mut Vec<FieldError>, text: &str) -> Option<i32> {
    match text.trim() {
        "" => None,
        y if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => y.parse::<i32>().ok(),
        _ => {
            errors.push(FieldError::new("customer.birth_year", Invalid::BirthYearFormat));
            None
        }
    }
}

/// F6: a guardian's consent names the guardian and the relation; a buyer under 15 needs one.
fn guardian_fields(errors: &mut Vec<FieldError>, c: &CustomerDraft, under_15: bool) -> Option<AgeCheck> {
    if under_15 && !c.guardian_consent {
        errors.push(FieldError::new(
            "customer.guardian_consent",
            Invalid::GuardianConsentRequired,
        ));
    }
    if !c.guardian_consent {
        return None;
    }
    let name = text_field(errors, "customer.guardian_name", &c.guardian_name, MAX_NAME, true);
    let relation = text_field(
        errors,
        "customer.guardian_relation",
        &c.guardian_relation,
        MAX_NAME,
        true,
    );
    name.zip(relation)
        .map(|(name, relation)| AgeCheck::GuardianConsent { name, relation })
}

/// S2: one of the shop's shipping methods.
pub(crate) fn shipping_field(
    errors: &mut Vec<FieldError>,
    code: &str,
    policy: &ShopPolicy,
) -> Option<ShippingMethod> {
    if let Some(m) = policy.shipping_method(code.trim()) {
        return Some(m.clone());
    }
    let problem = if code.trim().is_empty() {
        Invalid::Missing
    } else {
        Invalid::UnknownShippingMethod {
            code: code.chars().take(40).collect(),
        }
    };
    errors.push(FieldError::new("shipping_method", problem));
    None
}

/// P1–P5: a payment method this buyer may use today.
pub(crate) fn payment_field(
    errors: &mut Vec<FieldError>,
    code: &str,
    buyer: Buyer<'_>,
    today: NaiveDate,
    policy: &ShopPolicy,
) -> Option<PaymentMethod> {
    let Some(m) = PaymentMethod::from_code(code.trim()) else {
        errors.push(FieldError::new("payment_method", Invalid::Missing));
        return None;
    };
    for e in check_payment(m, buyer, today, &policy.payment) {
        // One message per field: a fødselsnummer already refused is not also "required".
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    Some(m)
}

/// F6: the age is known from a fødselsnummer (faktura, delbetaling); otherwise staff confirm 15 or
/// older, or record a guardian's consent. One of them, or the order cannot be placed.
fn age_check(
    errors: &mut Vec<FieldError>,
    c: &CustomerDraft,
    guardian: Option<AgeCheck>,
    birth: Option<NaiveDate>,
    under_15: bool,
    payment_method: Option<PaymentMethod>,
) -> Option<AgeCheck> {
    match (guardian, birth) {
        (Some(g), _) => Some(g),
        (None, Some(_)) if !under_15 => Some(AgeCheck::FromFodselsnummer),
        (None, _) if c.confirmed_15_or_older && !under_15 => Some(AgeCheck::ConfirmedFifteenOrOlder),
        (None, _) => {
            let asked = c.guardian_consent || under_15;
            // A credit order whose age the fødselsnummer will tell is refused there, not twice.
            let credit_pending = payment_method.is_some_and(PaymentMethod::is_credit)
                && errors.iter().any(|e| {
                    e.field.starts_with("customer.fodselsnummer") || e.field == "customer.birth_year"
                });
            if !asked && !credit_pending {
                errors.push(FieldError::new(
                    "customer.confirmed_15_or_older",
                    Invalid::AgeConfirmationRequired,
                ));
            }
            None
        }
    }
}

/// The cart: at least one line and at most `MAX_LINES`, each a known SKU and a quantity from 1 to
/// `MAX_QUANTITY`. Returns the lines that passed, with their products.
pub(crate) fn line_fields(
    errors: &mut Vec<FieldError>,
    lines: &[LineDraft],
    product: impl Fn(&str) -> Option<Product>,
) -> Vec<(Product, u32)> {
    if lines.is_empty() {
        errors.push(FieldError::new("lines", Invalid::NoLines));
    }
    if lines.len() > MAX_LINES {
        errors.push(FieldError::new("lines", Invalid::TooLong { max: MAX_LINES }));
    }
    let mut resolved = Vec::new();
    for (i, line) in lines.iter().enumerate().take(MAX_LINES) {
        let quantity = match u32::try_from(line.quantity) {
            Ok(0) | Err(_) if line.quantity < 1 => {
                errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    Invalid::QuantityNotPositive,
                ));
                None
            }
            Ok(q) if q <= MAX_QUANTITY => Some(q),
            _ => {
                errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    Invalid::QuantityTooLarge { max: MAX_QUANTITY },
                ));
                None
            }
        };
        let sku = line.sku.trim();
        let found = if sku.is_empty() {
            errors.push(FieldError::new(format!("lines[{i}].sku"), Invalid::Missing));
            None
        } else if sku.len() > MAX_SKU {
            errors.push(FieldError::new(
                format!("lines[{i}].sku"),
                Invalid::TooLong { max: MAX_SKU },
            ));
            None
        } else {
            let p = product(sku);
            if p.is_none() {
                errors.push(FieldError::new(
                    format!("lines[{i}].sku"),
                    Invalid::UnknownSku { sku: sku.to_string() },
                ));
            }
            p
        };
        if let (Some(q), Some(p)) = (quantity, found) {
            resolved.push((p, q));
        }
    }
    resolved
}

/// Validates a customer on their own (a new customer saved before any order): name, phone (F5),
/// e-mail and a Norwegian address (D7), every refusal at once.
pub fn validate_customer(draft: &CustomerDraft) -> Result<Customer, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (name, phone, email, address) = contact_fields(&mut errors, draft);
    match (name, phone, address) {
        (Some(name), Some(phone), Some(address)) if errors.is_empty() => Ok(Customer {
            name,
            phone,
            email,
            address,
            marketing_consent: draft.marketing_consent,
            // The caller, who knows the shop policy, attaches the text read aloud.
            marketing_consent_text: None,
            company: company_field(&mut Vec::new(), &draft.company).flatten(),
        }),
        _ => Err(errors),
    }
}

/// Issue 20: a company customer's fields (F9 for the org.nr.): `Some(None)` for a private customer,
/// `None` when a field was refused.
fn company_field(errors: &mut Vec<FieldError>, c: &CompanyDraft) -> Option<Option<Company>> {
    if c.is_empty() {
        return Some(None);
    }
    let org_nr = if c.org_nr.trim().is_empty() {
        errors.push(FieldError::new("customer.company.org_nr", Invalid::Missing));
        None
    } else {
        record(errors, "customer.company.org_nr", OrgNr::parse(&c.org_nr))
    };
    let name = text_field(errors, "customer.company.name", &c.name, MAX_NAME, true);
    let invoice_email = if c.invoice_email.trim().is_empty() {
        Some(None)
    } else {
        record(
            errors,
            "customer.company.invoice_email",
            Email::parse(&c.invoice_email),
        )
        .map(Some)
    };
    let reference = text_field(
        errors,
        "customer.company.reference",
        &c.reference,
        MAX_REFERENCE,
        false,
    );
    Some(Some(Company {
        org_nr: org_nr?,
        name: name?,
        invoice_email: invoice_email?,
        reference: reference?,
    }))
}

/// The fields a customer and an order share: name, phone, e-mail, address.
fn contact_fields(
    errors: &mut Vec<FieldError>,
    c: &CustomerDraft,
) -> (
    Option<String>,
    Option<PhoneNumber>,
    Option<Email>,
    Option<Address>,
) {
    let name = text_field(errors, "customer.name", &c.name, MAX_NAME, true);
    let phone = if c.phone.trim().is_empty() {
        errors.push(FieldError::new("customer.phone", Invalid::Missing));
        None
    } else {
        record(errors, "customer.phone", PhoneNumber::parse(&c.phone))
    };
    let email = if c.email.trim().is_empty() {
        None
    } else {
        record(errors, "customer.email", Email::parse(&c.email))
    };
    let address = address(errors, "customer.address", &c.address);
    (name, phone, email, address)
}

/// Lines priced, with their promises and the totals: what a cart shows before the customer is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    /// D5: the slowest line.
    pub promise: DeliveryPromise,
}

/// Prices, delivery promises (D1–D5) and totals with MVA (S2) of products and quantities. Delivered
/// outside the MVA area under a policy that sells there (D7a), every price and the shipping are
/// without MVA.
pub fn quote(
    items: Vec<(Product, u32)>,
    placed_at: NaiveDateTime,
    dest: Destination<'_>,
    shipping_price: Money,
    policy: &ShopPolicy,
) -> Quote {
    let outside = dest.outside_mva_area;
    // S2a: the shipping's split follows the goods' prices as listed (with MVA).
    let listed: Vec<(MvaRate, Money)> = items.iter().map(|(p, q)| (p.mva_rate, p.price * *q)).collect();
    let lines: Vec<OrderLine> = items
        .into_iter()
        .map(|(p, quantity)| {
            let unit_price = match outside {
                Some(_) => p.mva_rate.without_mva(p.price),
                None => p.price,
            };
            OrderLine {
                discount: None,
                line_total: unit_price * quantity,
                promise: line_promise(
                    p.availability,
                    p.supplier_direct,
                    placed_at,
                    dest,
                    &policy.delivery,
                ),
                supplier_direct: p.supplier_direct,
                sku: p.sku,
                name: p.name,
                quantity,
                unit_price,
                mva_rate: p.mva_rate,
                availability: p.availability,
            }
        })
        .collect();
    let promise = order_promise(lines.iter().map(|l| &l.promise));
    // S2a: the shipping takes the goods' rates, so without MVA it loses each share's own MVA.
    let shipping = match outside {
        Some(_) => split_by_rate(shipping_price, listed)
            .into_iter()
            .map(|s| s.rate.without_mva(s.amount))
            .sum(),
        None => shipping_price,
    };
    let totals = totals(&lines, shipping, outside);
    Quote {
        lines,
        totals,
        promise,
    }
}

/// Order totals with MVA per rate (S2); the shipping takes the goods' rates (S2a). Outside the MVA
/// area (D7a) the lines and the shipping are already without MVA and no MVA is computed.
pub fn totals(lines: &[OrderLine], shipping: Money, outside_mva_area: Option<OutsideMvaArea>) -> Totals {
    let goods: Money = lines.iter().map(|l| l.line_total).sum();
    let shipping_by_rate = split_by_rate(shipping, lines.iter().map(|l| (l.mva_rate, l.line_total)));
    let amounts = lines
        .iter()
        .map(|l| (l.mva_rate, l.line_total))
        .chain(shipping_by_rate.iter().map(|s| (s.rate, s.amount)));
    Totals {
        goods,
        shipping,
        total: goods + shipping,
        mva: if outside_mva_area.is_some() {
            Vec::new()
        } else {
            mva_per_rate(amounts)
        },
        shipping_by_rate,
        outside_mva_area,
    }
}

/// The totals a desk older than S2a computed: shipping all at the general rate. The central store
/// accepts such an order as it was confirmed to the customer; it is never how a new order is priced.
pub fn totals_before_s2a(lines: &[OrderLine], shipping: Money) -> Totals {
    let goods: Money = lines.iter().map(|l| l.line_total).sum();
    let amounts = lines
        .iter()
        .map(|l| (l.mva_rate, l.line_total))
        .chain((shipping != Money::ZERO).then_some((MvaRate::General, shipping)));
    Totals {
        goods,
        shipping,
        total: goods + shipping,
        mva: mva_per_rate(amounts),
        shipping_by_rate: Vec::new(),
        outside_mva_area: None,
    }
}

fn record<T>(errors: &mut Vec<FieldError>, field: &str, result: Result<T, Invalid>) -> Option<T> {
    result.map_err(|e| errors.push(FieldError::new(field, e))).ok()
}

pub(crate) fn text_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Option<String> {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        errors.push(FieldError::new(field, Invalid::Missing));
        return None;
    }
    // Count characters, not bytes: "Øystein" is 7 characters.
    if trimmed.chars().nth(max).is_some() {
        errors.push(FieldError::new(field, Invalid::TooLong { max }));
        return None;
    }
    Some(trimmed.to_string())
}

pub(crate) fn address(errors: &mut Vec<FieldError>, field: &str, draft: &AddressDraft) -> Option<Address> {
    let country = draft.country.trim().to_lowercase();
    if !matches!(country.as_str(), "" | "no" | "nor" | "norge" | "norway") {
        errors.push(FieldError::new(
            format!("{field}.country"),
            Invalid::CountryNotNorway,
        ));
        return None;
    }
    let line1 = text_field(
        errors,
        &format!("{field}.line1"),
        &draft.line1,
        MAX_ADDRESS_LINE,
        true,
    );
    let line2 = text_field(
        errors,
        &format!("{field}.line2"),
        &draft.line2,
        MAX_ADDRESS_LINE,
        false,
    );
    let kind = AddressKind::of_line(line1.as_deref().unwrap_or_default());
    let postcode = if draft.postcode.trim().is_empty() {
        errors.push(FieldError::new(format!("{field}.postcode"), Invalid::Missing));
        None
    } else {
        record(
            errors,
            &format!("{field}.postcode"),
            check_address(&draft.postcode, kind),
        )
    };
    let (line1, line2, entry) = (line1?, line2?, postcode?);
    Some(Address {
        line1,
        line2,
        postcode: entry.code.to_string(),
        place: entry.place.to_string(),
    })
}

/// Whether a shipping kind prints a pickup deadline (D9).
pub fn has_pickup_deadline(kind: ShippingKind) -> bool {
    kind == ShippingKind::PickupPoint
}

/// The date the order was placed on, for documents.
pub fn order_date(order: &ValidOrder) -> NaiveDate {
    order.placed_at.date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn product(sku: &str) -> Option<Product> {
        let (price, availability) = match sku {
            "KAFFE-1" => (Money::from_ore(12_490), Availability::InStock),
            "DRILL-9" => (Money::from_ore(124_900), Availability::MustOrder),
            "TBD-1" => (Money::from_ore(9_900), Availability::Unconfirmed),
            _ => return None,
        };
        Some(Product {
            sku: sku.into(),
            eans: vec![],
            name: format!("Vare {sku}"),
            brand: "Merke".into(),
            category: "Kategori".into(),
            price,
            mva_rate: if sku == "KAFFE-1" {
                MvaRate::Food
            } else {
                MvaRate::General
            },
            availability,
            availability_as_of: None,
            supplier_direct: false,
        })
    }

    fn placed() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
    }

    fn draft() -> OrderDraft {
        OrderDraft {
            customer: CustomerDraft {
                name: "Kari Nordmann".into(),
                phone: "412 34 567".into(),
                confirmed_15_or_older: true,
                email: "kari@example.no".into(),
                address: AddressDraft {
                    line1: "Storgata 1".into(),
                    postcode: "0150".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            lines: vec![
                LineDraft {
                    discount: None,
                    sku: "KAFFE-1".into(),
                    quantity: 2,
                },
                LineDraft {
                    discount: None,
                    sku: "DRILL-9".into(),
                    quantity: 1,
                },
            ],
            shipping_method: "servicepakke".into(),
            payment_method: "kort".into(),
            ..Default::default()
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_order_has_totals_mva_and_the_slowest_promise() {
        let order = validate_order(&draft(), product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(order.totals.goods, Money::from_ore(2 * 12_490 + 124_900));
        assert_eq!(order.totals.shipping, Money::from_kroner(99));
        assert_eq!(order.totals.total, Money::from_ore(149_880 + 9_900));
        // S2a: the 99,00 shipping splits 82,50 / 16,50 over 1 249,00 at 25 % and 249,80 at 15 %:
        // 25 % on 1 331,50 is 266,30; 15 % on 266,30 is 34,73. (Shipping all at 25 % gave 269,60 and
        // 32,58: wrong since freight takes the goods' rate.)
        assert_eq!(order.totals.mva[0].total_incl, Money::from_ore(133_150));
        assert_eq!(order.totals.mva[0].mva, Money::from_ore(26_630));
        assert_eq!(order.totals.mva[1].total_incl, Money::from_ore(26_630));
        assert_eq!(order.totals.mva[1].mva, Money::from_ore(3_473));
        assert_eq!(order.promise, order.lines[1].promise, "D5: the slowest line");
        assert_eq!(order.delivery_address.place, "OSLO");
        assert_eq!(order.customer.phone.e164(), "+4741234567");
    }

    /// S2a: a food-only order's shipping is at 15 %, and the MVA is 15 % of everything.
    #[test]
    fn s2a_food_only_order_ships_at_15() {
        let mut d = draft();
        d.lines.truncate(1); // 2 × KAFFE-1 at 15 %
        let order = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(order.totals.mva.len(), 1);
        assert_eq!(order.totals.mva[0].rate, MvaRate::Food);
        assert_eq!(order.totals.mva[0].total_incl, Money::from_ore(24_980 + 9_900));
        assert_eq!(order.totals.mva[0].mva, Money::from_ore(4_550));
        assert_eq!(
            order.totals.shipping_by_rate,
            vec![RateShare {
                rate: MvaRate::Food,
                amount: Money::from_kroner(99)
            }]
        );
    }

    /// S2a: an order as a desk older than S2a sent it (no split, shipping at 25 %) reads its shipping
    /// back at 25 %, and is recognised by the legacy computation.
    #[test]
    fn s2a_an_older_desks_totals_are_read_as_they_were_priced() {
        let order = validate_order(&draft(), product, placed(), &ShopPolicy::default()).unwrap();
        let mut json = serde_json::to_value(&order.totals).unwrap();
        json.as_object_mut().unwrap().remove("shipping_by_rate");
        let old: Totals = serde_json::from_value(json).unwrap();
        assert_eq!(
            old.shipping_shares(),
            vec![RateShare {
                rate: MvaRate::General,
                amount: Money::from_kroner(99)
            }]
        );
        let legacy = totals_before_s2a(&order.lines, order.totals.shipping);
        assert_eq!(legacy.mva[0].total_incl, Money::from_ore(124_900 + 9_900));
        assert_ne!(legacy, order.totals);
    }

    #[test]
    fn every_error_comes_at_once_with_its_field() {
        let mut d = draft();
        d.customer.name = " ".into();
        d.customer.phone = "123".into();
        d.customer.email = "kari@".into();
        d.customer.address.postcode = "0001".into();
        d.lines = vec![
            LineDraft {
                discount: None,
                sku: "KAFFE-1".into(),
                quantity: 0,
            },
            LineDraft {
                discount: None,
                sku: "NOPE".into(),
                quantity: -1,
            },
        ];
        d.shipping_method = "drone".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(
            fields(errors),
            vec![
                "customer.name",
                "customer.phone",
                "customer.email",
                "customer.address.postcode",
                "shipping_method",
                "lines[0].quantity",
                "lines[1].quantity",
                "lines[1].sku"
            ]
        );
    }

    /// D7: a P-only postcode refuses a street address and names the place.
    #[test]
    fn d7_box_only_postcode() {
        let mut d = draft();
        d.customer.address.postcode = "0001".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(
            errors[0].problem,
            Invalid::PostcodeBoxOnly {
                code: "0001".into(),
                place: "OSLO".into()
            }
        );
        assert_eq!(
            errors[0].to_string(),
            "customer.address.postcode: postnummer 0001 (OSLO) gjelder bare postbokser, ikke gateadresser"
        );
    }

    /// P2 through the order: under 18 cannot pay by faktura.
    #[test]
    fn p2_under_18_faktura_is_refused() {
        let mut d = draft();
        d.payment_method = "klarna_faktura".into();
        d.customer.fodselsnummer = "02860899933".into();
        let on = NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
        let errors = validate_order(&d, product, on, &ShopPolicy::default()).unwrap_err();
        assert_eq!(errors[0].field, "customer.fodselsnummer");
        assert!(matches!(errors[0].problem, Invalid::BuyerUnder18 { .. }));
        d.customer.fodselsnummer = "01860899813".into();
        let order = validate_order(&d, product, on, &ShopPolicy::default()).unwrap();
        assert!(order.fodselsnummer.is_some());
        assert!(
            !serde_json::to_string(&order).unwrap().contains("01860899813"),
            "P3: never serialised"
        );
    }

    /// F3a through the order: faktura with a number valid only under the 2032 rule asks for the birth
    /// year, then accepts the order once the confirmed year shows the buyer is 18 or older.
    #[test]
    fn f3a_faktura_with_a_2032_rule_number_asks_for_the_birth_year() {
        let mut d = draft();
        d.payment_method = "klarna_faktura".into();
        d.customer.fodselsnummer = "30108299939".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(fields(errors), vec!["customer.birth_year"]);
        d.customer.birth_year = "82".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(errors[0].problem, Invalid::BirthYearFormat);
        d.customer.birth_year = "1982".into();
        assert!(validate_order(&d, product, placed(), &ShopPolicy::default()).is_ok());
    }

    fn svalbard_policy() -> ShopPolicy {
        let mut policy = ShopPolicy::default();
        policy.delivery.svalbard = crate::policy::OutsideMvaPolicy::WithoutMva;
        policy
    }

    /// D7a: a Longyearbyen address is refused by default, with a message that names the place and
    /// says what to do.
    #[test]
    fn d7a_svalbard_is_refused_by_default() {
        let mut d = draft();
        d.customer.address.postcode = "9170".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(fields(errors.clone()), vec!["customer.address.postcode"]);
        let text = errors[0].problem.to_string();
        assert!(text.contains("9170 (LONGYEARBYEN) ligger på Svalbard"), "{text}");
        assert!(text.contains("utenfor det norske MVA-området"), "{text}");
        assert!(text.contains("leveringsadresse på fastlandet"), "{text}");
        // A mainland customer sending to Svalbard: the delivery address is the one refused.
        let mut d = draft();
        d.delivery_address = Some(AddressDraft {
            line1: "Vei 230".into(),
            postcode: "9171".into(),
            ..Default::default()
        });
        d.delivery_address.as_mut().unwrap().line1 = "Postboks 12".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(fields(errors), vec!["delivery_address.postcode"]);
    }

    /// D7a: with `svalbard = "without_mva"` the order carries no MVA: every price and the shipping
    /// lose their own rate's MVA, and the confirmation's one line says why.
    #[test]
    fn d7a_svalbard_without_mva() {
        let mut d = draft();
        d.customer.address.postcode = "9170".into();
        let order = validate_order(&d, product, placed(), &svalbard_policy()).unwrap();
        assert_eq!(order.totals.outside_mva_area, Some(OutsideMvaArea::Svalbard));
        assert!(order.totals.mva.is_empty());
        // KAFFE-1 124,90 at 15 % → 108,61; DRILL-9 1 249,00 at 25 % → 999,20.
        assert_eq!(order.lines[0].unit_price, Money::from_ore(10_861));
        assert_eq!(order.lines[1].unit_price, Money::from_ore(99_920));
        assert_eq!(order.totals.goods, Money::from_ore(2 * 10_861 + 99_920));
        // Shipping 99,00 splits 82,50 at 25 % → 66,00 and 16,50 at 15 % → 14,35.
        assert_eq!(order.totals.shipping, Money::from_ore(6_600 + 1_435));
        assert_eq!(order.totals.total, order.totals.goods + order.totals.shipping);
        let note = order.totals.mva_note().unwrap();
        assert!(note.contains("leveres til Svalbard"), "{note}");
        assert!(note.contains("importavgifter"), "{note}");
    }

    /// D7a: Jan Mayen (8099) is outside the MVA area too; the mainland is not.
    #[test]
    fn d7a_jan_mayen_and_the_mainland() {
        let mut d = draft();
        d.customer.address.postcode = "8099".into();
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert!(errors[0].problem.to_string().contains("Jan Mayen"));
        let order = validate_order(&d, product, placed(), &svalbard_policy()).unwrap();
        assert_eq!(order.totals.outside_mva_area, Some(OutsideMvaArea::JanMayen));
        let mut d = draft();
        d.customer.address.postcode = "9008".into();
        let order = validate_order(&d, product, placed(), &svalbard_policy()).unwrap();
        assert_eq!(order.totals.outside_mva_area, None);
        assert_eq!(order.totals.mva_note(), None);
        assert_eq!(order.lines[0].unit_price, Money::from_ore(12_490));
    }

    /// F6: a card order (no fødselsnummer, so no age) for a customer under 15 is refused until staff
    /// either confirm 15 or older or record a guardian's consent with who gave it; the order carries
    /// which.
    #[test]
    fn f6_an_under_15_card_order_needs_a_guardians_consent() {
        let mut d = draft();
        d.customer.confirmed_15_or_older = false;
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(fields(errors.clone()), vec!["customer.confirmed_15_or_older"]);
        assert_eq!(errors[0].problem, Invalid::AgeConfirmationRequired);
        assert!(errors[0].problem.to_string().contains("15 år eller eldre"));

        d.customer.guardian_consent = true;
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(
            fields(errors),
            vec!["customer.guardian_name", "customer.guardian_relation"]
        );
        d.customer.guardian_name = "Ola Nordmann".into();
        d.customer.guardian_relation = "far".into();
        let order = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(
            order.age_check,
            Some(AgeCheck::GuardianConsent {
                name: "Ola Nordmann".into(),
                relation: "far".into()
            })
        );
        assert_eq!(
            order.age_check.as_ref().unwrap().text(),
            "Samtykke fra foresatt: Ola Nordmann (far)."
        );

        let confirmed = validate_order(&draft(), product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(confirmed.age_check, Some(AgeCheck::ConfirmedFifteenOrOlder));
        // Serialised with the order; an older desk's order (without it) reads as None.
        let json = serde_json::to_value(&confirmed).unwrap();
        assert_eq!(json["age_check"]["kind"], "confirmed_fifteen_or_older");
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("age_check");
        let old: ValidOrder = serde_json::from_value(old).unwrap();
        assert_eq!(old.age_check, None);
    }

    /// F6: faktura with a fødselsnummer of an adult needs no confirmation: the number tells the age.
    #[test]
    fn f6_the_fodselsnummer_tells_the_age_of_a_credit_buyer() {
        let mut d = draft();
        d.customer.confirmed_15_or_older = false;
        d.payment_method = "klarna_faktura".into();
        d.customer.fodselsnummer = "01860899813".into();
        let on = NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
        let order = validate_order(&d, product, on, &ShopPolicy::default()).unwrap();
        assert_eq!(order.age_check, Some(AgeCheck::FromFodselsnummer));
    }

    /// F6: under 15 needs a guardian's consent.
    #[test]
    fn f6_under_15() {
        let mut d = draft();
        d.payment_method = "klarna_faktura".into();
        d.customer.fodselsnummer = "24921099912".into(); // born 2010-12-24: 14 on 2025-06-01
        let on = NaiveDate::from_ymd_opt(2025, 6, 1)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
        let errors = validate_order(&d, product, on, &ShopPolicy::default()).unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.problem == Invalid::GuardianConsentRequired));
    }

    #[test]
    fn d7_outside_norway_and_too_long_text() {
        let mut d = draft();
        d.customer.address.country = "Sverige".into();
        d.note = "x".repeat(10 * 1024 * 1024);
        let errors = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap_err();
        assert_eq!(fields(errors.clone()), vec!["customer.address.country", "note"]);
        assert_eq!(errors[1].problem, Invalid::TooLong { max: MAX_NOTE });
    }

    /// D5: an unconfirmed line leaves the whole order without a date.
    #[test]
    fn d5_unconfirmed_line_means_no_order_date() {
        let mut d = draft();
        d.lines.push(LineDraft {
            discount: None,
            sku: "TBD-1".into(),
            quantity: 1,
        });
        let order = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(order.promise.window, None);
    }
}
