//! What staff (at a desk or in the back office) tell the customer about a flag the central store set
//! on an order.

use skranke_core::{Availability, Money};

use crate::Flag;

/// One Norwegian sentence (or two) per flag.
pub fn flag_text(flag: &Flag) -> String {
    match flag {
        Flag::PriceChanged {
            line_no,
            sku,
            quoted_ore,
            current_ore,
        } => format!(
            "Linje {line_no} ({sku}): prisen er nå {}, men kunden betaler prisen som ble oppgitt, {}.",
            Money::from_ore(*current_ore),
            Money::from_ore(*quoted_ore)
        ),
        Flag::BackOrdered {
            line_no,
            sku,
            availability,
        } => {
            let text = Availability::from_code(availability, None)
                .map(Availability::text)
                .unwrap_or("Varen må bestilles.");
            format!(
                "Linje {line_no} ({sku}) er ikke lenger på lager: {text} Gi kunden beskjed om ny leveringstid."
            )
        }
        Flag::Discontinued { line_no, sku } => format!(
            "Linje {line_no} ({sku}) er tatt ut av sortimentet etter at ordren ble tatt. Kontakt kundesenter."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flag_says_what_to_tell_the_customer() {
        let price = flag_text(&Flag::PriceChanged {
            line_no: 1,
            sku: "GR-1".into(),
            quoted_ore: 129_900,
            current_ore: 139_900,
        });
        assert!(
            price.contains("1\u{a0}399,00") && price.contains("1\u{a0}299,00"),
            "{price}"
        );
        let back = flag_text(&Flag::BackOrdered {
            line_no: 2,
            sku: "GR-2".into(),
            availability: "must_order".into(),
        });
        assert!(back.contains("Varen må bestilles fra leverandør."), "{back}");
    }
}
