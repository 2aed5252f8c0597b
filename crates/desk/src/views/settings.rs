//! The settings screen: the data folder, the catalog, the pairing.

use serde::Serialize;
use skranke_core::ShopPolicy;

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
