//! Payment methods and who may use them (rules P1–P3, P5).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::fodselsnummer::age_on;
use crate::{FieldError, Fodselsnummer, Invalid, PaymentPolicy};

/// How the customer pays (P1). On a phone order every method is a request sent to the customer (P5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    KlarnaFaktura,
    KlarnaDelbetaling,
    Kort,
    Vipps,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::KlarnaFaktura,
        PaymentMethod::KlarnaDelbetaling,
        PaymentMethod::Kort,
        PaymentMethod::Vipps,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            PaymentMethod::KlarnaFaktura => "klarna_faktura",
            PaymentMethod::KlarnaDelbetaling => "klarna_delbetaling",
            PaymentMethod::Kort => "kort",
            PaymentMethod::Vipps => "vipps",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.code() == code)
    }

    pub const fn name(self) -> &'static str {
        match self {
            PaymentMethod::KlarnaFaktura => "Klarna faktura",
            PaymentMethod::KlarnaDelbetaling => "Klarna delbetaling",
            PaymentMethod::Kort => "Kort",
            PaymentMethod::Vipps => "Vipps",
        }
    }

    /// Faktura and delbetaling are credit: 18-year limit (P2), fødselsnummer where the shop identifies (P3).
    pub const fn is_credit(self) -> bool {
        matches!(
            self,
            PaymentMethod::KlarnaFaktura | PaymentMethod::KlarnaDelbetaling
        )
    }

    /// The terms printed on the confirmation and read to the customer (P1, P5).
    pub fn terms(self, policy: &PaymentPolicy) -> String {
        match self {
            PaymentMethod::KlarnaFaktura => format!(
                "Klarna faktura: fakturaen sendes på e-post når pakken sendes, og forfaller {} dager etter.",
                policy.invoice_due_days
            ),
            PaymentMethod::KlarnaDelbetaling => {
                "Klarna delbetaling: fakturaen sendes til e-postadressen på bestillingen.".to_string()
            }
            PaymentMethod::Kort => {
                "Kort: du får en betalingslenke fra Klarna. Beløpet trekkes samme dag som bestillingen gjøres."
                    .to_string()
            }
            PaymentMethod::Vipps => "Vipps: du får en betalingsforespørsel i Vipps på mobilen.".to_string(),
        }
    }
}

/// What the payment rules need to know about the buyer.
#[derive(Debug, Clone, Copy)]
pub struct Buyer<'a> {
    pub fodselsnummer: Option<&'a Fodselsnummer>,
    /// F3a: the birth year staff confirmed with the customer, for a number that does not tell it.
    pub birth_year: Option<i32>,
    pub has_mobile: bool,
    pub has_email: bool,
    /// Issue 20: a company buys: faktura goes to its org.nr., no fødselsnummer is asked, and Klarna's
    /// part payment (a consumer credit) is not offered.
    pub company: bool,
}

/// The buyer's birth date from the fødselsnummer (F3), or for a number that does not tell its century
/// (F3a) from the birth year staff confirmed with the customer; refused against the field staff must
/// fill in or change.
pub fn birth_date(fnr: &Fodselsnummer, birth_year: Option<i32>) -> Result<NaiveDate, FieldError> {
    if let Some(date) = fnr.birth_date() {
        return Ok(date);
    }
    if !fnr.needs_birth_year() {
        return Err(FieldError::new("customer.fodselsnummer", Invalid::AgeUnknown));
    }
    let year =
        birth_year.ok_or_else(|| FieldError::new("customer.birth_year", Invalid::BirthYearRequired))?;
    fnr.birth_date_in(year)
        .map_err(|e| FieldError::new("customer.birth_year", e))
}

/// Checks the payment rules (P2, P3, P5) for `method`, on the day of the order. Every failed rule is
/// returned, each against the field staff must change.
pub fn check_payment(
    method: PaymentMethod,
    buyer: Buyer<'_>,
    today: NaiveDate,
    policy: &PaymentPolicy,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let method_name = method.name().to_string();
    if buyer.company {
        if method == PaymentMethod::KlarnaDelbetaling {
            errors.push(FieldError::new(
                "payment_method",
                Invalid::PartPaymentNotForCompanies,
            ));
        }
        // P3: a company's faktura is to its org.nr.; no fødselsnummer is collected for it.
        if buyer.fodselsnummer.is_some() {
            errors.push(FieldError::new(
                "customer.fodselsnummer",
                Invalid::FodselsnummerNotAllowed,
            ));
        }
    } else if method.is_credit() {
        match buyer.fodselsnummer {
            Some(fnr) => match birth_date(fnr, buyer.birth_year) {
                // P2: 18 or older.
                Ok(birth) if age_on(birth, today) < 18 => errors.push(FieldError::new(
                    "customer.fodselsnummer",
                    Invalid::BuyerUnder18 {
                        method: method_name.clone(),
                    },
                )),
                Ok(_) => {}
                Err(e) => errors.push(e),
            },
            None if policy.fodselsnummer_for_credit => errors.push(FieldError::new(
                "customer.fodselsnummer",
                Invalid::FodselsnummerRequired {
                    method: method_name.clone(),
                },
            )),
            None => {}
        }
    } else if buyer.fodselsnummer.is_some() {
        // P3: collect it nowhere else.
        errors.push(FieldError::new(
            "customer.fodselsnummer",
            Invalid::FodselsnummerNotAllowed,
        ));
    }
    if method.is_credit() && !policy.fodselsnummer_for_credit && buyer.fodselsnummer.is_some() {
        errors.push(FieldError::new(
            "customer.fodselsnummer",
            Invalid::FodselsnummerNotAllowed,
        ));
    }
    match method {
        // P5, F5: a Vipps request goes to a mobile number.
        PaymentMethod::Vipps if !buyer.has_mobile => errors.push(FieldError::new(
            "customer.phone",
            Invalid::MobileRequired { method: method_name },
        )),
        // P5: Klarna's link goes by SMS or e-mail.
        PaymentMethod::Kort | PaymentMethod::KlarnaFaktura | PaymentMethod::KlarnaDelbetaling
            if !buyer.has_mobile && !buyer.has_email =>
        {
            errors.push(FieldError::new("customer.email", Invalid::ContactRequired))
        }
        _ => {}
    }
    errors
}

/// Which methods this buyer may use right now, each with its refusal when not (shown before staff try).
pub fn available_methods(
    buyer: Buyer<'_>,
    today: NaiveDate,
    policy: &PaymentPolicy,
) -> Vec<(PaymentMethod, Vec<FieldError>)> {
    PaymentMethod::ALL
        .into_iter()
        .map(|m| {
            // A missing fødselsnummer is not a reason to hide faktura: staff ask for it once chosen.
            let errors = check_payment(m, buyer, today, policy)
                .into_iter()
                .filter(|e| {
                    !matches!(
                        e.problem,
                        Invalid::FodselsnummerRequired { .. } | Invalid::FodselsnummerNotAllowed
                    )
                })
                .collect();
            (m, errors)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }
    fn fnr(s: &str) -> Fodselsnummer {
        Fodselsnummer::parse(s).unwrap()
    }
    fn buyer(f: Option<&Fodselsnummer>) -> Buyer<'_> {
        Buyer {
            fodselsnummer: f,
            birth_year: None,
            has_mobile: true,
            has_email: true,
            company: false,
        }
    }

    /// Issue 20: a company's faktura goes to its org.nr.: no fødselsnummer is asked (and none is
    /// taken); part payment is a consumer credit and is refused for a company.
    #[test]
    fn a_company_gets_faktura_without_a_fodselsnummer_and_no_part_payment() {
        let company = Buyer {
            company: true,
            ..buyer(None)
        };
        let policy = PaymentPolicy::default();
        assert!(check_payment(PaymentMethod::KlarnaFaktura, company, day(), &policy).is_empty());
        assert_eq!(
            problems(check_payment(
                PaymentMethod::KlarnaDelbetaling,
                company,
                day(),
                &policy
            )),
            vec![Invalid::PartPaymentNotForCompanies]
        );
        let private = buyer(None);
        assert!(!check_payment(PaymentMethod::KlarnaFaktura, private, day(), &policy).is_empty());
    }
    fn problems(errors: Vec<FieldError>) -> Vec<Invalid> {
        errors.into_iter().map(|e| e.problem).collect()
    }
    const POLICY: PaymentPolicy = PaymentPolicy {
        invoice_due_days: 30,
        fodselsnummer_for_credit: true,
    };

    /// P2: 18 on the day is enough; 17 is refused, for faktura and delbetaling alike.
    #[test]
    fn p2_eighteen_or_older() {
        let eighteen = fnr("01860899813");
        let seventeen = fnr("02860899933");
        for m in [PaymentMethod::KlarnaFaktura, PaymentMethod::KlarnaDelbetaling] {
            assert!(check_payment(m, buyer(Some(&eighteen)), day(), &POLICY).is_empty());
            assert_eq!(
                problems(check_payment(m, buyer(Some(&seventeen)), day(), &POLICY)),
                vec![Invalid::BuyerUnder18 {
                    method: m.name().into()
                }]
            );
        }
    }

    /// P3: faktura needs a fødselsnummer when the shop identifies; card and Vipps must not collect one.
    #[test]
    fn p3_fodselsnummer_only_for_credit() {
        assert_eq!(
            problems(check_payment(
                PaymentMethod::KlarnaFaktura,
                buyer(None),
                day(),
                &POLICY
            )),
            vec![Invalid::FodselsnummerRequired {
                method: "Klarna faktura".into()
            }]
        );
        let adult = fnr("20036914700");
        for m in [PaymentMethod::Kort, PaymentMethod::Vipps] {
            assert!(check_payment(m, buyer(None), day(), &POLICY).is_empty());
            assert_eq!(
                problems(check_payment(m, buyer(Some(&adult)), day(), &POLICY)),
                vec![Invalid::FodselsnummerNotAllowed]
            );
        }
        let klarna_identifies = PaymentPolicy {
            fodselsnummer_for_credit: false,
            ..POLICY
        };
        assert!(check_payment(
            PaymentMethod::KlarnaFaktura,
            buyer(None),
            day(),
            &klarna_identifies
        )
        .is_empty());
    }

    /// F4/P2: an FH-number has no birth date, so age cannot be checked.
    #[test]
    fn p2_unknown_age_is_refused_for_credit() {
        let fh = fnr("81234567802");
        assert_eq!(
            problems(check_payment(
                PaymentMethod::KlarnaFaktura,
                buyer(Some(&fh)),
                day(),
                &POLICY
            )),
            vec![Invalid::AgeUnknown]
        );
    }

    /// F3a + P2: a number valid only under the 2032 rule tells no age: faktura asks for the birth year
    /// confirmed with the customer, then checks the age with it.
    #[test]
    fn f3a_credit_with_a_2032_rule_number_needs_the_confirmed_birth_year() {
        let new_rule = fnr("30108299939"); // 30.10.(19)82
        let with_year = |year| Buyer {
            birth_year: year,
            ..buyer(Some(&new_rule))
        };
        let faktura = |b| check_payment(PaymentMethod::KlarnaFaktura, b, day(), &POLICY);
        let missing = faktura(with_year(None));
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].field, "customer.birth_year");
        assert_eq!(missing[0].problem, Invalid::BirthYearRequired);
        assert!(missing[0]
            .problem
            .to_string()
            .contains("spør kunden om fødselsåret"));
        assert!(faktura(with_year(Some(1982))).is_empty());
        assert_eq!(
            problems(faktura(with_year(Some(2010)))),
            vec![Invalid::BirthYearMismatch {
                year: 2010,
                digits: "82".into()
            }]
        );
        // Born 2082 would be a child (in the future even): under 18.
        assert!(matches!(
            problems(faktura(with_year(Some(2082))))[..],
            [Invalid::BuyerUnder18 { .. }]
        ));
        // Card needs no age at all, and refuses the number as before (P3).
        assert_eq!(
            problems(check_payment(
                PaymentMethod::Kort,
                with_year(None),
                day(),
                &POLICY
            )),
            vec![Invalid::FodselsnummerNotAllowed]
        );
    }

    /// P5 + F5: Vipps needs a mobile; Klarna's link needs a mobile or an e-mail.
    #[test]
    fn p5_request_needs_a_way_to_reach_the_customer() {
        let nobody = Buyer {
            fodselsnummer: None,
            birth_year: None,
            has_mobile: false,
            has_email: false,
            company: false,
        };
        assert_eq!(
            problems(check_payment(PaymentMethod::Vipps, nobody, day(), &POLICY)),
            vec![Invalid::MobileRequired {
                method: "Vipps".into()
            }]
        );
        assert_eq!(
            problems(check_payment(PaymentMethod::Kort, nobody, day(), &POLICY)),
            vec![Invalid::ContactRequired]
        );
        let email_only = Buyer {
            has_email: true,
            ..nobody
        };
        assert!(check_payment(PaymentMethod::Kort, email_only, day(), &POLICY).is_empty());
        assert_eq!(
            check_payment(PaymentMethod::Vipps, email_only, day(), &POLICY).len(),
            1
        );
    }

    #[test]
    fn p1_terms_name_the_invoice_due_days() {
        assert!(PaymentMethod::KlarnaFaktura.terms(&POLICY).contains("30 dager"));
        assert!(PaymentMethod::Kort.terms(&POLICY).contains("samme dag"));
        let available = available_methods(buyer(Some(&fnr("02860899933"))), day(), &POLICY);
        let faktura = available
            .iter()
            .find(|(m, _)| *m == PaymentMethod::KlarnaFaktura)
            .unwrap();
        assert_eq!(faktura.1.len(), 1, "under 18 shows the refusal before staff try");
    }
}
