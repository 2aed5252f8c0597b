//! Discounts at the desk (issue 20, item 4): the discounts of an order judged against the limit of the
//! person who asked, a manager's approval with their own PIN on this desk (offline too), and the
//! audit record of who asked and who approved.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skranke_core::discount::{
    judge_approval, order_discount_total, DiscountApproval, DiscountRefused, StaffRole,
};
use skranke_core::ValidOrder;

use crate::staff::Acting;
use crate::{Desk, DeskError};

/// A manager's PIN, typed on this desk to approve discounts above the asker's own limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagerApproval {
    pub staff_id: String,
    pub pin: String,
}

/// Someone who may approve discounts, for the approval dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApproverView {
    pub id: String,
    pub name: String,
}

/// A reason from the policy's list, for the discount form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiscountReasonView {
    pub code: String,
    pub text: String,
}

impl Desk {
    /// The reasons a discount may be given for, in the policy's order.
    pub fn discount_reasons(&self) -> Vec<DiscountReasonView> {
        self.policy
            .discounts
            .reasons
            .iter()
            .map(|r| DiscountReasonView {
                code: r.code.clone(),
                text: r.text.clone(),
            })
            .collect()
    }

    /// Managers at this desk, who may approve a discount above a seller's limit.
    pub async fn approvers(&self) -> Result<Vec<ApproverView>, DeskError> {
        Ok(self
            .cache()
            .staff()
            .await?
            .into_iter()
            .filter(|s| s.role == StaffRole::Leder)
            .map(|s| ApproverView {
                id: s.id,
                name: s.name,
            })
            .collect())
    }

    /// The order stamped with who asked for its discounts and who approved them, or refused: above
    /// the asker's limit without a manager's PIN, or above the approver's limit too. A wrong PIN
    /// counts towards that manager's lockout, as at login.
    pub(crate) async fn judge_discounts(
        &self,
        who: &Acting,
        order: ValidOrder,
        approval: Option<&ManagerApproval>,
        now: DateTime<Utc>,
    ) -> Result<ValidOrder, DeskError> {
        if order.lines.iter().all(|l| l.discount.is_none()) {
            return Ok(order);
        }
        let actor = who.actor();
        let staff = self.cache().staff().await?;
        // A script's service identity has no role: it gives no more than a seller.
        let asker_role = actor
            .staff_id
            .as_deref()
            .and_then(|id| staff.iter().find(|s| s.id == id))
            .map_or(StaffRole::Selger, |s| s.role);
        let approver = match approval {
            Some(a) => Some(self.check_pin(&a.staff_id, &a.pin, now).await?),
            None => None,
        };
        let limits = &self.policy.discounts;
        judge_approval(
            &order.lines,
            limits.limit(asker_role),
            approver.as_ref().map(|m| limits.limit(m.role)),
        )
        .map_err(|why| DeskError::Discount {
            needs_approval: matches!(why, DiscountRefused::NeedsApproval { .. }),
            message: why.to_string(),
        })?;
        // Approval is recorded only where it was needed: within the asker's limit the asker answers.
        let needed = judge_approval(&order.lines, limits.limit(asker_role), None).is_err();
        let approver = approver.filter(|_| needed);
        Ok(order.discounts_by(DiscountApproval {
            asked_by_id: actor.staff_id.clone().unwrap_or_default(),
            asked_by: actor.name.clone(),
            approved_by_id: approver.as_ref().map(|m| m.id.clone()),
            approved_by: approver.map(|m| m.name),
        }))
    }

    /// The audit log's record of the discounts given in a placed order: how much, why, who asked and
    /// who approved.
    pub(crate) async fn audit_discounts(
        &self,
        number: &str,
        order: &ValidOrder,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        let Some(by) = &order.discount_approval else {
            return Ok(());
        };
        let (off, _) = order_discount_total(&order.lines);
        let mut reasons: Vec<&str> = order
            .lines
            .iter()
            .filter_map(|l| l.discount.as_ref().map(|d| d.reason_text.as_str()))
            .collect();
        reasons.dedup();
        let approved = by
            .approved_by
            .as_ref()
            .map_or(String::new(), |m| format!(", godkjent av {m}"));
        let subject = format!(
            "{number}: {off} ({}), gitt av {}{approved}",
            reasons.join(", "),
            by.asked_by
        );
        self.cache().record_audit("rabatt", &subject, now).await?;
        Ok(())
    }
}
