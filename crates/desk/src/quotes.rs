//! Quotes (tilbud, issue 20 item 6): a draft saved with its prices for the policy's days, as a PDF the
//! customer gets; turned into an order with one key, at the quoted prices while it is valid and at
//! today's prices after, saying which. Sent by e-mail through the central store (`quote_sent`).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skranke_core::order::Product;
use skranke_core::quote::{prices_at, valid_through, validate_quote, validity_text, QuotePrices};
use skranke_core::{Email, FieldError, Invalid, OrderDraft, ValidOrder};
use skranke_pdf::{OrderDocument, QuoteDocument};
use uuid::Uuid;

use crate::staff::Acting;
use crate::{oslo_time, Desk, DeskError};

/// What the desk keeps of a quote: the draft as typed (without a fødselsnummer) and the quote as
/// priced the day it was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QuoteBody {
    draft: OrderDraft,
    quote: ValidOrder,
}

/// A quote as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuoteView {
    pub number: String,
    pub customer_name: String,
    pub total_text: String,
    /// "Tilbudet gjelder til og med 17.12.2026: prisene i tilbudet står." or, expired, that the order
    /// gets today's prices.
    pub validity_text: String,
    pub expired: bool,
    pub converted_to: Option<String>,
    /// The quote's PDF in the documents folder.
    pub document: String,
    /// "Sendt på e-post til kari@example.no 03.12. kl. 14:05"; empty before it was sent.
    pub sent_text: String,
}

/// A quote opened to become an order: the draft to place (naming the quote) and the quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuoteDraftView {
    pub draft: OrderDraft,
    pub quote: QuoteView,
}

impl Desk {
    /// Saves the draft as a quote valid for the policy's days, and writes its PDF. `quote_id` is
    /// chosen by the window, so saving twice gives one quote.
    pub async fn save_quote(
        &self,
        who: &Acting,
        quote_id: Uuid,
        draft: &OrderDraft,
        now: DateTime<Utc>,
    ) -> Result<QuoteView, DeskError> {
        self.as_actor(who);
        let skus: Vec<String> = draft.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
        let products = self.cache().products_by_sku(&skus).await?;
        let made = oslo_time(now);
        let quote = validate_quote(
            draft,
            |sku| products.get(&sku.to_uppercase()).cloned(),
            made,
            self.policy(),
        )
        .map_err(DeskError::Invalid)?;
        let mut kept = draft.clone();
        kept.customer.fodselsnummer.clear();
        kept.quote_number.clear();
        let body = QuoteBody { draft: kept, quote };
        let json = serde_json::to_string(&body).map_err(|e| DeskError::Io {
            context: "tilbudet".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let through = valid_through(made, self.policy().quote_valid_days);
        let stored = self
            .cache()
            .save_quote(
                quote_id,
                now,
                through,
                &json,
                &body.quote.customer.name,
                body.quote.totals.total.ore(),
            )
            .await?;
        self.cache()
            .record_audit("tilbud lagret", &stored.number, now)
            .await?;
        let document = self.write_quote_pdf(&stored)?;
        Ok(quote_view(&stored, document, now))
    }

    /// E-mails quote `number` with its PDF to `email`, or to the customer's address when `email` is
    /// empty; the central store sends it when the desk is online (an outbox entry, so it is sent once
    /// however the network behaves). Sending again is a second mail.
    pub async fn send_quote(
        &self,
        who: &Acting,
        number: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<QuoteView, DeskError> {
        self.as_actor(who);
        let stored = self.stored_quote(number).await?;
        let body = body_of(&stored)?;
        let email = if email.trim().is_empty() {
            body.quote
                .customer
                .email
                .clone()
                .ok_or_else(|| DeskError::Invalid(vec![FieldError::new("quote_email", Invalid::Missing)]))?
        } else {
            Email::parse(email).map_err(|e| DeskError::Invalid(vec![FieldError::new("quote_email", e)]))?
        };
        let quote_id = Uuid::parse_str(&stored.id).map_err(|e| DeskError::Io {
            context: format!("tilbud {}", stored.number),
            source: std::io::Error::other(e.to_string()),
        })?;
        let payload = skranke_protocol::QuoteSent {
            quote_id,
            quote_number: stored.number.clone(),
            email: email.as_str().to_string(),
            made_on: oslo_time(stored.made_at).date(),
            valid_through: stored.valid_through,
            quote: body.quote,
            requested_at_utc: now,
        };
        let json = serde_json::to_string(&payload).map_err(|e| DeskError::Io {
            context: "tilbudet".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        self.cache()
            .send_quote(&stored.number, email.as_str(), &json, now)
            .await?;
        self.cache()
            .record_audit(
                "tilbud sendt",
                &format!("{} til {}", stored.number, email.as_str()),
                now,
            )
            .await?;
        let stored = self.stored_quote(number).await?;
        Ok(quote_view(&stored, self.quote_document(&stored.number), now))
    }

    /// A quote to turn into an order: its draft, naming it, so the order gets its prices while it is
    /// valid. A quote already turned into an order is not turned again.
    pub async fn open_quote(&self, number: &str, now: DateTime<Utc>) -> Result<QuoteDraftView, DeskError> {
        let stored = self.stored_quote(number).await?;
        if let Some(order) = &stored.converted_to {
            return Err(DeskError::ChangeRefused(format!(
                "Tilbud {} er allerede gjort om til ordre {order}.",
                stored.number
            )));
        }
        let body = body_of(&stored)?;
        let mut draft = body.draft;
        draft.quote_number.clone_from(&stored.number);
        Ok(QuoteDraftView {
            draft,
            quote: quote_view(&stored, self.quote_document(&stored.number), now),
        })
    }

    /// The products of a draft made from a quote, at the quoted prices while the quote is valid;
    /// `None` when the draft names no quote. Refused when the quote is unknown or already an order.
    pub(crate) async fn quoted_prices(
        &self,
        draft: &OrderDraft,
        products: &mut HashMap<String, Product>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, DeskError> {
        if draft.quote_number.trim().is_empty() {
            return Ok(None);
        }
        let stored = self.stored_quote(&draft.quote_number).await?;
        if let Some(order) = &stored.converted_to {
            return Err(DeskError::ChangeRefused(format!(
                "Tilbud {} er allerede gjort om til ordre {order}.",
                stored.number
            )));
        }
        let at = oslo_time(now);
        if prices_at(stored.valid_through, at) == QuotePrices::Quoted {
            let body = body_of(&stored)?;
            let outside = body.quote.totals.outside_mva_area.is_some();
            for line in &body.quote.lines {
                let sold = line
                    .discount
                    .as_ref()
                    .map_or(line.unit_price, |d| d.listed_unit_price);
                let listed = if outside {
                    line.mva_rate.with_mva(sold)
                } else {
                    sold
                };
                if let Some(p) = products.get_mut(&line.sku.to_uppercase()) {
                    p.price = listed;
                }
            }
        }
        Ok(Some(validity_text(stored.valid_through, at)))
    }

    /// Writes the quote's PDF to `dokumenter/<QUOTE>-tilbud.pdf`.
    pub async fn quote_pdf(&self, number: &str) -> Result<PathBuf, DeskError> {
        let stored = self.stored_quote(number).await?;
        self.write_quote_pdf(&stored)
    }

    fn write_quote_pdf(&self, stored: &skranke_cache::StoredQuote) -> Result<PathBuf, DeskError> {
        let body = body_of(stored)?;
        let doc = QuoteDocument {
            doc: OrderDocument {
                order_number: &stored.number,
                order: &body.quote,
                policy: self.policy(),
                payment_state: None,
            },
            made_on: oslo_time(stored.made_at).date(),
            valid_through: stored.valid_through,
        };
        let bytes = skranke_pdf::quote(&doc)?;
        self.write_document(&file_name(&stored.number), &bytes)
    }

    async fn stored_quote(&self, number: &str) -> Result<skranke_cache::StoredQuote, DeskError> {
        self.cache()
            .quote_by_number(number)
            .await?
            .ok_or_else(|| DeskError::QuoteNotFound(number.trim().to_string()))
    }

    /// Where the quote's PDF is written (`save_quote` writes it, `quote_pdf` again on demand).
    fn quote_document(&self, number: &str) -> PathBuf {
        self.documents_dir().join(file_name(number))
    }
}

/// `<QUOTE>-tilbud.pdf` in the documents folder.
fn file_name(number: &str) -> String {
    format!("{number}-tilbud.pdf")
}

fn quote_view(stored: &skranke_cache::StoredQuote, document: PathBuf, now: DateTime<Utc>) -> QuoteView {
    let at = oslo_time(now);
    QuoteView {
        number: stored.number.clone(),
        customer_name: stored.customer_name.clone(),
        total_text: skranke_core::Money::from_ore(stored.total_ore).to_string(),
        validity_text: validity_text(stored.valid_through, at),
        expired: prices_at(stored.valid_through, at) == QuotePrices::Today,
        converted_to: stored.converted_to.clone(),
        document: document.display().to_string(),
        sent_text: stored
            .sent
            .as_ref()
            .map(|(to, at)| {
                format!(
                    "Sendt på e-post til {to} {}",
                    oslo_time(*at).format("%d.%m. kl. %H:%M")
                )
            })
            .unwrap_or_default(),
    }
}

fn body_of(stored: &skranke_cache::StoredQuote) -> Result<QuoteBody, DeskError> {
    serde_json::from_str(&stored.body).map_err(|e| DeskError::Io {
        context: format!("tilbud {}", stored.number),
        source: std::io::Error::other(e.to_string()),
    })
}
