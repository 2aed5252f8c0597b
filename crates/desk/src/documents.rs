//! Documents: render with skranke-pdf, write into the data folder named by order number, open or print.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use skranke_core::return_request::validate_return;
use skranke_core::{refund_after, ReturnDraft};
use skranke_pdf::{
    cancellation, changed_order_confirmation, order_confirmation, return_slip, Cancellation, OrderDocument,
    ReturnDocument, Revision,
};
use uuid::Uuid;

use crate::{oslo_time, Desk, DeskError};

/// A document the desk wrote, named by what it is. The window asks for a document by this, never by a
/// path: the desk resolves it inside its documents folder, so nothing outside it can be opened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DocumentRef {
    /// The order confirmation of an order.
    Confirmation { order_number: String },
    /// The slip of an order's return number `return_no`.
    ReturnSlip {
        order_number: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        return_no: i64,
    },
    /// A customer's data export (F8), by its file name.
    CustomerExport { file_name: String },
    /// The exchange slip of the order an exchange made.
    ExchangeSlip { order_number: String },
    /// The confirmation of an order's claim number `claim_no`.
    Claim {
        order_number: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        claim_no: i64,
    },
}

impl DocumentRef {
    pub(crate) fn file_name(&self) -> String {
        match self {
            DocumentRef::Confirmation { order_number } => {
                format!("{}-ordrebekreftelse.pdf", order_number.trim())
            }
            DocumentRef::ReturnSlip {
                order_number,
                return_no,
            } => format!("{}-retur-{return_no}.pdf", order_number.trim()),
            DocumentRef::CustomerExport { file_name } => file_name.trim().to_string(),
            DocumentRef::ExchangeSlip { order_number } => format!("{}-bytteseddel.pdf", order_number.trim()),
            DocumentRef::Claim {
                order_number,
                claim_no,
            } => format!("{}-reklamasjon-{claim_no}.pdf", order_number.trim()),
        }
    }
}

/// A file the desk wrote: where it is, for staff to read, and how to ask for it again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WrittenDocument {
    pub path_text: String,
    pub document: DocumentRef,
}

/// A return once it is recorded and its slip written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegisteredReturn {
    pub return_id: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub return_no: i64,
    pub slip: WrittenDocument,
    pub already_recorded: bool,
}

impl Desk {
    /// The folder documents are written to.
    pub fn documents_dir(&self) -> PathBuf {
        self.data_dir().join("dokumenter")
    }

    /// Writes the order confirmation to `dokumenter/<ORDER>-ordrebekreftelse.pdf` and returns its path.
    pub async fn confirmation_pdf(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        now: DateTime<Utc>,
    ) -> Result<PathBuf, DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        // An exchange's new order is confirmed by its slip: the new goods, the goods coming back,
        // and the settlement.
        if stored.status != skranke_protocol::OrderState::Kansellert
            && self.cache().exchange_of(&stored.order_id).await?.is_some()
        {
            return self.exchange_slip_pdf(&stored.order_number, now).await;
        }
        let doc = OrderDocument {
            order_number: &stored.order_number,
            order: &stored.order,
            policy: self.policy(),
            payment_state: Some(&crate::views::payment_state_only(&stored)),
        };
        let (name, bytes) = if stored.status == skranke_protocol::OrderState::Kansellert {
            // The document of a cancelled order is its cancellation.
            let reason = stored.cancel_reason.clone().unwrap_or_default();
            let payment = skranke_core::order_change::cancelled_payment_text(
                stored.payment.as_ref().and_then(|p| p.state.known()),
            );
            let k = Cancellation {
                cancelled_on: oslo_time(now).date(),
                reason: &reason,
                payment,
            };
            (
                format!("{}-kansellering.pdf", stored.order_number),
                cancellation(&doc, &k)?,
            )
        } else if stored.version > 1 {
            let versions = self.cache().order_versions(&stored.order_id).await?;
            let this = versions.iter().rev().find(|v| v.version == stored.version);
            let changes: Vec<String> = this
                .map(|v| {
                    v.changes
                        .iter()
                        .map(skranke_core::order_change::ChangeItem::text)
                        .collect()
                })
                .unwrap_or_default();
            let r = Revision {
                version: stored.version,
                changed_on: this
                    .map_or_else(|| oslo_time(now).date(), |v| oslo_time(v.changed_at_utc).date()),
                changes: &changes,
            };
            (
                format!("{}-ordrebekreftelse-v{}.pdf", stored.order_number, stored.version),
                changed_order_confirmation(&doc, &r)?,
            )
        } else {
            (
                format!("{}-ordrebekreftelse.pdf", stored.order_number),
                order_confirmation(&doc)?,
            )
        };
        let path = self.write_document(&name, &bytes)?;
        // A reprint is recorded: who gave the customer which copy, and when.
        self.cache()
            .record_audit("ordrebekreftelse skrevet ut", &stored.order_number, now)
            .await?;
        Ok(path)
    }

    /// Records a return of an order's lines (never more than bought minus already returned) with its
    /// outbox entry, then writes its slip to `dokumenter/<ORDER>-retur-<n>.pdf`. `return_id` is chosen
    /// when the form is opened, so a retry records nothing twice.
    pub async fn register_return(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        return_id: Uuid,
        draft: &ReturnDraft,
        now: DateTime<Utc>,
    ) -> Result<RegisteredReturn, DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        let returned = self.cache().returned_quantities(&stored.order_id).await?;
        let ret = validate_return(&stored.order.lines, &returned, draft).map_err(DeskError::Invalid)?;
        let recorded = self
            .cache()
            .record_return(&stored.order_id, return_id, &ret, now)
            .await?;
        let refund = refund_after(&stored.order, &returned, &ret);
        let doc = ReturnDocument {
            order: OrderDocument {
                order_number: &stored.order_number,
                order: &stored.order,
                policy: self.policy(),
                payment_state: None,
            },
            ret: &ret,
            refund: &refund,
            registered: oslo_time(now).date(),
        };
        let bytes = return_slip(&doc)?;
        let slip = self.write_document(
            &format!("{}-retur-{}.pdf", stored.order_number, recorded.return_no),
            &bytes,
        )?;
        Ok(RegisteredReturn {
            return_id: recorded.return_id.to_string(),
            return_no: recorded.return_no,
            slip: WrittenDocument {
                path_text: slip.display().to_string(),
                document: DocumentRef::ReturnSlip {
                    order_number: stored.order_number.clone(),
                    return_no: recorded.return_no,
                },
            },
            already_recorded: recorded.already_recorded,
        })
    }

    /// Written through a temporary file and a rename, so a crash never leaves half a PDF under the name.
    pub(crate) fn write_document(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, DeskError> {
        let dir = self.documents_dir();
        std::fs::create_dir_all(&dir)
            .map_err(DeskError::io(format!("kan ikke lage mappen {}", dir.display())))?;
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).map_err(DeskError::io(format!("kan ikke skrive {}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(DeskError::io(format!("kan ikke skrive {}", path.display())))?;
        Ok(path)
    }
}

impl Desk {
    /// Where `document` is: a plain file name inside the documents folder, and the file must exist. A
    /// name with a folder in it, `..`, or a link that leads out of the folder is refused.
    pub fn document_path(&self, document: &DocumentRef) -> Result<PathBuf, DeskError> {
        let name = document.file_name();
        let refused = || DeskError::DocumentNotFound(name.clone());
        let plain = Path::new(&name).file_name().is_some_and(|n| n == name.as_str())
            && !name.starts_with('.')
            && !name.contains(['/', '\\']);
        if !plain {
            return Err(refused());
        }
        let dir = self.documents_dir().canonicalize().map_err(|_| refused())?;
        let path = dir.join(&name).canonicalize().map_err(|_| refused())?;
        if path.parent() != Some(dir.as_path()) || !path.is_file() {
            return Err(refused());
        }
        Ok(path)
    }

    /// Opens a document the desk wrote in the system's viewer. Recorded in the audit log.
    pub async fn open_document(
        &self,
        who: &crate::staff::Acting,
        document: &DocumentRef,
        now: DateTime<Utc>,
    ) -> Result<PathBuf, DeskError> {
        self.as_actor(who);
        let path = self.document_path(document)?;
        open_file(&path)?;
        self.cache()
            .record_audit("dokument åpnet", &document.file_name(), now)
            .await?;
        Ok(path)
    }
}

/// Opens a file in the system's viewer.
pub fn open_file(path: &Path) -> Result<(), DeskError> {
    open::that_detached(path).map_err(DeskError::io(format!("kan ikke åpne {}", path.display())))
}
