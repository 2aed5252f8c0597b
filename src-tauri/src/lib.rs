//! The Tauri 2 shell of the desk: each command takes the desk and its arguments, calls one function of
//! `skranke-desk`, and maps the error to `{code, message, fields}`.

use serde::Serialize;
use skranke_core::{OrderDraft, ReturnDraft};
use skranke_desk::discounts::{ApproverView, DiscountReasonView, ManagerApproval};
use skranke_desk::quotes::{QuoteDraftView, QuoteView};
use skranke_desk::staff::{SessionView, StaffView};
use skranke_desk::{
    ChangeView, ConsentView, CustomerView, Desk, DeskError, DocumentRef, ErrorCode, FieldErrorView,
    OrderDetailView, OrderSummaryView, PhotoView, PlacedOrderView, PreviewView, ProductView, RegisteredClaim,
    RegisteredReturn, SavedDraft, SettingsView, SupportBundleView, SyncHandle, SyncStatusView,
    WrittenDocument,
};
use tauri::ipc::Channel;
use tauri::State;

/// The one error the window sees: `code` from a closed set it branches on, `message` in Norwegian, and
/// for a refused form every field with its label and message.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldErrorView>,
}

impl From<DeskError> for UiError {
    fn from(e: DeskError) -> Self {
        // The code only: the message may quote what staff typed (see skranke_desk::logging).
        tracing::warn!(code = ?e.code(), "en handling i vinduet feilet");
        let fields = match &e {
            DeskError::Invalid(errors) => errors.iter().map(FieldErrorView::from).collect(),
            _ => Vec::new(),
        };
        UiError {
            code: e.code(),
            message: e.to_string(),
            fields,
        }
    }
}

type Result<T> = std::result::Result<T, UiError>;

pub mod update;

/// Why the desk could not be opened (its data folder, its key), for the window to show instead of
/// the desk; `None` once it is open.
#[derive(Debug, Default)]
pub struct StartupFailure(pub Option<UiError>);

/// Asked first by the window: if the desk could not be opened, it shows this and nothing else.
#[tauri::command]
#[specta::specta]
fn startup_failure(failure: State<'_, StartupFailure>) -> Option<UiError> {
    failure.0.clone()
}

/// Saves the draft as a quote (tilbud) with its PDF (issue 20).
#[tauri::command]
#[specta::specta]
async fn save_quote(desk: State<'_, Desk>, quote_id: String, draft: OrderDraft) -> Result<QuoteView> {
    let who = desk.acting(desk.now())?;
    Ok(desk
        .save_quote(&who, self::order_id(&quote_id)?, &draft, desk.now())
        .await?)
}

/// A quote's draft, to turn it into an order.
#[tauri::command]
#[specta::specta]
async fn open_quote(desk: State<'_, Desk>, number: String) -> Result<QuoteDraftView> {
    desk.acting(desk.now())?;
    Ok(desk.open_quote(&number, desk.now()).await?)
}

/// Opens a quote's PDF in the system's viewer.
#[tauri::command]
#[specta::specta]
async fn open_quote_document(desk: State<'_, Desk>, number: String) -> Result<String> {
    desk.acting(desk.now())?;
    let path = desk.quote_pdf(&number).await?;
    skranke_desk::open_file(&path)?;
    Ok(path.display().to_string())
}

/// E-mails a quote with its PDF (to the customer's address when `email` is empty).
#[tauri::command]
#[specta::specta]
async fn send_quote(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    email: String,
) -> Result<QuoteView> {
    let who = desk.acting(desk.now())?;
    let view = desk.send_quote(&who, &number, &email, desk.now()).await?;
    sync.wake();
    Ok(view)
}

/// Leaves a note on a customer ("ring etter 16"); the panel as it is after.
#[tauri::command]
#[specta::specta]
async fn add_customer_note(
    desk: State<'_, Desk>,
    customer_id: String,
    text: String,
) -> Result<skranke_desk::CustomerPanelView> {
    let who = desk.acting(desk.now())?;
    Ok(desk
        .add_customer_note(&who, &customer_id, &text, desk.now())
        .await?)
}

/// The reasons a discount may be given for (issue 20).
#[tauri::command]
#[specta::specta]
fn discount_reasons(desk: State<'_, Desk>) -> Vec<DiscountReasonView> {
    desk.discount_reasons()
}

/// The managers who may approve a discount above a seller's limit, with their PIN on this desk.
#[tauri::command]
#[specta::specta]
async fn approvers(desk: State<'_, Desk>) -> Result<Vec<ApproverView>> {
    Ok(desk.approvers().await?)
}

/// The people who may log in here.
#[tauri::command]
#[specta::specta]
async fn staff_list(desk: State<'_, Desk>) -> Result<Vec<StaffView>> {
    Ok(desk.staff_list().await?)
}

/// Logs a person in with their PIN.
#[tauri::command]
#[specta::specta]
async fn login(desk: State<'_, Desk>, staff_id: String, pin: String) -> Result<SessionView> {
    Ok(desk.login(&staff_id, &pin, desk.now()).await?)
}

#[tauri::command]
#[specta::specta]
async fn logout(desk: State<'_, Desk>) -> Result<()> {
    Ok(desk.logout(desk.now()).await?)
}

/// Who is logged in, if the desk is not locked.
#[tauri::command]
#[specta::specta]
fn current_session(desk: State<'_, Desk>) -> Option<SessionView> {
    desk.session(desk.now())
}

fn order_id(text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|_| UiError {
        code: ErrorCode::Invalid,
        message: format!("ugyldig ordre-id «{text}»"),
        fields: Vec::new(),
    })
}

/// Import progress sent to the window while the demo catalog is imported.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

#[tauri::command]
#[specta::specta]
async fn settings(desk: State<'_, Desk>) -> Result<SettingsView> {
    Ok(desk.settings(desk.now()).await?)
}

#[tauri::command]
#[specta::specta]
async fn import_demo(desk: State<'_, Desk>, count: u32, progress: Channel<ImportProgress>) -> Result<u32> {
    let n = desk
        .import_demo(count as usize, desk.now(), |done, total| {
            let _ = progress.send(ImportProgress {
                done: done as u32,
                total: total as u32,
            });
        })
        .await?;
    Ok(n as u32)
}

/// Whether the window was started to show the demo (`SKRANKE_DEMO=1`, as `cargo xtask run` does): the
/// first-start screen then imports the demo catalog without waiting for a click.
#[tauri::command]
#[specta::specta]
fn demo_mode() -> bool {
    std::env::var("SKRANKE_DEMO").is_ok_and(|v| v == "1")
}

#[tauri::command]
#[specta::specta]
async fn search_products(desk: State<'_, Desk>, text: String) -> Result<Vec<ProductView>> {
    Ok(desk.search(&text, 30, desk.now()).await?)
}

/// The customer at a glance: their orders, open payments, bounced e-mails, returns and claims, and
/// what they have bought (issue 20).
#[tauri::command]
#[specta::specta]
async fn customer_panel(
    desk: State<'_, Desk>,
    customer_id: String,
) -> Result<skranke_desk::CustomerPanelView> {
    Ok(desk.customer_panel(&customer_id).await?)
}

/// A previous order as a new draft: its lines with last time's price beside today's (issue 20).
#[tauri::command]
#[specta::specta]
async fn reorder(desk: State<'_, Desk>, number: String) -> Result<skranke_desk::ReorderView> {
    Ok(desk.reorder(&number).await?)
}

/// Existing customers who may be the one being typed (same phone, e-mail, or name and address
/// spelt a little differently), shown before a second record of the same person is made.
#[tauri::command]
#[specta::specta]
async fn duplicate_customers(
    desk: State<'_, Desk>,
    customer: skranke_core::order::CustomerDraft,
) -> Result<Vec<skranke_desk::DuplicateView>> {
    Ok(desk.duplicate_customers(&customer).await?)
}

#[tauri::command]
#[specta::specta]
async fn find_customers(desk: State<'_, Desk>, text: String) -> Result<Vec<CustomerView>> {
    Ok(desk
        .find_customers(&text)
        .await?
        .into_iter()
        .map(CustomerView::from)
        .collect())
}

#[tauri::command]
#[specta::specta]
fn place_of(postcode: String) -> Option<String> {
    skranke_desk::place_of(&postcode)
}

#[tauri::command]
#[specta::specta]
async fn preview_order(desk: State<'_, Desk>, draft: OrderDraft) -> Result<PreviewView> {
    // Typing counts as activity: the desk does not lock under someone taking an order.
    let _ = desk.active_session(desk.now());
    Ok(desk.preview(&draft, desk.now()).await?)
}

#[tauri::command]
#[specta::specta]
async fn save_draft(desk: State<'_, Desk>, order_id: String, draft: OrderDraft) -> Result<()> {
    // Typing counts as activity: the desk does not lock under someone taking an order.
    let _ = desk.active_session(desk.now());
    Ok(desk
        .save_draft(self::order_id(&order_id)?, &draft, desk.now())
        .await?)
}

#[tauri::command]
#[specta::specta]
async fn load_draft(desk: State<'_, Desk>) -> Result<Option<SavedDraft>> {
    Ok(desk.load_draft().await?)
}

#[tauri::command]
#[specta::specta]
async fn discard_draft(desk: State<'_, Desk>) -> Result<()> {
    Ok(desk.discard_draft().await?)
}

#[tauri::command]
#[specta::specta]
async fn place_order(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    order_id: String,
    draft: OrderDraft,
    approval: Option<ManagerApproval>,
) -> Result<PlacedOrderView> {
    let who = desk.acting(desk.now())?;
    let placed = desk
        .place_order_approved(
            &who,
            self::order_id(&order_id)?,
            &draft,
            approval.as_ref(),
            desk.now(),
        )
        .await?;
    // The order is on disk; now try to get it to the central store straight away.
    sync.wake();
    Ok(placed)
}

/// The header's sync indicator and the orders that need a person.
#[tauri::command]
#[specta::specta]
async fn sync_status(desk: State<'_, Desk>, sync: State<'_, SyncHandle>) -> Result<SyncStatusView> {
    Ok(desk.sync_view(Some(&sync.status()), desk.now()).await?)
}

/// Pairs the desk with the central store (URL and one-time code), then syncs.
#[tauri::command]
#[specta::specta]
async fn pair_desk(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    url: String,
    code: String,
    device_name: String,
) -> Result<SyncStatusView> {
    desk.pair(url.trim(), code.trim(), device_name.trim(), desk.now())
        .await?;
    sync.wake();
    Ok(desk.sync_view(Some(&sync.status()), desk.now()).await?)
}

/// Syncs now instead of at the next round.
#[tauri::command]
#[specta::specta]
fn sync_now(sync: State<'_, SyncHandle>) {
    sync.wake();
}

/// Staff have told the customer about what the central store flagged or refused.
#[tauri::command]
#[specta::specta]
async fn mark_attention_done(desk: State<'_, Desk>, number: String) -> Result<()> {
    let who = desk.acting(desk.now())?;
    Ok(desk.mark_attention_done(&who, &number, desk.now()).await?)
}

/// Sends the payment request again, or with another method (P5), with the next sync.
#[tauri::command]
#[specta::specta]
async fn request_payment(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    method: String,
) -> Result<()> {
    let who = desk.acting(desk.now())?;
    desk.request_payment(&who, &number, &method, desk.now()).await?;
    sync.wake();
    Ok(())
}

/// The read-back of a change before it is saved: what would change, the new totals, what happens to
/// the payment, every refusal.
#[tauri::command]
#[specta::specta]
async fn preview_change(
    desk: State<'_, Desk>,
    number: String,
    draft: skranke_core::order_change::ChangeDraft,
) -> Result<ChangeView> {
    Ok(desk.preview_change(&number, &draft, desk.now()).await?)
}

/// Saves a change of a placed order (D8) as its next version, sent with the next sync.
#[tauri::command]
#[specta::specta]
async fn change_order(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    base_version: u32,
    draft: skranke_core::order_change::ChangeDraft,
) -> Result<ChangeView> {
    let who = desk.acting(desk.now())?;
    let view = desk
        .change_order(&who, &number, base_version, &draft, desk.now())
        .await?;
    sync.wake();
    Ok(view)
}

/// Keeps a photo for a claim (JPEG or PNG, as base64 from a dropped or picked file): made small,
/// upright and without EXIF.
#[tauri::command]
#[specta::specta]
async fn add_claim_photo(desk: State<'_, Desk>, data_base64: String) -> Result<PhotoView> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.trim())
        .map_err(|_| {
            DeskError::Invalid(vec![skranke_core::FieldError::new(
                "photos",
                skranke_core::Invalid::Photo {
                    text: "filen kunne ikke leses".into(),
                },
            )])
        })?;
    Ok(desk.add_claim_photo(&bytes, desk.now()).await?)
}

/// Whether the claim as typed is in time (R1, D10), with the dates; empty until it can be judged.
#[tauri::command]
#[specta::specta]
async fn claim_timing(
    desk: State<'_, Desk>,
    number: String,
    draft: skranke_core::claim::ClaimDraft,
) -> Result<String> {
    Ok(desk.claim_timing(&number, &draft, desk.now()).await?)
}

/// Records a claim with its photos and writes its confirmation; sent with the next sync.
#[tauri::command]
#[specta::specta]
async fn register_claim(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    claim_id: String,
    draft: skranke_core::claim::ClaimDraft,
) -> Result<RegisteredClaim> {
    let who = desk.acting(desk.now())?;
    let claim = desk
        .register_claim(&who, &number, self::order_id(&claim_id)?, &draft, desk.now())
        .await?;
    sync.wake();
    Ok(claim)
}

/// Cancels a placed order before dispatch (D8), with the customer's reason.
#[tauri::command]
#[specta::specta]
async fn cancel_order(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    reason: String,
) -> Result<()> {
    let who = desk.acting(desk.now())?;
    desk.cancel_order(&who, &number, &reason, desk.now()).await?;
    sync.wake();
    Ok(())
}

/// Sends the confirmation e-mail again; an empty `email` means the address on the order.
#[tauri::command]
#[specta::specta]
async fn resend_confirmation(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    email: String,
) -> Result<()> {
    let who = desk.acting(desk.now())?;
    desk.resend_confirmation(&who, &number, &email, desk.now())
        .await?;
    sync.wake();
    Ok(())
}

#[tauri::command]
#[specta::specta]
async fn list_orders(desk: State<'_, Desk>, text: Option<String>) -> Result<Vec<OrderSummaryView>> {
    Ok(desk
        .list_orders(text.as_deref(), 200)
        .await?
        .into_iter()
        .map(OrderSummaryView::from)
        .collect())
}

#[tauri::command]
#[specta::specta]
async fn show_order(desk: State<'_, Desk>, number: String) -> Result<OrderDetailView> {
    Ok(desk.order_detail(&number).await?)
}

#[tauri::command]
#[specta::specta]
async fn open_confirmation(desk: State<'_, Desk>, number: String) -> Result<String> {
    let who = desk.acting(desk.now())?;
    let path = desk.confirmation_pdf(&who, &number, desk.now()).await?;
    skranke_desk::open_file(&path)?;
    Ok(path.display().to_string())
}

#[tauri::command]
#[specta::specta]
async fn print_confirmation(desk: State<'_, Desk>, number: String) -> Result<String> {
    let who = desk.acting(desk.now())?;
    let path = desk.confirmation_pdf(&who, &number, desk.now()).await?;
    Ok(desk.print_document(&path).await?)
}

/// The system's printers and the one this desk prints on.
#[tauri::command]
#[specta::specta]
async fn list_printers(desk: State<'_, Desk>) -> Result<skranke_desk::PrinterChoice> {
    Ok(desk.printers().await?)
}

/// Remembers the printer this desk prints on (`null`: the system's default).
#[tauri::command]
#[specta::specta]
async fn choose_printer(desk: State<'_, Desk>, printer: Option<String>) -> Result<()> {
    let who = desk.acting(desk.now())?;
    Ok(desk.choose_printer(&who, printer.as_deref(), desk.now()).await?)
}

/// Records a return of an order's lines and writes its slip (the window opens it on request).
#[tauri::command]
#[specta::specta]
async fn register_return(
    desk: State<'_, Desk>,
    number: String,
    return_id: String,
    draft: ReturnDraft,
) -> Result<RegisteredReturn> {
    let who = desk.acting(desk.now())?;
    let registered = desk
        .register_return(&who, &number, self::order_id(&return_id)?, &draft, desk.now())
        .await?;
    Ok(registered)
}

/// The read-back of an exchange (R3 bytte) of a sent order, without saving anything.
#[tauri::command]
#[specta::specta]
async fn preview_exchange(
    desk: State<'_, Desk>,
    number: String,
    draft: skranke_desk::ExchangeDraft,
) -> Result<skranke_desk::ExchangeView> {
    Ok(desk.preview_exchange(&number, &draft, desk.now()).await?)
}

/// Records an exchange (the return and the new order together) and writes its slip; sent with the
/// next sync. The ids are chosen when the form opens, so a retry records nothing twice.
#[tauri::command]
#[specta::specta]
async fn register_exchange(
    desk: State<'_, Desk>,
    sync: State<'_, SyncHandle>,
    number: String,
    return_id: String,
    new_order_id: String,
    draft: skranke_desk::ExchangeDraft,
) -> Result<skranke_desk::RegisteredExchange> {
    let who = desk.acting(desk.now())?;
    let registered = desk
        .register_exchange(
            &who,
            &number,
            self::order_id(&return_id)?,
            self::order_id(&new_order_id)?,
            &draft,
            desk.now(),
        )
        .await?;
    sync.wake();
    Ok(registered)
}

#[tauri::command]
#[specta::specta]
/// Opens a document the desk wrote, named by what it is (never a path from the window).
async fn open_document(desk: State<'_, Desk>, document: DocumentRef) -> Result<()> {
    let who = desk.acting(desk.now())?;
    desk.open_document(&who, &document, desk.now()).await?;
    Ok(())
}

/// F7: a stored customer's marketing consent and its history.
#[tauri::command]
#[specta::specta]
async fn customer_consent(desk: State<'_, Desk>, customer_id: String) -> Result<ConsentView> {
    let who = desk.acting(desk.now())?;
    Ok(desk.customer_consent(&who, &customer_id).await?)
}

/// F7: the customer withdraws marketing consent on the phone.
#[tauri::command]
#[specta::specta]
async fn withdraw_marketing_consent(desk: State<'_, Desk>, customer_id: String) -> Result<ConsentView> {
    let who = desk.acting(desk.now())?;
    Ok(desk
        .withdraw_marketing_consent(&who, &customer_id, desk.now())
        .await?)
}

/// F8: writes everything the desk holds about the customer with this phone to a file in the
/// documents folder; returns its path.
#[tauri::command]
#[specta::specta]
async fn export_customer(desk: State<'_, Desk>, phone: String) -> Result<WrittenDocument> {
    let who = desk.acting(desk.now())?;
    Ok(desk.customer_export_file(&who, &phone, desk.now()).await?)
}

/// F8: forgets the customer with this phone as far as the law allows; returns what was done, a line
/// each, for staff to read back to the customer.
#[tauri::command]
#[specta::specta]
async fn forget_customer(desk: State<'_, Desk>, phone: String) -> Result<Vec<String>> {
    let who = desk.acting(desk.now())?;
    let report = desk.forget_customer(&who, &phone, desk.now()).await?;
    Ok(skranke_desk::forget_report_lines(&report))
}

/// Where this desk's log is written: the support bundle takes it from there.
#[derive(Debug)]
pub struct LogDir(pub std::path::PathBuf);

/// Innstillinger → "Lag feilsøkingspakke": a zip of the logs and the desk's state, no customer data,
/// in the data folder's `feilsøkingspakker`.
#[tauri::command]
#[specta::specta]
async fn make_support_bundle(desk: State<'_, Desk>, logs: State<'_, LogDir>) -> Result<SupportBundleView> {
    let who = desk.acting(desk.now())?;
    let out = desk.data_dir().join(skranke_desk::BUNDLE_DIR);
    Ok(desk.write_support_bundle(&who, &logs.0, &out, desk.now()).await?)
}

/// What the backup button wrote, for staff to move to a safe place.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackupView {
    pub file: String,
    pub key_file: String,
}

/// Innstillinger → "Ta sikkerhetskopi": the cache and its key into the user's Documents folder
/// (`Skranke sikkerhetskopier`), never into the data folder the copy is meant to survive.
#[tauri::command]
#[specta::specta]
async fn make_backup(desk: State<'_, Desk>) -> Result<BackupView> {
    let who = desk.acting(desk.now())?;
    let folder = skranke_desk::backup::default_backup_dir(desk.data_dir());
    let stamp = skranke_desk::oslo_time(desk.now()).format("%Y%m%d-%H%M%S");
    std::fs::create_dir_all(&folder).map_err(|e| {
        UiError::from(DeskError::Io {
            context: format!("kan ikke lage {}", folder.display()),
            source: e,
        })
    })?;
    let report = desk
        .backup(&who, &folder.join(format!("skranke-{stamp}.skranke")), desk.now())
        .await?;
    Ok(BackupView {
        file: report.file.display().to_string(),
        key_file: report.key_file.display().to_string(),
    })
}

/// Shows the folder a file is in (the support bundle's, for staff to attach it to an e-mail).
#[tauri::command]
#[specta::specta]
async fn show_folder(desk: State<'_, Desk>, path: String) -> Result<()> {
    let path = std::path::PathBuf::from(path);
    let folder = path.parent().and_then(|p| p.canonicalize().ok());
    let root = desk.data_dir().canonicalize().ok();
    // Only folders inside the desk's data folder (after `..` and links are resolved): the window
    // cannot open just anything.
    match (folder, root) {
        (Some(folder), Some(root)) if folder.starts_with(&root) => Ok(skranke_desk::open_file(&folder)?),
        _ => Err(DeskError::DocumentNotFound(path.display().to_string()).into()),
    }
}

/// Skranke was started again while this window was open: the window came to the front and says so.
#[derive(Debug, Clone, Serialize, serde::Deserialize, specta::Type, tauri_specta::Event)]
pub struct SecondStart;

/// The sync state changed (a round ended, a pull made progress, or a minute passed, which changes
/// "eldste 5 min"): the window asks for `sync_status` and the open order again. The one source of
/// status updates, instead of a polling timer per screen.
#[derive(Debug, Clone, Serialize, serde::Deserialize, specta::Type, tauri_specta::Event)]
pub struct SyncChanged;

/// The desk locked itself after five idle minutes: the window shows the login. The desk decides when
/// (an in-memory check each second here, no call from the window).
#[derive(Debug, Clone, Serialize, serde::Deserialize, specta::Type, tauri_specta::Event)]
pub struct SessionEnded;

/// Emits [`SyncChanged`] whenever the sync loop's watch channel changes and once a minute, and
/// [`SessionEnded`] when the session lapses.
pub fn forward_changes(app: tauri::AppHandle, desk: Desk, mut sync: SyncHandle) {
    use tauri_specta::Event;
    tauri::async_runtime::spawn(async move {
        let mut minute = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut second = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut logged_in = desk.session(desk.now()).is_some();
        loop {
            // No window listening yet is not an error worth stopping for, hence the ignored results.
            tokio::select! {
                changed = sync.changed() => {
                    if changed.is_none() { break }
                    let _ = SyncChanged.emit(&app);
                }
                _ = minute.tick() => { let _ = SyncChanged.emit(&app); }
                _ = second.tick() => {
                    let now_in = desk.session(desk.now()).is_some();
                    if logged_in && !now_in {
                        let _ = SessionEnded.emit(&app);
                    }
                    logged_in = now_in;
                }
            }
        }
    });
}

/// Every command the window may call, for the invoke handler and the generated TypeScript.
pub fn commands() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .events(tauri_specta::collect_events![
            SyncChanged,
            SessionEnded,
            SecondStart
        ])
        .commands(tauri_specta::collect_commands![
            startup_failure,
            settings,
            demo_mode,
            import_demo,
            search_products,
            find_customers,
            duplicate_customers,
            reorder,
            customer_panel,
            place_of,
            preview_order,
            save_draft,
            load_draft,
            discard_draft,
            place_order,
            list_orders,
            show_order,
            open_confirmation,
            print_confirmation,
            list_printers,
            choose_printer,
            register_return,
            preview_exchange,
            register_exchange,
            open_document,
            sync_status,
            pair_desk,
            sync_now,
            mark_attention_done,
            request_payment,
            resend_confirmation,
            preview_change,
            change_order,
            cancel_order,
            add_claim_photo,
            claim_timing,
            register_claim,
            staff_list,
            discount_reasons,
            add_customer_note,
            save_quote,
            open_quote,
            open_quote_document,
            send_quote,
            approvers,
            login,
            logout,
            current_session,
            export_customer,
            forget_customer,
            customer_consent,
            withdraw_marketing_consent,
            make_support_bundle,
            show_folder,
            make_backup,
            update::app_version,
            update::check_update,
            update::accept_update,
            update::update_notice,
        ])
}

/// Writes the TypeScript bindings (commands and types) to `path`.
pub fn export_bindings(path: &std::path::Path) -> std::result::Result<(), String> {
    let ts = specta_typescript::Typescript::default().header(
        "// Generated from Rust by tauri-specta (src-tauri). Do not edit: run `cargo xtask codegen`.\n",
    );
    commands().export(ts, path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    /// The committed bindings are what the Rust side generates now.
    #[test]
    fn typescript_bindings_are_fresh() {
        let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        if std::env::var_os("SKRANKE_UPDATE_BINDINGS").is_some() {
            super::export_bindings(&committed).unwrap();
        }
        let dir = tempfile_dir();
        let fresh = dir.join("bindings.ts");
        super::export_bindings(&fresh).unwrap();
        let (a, b) = (
            std::fs::read_to_string(&fresh).unwrap(),
            std::fs::read_to_string(&committed).unwrap_or_default(),
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            a == b,
            "ui/src/lib/bindings.ts is stale: run `cargo xtask codegen` and commit it"
        );
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("skranke-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
