//! Documents: render with skranke-pdf, write into the data folder named by order number, open or print.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use skranke_core::return_request::validate_return;
use skranke_core::{refund_after, ReturnDraft};
use skranke_pdf::{order_confirmation, return_slip, OrderDocument, ReturnDocument};
use uuid::Uuid;

use crate::{oslo_time, Desk, DeskError};

/// A return once it is recorded and its slip written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegisteredReturn {
    pub return_id: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub return_no: i64,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub slip: PathBuf,
    pub already_recorded: bool,
}

impl Desk {
    /// The folder documents are written to.
    pub fn documents_dir(&self) -> PathBuf {
        self.data_dir().join("dokumenter")
    }

    /// Writes the order confirmation to `dokumenter/<ORDER>-ordrebekreftelse.pdf` and returns its path.
    pub async fn confirmation_pdf(&self, order_number: &str) -> Result<PathBuf, DeskError> {
        let stored = self.show_order(order_number).await?;
        let doc = OrderDocument {
            order_number: &stored.order_number,
            order: &stored.order,
            policy: self.policy(),
            payment_state: Some(&crate::views::payment_state_only(&stored)),
        };
        let bytes = order_confirmation(&doc)?;
        let path = self.write_document(&format!("{}-ordrebekreftelse.pdf", stored.order_number), &bytes)?;
        // A reprint is recorded: who gave the customer which copy, and when.
        self.cache()
            .record_audit("ordrebekreftelse skrevet ut", &stored.order_number, Utc::now())
            .await?;
        Ok(path)
    }

    /// Records a return of an order's lines (never more than bought minus already returned) with its
    /// outbox entry, then writes its slip to `dokumenter/<ORDER>-retur-<n>.pdf`. `return_id` is chosen
    /// when the form is opened, so a retry records nothing twice.
    pub async fn register_return(
        &self,
        order_number: &str,
        return_id: Uuid,
        draft: &ReturnDraft,
        now: DateTime<Utc>,
    ) -> Result<RegisteredReturn, DeskError> {
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
            slip,
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

/// Opens a document in the system's PDF viewer.
pub fn open_document(path: &Path) -> Result<(), DeskError> {
    open::that_detached(path).map_err(DeskError::io(format!("kan ikke åpne {}", path.display())))
}

/// Sends a document to the default printer (CUPS `lp`).
pub fn print_document(path: &Path) -> Result<(), DeskError> {
    let out = std::process::Command::new("lp")
        .arg(path)
        .output()
        .map_err(DeskError::io(
            "kan ikke skrive ut: lp (CUPS) finnes ikke på denne maskinen".to_string(),
        ))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(DeskError::Io {
            context: "utskriften feilet".into(),
            source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        })
    }
}
