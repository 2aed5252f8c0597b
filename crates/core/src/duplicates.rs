//! Is this customer one we already have? A phone number or an e-mail address that exists is the same
//! person; otherwise a name and address that read the same once Norwegian spelling variants are set
//! aside (æ/ae, ø/oe, å/aa; "gate"/"gt."; "vei"/"vn."; case, punctuation, spacing) are very likely
//! the same, and staff are shown the existing customer first (issue 20, item 3).

use serde::{Deserialize, Serialize};

use crate::order::Customer;
use crate::{Email, PhoneNumber};

/// How an existing customer matches the one being typed, the strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DuplicateMatch {
    /// The same mobile or landline number (E.164).
    SamePhone,
    /// The same e-mail address (case aside).
    SameEmail,
    /// The same name at the same address, spelling variants aside.
    SameNameAndAddress,
}

impl DuplicateMatch {
    /// For staff, in Norwegian: why the existing customer is shown first.
    pub fn text(self) -> &'static str {
        match self {
            DuplicateMatch::SamePhone => "Samme telefonnummer",
            DuplicateMatch::SameEmail => "Samme e-postadresse",
            DuplicateMatch::SameNameAndAddress => "Samme navn og adresse (skrevet litt ulikt)",
        }
    }
}

/// What is typed so far of a customer: the phone and e-mail once they parse, the name and address
/// as typed.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    pub phone: Option<&'a PhoneNumber>,
    pub email: Option<&'a Email>,
    pub name: &'a str,
    pub line1: &'a str,
    pub postcode: &'a str,
}

impl<'a> Probe<'a> {
    pub fn of(c: &'a Customer) -> Probe<'a> {
        Probe {
            phone: Some(&c.phone),
            email: c.email.as_ref(),
            name: &c.name,
            line1: &c.address.line1,
            postcode: &c.address.postcode,
        }
    }
}

/// The strongest reason `existing` is the customer being typed as `new`, if any. The phone and the
/// e-mail are compared as parsed (E.164, lower case); name and address as [`folded`].
pub fn duplicate_of(new: &Probe<'_>, existing: &Customer) -> Option<DuplicateMatch> {
    if new.phone == Some(&existing.phone) {
        return Some(DuplicateMatch::SamePhone);
    }
    if let (Some(a), Some(b)) = (new.email, &existing.email) {
        if a.as_str().eq_ignore_ascii_case(b.as_str()) {
            return Some(DuplicateMatch::SameEmail);
        }
    }
    let same_name = names_match(new.name, &existing.name);
    let same_address = !new.postcode.trim().is_empty()
        && new.postcode.trim() == existing.address.postcode.trim()
        && street_matches(new.line1, &existing.address.line1);
    (same_name && same_address).then_some(DuplicateMatch::SameNameAndAddress)
}

/// Names match when their folded words are the same words, in any order ("Nordmann, Kari" is
/// "Kari Nordmann"), or when one has a middle name the other leaves out.
pub fn names_match(a: &str, b: &str) -> bool {
    let mut a: Vec<String> = folded(a)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut b: Vec<String> = folded(b)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a.sort();
    b.sort();
    if a == b {
        return true;
    }
    // A middle name left out: the shorter name's words are all in the longer, and both have at
    // least a first and a last name.
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    short.len() >= 2 && short.iter().all(|w| long.contains(w))
}

/// Street addresses match when they fold to the same text: "Storgata 1" is "Storgt. 1" and
/// "storgata 1", but not "Storgata 11" or "Storgata 1B".
pub fn street_matches(a: &str, b: &str) -> bool {
    let (a, b) = (street(a), street(b));
    !a.is_empty() && a == b
}

/// Lower case, Norwegian letters spelt out (æ → ae, ø → oe, å → aa, and the Swedish/German ä, ö
/// folded the same), accents removed, punctuation to spaces, spaces collapsed.
pub fn folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' | 'è' | 'ê' => out.push('e'),
            'ü' => out.push('u'),
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A street address folded, with the usual abbreviations written out: "gt." and "gate"/"gata" are
/// one word ending; "vn."/"vei"/"veien" another; "pl."/"plass".
fn street(text: &str) -> String {
    let folded = folded(text);
    folded
        .split(' ')
        .map(|word| {
            for (short, long) in [
                ("gt", "gate"),
                ("gata", "gate"),
                ("vn", "vei"),
                ("veien", "vei"),
                ("pl", "plass"),
            ] {
                if let Some(stem) = word.strip_suffix(short) {
                    return format!("{stem}{long}");
                }
            }
            word.to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Address;

    fn customer(name: &str, phone: &str, email: Option<&str>, line1: &str, postcode: &str) -> Customer {
        Customer {
            company: None,
            name: name.into(),
            phone: PhoneNumber::parse(phone).unwrap(),
            email: email.map(|e| Email::parse(e).unwrap()),
            address: Address {
                line1: line1.into(),
                line2: String::new(),
                postcode: postcode.into(),
                place: String::new(),
            },
            marketing_consent: false,
            marketing_consent_text: None,
        }
    }

    /// The table of issue 20: name and address variants that must match, and near misses that must
    /// not (another house number, another postcode, another person at the same address).
    #[test]
    fn norwegian_spelling_variants_match_and_near_misses_do_not() {
        let kari = customer("Kari Ødegård", "41234567", None, "Storgata 1", "0150");
        let must = [
            ("Kari Oedegaard", "Storgata 1"),
            ("kari ødegård", "Storgt. 1"),
            ("Ødegård, Kari", "storgata 1"),
            ("Kari Ødegaard", "Storgate 1"),
            ("Kari Marie Ødegård", "Storgata  1"),
            ("KARI ØDEGÅRD", "Storgata 1,"),
        ];
        for (name, line1) in must {
            let new = customer(name, "90000001", None, line1, "0150");
            assert_eq!(
                duplicate_of(&Probe::of(&new), &kari),
                Some(DuplicateMatch::SameNameAndAddress),
                "{name} / {line1}"
            );
        }
        let must_not = [
            ("Kari Ødegård", "Storgata 11", "0150"),
            ("Kari Ødegård", "Storgata 1B", "0150"),
            ("Kari Ødegård", "Storgata 1", "0151"),
            ("Kari Odegard", "Storgata 1", "0150"),
            ("Per Ødegård", "Storgata 1", "0150"),
            ("Kari", "Storgata 1", "0150"),
            ("Kari Ødegård", "Storveien 1", "0150"),
        ];
        for (name, line1, postcode) in must_not {
            let new = customer(name, "90000001", None, line1, postcode);
            assert_eq!(
                duplicate_of(&Probe::of(&new), &kari),
                None,
                "{name} / {line1} / {postcode}"
            );
        }
    }

    #[test]
    fn the_same_phone_or_email_is_the_same_customer() {
        let kari = customer(
            "Kari Nordmann",
            "+47 412 34 567",
            Some("kari@example.no"),
            "Storgata 1",
            "0150",
        );
        let phone = customer("K. Nordmann", "41234567", None, "Annen vei 2", "5003");
        assert_eq!(
            duplicate_of(&Probe::of(&phone), &kari),
            Some(DuplicateMatch::SamePhone)
        );
        let email = customer(
            "Kari N",
            "90000001",
            Some("KARI@example.no"),
            "Annen vei 2",
            "5003",
        );
        assert_eq!(
            duplicate_of(&Probe::of(&email), &kari),
            Some(DuplicateMatch::SameEmail)
        );
        let other = customer(
            "Kari Nordmann",
            "90000001",
            Some("kari.n@example.no"),
            "Annen vei 2",
            "5003",
        );
        assert_eq!(duplicate_of(&Probe::of(&other), &kari), None);
    }

    #[test]
    fn street_abbreviations_fold_to_one_form() {
        assert!(street_matches("Kongens gt. 5", "Kongens gate 5"));
        assert!(street_matches("Bygdøy allé 2", "Bygdoey alle 2"));
        assert!(street_matches("Trondheimsvn. 10", "Trondheimsveien 10"));
        assert!(street_matches("Youngstorget pl 1", "Youngstorget plass 1"));
        assert!(!street_matches("Kongens gate 5", "Kongens gate 6"));
        assert!(!street_matches("", ""));
        assert_eq!(folded("  Bjørn-Åge  Ærø "), "bjoern aage aeroe");
    }
}
