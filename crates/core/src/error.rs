//! The closed set of reasons a value or an order is refused, each with the Norwegian text staff read.

use serde::{Deserialize, Serialize};

/// Why a field's value was refused. Shells branch on the variant (serialised as a snake_case code);
/// staff read the `Display` text, which is Norwegian bokmål.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Invalid {
    #[error("må fylles ut")]
    Missing,
    /// Issue 20: Klarna's part payment is a consumer credit.
    #[error("delbetaling gjelder bare privatpersoner: velg faktura for en bedrift")]
    PartPaymentNotForCompanies,
    /// Issue 20: a discount refused, in the words of `discount::DiscountRefused`.
    #[error("{message}")]
    Discount { message: String },
    #[error("er for lang (maks {max} tegn)")]
    TooLong { max: usize },
    #[error("ugyldig beløp «{text}»")]
    Amount { text: String },
    #[error("fødselsnummer må ha 11 sifre")]
    FodselsnummerLength,
    #[error("fødselsnummer kan bare inneholde sifre")]
    FodselsnummerDigits,
    #[error("fødselsnummeret inneholder ikke en gyldig dato")]
    FodselsnummerDate,
    #[error("fødselsnummeret har feil kontrollsiffer")]
    FodselsnummerChecksum,
    #[error("fødselsnummeret har et individnummer som ikke passer med fødselsåret")]
    FodselsnummerCentury,
    #[error("organisasjonsnummer må ha 9 sifre og riktig kontrollsiffer")]
    OrgNr,
    #[error("telefonnummer må være et norsk nummer med 8 sifre")]
    PhoneFormat,
    #[error("nummeret er ikke et telefonnummer til en person (spesialnummer eller maskin-til-maskin)")]
    PhoneNotPersonal,
    #[error("må være et norsk mobilnummer (begynner på 4 eller 9)")]
    PhoneNotMobile,
    #[error("ugyldig e-postadresse")]
    Email,
    #[error("postnummer må ha 4 sifre")]
    PostcodeFormat,
    #[error("postnummer {code} finnes ikke")]
    PostcodeUnknown { code: String },
    #[error("postnummer {code} ({place}) gjelder bare postbokser, ikke gateadresser")]
    PostcodeBoxOnly { code: String, place: String },
    #[error("postnummer {code} ({place}) gjelder bare gateadresser, ikke postbokser")]
    PostcodeStreetOnly { code: String, place: String },
    #[error("postnummer {code} er et servicenummer og kan ikke brukes i en adresse")]
    PostcodeService { code: String },
    #[error("vi leverer bare til adresser i Norge")]
    CountryNotNorway,
    #[error("postnummer {code} ({place}) ligger på {area}, utenfor det norske MVA-området, og butikken sender ikke dit: be om en leveringsadresse på fastlandet, eller sett kunden over til kundesenteret")]
    OutsideMvaArea {
        code: String,
        place: String,
        area: String,
    },
    #[error("antall må være minst 1")]
    QuantityNotPositive,
    #[error("antall kan ikke være mer enn {max}")]
    QuantityTooLarge { max: u32 },
    #[error("ukjent varenummer {sku}")]
    UnknownSku { sku: String },
    #[error("ordren må ha minst én varelinje")]
    NoLines,
    #[error("kunden må være fylt 18 år for å betale med {method}")]
    BuyerUnder18 { method: String },
    #[error("fødselsnummer kreves for {method}")]
    FodselsnummerRequired { method: String },
    #[error("fødselsnummer skal bare oppgis ved faktura eller delbetaling")]
    FodselsnummerNotAllowed,
    #[error("alder kan ikke leses av dette nummeret; velg en annen betalingsmåte")]
    AgeUnknown,
    #[error("fødselsnummeret er av den nye typen (2032-regelen) og viser ikke hvilket år kunden er født: spør kunden om fødselsåret og fyll det inn")]
    BirthYearRequired,
    #[error(
        "fødselsåret {year} passer ikke med fødselsnummeret, som viser år «{digits}»: spør kunden igjen"
    )]
    BirthYearMismatch { year: i32, digits: String },
    #[error("fødselsår må være fire sifre, for eksempel 1984")]
    BirthYearFormat,
    #[error("{method} krever et norsk mobilnummer")]
    MobileRequired { method: String },
    #[error("betalingslenken sendes på SMS eller e-post: oppgi mobilnummer eller e-post")]
    ContactRequired,
    #[error("kunder under 15 år krever samtykke fra foresatte")]
    GuardianConsentRequired,
    #[error("spør kunden: bekreft at kunden er 15 år eller eldre, eller registrer samtykke fra en foresatt")]
    AgeConfirmationRequired,
    #[error("ukjent fraktmåte «{code}»")]
    UnknownShippingMethod { code: String },
    #[error("ugyldig dato «{text}» (bruk ÅÅÅÅ-MM-DD)")]
    Date { text: String },
    #[error("ukjent lagerstatus «{text}»")]
    Availability { text: String },
    #[error("ukjent MVA-sats «{text}» (25, 15 eller 12)")]
    MvaRate { text: String },
    #[error("ugyldig ja/nei-verdi «{text}» (ja eller nei)")]
    YesNo { text: String },
    #[error("EAN må ha 8, 12, 13 eller 14 sifre med riktig kontrollsiffer")]
    Ean,
    #[error("ordren har ingen linje {line_no}")]
    UnknownOrderLine { line_no: u32 },
    #[error("ukjent returårsak «{text}» (angrerett, reklamasjon, transportskade eller feil_vare)")]
    ReturnReason { text: String },
    #[error("kan ikke returnere {asked}: kjøpt {bought}, allerede returnert {returned}")]
    ReturnExceeds { bought: u32, returned: u32, asked: u32 },
    /// A date typed at the desk (the window's date fields read dd.mm.åååå).
    #[error("ugyldig dato «{text}»: skriv dd.mm.åååå")]
    TypedDate { text: String },
    /// A photo that could not be taken (its format, its size), in words for staff.
    #[error("{text}")]
    Photo { text: String },
    /// A claim's photo that is not named by its content (lost on the way from the file).
    #[error("et bilde mangler eller er ødelagt: fjern det og legg det til på nytt")]
    PhotoName,
    /// A claim's dates that cannot be right (discovered before receipt, or in the future).
    #[error("{text}")]
    ClaimDates { text: String },
    #[error("linje {line_no} er allerede returnert i sin helhet")]
    AlreadyReturned { line_no: u32 },
}

/// One refused field of a form, named by its path (for example `lines[2].quantity`) so a form can put
/// the message next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Invalid,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Invalid) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}
