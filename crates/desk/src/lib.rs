//! The use cases the desktop window and the CLI share: open a desk, import a catalog, search, find
//! customers, validate and place orders, list and show them. Shells stay thin; this crate is tested.

mod audit;
pub mod backup;
mod claims;
mod consent;
mod customer_panel;
pub mod desk_update;
pub mod discounts;
mod documents;
mod duplicates;
mod error;
mod exchange;
pub mod field_key;
mod followups;
mod form;
pub mod import;
mod labels;
pub mod logging;
mod order_change;
mod personal_data;
pub mod printing;
pub mod quotes;
mod reorder;
pub mod staff;
mod support_bundle;
mod sync_view;
pub mod views;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use skranke_cache::{Cache, OrderFilter};

use skranke_core::order::{validate_customer, validate_order, CustomerDraft};
use skranke_core::{OrderDraft, ShopPolicy, ValidOrder};
use uuid::Uuid;

pub use audit::AuditLineView;
pub use claims::{PhotoView, RegisteredClaim};
pub use consent::ConsentView;
pub use customer_panel::{CustomerPanelView, PanelNoteView, PanelOrderView};
pub use documents::{open_file, DocumentRef, RegisteredReturn, WrittenDocument};
pub use duplicates::DuplicateView;
pub use error::{describe, DeskError, ErrorCode};
pub use exchange::{ExchangeDraft, ExchangeView, RegisteredExchange};
pub use form::{place_of, SavedDraft};
pub use labels::field_label;
pub use order_change::ChangeView;
pub use personal_data::forget_report_lines;
pub use printing::{Printer, PrinterChoice};
pub use reorder::{ReorderLineView, ReorderView};
pub use skranke_cache::{CustomerRecord, OrderSummary, StoredOrder};
pub use skranke_protocol::flag_text;
pub use skranke_sync::{SyncHandle, SyncReport, SyncStatus};
pub use staff::Acting;
pub use support_bundle::{SupportBundleView, BUNDLE_DIR};
pub use sync_view::{stream_name, AttentionView, SyncStatusView};
pub use views::{
    ChoiceView, CustomerView, FieldErrorView, LineView, OrderDetailView, OrderSummaryView, PaymentOptionView,
    PlacedOrderView, PreviewView, ProductView, SettingsView, ShippingOptionView, TotalsView,
};

/// Products per import transaction: big enough to amortise the fsync, small enough to show progress.
const IMPORT_BATCH: usize = 5_000;
/// The cache's file in the data folder.
pub(crate) const CACHE_FILE: &str = "desk.sqlite3";

/// An order file larger than this is not an order.
pub const MAX_ORDER_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// One desk: its data folder, its cache and the shop's policy.
#[derive(Debug, Clone)]
pub struct Desk {
    data_dir: PathBuf,
    cache: Cache,
    policy: ShopPolicy,
    session: staff::SessionSlot,
    /// The central store's time, read by the sync loop (issue 21 item 7).
    clock: skranke_sync::CentralClock,
}

/// The data folder a desk uses unless told otherwise: `SKRANKE_DATA_DIR`, else the OS data directory.
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os("SKRANKE_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("skranke"),
    }
}

/// Local Norwegian wall-clock time of an instant: the rules (D4 cut-off, dates) are in Oslo time.
pub fn oslo_time(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&chrono_tz::Europe::Oslo).naive_local()
}

impl Desk {
    /// Opens the desk in `data_dir`, creating it. The shop policy is `policy.toml` there when present,
    /// otherwise the shop's default terms.
    pub async fn open(data_dir: &Path) -> Result<Desk, DeskError> {
        std::fs::create_dir_all(data_dir).map_err(DeskError::io(format!(
            "kan ikke lage mappen {}",
            data_dir.display()
        )))?;
        let policy_path = data_dir.join("policy.toml");
        let policy = match std::fs::read_to_string(&policy_path) {
            Ok(text) => ShopPolicy::from_toml(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ShopPolicy::default(),
            Err(e) => {
                return Err(DeskError::Io {
                    context: format!("kan ikke lese {}", policy_path.display()),
                    source: e,
                })
            }
        };
        let (key, _) = field_key::load_or_create(data_dir).await?;
        let cache = Cache::open(&data_dir.join(crate::CACHE_FILE), key).await?;
        // The last good sync's reading: a command-line desk, a process per command, goes by the
        // central store's time while that reading is fresh.
        let clock = skranke_sync::CentralClock::default();
        let state = cache.sync_state().await?;
        if let (Some(ms), Some(at)) = (state.clock_offset_ms, state.clock_measured_at) {
            clock.observe(skranke_sync::ClockReading {
                offset: chrono::Duration::milliseconds(ms),
                central_at: at,
            });
        }
        let desk = Desk {
            data_dir: data_dir.to_path_buf(),
            cache,
            policy,
            session: staff::SessionSlot::default(),
            clock,
        };
        desk.ensure_demo_staff().await?;
        tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "skranken åpnet");
        Ok(desk)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn policy(&self) -> &ShopPolicy {
        &self.policy
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Closes the cache's connections and waits for them: the desk is done with its files.
    pub async fn close(self) {
        self.cache.close().await;
    }

    /// What the sync loop measures the central store's time into; give it to `skranke_sync::spawn`.
    pub fn clock(&self) -> &skranke_sync::CentralClock {
        &self.clock
    }

    /// The time the desk goes by: the central store's while online and this PC's clock is off,
    /// otherwise this PC's (issue 21 item 7). The shells pass it to every use case.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now(Utc::now())
    }

    /// Imports a catalog file (CSV or JSON lines). The whole file is checked first, so a bad row
    /// imports nothing; then it is imported in batches, `progress` told the running count.
    pub async fn import_file(
        &self,
        path: &Path,
        now: DateTime<Utc>,
        mut progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<u64, DeskError> {
        let path = path.to_path_buf();
        let cache = self.cache.clone();
        let handle = tokio::runtime::Handle::current();
        let total = tokio::task::spawn_blocking(move || -> Result<u64, DeskError> {
            let total = import::read_catalog(&path, now, IMPORT_BATCH, |_| Ok::<(), DeskError>(()))?;
            let mut done = 0;
            import::read_catalog::<DeskError>(&path, now, IMPORT_BATCH, |batch| {
                handle.block_on(cache.import_products(&batch))?;
                done += batch.len() as u64;
                progress(done, total);
                Ok(())
            })?;
            Ok(total)
        })
        .await
        .map_err(|e| DeskError::Io {
            context: "import".into(),
            source: std::io::Error::other(e.to_string()),
        })??;
        self.cache.set_catalog_as_of(now).await?;
        Ok(total)
    }

    /// Generates and imports the demo catalog of `n` products.
    pub async fn import_demo(
        &self,
        n: usize,
        now: DateTime<Utc>,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, DeskError> {
        let today = oslo_time(now).date();
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        let mut done = 0u64;
        for product in skranke_demo::products(n, 2026, now, today) {
            batch.push(product);
            if batch.len() == IMPORT_BATCH {
                self.cache.import_products(&batch).await?;
                done += batch.len() as u64;
                batch.clear();
                progress(done, n as u64);
            }
        }
        if !batch.is_empty() {
            self.cache.import_products(&batch).await?;
            done += batch.len() as u64;
            progress(done, n as u64);
        }
        self.cache.set_catalog_as_of(now).await?;
        Ok(done)
    }

    /// Products matching what staff typed, with what the desk shows beside each (A1, A2).
    pub async fn search(
        &self,
        text: &str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<ProductView>, DeskError> {
        let hits = self.cache.search_products(text, limit).await?;
        Ok(hits
            .into_iter()
            .map(|h| ProductView::new(h.product, h.exact, h.units_left, now))
            .collect())
    }

    pub async fn find_customers(&self, text: &str) -> Result<Vec<CustomerRecord>, DeskError> {
        Ok(self.cache.search_customers(text, 20).await?)
    }

    /// Saves a new customer (or updates the one with the same phone and name) without an order.
    pub async fn save_customer(
        &self,
        who: &crate::staff::Acting,
        draft: &CustomerDraft,
        now: DateTime<Utc>,
    ) -> Result<CustomerRecord, DeskError> {
        self.as_actor(who);
        let mut customer = validate_customer(draft).map_err(DeskError::Invalid)?;
        // F7: a yes is recorded with the text read aloud.
        customer.marketing_consent_text = customer
            .marketing_consent
            .then(|| skranke_core::ConsentText::marketing(&self.policy.consent));
        Ok(self.cache.save_customer(&customer, now).await?)
    }

    /// Checks a draft against every rule, with the catalog as it is now. All refusals come at once.
    pub async fn check_draft(&self, draft: &OrderDraft, now: DateTime<Utc>) -> Result<ValidOrder, DeskError> {
        let skus: Vec<String> = draft.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
        let mut products = self.cache.products_by_sku(&skus).await?;
        self.quoted_prices(draft, &mut products, now).await?;
        validate_order(
            draft,
            |sku| products.get(&sku.to_uppercase()).cloned(),
            oslo_time(now),
            &self.policy,
        )
        .map_err(DeskError::Invalid)
    }

    /// Validates and places an order. `order_id` is chosen when the draft is started, so placing it twice
    /// (a double click, a retry after a crash) gives the same order and number.
    pub async fn place_order(
        &self,
        who: &crate::staff::Acting,
        order_id: Uuid,
        draft: &OrderDraft,
        now: DateTime<Utc>,
    ) -> Result<PlacedOrderView, DeskError> {
        self.place_order_approved(who, order_id, draft, None, now).await
    }

    /// [`Desk::place_order`] with a manager's approval of discounts above the seller's own limit
    /// (issue 20): the manager types their PIN on this desk, offline too.
    pub async fn place_order_approved(
        &self,
        who: &crate::staff::Acting,
        order_id: Uuid,
        draft: &OrderDraft,
        approval: Option<&discounts::ManagerApproval>,
        now: DateTime<Utc>,
    ) -> Result<PlacedOrderView, DeskError> {
        self.as_actor(who);
        let order = self.check_draft(draft, now).await?;
        let order = self.judge_discounts(who, order, approval, now).await?;
        // The offset that turned this PC's clock into `now`, when the shell took it from `Desk::now`.
        let offset = self.clock.offset_of(now).map(|o| o.num_milliseconds());
        let placed = self
            .cache
            .place_order_with_clock(order_id, &order, now, offset)
            .await?;
        tracing::info!(order = %placed.order_number, again = placed.already_placed, "ordre plassert");
        if !placed.already_placed {
            self.audit_discounts(&placed.order_number, &order, now).await?;
        }
        if let Some(quote) = &order.quote_number {
            self.cache.quote_converted(quote, &placed.order_number).await?;
        }
        Ok(PlacedOrderView::new(placed, order))
    }

    pub async fn list_orders(&self, text: Option<&str>, limit: u32) -> Result<Vec<OrderSummary>, DeskError> {
        Ok(self
            .cache
            .list_orders(&OrderFilter {
                text: text.map(str::to_string),
                limit,
            })
            .await?)
    }

    /// Innstillinger: the policy, the data folder, the catalog and the number series.
    pub async fn settings(&self, now: DateTime<Utc>) -> Result<SettingsView, DeskError> {
        let as_of = self.cache.catalog_as_of().await?;
        let device = self.cache.device().await?;
        let _ = now;
        Ok(SettingsView {
            data_dir: self.data_dir.display().to_string(),
            products: self.cache.product_count().await?,
            catalog_as_of_text: as_of.map_or("aldri".to_string(), |t| {
                oslo_time(t).format("%d.%m.%Y %H:%M").to_string()
            }),
            device_series: format!("{}-{:06}", device.series_prefix, device.next_number),
            facts: SettingsView::facts(&self.policy),
        })
    }

    /// Pairs this desk with the central store at `url` with a one-time code.
    pub async fn pair(
        &self,
        url: &str,
        code: &str,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<skranke_cache::Pairing, DeskError> {
        Ok(skranke_sync::pair(&self.cache, url, code, device_name, now).await?)
    }

    /// One round of sync: push the outbox, pull every stream.
    pub async fn sync_now(
        &self,
        progress: impl FnMut(skranke_protocol::Stream, u64),
    ) -> Result<skranke_sync::SyncReport, DeskError> {
        Ok(skranke_sync::sync_once_with_progress(&self.cache, &self.clock, progress).await?)
    }

    pub async fn sync_state(&self) -> Result<skranke_cache::SyncState, DeskError> {
        Ok(self.cache.sync_state().await?)
    }

    pub async fn show_order(&self, number: &str) -> Result<StoredOrder, DeskError> {
        self.cache
            .order_by_number(number)
            .await?
            .ok_or_else(|| DeskError::OrderNotFound(number.trim().to_string()))
    }
}

/// The name under which the window on `data_dir` registers as the one running desk (a D-Bus name on
/// Linux): one per data folder, so a second start on the same folder finds the first, and two desks
/// on two folders (a second user, a test) do not.
pub fn instance_name(data_dir: &Path) -> String {
    use sha2::Digest;
    let canonical = data_dir.canonicalize().unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = sha2::Sha256::digest(canonical.to_string_lossy().as_bytes());
    format!("no.skranke.desk.d{}", &hex::encode(digest)[..16])
}
