//! A change made at the desk and what the central store says of it: applied, it stands; refused, the
//! order goes back to the central store's version (or the one it was made from); the central
//! store's version shows unless a change made here waits for its answer. A cancellation shows at
//! once and is not undone by a pull before it is answered.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::Utc;
use skranke_cache::{Cache, CacheError};
use skranke_core::order::LineDraft;
use skranke_core::order_change::{describe_change, validate_change, ChangeDraft};
use skranke_core::{ShopPolicy, ValidOrder};
use skranke_protocol::{
    Change, Cursor, MutationResult, OrderState, OrderStatusRow, Outcome, PullResponse, Rejection,
    RejectionCode, Stream,
};

mod support;

async fn open(dir: &std::path::Path) -> Cache {
    Cache::open(
        &dir.join("desk.sqlite3"),
        skranke_cache::FieldKey::from_hex(&"5a".repeat(32)).unwrap(),
    )
    .await
    .unwrap()
}

/// `order` with one unit more of product `n` of the demo catalog, as core judges it.
fn with_line(order: &ValidOrder, n: usize) -> ValidOrder {
    let today = Utc::now().date_naive();
    let products: Vec<_> = skranke_demo::products(10, 1, Utc::now(), today).collect();
    let mut draft = ChangeDraft::of(order);
    draft.lines.push(LineDraft {
        discount: None,
        sku: products[n].sku.clone(),
        quantity: 1,
    });
    validate_change(
        order,
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today.and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap()
}

fn answer(seq: i64, mutation_id: &str, rejection: Option<RejectionCode>) -> MutationResult {
    MutationResult {
        seq,
        mutation_id: uuid::Uuid::parse_str(mutation_id).unwrap(),
        outcome: if rejection.is_some() {
            Outcome::Rejected
        } else {
            Outcome::Applied
        },
        replayed: false,
        flags: Vec::new(),
        rejection: rejection.map(|code| Rejection {
            code,
            message: "Ordren ble endret et annet sted (nå versjon 2).".into(),
        }),
    }
}

fn orders_page(
    order_id: &str,
    number: &str,
    status: OrderState,
    version: u32,
    order: Option<ValidOrder>,
) -> PullResponse {
    PullResponse {
        stream: Stream::Orders,
        changes: vec![Change {
            key: order_id.into(),
            deleted: false,
            product: None,
            availability: None,
            staff: None,
            order: Some(OrderStatusRow {
                customer_id: None,
                placed_at: None,
                order_id: uuid::Uuid::parse_str(order_id).unwrap(),
                order_number: number.into(),
                status,
                status_text: status.text().into(),
                tracking_number: None,
                flags: Vec::new(),
                updated_at: Utc::now(),
                payment: None,
                email: None,
                version,
                order,
            }),
        }],
        cursor: Cursor("9.1".into()),
        has_more: false,
    }
}

async fn pull(cache: &Cache, page: &PullResponse) {
    cache.stage_page(page, None).await.unwrap();
    cache.apply_staged(Stream::Orders, Utc::now()).await.unwrap();
}

#[tokio::test]
async fn a_refused_change_goes_back_and_the_central_version_shows() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let number = support::place(&cache, Utc::now(), "41234567", None).await;
    let v1 = cache.order_by_number(&number).await.unwrap().unwrap();
    let mine = with_line(&v1.order, 3);
    let saved = cache
        .change_order(
            &v1.order_id,
            1,
            &mine,
            &describe_change(&v1.order, &mine),
            false,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    // A change from a version that no longer stands is refused here, nothing written.
    let stale = cache
        .change_order(&v1.order_id, 1, &mine, &[], false, Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(stale, CacheError::OrderMovedOn { version: 2 }),
        "{stale:?}"
    );

    // Another desk's version 2 arrives while this desk's change waits: this desk's shows.
    let theirs = with_line(&v1.order, 5);
    pull(
        &cache,
        &orders_page(
            &v1.order_id,
            &number,
            OrderState::UnderBehandling,
            2,
            Some(theirs.clone()),
        ),
    )
    .await;
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(shown.order, mine);
    assert!(shown.change_pending);

    // The central store refuses this desk's change: the order is the central store's version 2.
    let entry = cache
        .outbox_pending()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "order_changed")
        .unwrap();
    let report = cache
        .record_push(
            &[answer(
                entry.wire_seq,
                &entry.mutation_id,
                Some(RejectionCode::ChangeConflict),
            )],
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(report.needs_attention, vec![number.clone()]);
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(shown.order, theirs);
    assert_eq!(shown.version, 2);
    assert!(!shown.change_pending);
    assert!(shown.followup_message.unwrap().contains("endret et annet sted"));
    let versions = cache.order_versions(&v1.order_id).await.unwrap();
    assert_eq!(versions[0].state, "rejected");
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM order_lines")
        .fetch_one(
            &sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("desk.sqlite3").display()))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(lines as usize, theirs.lines.len(), "the lines are the version's");
}

#[tokio::test]
async fn a_refused_change_with_no_central_version_goes_back_to_its_base_and_an_applied_one_stands() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let number = support::place(&cache, Utc::now(), "41234567", None).await;
    let v1 = cache.order_by_number(&number).await.unwrap().unwrap();
    let first = with_line(&v1.order, 3);
    cache
        .change_order(&v1.order_id, 1, &first, &[], false, Utc::now())
        .await
        .unwrap();
    let entry = |kind: &'static str| {
        let cache = &cache;
        async move {
            cache
                .outbox_pending()
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.kind == kind)
                .unwrap()
        }
    };
    let e = entry("order_changed").await;
    cache
        .record_push(
            &[answer(
                e.wire_seq,
                &e.mutation_id,
                Some(RejectionCode::ChangeAfterDispatch),
            )],
            Utc::now(),
        )
        .await
        .unwrap();
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!((shown.version, &shown.order), (1, &v1.order));

    let second = with_line(&v1.order, 4);
    cache
        .change_order(&v1.order_id, 1, &second, &[], false, Utc::now())
        .await
        .unwrap();
    let e = entry("order_changed").await;
    cache
        .record_push(&[answer(e.wire_seq, &e.mutation_id, None)], Utc::now())
        .await
        .unwrap();
    // The central store's copy of that same version 2 arrives: nothing moves.
    pull(
        &cache,
        &orders_page(
            &v1.order_id,
            &number,
            OrderState::UnderBehandling,
            2,
            Some(second.clone()),
        ),
    )
    .await;
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!((shown.version, &shown.order), (2, &second));
    assert_eq!(
        cache.order_versions(&v1.order_id).await.unwrap()[1].state,
        "applied"
    );
}

#[tokio::test]
async fn a_cancellation_shows_at_once_and_a_pull_before_its_answer_does_not_undo_it() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let number = support::place(&cache, Utc::now(), "41234567", None).await;
    let v1 = cache.order_by_number(&number).await.unwrap().unwrap();
    cache
        .cancel_order(&v1.order_id, "Kunden angret", Utc::now())
        .await
        .unwrap();
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(shown.status, OrderState::Kansellert);
    assert_eq!(shown.cancel_reason.as_deref(), Some("Kunden angret"));
    assert!(shown.change_pending);
    pull(
        &cache,
        &orders_page(&v1.order_id, &number, OrderState::UnderBehandling, 1, None),
    )
    .await;
    assert_eq!(
        cache.order_by_number(&number).await.unwrap().unwrap().status,
        OrderState::Kansellert
    );
    // Refused (it was sent meanwhile): the central store's status shows with the next pull.
    let e = cache
        .outbox_pending()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "order_cancelled")
        .unwrap();
    cache
        .record_push(
            &[answer(
                e.wire_seq,
                &e.mutation_id,
                Some(RejectionCode::CancelAfterDispatch),
            )],
            Utc::now(),
        )
        .await
        .unwrap();
    pull(
        &cache,
        &orders_page(&v1.order_id, &number, OrderState::Sendt, 1, None),
    )
    .await;
    let shown = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(shown.status, OrderState::Sendt);
    assert!(shown.followup_message.is_some());
}

/// Issue 20 item 3: the central store merged the customer of an order into another record. The
/// desk follows when it pulls the order: its orders and consent go to the record kept, and the record
/// merged away is gone; when the desk never had the record kept, its own takes the kept id.
#[tokio::test]
async fn a_merge_on_the_central_store_is_followed_when_the_order_is_pulled() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let kept_number = support::place(&cache, Utc::now(), "41234567", None).await;
    let merged_number = support::place(&cache, Utc::now(), "90000001", None).await;
    let id_of = |phone: &'static str| {
        let cache = &cache;
        async move { cache.search_customers(phone, 5).await.unwrap()[0].id.clone() }
    };
    let (kept, merged) = (id_of("41234567").await, id_of("90000001").await);
    let merged_order = cache.order_by_number(&merged_number).await.unwrap().unwrap();
    let mut page = orders_page(
        &merged_order.order_id,
        &merged_number,
        OrderState::UnderBehandling,
        1,
        None,
    );
    page.changes[0].order.as_mut().unwrap().customer_id = Some(uuid::Uuid::parse_str(&kept).unwrap());
    pull(&cache, &page).await;
    assert!(
        cache.customer(&merged).await.unwrap().is_none(),
        "the record merged away is gone"
    );
    let (orders, count) = cache.customer_orders(&kept, 10).await.unwrap();
    assert_eq!(count, 2, "{orders:?}");
    assert!(orders.iter().any(|o| o.order_number == kept_number));

    // Kept on the central store as a record this desk never had: the desk's own takes its id.
    let elsewhere = uuid::Uuid::now_v7();
    let mut page = orders_page(
        &merged_order.order_id,
        &merged_number,
        OrderState::UnderBehandling,
        1,
        None,
    );
    page.changes[0].order.as_mut().unwrap().customer_id = Some(elsewhere);
    let name = cache.customer(&kept).await.unwrap().unwrap().name;
    pull(&cache, &page).await;
    let (_, moved) = cache.customer_orders(&elsewhere.to_string(), 10).await.unwrap();
    assert_eq!(moved, 2, "the record moves whole, with every order");
    assert!(cache.customer(&kept).await.unwrap().is_none());
    assert_eq!(
        cache
            .customer(&elsewhere.to_string())
            .await
            .unwrap()
            .unwrap()
            .name,
        name
    );
}
