//! Issue 20, item 4: the central store judges a desk's discounts again, against the roles it keeps. A
//! desk may run an older build or a changed policy; an order whose discounts are above the asker's
//! limit without a manager of the same store approving them is refused, in Norwegian, naming the limit.

use skranke_core::discount::{judge_approval, DiscountPolicy, StaffRole};
use skranke_core::ValidOrder;
use skranke_protocol::RejectionCode;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::apply::{reject, Failure};

/// The role of staff member `id` of `store`, if they are on its list (active or not: a manager who
/// approved offline and left since still approved).
async fn role_of(tx: &mut PgConnection, store: &str, id: &str) -> Result<Option<StaffRole>, Failure> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE id = $1 AND store_id = $2")
        .bind(id)
        .bind(store)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(role.and_then(|r| StaffRole::parse(&r)))
}

/// Accepts `order` when its discounts are within the asker's limit, or approved by someone of this
/// store whose limit covers them.
pub(crate) async fn judge(
    tx: &mut PgConnection,
    store: &str,
    order: &ValidOrder,
    policy: &DiscountPolicy,
) -> Result<(), Failure> {
    let Some(by) = &order.discount_approval else {
        return Ok(());
    };
    // Someone not on the store's list (a desk's demo person, a script) gives no more than a seller.
    let asker = role_of(tx, store, &by.asked_by_id).await?.unwrap_or_default();
    let approver = match &by.approved_by_id {
        Some(id) => Some(role_of(tx, store, id).await?.ok_or_else(|| {
            reject(
                RejectionCode::DiscountNotApproved,
                format!(
                    "Rabatten er godkjent av {}, som ikke er ansatt i butikken {store}.",
                    by.approved_by.as_deref().unwrap_or("en ukjent")
                ),
            )
        })?),
        None => None,
    };
    judge_approval(
        &order.lines,
        policy.limit(asker),
        approver.map(|r| policy.limit(r)),
    )
    .map_err(|why| {
        reject(
            RejectionCode::DiscountNotApproved,
            format!("Rabatten er ikke godkjent: {why}"),
        )
    })
}
