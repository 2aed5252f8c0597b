//! The terms printed on documents (S1, R1–R3, D9, D10), from the shop policy and the law.

use chrono::NaiveDate;
use skranke_core::returns::withdrawal_deadline;
use skranke_core::{PaymentMethod, ShopPolicy};

use crate::{date, kr};

pub fn payment(method: PaymentMethod, policy: &ShopPolicy, state: Option<&str>) -> String {
    let state = state.map_or_else(
        || "Betalingsforespørselen sendes til deg; ordren behandles når betalingen er godkjent.".to_string(),
        |s| format!("Betalingsstatus: {s}."),
    );
    format!("{} {state}", method.terms(&policy.payment))
}

/// D9: pickup deadline and the fees of an unclaimed or refused parcel.
pub fn pickup(policy: &ShopPolicy) -> String {
    let p = &policy.pickup;
    format!(
        "Pakken venter {} dager på hentestedet fra den kommer fram, og sendes deretter i retur til oss. \
         For uavhentede pakker betaler du et gebyr på {} når ordren er forhåndsbetalt (kort, Vipps). \
         Er ordren ikke forhåndsbetalt (faktura, delbetaling), er gebyret {} pluss frakt tur/retur; \
         dette gebyret belastes aldri kjøpere under 18 år. Å nekte å ta imot pakken regnes som uavhentet.",
        p.pickup_days,
        kr(p.unclaimed_fee_prepaid),
        kr(p.unclaimed_fee_unpaid)
    )
}

/// D10.
pub fn transport_damage(policy: &ShopPolicy) -> String {
    format!(
        "Undersøk pakken når du mottar den. Skader fra transporten må meldes til oss innen {} timer etter \
         at du mottok varene, skriftlig og gjerne med bilder, til {}.",
        policy.pickup.transport_damage_report_hours, policy.seller.email
    )
}

/// R1 (forbrukerkjøpsloven § 27).
pub const COMPLAINT: &str = "Har varen en feil eller mangel, må du gi oss beskjed (reklamere) innen rimelig tid \
    etter at du oppdaget den, og du har alltid minst to måneder fra du oppdaget mangelen. Reklamasjon må skje \
    senest to år etter at du mottok varen, eller fem år for varer som er ment å vare vesentlig lenger \
    (forbrukerkjøpsloven § 27).";

/// R2, with the deadline computed for the latest promised delivery day when there is one.
pub fn withdrawal(latest_delivery: Option<NaiveDate>) -> String {
    let mut text = "Du har 14 dagers angrerett etter angrerettloven. Fristen løper fra dagen etter at du mottok \
        varene (ved delleveranse: den siste varen). Faller siste dag på en lørdag, søndag eller helligdag, \
        forlenges fristen til nærmeste virkedag. Gi oss beskjed innen fristen, for eksempel med angreskjemaet \
        på siste side, og send varene tilbake. Du betaler selv returfrakten når du bruker angreretten."
        .to_string();
    if let Some(day) = latest_delivery {
        text.push_str(&format!(
            " Eksempel: mottar du varene {}, er siste frist {}.",
            date(day),
            date(withdrawal_deadline(day, true))
        ));
    }
    text
}

/// The order status the customer sees (D8) and where to ask.
pub fn contact(policy: &ShopPolicy, order_number: &str) -> String {
    format!(
        "{} Spørsmål om ordren? Skriv til {} og oppgi ordrenummer {order_number}.",
        policy.texts.order_status, policy.seller.email
    )
}
