//! Building and validating an order: every rule at once, each refusal against its field.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::delivery::{line_promise, order_promise, DeliveryPromise, Destination};
use crate::fodselsnummer::age_on;
use crate::payment::{check_payment, Buyer};
use crate::policy::{ShippingKind, ShippingMethod, ShopPolicy};
use crate::postcode::{check_address, AddressKind};
use crate::{
    mva_per_rate, Availability, Email, FieldError, Fodselsnummer, Invalid, Money, MvaLine, MvaRate,
    PaymentMethod, PhoneNumber,
};

pub const MAX_NAME: usize = 100;
pub const MAX_ADDRESS_LINE: usize = 100;
pub const MAX_NOTE: usize = 1000;
pub const MAX_QUANTITY: u32 = 999;
pub const MAX_LINES: usize = 500;

/// A product as the desk knows it from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub eans: Vec<String>,
    pub name: String,
    pub brand: String,
    pub category: String,
    /// Price incl. MVA.
    pub price: Money,
    pub mva_rate: MvaRate,
    pub availability: Availability,
    /// When the central store last confirmed the availability (A2), as UTC.
    pub availability_as_of: Option<chrono::DateTime<chrono::Utc>>,
}

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
    pub address: AddressDraft,
    /// F7: an active choice, never pre-ticked.
    pub marketing_consent: bool,
    /// F6: a parent's or guardian's consent for buyers under 15.
    pub guardian_consent: bool,
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub goods: Money,
    pub shipping: Money,
    pub total: Money,
    /// S2: MVA per rate, on totals.
    pub mva: Vec<MvaLine>,
}

/// An order every rule accepted, ready to be placed. The fødselsnummer travels beside it, never inside
/// what is serialised (P3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidOrder {
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

    // F6: under 15 only with a guardian's consent (the age is known only from a fødselsnummer).
    if let Some(birth) = fodselsnummer.as_ref().and_then(Fodselsnummer::birth_date) {
        if age_on(birth, today) < 15 && !c.guardian_consent {
            errors.push(FieldError::new(
                "customer.guardian_consent",
                Invalid::GuardianConsentRequired,
            ));
        }
    }

    let shipping = match policy.shipping_method(draft.shipping_method.trim()) {
        Some(m) => Some(m.clone()),
        None => {
            let code = draft.shipping_method.chars().take(40).collect();
            let problem = if draft.shipping_method.trim().is_empty() {
                Invalid::Missing
            } else {
                Invalid::UnknownShippingMethod { code }
            };
            errors.push(FieldError::new("shipping_method", problem));
            None
        }
    };

    let payment_method = match PaymentMethod::from_code(draft.payment_method.trim()) {
        Some(m) => {
            let buyer = Buyer {
                fodselsnummer: fodselsnummer.as_ref(),
                // A field already refused is not refused a second time for the payment's sake.
                has_mobile: phone
                    .as_ref()
                    .map_or(!c.phone.trim().is_empty(), PhoneNumber::is_mobile),
                has_email: email.is_some() || !c.email.trim().is_empty(),
            };
            for e in check_payment(m, buyer, today, &policy.payment) {
                // One message per field: a fødselsnummer already refused is not also "required".
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
            Some(m)
        }
        None => {
            errors.push(FieldError::new("payment_method", Invalid::Missing));
            None
        }
    };

    let note = text_field(&mut errors, "note", &draft.note, MAX_NOTE, false);

    if draft.lines.is_empty() {
        errors.push(FieldError::new("lines", Invalid::NoLines));
    }
    if draft.lines.len() > MAX_LINES {
        errors.push(FieldError::new("lines", Invalid::TooLong { max: MAX_LINES }));
    }
    let mut resolved = Vec::new();
    for (i, line) in draft.lines.iter().enumerate().take(MAX_LINES) {
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
        } else if sku.len() > 64 {
            errors.push(FieldError::new(
                format!("lines[{i}].sku"),
                Invalid::TooLong { max: 64 },
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
        lines,
        totals,
        promise,
    } = quote(
        resolved,
        placed_at,
        Destination {
            postcode: &delivery_address.postcode,
            shipping: shipping.kind,
        },
        shipping.price,
        policy,
    );
    Ok(ValidOrder {
        customer: Customer {
            name,
            phone,
            email,
            address: customer_address,
            marketing_consent: c.marketing_consent,
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
    })
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
        }),
        _ => Err(errors),
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    /// D5: the slowest line.
    pub promise: DeliveryPromise,
}

/// Prices, delivery promises (D1–D5) and totals with MVA (S2) of products and quantities.
pub fn quote(
    items: Vec<(Product, u32)>,
    placed_at: NaiveDateTime,
    dest: Destination<'_>,
    shipping_price: Money,
    policy: &ShopPolicy,
) -> Quote {
    let lines: Vec<OrderLine> = items
        .into_iter()
        .map(|(p, quantity)| OrderLine {
            line_total: p.price * quantity,
            promise: line_promise(p.availability, placed_at, dest, &policy.delivery),
            sku: p.sku,
            name: p.name,
            quantity,
            unit_price: p.price,
            mva_rate: p.mva_rate,
            availability: p.availability,
        })
        .collect();
    let promise = order_promise(lines.iter().map(|l| &l.promise));
    let totals = totals(&lines, shipping_price);
    Quote {
        lines,
        totals,
        promise,
    }
}

/// Order totals with MVA per rate (S2). Shipping carries the general rate.
pub fn totals(lines: &[OrderLine], shipping: Money) -> Totals {
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
    }
}

fn record<T>(errors: &mut Vec<FieldError>, field: &str, result: Result<T, Invalid>) -> Option<T> {
    result.map_err(|e| errors.push(FieldError::new(field, e))).ok()
}

fn text_field(
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

fn address(errors: &mut Vec<FieldError>, field: &str, draft: &AddressDraft) -> Option<Address> {
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
                    sku: "KAFFE-1".into(),
                    quantity: 2,
                },
                LineDraft {
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
        // S2: 25 % on 1 249,00 + 99,00 shipping; 15 % on 249,80.
        assert_eq!(
            order.totals.mva[0].mva,
            MvaRate::General.mva_of_total(Money::from_ore(134_800))
        );
        assert_eq!(order.totals.mva[1].mva, Money::from_ore(3_258));
        assert_eq!(order.promise, order.lines[1].promise, "D5: the slowest line");
        assert_eq!(order.delivery_address.place, "OSLO");
        assert_eq!(order.customer.phone.e164(), "+4741234567");
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
                sku: "KAFFE-1".into(),
                quantity: 0,
            },
            LineDraft {
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
            sku: "TBD-1".into(),
            quantity: 1,
        });
        let order = validate_order(&d, product, placed(), &ShopPolicy::default()).unwrap();
        assert_eq!(order.promise.window, None);
    }
}
