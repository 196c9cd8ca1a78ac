//! Read views shared by the use cases: an entry as members and administrators see it, its
//! kinds read through their type, so a corrupt row is an error, not a made-up entry.

use chrono::{DateTime, Utc};
use common::{Error, Result, stored, stored::stored_opt};
use serde::Serialize;
use uuid::Uuid;

use crate::{entity::entry, kind::EntryKind};

/// One ledger entry.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryView {
    /// Id.
    pub id: Uuid,
    /// What it is for.
    pub kind: EntryKind,
    /// Signed đồng: + owed to the stall, − owed by it.
    pub amount: i64,
    /// The order it comes from.
    pub order_id: Option<Uuid>,
    /// The payout it comes from.
    pub payout_id: Option<Uuid>,
    /// The rule applied, as it was then.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub rule: Option<serde_json::Value>,
    /// For a refund reversal: the kind it undoes.
    pub reverses: Option<EntryKind>,
    /// A note (an adjustment's reason, a refund's).
    pub note: Option<String>,
    /// Payable from.
    pub available_at: DateTime<Utc>,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<entry::Model> for EntryView {
    type Error = Error;
    fn try_from(e: entry::Model) -> Result<Self> {
        Ok(Self {
            id: e.id,
            kind: stored(&e.kind)?,
            amount: e.amount,
            order_id: e.order_id,
            payout_id: e.payout_id,
            rule: e.rule.and_then(|r| serde_json::from_str(&r).ok()),
            reverses: stored_opt(e.reverses.as_deref())?,
            note: e.note,
            available_at: e.available_at,
            created_at: e.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use common::ErrorKind;

    use super::*;

    fn row(kind: &str, reverses: Option<&str>) -> entry::Model {
        let at = Utc::now();
        entry::Model {
            id: Uuid::now_v7(),
            stall_id: Uuid::now_v7(),
            kind: kind.into(),
            amount: -1_200,
            order_id: Some(Uuid::now_v7()),
            payout_id: None,
            rule: None,
            reverses: reverses.map(str::to_owned),
            note: None,
            actor_id: None,
            available_at: at,
            created_at: at,
        }
    }

    #[test]
    fn an_entry_reads_its_kinds_through_their_type() {
        let v = EntryView::try_from(row("refund_reversal", Some("commission"))).unwrap();
        assert_eq!(v.kind, EntryKind::RefundReversal);
        assert_eq!(v.reverses, Some(EntryKind::Commission));
        assert_eq!(
            EntryView::try_from(row("sale", None)).unwrap().reverses,
            None
        );
    }

    #[test]
    fn an_unknown_kind_or_reversed_kind_is_an_error_not_a_default() {
        for (kind, reverses) in [
            ("bonus", None),
            ("SALE", None),
            ("refund_reversal", Some("bonus")),
            ("refund_reversal", Some("")),
        ] {
            let e = EntryView::try_from(row(kind, reverses)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Internal, "{kind} {reverses:?}");
        }
    }
}
