//! Shop policy: every fee, deadline, text and the seller's identity, with the seeds' defaults, loadable
//! from TOML. Law (angrerett's 14 days, reklamasjon's 2 and 5 years, the 18-year limit) is not policy and
//! lives beside the rule that uses it.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::{Money, OrgNr};

/// The shop's terms as one value. Every field has the default of the shop's own terms (`seeds/`), so a
/// TOML file only names what differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopPolicy {
    pub seller: Seller,
    pub delivery: DeliveryPolicy,
    pub pickup: PickupPolicy,
    pub payment: PaymentPolicy,
    /// Shipping methods staff can choose, in the order shown.
    pub shipping_methods: Vec<ShippingMethod>,
    pub texts: PolicyTexts,
    pub consent: ConsentPolicy,
    /// Issue 20: discount reasons and each role's limit.
    pub discounts: crate::discount::DiscountPolicy,
    /// Issue 20: how many days a quote (tilbud) holds its prices after the day it is made.
    pub quote_valid_days: u32,
}

/// F7: the marketing consent text staff read aloud, versioned: a record keeps the version and the
/// exact text it was given under, so changing the text never changes what an old consent meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentPolicy {
    pub marketing_text: String,
    /// Raise it whenever the text changes.
    pub marketing_text_version: u32,
}

impl Default for ConsentPolicy {
    fn default() -> Self {
        ConsentPolicy {
            marketing_text: "Vil du ha tilbud og nyheter fra oss på e-post og SMS? Du kan når som helst si nei takk igjen, ved å ringe oss, svare på en SMS eller bruke lenken i e-posten.".into(),
            marketing_text_version: 1,
        }
    }
}

/// Who sells: printed on every sales document (S1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seller {
    pub name: String,
    pub org_nr: OrgNr,
    /// Registered for MVA: the org.nr. is printed with "MVA" after it (S1).
    pub mva_registered: bool,
    pub address_lines: Vec<String>,
    pub postcode: String,
    pub place: String,
    pub email: String,
    pub phone: String,
    pub web: String,
    /// Where returns are sent (R3).
    pub return_address_lines: Vec<String>,
}

/// Dispatch and delivery times (D1–D5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryPolicy {
    /// D4: orders at or after this time are handled from the next working day, on the days
    /// `cutoff_days` names.
    pub cutoff: NaiveTime,
    /// D4: the shop's terms name Friday only ("orders after 16:00 on Friday are handled after the
    /// weekend"); a shop can apply the cut-off to every working day instead.
    pub cutoff_days: CutoffDays,
    /// D1: dispatched within this many working days after the day the order is handled.
    pub dispatch_working_days: u32,
    /// D3: Posten/Bring transit, in working days, for most addresses.
    pub transit_working_days: (u32, u32),
    /// D3: transit where "depending on where in the country you live" makes it longer.
    pub transit_working_days_remote: (u32, u32),
    /// Postcode prefixes of the longer transit (Nord-Norge: 8xxx and 9xxx).
    pub remote_postcode_prefixes: Vec<String>,
    /// D2: items not in stock in Norway, in weeks after the order is handled.
    pub not_in_norway_weeks: (u32, u32),
    /// Extra working days before dispatch when the item sits in the remote warehouse (shop policy).
    pub remote_warehouse_extra_working_days: u32,
    /// D7a: what to do with an address on Svalbard or Jan Mayen, outside the Norwegian MVA area.
    pub svalbard: OutsideMvaPolicy,
    /// D6: working days from the handling day until a supplier-direct item reaches the customer (the
    /// suppliers' terms; set it to what the shop's suppliers promise).
    pub supplier_direct_working_days: (u32, u32),
}

/// D7a: orders to Svalbard and Jan Mayen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideMvaPolicy {
    /// The shop does not send there: the desk refuses the address and says what to do (default).
    Refuse,
    /// Sold without Norwegian MVA: prices and shipping without MVA, the confirmation says why, and the
    /// customer is told that import duties may apply.
    WithoutMva,
}

/// D4: which working days the cut-off applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffDays {
    /// Fridays only: the shop's terms (the default).
    Friday,
    /// Every working day.
    EveryWorkingDay,
}

/// Pickup point deadlines and unclaimed-parcel fees (D9), and transport damage (D10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PickupPolicy {
    pub pickup_days: u32,
    pub unclaimed_fee_prepaid: Money,
    pub unclaimed_fee_unpaid: Money,
    pub transport_damage_report_hours: u32,
}

/// Payment terms (P1–P3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentPolicy {
    pub invoice_due_days: u32,
    /// P3: whether the shop itself must identify a faktura/delbetaling buyer by fødselsnummer. When
    /// false, Klarna identifies the buyer and the desk collects no fødselsnummer at all.
    pub fodselsnummer_for_credit: bool,
}

/// A way to ship an order, with its price incl. MVA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingMethod {
    pub code: String,
    pub name: String,
    pub price: Money,
    pub kind: ShippingKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingKind {
    /// Posten/Bring to the customer's pickup point: the pickup deadline applies (D9).
    PickupPoint,
    /// Delivered to the door.
    Home,
    /// Collected in the shop: no transit.
    InStore,
}

/// Texts printed on documents and read to customers; defaults are the shop's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyTexts {
    pub dispatch: String,
    pub supplier_direct: String,
    pub order_status: String,
}

impl Default for Seller {
    fn default() -> Self {
        Seller {
            name: "Terjesen.no".into(),
            org_nr: OrgNr::parse("936016081").unwrap_or_else(|_| unreachable!("valid by F9")),
            mva_registered: true,
            address_lines: vec!["Kundesenter".into()],
            postcode: "0150".into(),
            place: "OSLO".into(),
            email: "butikk@terjesen.no".into(),
            phone: String::new(),
            web: "www.terjesen.no".into(),
            return_address_lines: vec!["Terjesen.no – Retur".into(), "0150 OSLO".into()],
        }
    }
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            cutoff: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
            cutoff_days: CutoffDays::Friday,
            dispatch_working_days: 2,
            transit_working_days: (2, 4),
            transit_working_days_remote: (3, 5),
            remote_postcode_prefixes: vec!["8".into(), "9".into()],
            not_in_norway_weeks: (2, 4),
            remote_warehouse_extra_working_days: 3,
            svalbard: OutsideMvaPolicy::Refuse,
            supplier_direct_working_days: (5, 10),
        }
    }
}

impl Default for PickupPolicy {
    fn default() -> Self {
        PickupPolicy {
            pickup_days: 14,
            unclaimed_fee_prepaid: Money::from_kroner(300),
            unclaimed_fee_unpaid: Money::from_kroner(350),
            transport_damage_report_hours: 24,
        }
    }
}

impl Default for PaymentPolicy {
    fn default() -> Self {
        PaymentPolicy {
            invoice_due_days: 30,
            fodselsnummer_for_credit: true,
        }
    }
}

impl Default for PolicyTexts {
    fn default() -> Self {
        PolicyTexts {
            dispatch: "Ordren din ekspederes vanligvis innen to virkedager etter at du har bestilt.".into(),
            supplier_direct: "Enkelte varer blir levert av leverandør / grossist direkte. Du blir da kontaktet av leverandøren i forkant.".into(),
            order_status: "Når varene sendes fra oss, får ordren status «Sendt». Inntil da står det «Under behandling».".into(),
        }
    }
}

impl Default for ShopPolicy {
    fn default() -> Self {
        ShopPolicy {
            seller: Seller::default(),
            delivery: DeliveryPolicy::default(),
            pickup: PickupPolicy::default(),
            payment: PaymentPolicy::default(),
            shipping_methods: vec![
                ShippingMethod {
                    code: "servicepakke".into(),
                    name: "Posten/Bring Servicepakke (hentested)".into(),
                    price: Money::from_kroner(99),
                    kind: ShippingKind::PickupPoint,
                },
                ShippingMethod {
                    code: "hjemlevering".into(),
                    name: "Posten/Bring levering hjem".into(),
                    price: Money::from_kroner(149),
                    kind: ShippingKind::Home,
                },
                ShippingMethod {
                    code: "hent_i_butikk".into(),
                    name: "Hent i butikken".into(),
                    price: Money::ZERO,
                    kind: ShippingKind::InStore,
                },
            ],
            texts: PolicyTexts::default(),
            consent: ConsentPolicy::default(),
            discounts: crate::discount::DiscountPolicy::default(),
            quote_valid_days: 14,
        }
    }
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
#[error("ugyldig butikkpolicy: {0}")]
pub struct PolicyError(#[from] toml::de::Error);

impl ShopPolicy {
    /// Reads a policy from TOML text; fields left out keep the seeds' defaults.
    pub fn from_toml(text: &str) -> Result<ShopPolicy, PolicyError> {
        Ok(toml::from_str(text)?)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn shipping_method(&self, code: &str) -> Option<&ShippingMethod> {
        self.shipping_methods.iter().find(|m| m.code == code)
    }

    /// `Org.nr. 936 016 081 MVA` (S1).
    pub fn org_nr_line(&self) -> String {
        let mva = if self.seller.mva_registered { " MVA" } else { "" };
        format!("Org.nr. {}{mva}", self.seller.org_nr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seeds() {
        let p = ShopPolicy::default();
        assert_eq!(p.org_nr_line(), "Org.nr. 936 016 081 MVA");
        assert_eq!(p.seller.email, "butikk@terjesen.no");
        assert_eq!(p.pickup.pickup_days, 14);
        assert_eq!(p.pickup.unclaimed_fee_prepaid, Money::from_kroner(300));
        assert_eq!(p.pickup.unclaimed_fee_unpaid, Money::from_kroner(350));
        assert_eq!(p.pickup.transport_damage_report_hours, 24);
        assert_eq!(p.payment.invoice_due_days, 30);
        assert_eq!(p.delivery.cutoff, NaiveTime::from_hms_opt(16, 0, 0).unwrap());
    }

    #[test]
    fn toml_overrides_only_what_it_names_and_round_trips() {
        let p = ShopPolicy::from_toml(
            "[pickup]\npickup_days = 7\nunclaimed_fee_prepaid = 25000\n[seller]\nname = \"Butikken AS\"\norg_nr = \"988077917\"\n",
        )
        .unwrap();
        assert_eq!(p.pickup.pickup_days, 7);
        assert_eq!(p.pickup.unclaimed_fee_prepaid, Money::from_ore(25_000));
        assert_eq!(p.pickup.unclaimed_fee_unpaid, Money::from_kroner(350));
        assert_eq!(p.seller.name, "Butikken AS");
        assert_eq!(p.seller.email, "butikk@terjesen.no");
        assert_eq!(ShopPolicy::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn toml_refuses_a_bad_org_nr_and_unknown_keys() {
        assert!(ShopPolicy::from_toml("[seller]\norg_nr = \"988077918\"\n").is_err());
        assert!(ShopPolicy::from_toml("pickup_dayz = 3\n").is_err());
    }
}
