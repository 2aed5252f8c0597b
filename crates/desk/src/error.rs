//! The desk's one error type, and the closed set of codes the shells hand to the UI.

use serde::Serialize;
use skranke_core::FieldError;

use crate::labels::field_label;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The order (or form) broke rules: every refused field, each with its Norwegian message.
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// A file could not be read; `line` is 0 when the problem is not on one line.
    #[error("{}", import_message(*.line, .field, .message))]
    Import {
        line: u64,
        field: String,
        message: String,
    },
    #[error("ingen ordre med nummer {0}")]
    OrderNotFound(String),
    #[error("ingen tilbud med nummer {0} på denne skranken")]
    QuoteNotFound(String),
    #[error("kunden finnes ikke på denne skranken ({0})")]
    CustomerNotFound(String),
    /// Not a document this desk wrote into its documents folder.
    #[error("dokumentet «{0}» finnes ikke i skrankens dokumentmappe")]
    DocumentNotFound(String),
    #[error("{0}")]
    Storage(#[from] skranke_cache::CacheError),
    #[error("{0}")]
    Policy(#[from] skranke_core::policy::PolicyError),
    #[error("dokumentet kunne ikke lages: {0}")]
    Document(#[from] skranke_pdf::PdfError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    /// The system's printing refused or is missing; the message says what to do.
    #[error("{0}")]
    Printing(String),
    #[error("{0}")]
    Sync(#[from] skranke_sync::SyncError),
    /// Issue 20: the order's discounts are above the limit of the person who asked: a manager
    /// approves with their PIN (`needs_approval`), or the one who approved may not give that much.
    #[error("{message}")]
    Discount { needs_approval: bool, message: String },
    #[error("Feil PIN. {0} forsøk igjen før du blir sperret i fem minutter.")]
    WrongPin(i64),
    #[error("For mange feil PIN-er: sperret til kl. {0}.")]
    LockedOut(String),
    #[error("Skranken er låst: logg inn med PIN.")]
    NotLoggedIn,
    #[error("{0}")]
    Login(String),
    #[error("revisjonsloggen er endret: hendelse {seq} {reason}")]
    AuditBroken { seq: i64, reason: String },
    /// P5: a reserved or paid payment is not sent again or changed.
    #[error("betalingen er {0}: den kan ikke sendes på nytt eller endres")]
    PaymentSettled(String),
    /// D8, P5: the order cannot be changed or cancelled (sent, cancelled, paid and dearer); the
    /// message says what to tell the customer.
    #[error("{0}")]
    ChangeRefused(String),
    /// An update could not be fetched, or was refused (its signature); the desk runs on.
    #[error("{0}")]
    Update(String),
    /// The key that seals personal data cannot be found, made or used.
    #[error("nøkkelen for personopplysninger: {0}")]
    FieldKey(String),
}

/// The closed set of error codes a UI branches on (never on text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorCode {
    Invalid,
    Import,
    NotFound,
    Storage,
    Policy,
    Document,
    Sync,
    Io,
    Printing,
    PaymentSettled,
    ChangeRefused,
    WrongPin,
    LockedOut,
    NotLoggedIn,
    AuditBroken,
    FieldKey,
    Update,
    DiscountNeedsApproval,
    DiscountRefused,
    /// The disk is full (issue 21 item 6): nothing was saved; the window keeps what staff typed.
    DiskFull,
}

impl DeskError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DeskError::Invalid(_) => ErrorCode::Invalid,
            DeskError::Import { .. } => ErrorCode::Import,
            DeskError::OrderNotFound(_)
            | DeskError::QuoteNotFound(_)
            | DeskError::CustomerNotFound(_)
            | DeskError::DocumentNotFound(_)
            | DeskError::Storage(skranke_cache::CacheError::CustomerNotFound(_)) => ErrorCode::NotFound,
            DeskError::Storage(
                skranke_cache::CacheError::WrongFieldKey { .. } | skranke_cache::CacheError::FieldKey(_),
            )
            | DeskError::FieldKey(_) => ErrorCode::FieldKey,
            DeskError::Storage(skranke_cache::CacheError::OrderMovedOn { .. }) => ErrorCode::ChangeRefused,
            DeskError::Storage(skranke_cache::CacheError::DiskFull) => ErrorCode::DiskFull,
            DeskError::Io { source, .. } if source.raw_os_error() == Some(28) => ErrorCode::DiskFull,
            DeskError::Storage(_) => ErrorCode::Storage,
            DeskError::Policy(_) => ErrorCode::Policy,
            DeskError::Document(_) => ErrorCode::Document,
            DeskError::Io { .. } => ErrorCode::Io,
            DeskError::Printing(_) => ErrorCode::Printing,
            DeskError::Sync(_) => ErrorCode::Sync,
            DeskError::PaymentSettled(_) => ErrorCode::PaymentSettled,
            DeskError::ChangeRefused(_) => ErrorCode::ChangeRefused,
            DeskError::WrongPin(_) | DeskError::Login(_) => ErrorCode::WrongPin,
            DeskError::LockedOut(_) => ErrorCode::LockedOut,
            DeskError::NotLoggedIn => ErrorCode::NotLoggedIn,
            DeskError::AuditBroken { .. } => ErrorCode::AuditBroken,
            DeskError::Update(_) => ErrorCode::Update,
            DeskError::Discount {
                needs_approval: true, ..
            } => ErrorCode::DiscountNeedsApproval,
            DeskError::Discount { .. } => ErrorCode::DiscountRefused,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> DeskError {
        let context = context.into();
        move |source| DeskError::Io { context, source }
    }
}

impl From<skranke_catalog::CatalogError> for DeskError {
    fn from(e: skranke_catalog::CatalogError) -> DeskError {
        match e {
            skranke_catalog::CatalogError::Io { context, source } => DeskError::Io { context, source },
            skranke_catalog::CatalogError::Row { line, field, message } => {
                DeskError::Import { line, field, message }
            }
        }
    }
}

fn import_message(line: u64, field: &str, message: &str) -> String {
    if line == 0 {
        format!("{field}: {message}")
    } else {
        format!("linje {line}: {field}: {message}")
    }
}

/// "Postnummer (customer.address.postcode): postnummer 0001 (OSLO) gjelder bare postbokser, …", one per line.
pub fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} ({}): {}", field_label(&e.field), e.field, e.problem))
        .collect::<Vec<_>>()
        .join("\n")
}
