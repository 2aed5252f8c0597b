//! Exchanges (R3 bytte) at the desk: goods that reached the customer go back and new goods go out in
//! one step, settled by the difference. Core works out the new order and the terms; the central
//! store works them out again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skranke_cache::{NewExchange, StoredOrder};
use skranke_core::exchange::{exchange_order, exchange_terms, seller_at_fault, ExchangeTerms, Settlement};
use skranke_core::order::LineDraft;
use skranke_core::return_request::validate_return;
use skranke_core::{OrderStatus, ReturnDraft, ValidOrder, ValidReturn};
use skranke_pdf::{exchange_slip, ExchangeDocument, OrderDocument};
use uuid::Uuid;

use crate::documents::{DocumentRef, WrittenDocument};
use crate::views::{FieldErrorView, LineView, TotalsView};
use crate::{oslo_time, Desk, DeskError};

/// What staff typed: the lines going back (with reasons) and the lines going out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExchangeDraft {
    pub back: ReturnDraft,
    pub lines: Vec<LineDraft>,
}

/// The exchange as it would be: the new order and how the difference is settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExchangeView {
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    /// The credit, the new goods and a return label, for staff to read back.
    pub terms_text: String,
    /// "Kunden betaler mellomlegget 300,00 kr." and the like, in one sentence.
    pub settlement_text: String,
    pub errors: Vec<FieldErrorView>,
    /// Why the order cannot be exchanged at all (not sent yet, cancelled).
    pub refusal: Option<String>,
}

/// An exchange once recorded and its slip written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegisteredExchange {
    pub new_order_number: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub return_no: i64,
    pub settlement_text: String,
    pub slip: WrittenDocument,
    pub already_recorded: bool,
}

impl Desk {
    /// Judges an exchange of order `order_number` without saving anything: the read-back.
    pub async fn preview_exchange(
        &self,
        order_number: &str,
        draft: &ExchangeDraft,
        now: DateTime<Utc>,
    ) -> Result<ExchangeView, DeskError> {
        let stored = self.show_order(order_number).await?;
        let refusal = refusal(&stored).err();
        Ok(match self.judge_exchange(&stored, draft, now).await? {
            Ok((_, new, terms)) => view(&new, &terms, refusal, Vec::new()),
            Err(errors) => ExchangeView {
                lines: Vec::new(),
                totals: TotalsView::from(&stored.order.totals),
                terms_text: String::new(),
                settlement_text: String::new(),
                errors: errors.iter().map(FieldErrorView::from).collect(),
                refusal,
            },
        })
    }

    /// Records the exchange (the return and the new order together, with one outbox entry) and
    /// writes its slip to `dokumenter/<NEW ORDER>-bytteseddel.pdf`. The ids are chosen when the form
    /// is opened, so a retry records nothing twice.
    pub async fn register_exchange(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        return_id: Uuid,
        new_order_id: Uuid,
        draft: &ExchangeDraft,
        now: DateTime<Utc>,
    ) -> Result<RegisteredExchange, DeskError> {
        self.as_actor(who);
        let stored = self.show_order(order_number).await?;
        refusal(&stored).map_err(DeskError::ChangeRefused)?;
        let (ret, new, terms) = self
            .judge_exchange(&stored, draft, now)
            .await?
            .map_err(DeskError::Invalid)?;
        let recorded = self
            .cache()
            .record_exchange(
                NewExchange {
                    original_order_id: &stored.order_id,
                    return_id,
                    new_order_id,
                    ret: &ret,
                    new_order: &new,
                    terms: &terms,
                },
                now,
            )
            .await?;
        tracing::info!(order = %stored.order_number, new = %recorded.new_order_number, "bytte registrert");
        let slip = self.exchange_slip_pdf(&recorded.new_order_number, now).await?;
        Ok(RegisteredExchange {
            new_order_number: recorded.new_order_number.clone(),
            return_no: recorded.return_no,
            settlement_text: settlement_text(&terms),
            slip: WrittenDocument {
                path_text: slip.display().to_string(),
                document: DocumentRef::ExchangeSlip {
                    order_number: recorded.new_order_number,
                },
            },
            already_recorded: recorded.already_recorded,
        })
    }

    /// Writes the exchange slip of the order an exchange made, from what the cache holds.
    pub async fn exchange_slip_pdf(
        &self,
        new_order_number: &str,
        now: DateTime<Utc>,
    ) -> Result<std::path::PathBuf, DeskError> {
        let stored = self.show_order(new_order_number).await?;
        let exchange = self
            .cache()
            .exchange_of(&stored.order_id)
            .await?
            .ok_or_else(|| DeskError::DocumentNotFound(format!("{new_order_number}-bytteseddel.pdf")))?;
        let doc = ExchangeDocument {
            new_order: OrderDocument {
                order_number: &stored.order_number,
                order: &stored.order,
                policy: self.policy(),
                payment_state: None,
            },
            original_number: &exchange.original_number,
            ret: &exchange.ret,
            return_no: exchange.return_no,
            terms: &exchange.terms,
            registered: oslo_time(exchange.created_at_utc).date(),
        };
        let bytes = exchange_slip(&doc)?;
        let path = self.write_document(
            &DocumentRef::ExchangeSlip {
                order_number: stored.order_number.clone(),
            }
            .file_name(),
            &bytes,
        )?;
        self.cache()
            .record_audit("bytteseddel skrevet ut", &stored.order_number, now)
            .await?;
        Ok(path)
    }

    async fn judge_exchange(
        &self,
        stored: &StoredOrder,
        draft: &ExchangeDraft,
        now: DateTime<Utc>,
    ) -> Result<Result<(ValidReturn, ValidOrder, ExchangeTerms), Vec<skranke_core::FieldError>>, DeskError>
    {
        let returned = self.cache().returned_quantities(&stored.order_id).await?;
        let ret = match validate_return(&stored.order.lines, &returned, &draft.back) {
            Ok(r) => r,
            Err(errors) => return Ok(Err(errors)),
        };
        let skus: Vec<String> = draft.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
        let products = self.cache().products_by_sku(&skus).await?;
        let new = match exchange_order(
            &stored.order,
            &draft.lines,
            |sku| products.get(&sku.to_uppercase()).cloned(),
            oslo_time(now),
            self.policy(),
            seller_at_fault(&ret),
        ) {
            Ok(n) => n,
            Err(errors) => return Ok(Err(errors)),
        };
        let terms = exchange_terms(&stored.order, &returned, &ret, &new);
        Ok(Ok((ret, new, terms)))
    }
}

/// An exchange is of goods the customer has: after dispatch. Before it, the order is changed.
fn refusal(stored: &StoredOrder) -> Result<(), String> {
    match stored.status.known() {
        Some(OrderStatus::Sendt | OrderStatus::Levert) => Ok(()),
        Some(OrderStatus::UnderBehandling) => {
            Err("Ordren er ikke sendt ennå: endre ordren i stedet for å bytte (Endre ordre).".into())
        }
        Some(OrderStatus::Kansellert) => Err("Ordren er kansellert: det er ingenting å bytte.".into()),
        None => Err("Ordrens status er ukjent for skranken: synkroniser før du bytter.".into()),
    }
}

fn settlement_text(terms: &ExchangeTerms) -> String {
    match terms.settlement() {
        Settlement::Even => "Byttet går opp i opp: kunden betaler ingenting.".into(),
        Settlement::CustomerPays { amount } => {
            format!("Kunden betaler mellomlegget {amount}: én betalingsforespørsel for det.")
        }
        Settlement::CustomerGetsBack { amount } => {
            format!("Kunden får {amount} tilbake når varene er mottatt.")
        }
    }
}

fn view(
    new: &ValidOrder,
    terms: &ExchangeTerms,
    refusal: Option<String>,
    errors: Vec<FieldErrorView>,
) -> ExchangeView {
    ExchangeView {
        lines: new.lines.iter().map(LineView::from).collect(),
        totals: TotalsView::from(&new.totals),
        terms_text: terms.breakdown(),
        settlement_text: settlement_text(terms),
        errors,
        refusal,
    }
}
