//! Claims after delivery (R1 reklamasjon, D10 transport damage): photos dropped in are made small and
//! stripped of EXIF, the deadlines are judged as staff type the dates, and the claim is recorded with
//! its confirmation. The photos travel to the central store with the next sync.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_core::claim::{validate_claim, ClaimDraft};
use skranke_core::{FieldError, Invalid};
use skranke_pdf::{claim_confirmation, ClaimDocument, OrderDocument};
use uuid::Uuid;

use crate::documents::{DocumentRef, WrittenDocument};
use crate::{oslo_time, Desk, DeskError};

/// A claim holds at most 10 MB of photos (issue 19).
pub const MAX_CLAIM_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// A photo kept for a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PhotoView {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// "312 kB"
    pub size_text: String,
    /// The photo as kept, small, as a `data:` URL for the form's thumbnail (a HEIC the window
    /// cannot show itself shows as what is sent).
    pub thumbnail: String,
}

/// A claim once recorded, with its confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegisteredClaim {
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub claim_no: i64,
    /// Whether it is in time, with the dates (R1, D10).
    pub timing_text: String,
    pub in_time: bool,
    pub document: WrittenDocument,
    pub already_recorded: bool,
}

impl Desk {
    /// Keeps a photo staff dropped in or picked (JPEG, PNG or HEIC as the customer sent it): turned upright,
    /// at most 2000 px, without EXIF.
    pub async fn add_claim_photo(&self, bytes: &[u8], now: DateTime<Utc>) -> Result<PhotoView, DeskError> {
        let prepared = skranke_photo::prepare(bytes).map_err(|e| {
            DeskError::Invalid(vec![FieldError::new(
                "photos",
                Invalid::Photo { text: e.to_string() },
            )])
        })?;
        self.cache()
            .add_photo(
                &prepared.sha256,
                &prepared.jpeg,
                prepared.width,
                prepared.height,
                now,
            )
            .await?;
        let thumbnail = skranke_photo::thumbnail(&prepared.jpeg, 240).map_err(|e| {
            DeskError::Invalid(vec![FieldError::new(
                "photos",
                Invalid::Photo { text: e.to_string() },
            )])
        })?;
        Ok(PhotoView {
            thumbnail: format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(thumbnail)
            ),
            size_text: format!("{} kB", prepared.jpeg.len().div_ceil(1024)),
            sha256: prepared.sha256,
            width: prepared.width,
            height: prepared.height,
        })
    }

    /// The verdict on time as the form stands (R1, D10), or why it cannot be judged yet.
    pub async fn claim_timing(
        &self,
        order_number: &str,
        draft: &ClaimDraft,
        now: DateTime<Utc>,
    ) -> Result<String, DeskError> {
        let stored = self.show_order(order_number).await?;
        let mut probe = draft.clone();
        // Only the dates and the kind matter here: the rest is judged when the claim is recorded.
        if probe.description.trim().is_empty() {
            probe.description = "-".into();
        }
        if probe.lines.is_empty() {
            probe.lines = vec![skranke_core::claim::ClaimLineDraft {
                line_no: 1,
                quantity: 1,
            }];
        }
        probe.photos.clear();
        match validate_claim(
            &stored.order.lines,
            &probe,
            oslo_time(now),
            self.policy().pickup.transport_damage_report_hours,
        ) {
            Ok(claim) => Ok(claim.timing.text().to_string()),
            Err(errors) => Ok(errors
                .iter()
                .find(|e| matches!(e.field.as_str(), "discovered" | "received" | "kind"))
                .map_or_else(String::new, |e| {
                    format!("{}: {}", crate::field_label(&e.field), e.problem)
                })),
        }
    }

    /// Records a claim on the order `order_number` and writes its confirmation. `claim_id` is chosen
    /// when the form opens, so a retry records nothing twice.
    pub async fn register_claim(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        claim_id: Uuid,
        draft: &ClaimDraft,
        now: DateTime<Utc>,
    ) -> Result<RegisteredClaim, DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        if matches!(
            stored.status.known(),
            Some(skranke_core::OrderStatus::UnderBehandling | skranke_core::OrderStatus::Kansellert)
        ) {
            return Err(DeskError::ChangeRefused(
                "Ordren er ikke sendt: det er ingenting å reklamere på ennå. Endre eller kanseller ordren i stedet."
                    .into(),
            ));
        }
        let claim = validate_claim(
            &stored.order.lines,
            draft,
            oslo_time(now),
            self.policy().pickup.transport_damage_report_hours,
        )
        .map_err(DeskError::Invalid)?;
        if self.cache().photo_bytes(&claim.photos).await? > MAX_CLAIM_PHOTO_BYTES {
            return Err(DeskError::Invalid(vec![FieldError::new(
                "photos",
                Invalid::Photo {
                    text: "bildene er til sammen over 10 MB: ta bort noen".into(),
                },
            )]));
        }
        let recorded = self
            .cache()
            .record_claim(&stored.order_id, claim_id, &claim, now)
            .await?;
        let bytes = claim_confirmation(&ClaimDocument {
            order: OrderDocument {
                order_number: &stored.order_number,
                order: &stored.order,
                policy: self.policy(),
                payment_state: None,
            },
            claim: &claim,
            claim_no: recorded.claim_no,
        })?;
        let document = DocumentRef::Claim {
            order_number: stored.order_number.clone(),
            claim_no: recorded.claim_no,
        };
        let path = self.write_document(&document.file_name(), &bytes)?;
        tracing::info!(order = %stored.order_number, claim = recorded.claim_no, "reklamasjon registrert");
        Ok(RegisteredClaim {
            claim_no: recorded.claim_no,
            timing_text: claim.timing.text().to_string(),
            in_time: matches!(claim.timing, skranke_core::claim::ClaimTiming::InTime { .. }),
            document: WrittenDocument {
                path_text: path.display().to_string(),
                document,
            },
            already_recorded: recorded.already_recorded,
        })
    }
}
