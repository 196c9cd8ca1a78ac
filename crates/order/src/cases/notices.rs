//! What a case's parties hear, in the transaction of each step: the stall of a new case, the
//! buyer of the stall's answer, both and the administrators of an escalation, the other side
//! of a message, the buyer of the goods' receipt, both of the decision.

use chrono::{DateTime, Utc};
use notify::{Event, Facts, Notifier, Refs};
use sea_orm::ConnectionTrait;

use crate::{
    case::{CaseBy, CaseKind, Decision},
    entity::case as case_row,
    error::Result,
    types::stored,
};

/// The words for a case's kind, as texts say "yêu cầu {kind}".
fn kind_label(kind: &str) -> &'static str {
    match stored::<CaseKind>(kind) {
        Ok(CaseKind::Return) => "trả hàng, hoàn tiền",
        Ok(CaseKind::Refund) => "hoàn tiền",
        Ok(CaseKind::Complaint) => "khiếu nại",
        Err(_) => "hỗ trợ",
    }
}

/// A time as Vietnamese readers read it, in Vietnam's time.
fn vietnam_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&common::calendar::OFFSET)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

async fn facts<C: ConnectionTrait>(txn: &C, c: &case_row::Model) -> Result<Facts> {
    Ok(Facts::new()
        .text("order", crate::notices::label_of(txn, c.order_id).await?)
        .text("kind", kind_label(&c.kind))
        .data("case_id", c.id.to_string()))
}

fn refs(c: &case_row::Model) -> Refs {
    Refs {
        stall_id: Some(c.stall_id),
        order_id: Some(c.order_id),
    }
}

/// Who tells of case `c`, in transaction `txn`: the catalogue (the stall's members and
/// webhooks) and the notifier.
pub(super) struct Tell<'a, C> {
    pub catalog: &'a catalog::Catalog,
    pub txn: &'a C,
    pub c: &'a case_row::Model,
}

impl<C: ConnectionTrait> Tell<'_, C> {
    fn notifier(&self) -> &Notifier {
        self.catalog.notifier()
    }

    async fn stall(&self, event: Event, facts: Facts) -> Result<()> {
        let (txn, c) = (self.txn, self.c);
        self.catalog
            .tell_stall(txn, c.stall_id, event, facts, Some(c.order_id))
            .await?;
        Ok(())
    }

    async fn buyer(&self, event: Event, facts: Facts) -> Result<()> {
        let (txn, c) = (self.txn, self.c);
        let facts = facts.text("stall", stall_name(txn, c).await?);
        self.notifier()
            .to_users(txn, &[c.buyer_id], event, &facts, refs(c))
            .await?;
        Ok(())
    }

    /// A new case, to the stall, to answer by `respond_by`.
    pub async fn opened(&self) -> Result<()> {
        let c = self.c;
        let f = facts(self.txn, c)
            .await?
            .text("reason", c.reason.clone())
            .text("due", vietnam_time(c.respond_by));
        self.stall(Event::CaseOpened, f).await
    }

    /// The stall's answer, to the buyer.
    pub async fn answered(&self, accepted: bool, message: &str) -> Result<()> {
        let c = self.c;
        let decision = if accepted {
            "chấp nhận"
        } else {
            "từ chối"
        };
        let f = facts(self.txn, c)
            .await?
            .text("decision", decision)
            .text("message", message);
        self.buyer(Event::CaseAnswered, f).await
    }

    /// The case went to the administrators (`by` the buyer, or the deadline): the buyer, the
    /// stall and every administrator hear.
    pub async fn escalated(&self, by: CaseBy) -> Result<()> {
        let (txn, c) = (self.txn, self.c);
        let why = match by {
            CaseBy::Deadline => "gian hàng không trả lời trong thời hạn",
            _ => "người mua không đồng ý với việc gian hàng từ chối",
        };
        let f = facts(self.txn, c)
            .await?
            .text("reason", c.reason.clone())
            .text("why", why);
        self.buyer(Event::CaseEscalated, f.clone()).await?;
        self.stall(Event::CaseEscalated, f.clone()).await?;
        let f = f.text("stall", stall_name(txn, c).await?);
        self.notifier()
            .to_admins(txn, Event::CaseForAdmins, &f, refs(c))
            .await?;
        Ok(())
    }

    /// A message, to the other side (both, when an administrator writes).
    pub async fn message(&self, by: CaseBy, message: &str) -> Result<()> {
        let c = self.c;
        let from = match by {
            CaseBy::Buyer => "Người mua",
            CaseBy::Stall => "Gian hàng",
            _ => "Ban quản lý chợ",
        };
        let f = facts(self.txn, c)
            .await?
            .text("from", from)
            .text("message", message);
        if by != CaseBy::Buyer {
            self.buyer(Event::CaseMessage, f.clone()).await?;
        }
        if by != CaseBy::Stall {
            self.stall(Event::CaseMessage, f).await?;
        }
        Ok(())
    }

    /// The returned goods arrived at the stall, to the buyer.
    pub async fn goods_received(&self) -> Result<()> {
        let c = self.c;
        self.buyer(Event::CaseGoodsReceived, facts(self.txn, c).await?)
            .await
    }

    /// The administrators' decision, to the buyer and the stall.
    pub async fn resolved(
        &self,
        decision: Decision,
        amount: Option<i64>,
        message: &str,
    ) -> Result<()> {
        let c = self.c;
        let outcome = match (decision, amount) {
            (Decision::Refund, Some(a)) => {
                format!("hoàn lại {} cho người mua", common::Money::from_dong(a))
            }
            _ => "không hoàn tiền".to_owned(),
        };
        let f = facts(self.txn, c)
            .await?
            .text("outcome", outcome)
            .text("message", message);
        self.buyer(Event::CaseResolved, f.clone()).await?;
        self.stall(Event::CaseResolved, f).await
    }
}

/// The stall's name, for texts the buyer reads.
async fn stall_name<C: ConnectionTrait>(txn: &C, c: &case_row::Model) -> Result<String> {
    Ok(catalog::lookup::stall_refs(txn, [c.stall_id])
        .await?
        .remove(&c.stall_id)
        .map(|s| s.name)
        .unwrap_or_default())
}
