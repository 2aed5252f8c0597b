//! Norwegian names of the order form's fields, as staff see them next to an error.

/// `customer.address.postcode` → "Kundens postnummer"; `lines[2].quantity` → "Varelinje 3: antall".
pub fn field_label(path: &str) -> String {
    for (prefix, noun) in [
        ("lines[", "Varelinje"),
        ("return_lines[", "Returlinje"),
        ("claim_lines[", "Reklamert linje"),
    ] {
        if let Some((index, field)) = path.strip_prefix(prefix).and_then(|rest| rest.split_once(']')) {
            let n = index.parse::<usize>().map(|i| i + 1).unwrap_or(0);
            let what = match field.trim_start_matches('.') {
                "quantity" => "antall",
                "sku" => "varenummer",
                "line_no" => "ordrelinje",
                "reason" => "årsak",
                _ => "vare",
            };
            return format!("{noun} {n}: {what}");
        }
    }
    let label = match path {
        "customer.name" => "Kundens navn",
        "customer.phone" => "Telefon",
        "customer.email" => "E-post",
        "customer.company.org_nr" => "Org.nr.",
        "customer.company.name" => "Firmanavn",
        "customer.company.invoice_email" => "Faktura-e-post",
        "customer.company.reference" => "Referanse / PO-nummer",
        "discount" => "Rabatt på ordren",
        "customer.fodselsnummer" => "Fødselsnummer",
        "customer.birth_year" => "Fødselsår",
        "customer.guardian_consent" => "Samtykke fra foresatte",
        "customer.guardian_name" => "Foresattes navn",
        "customer.guardian_relation" => "Foresattes relasjon",
        "customer.confirmed_15_or_older" => "Alder",
        "customer.address.line1" => "Adresse",
        "customer.address.line2" => "Adresselinje 2",
        "customer.address.postcode" => "Postnummer",
        "customer.address.country" => "Land",
        "delivery_address.line1" => "Leveringsadresse",
        "delivery_address.line2" => "Leveringsadresse linje 2",
        "delivery_address.postcode" => "Leveringsadressens postnummer",
        "delivery_address.country" => "Leveringsadressens land",
        "shipping_method" => "Fraktmåte",
        "payment_method" => "Betalingsmåte",
        "note" => "Merknad",
        "lines" => "Varelinjer",
        "return_lines" => "Returlinjer",
        "description" => "Beskrivelse",
        "claim_lines" => "Reklamerte linjer",
        "kind" => "Type reklamasjon",
        "discovered" => "Oppdaget",
        "received" => "Mottatt",
        "photos" => "Bilder",
        "cancel_reason" => "Årsak til kanselleringen",
        other => other,
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::field_label;

    #[test]
    fn labels() {
        assert_eq!(field_label("lines[2].quantity"), "Varelinje 3: antall");
        assert_eq!(field_label("customer.address.postcode"), "Postnummer");
    }
}
