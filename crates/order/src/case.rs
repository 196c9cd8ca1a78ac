//! A case's closed sets and its state machine, pure: what a case is about, where it stands,
//! which step moves it where, and who took a step; the lines it names and where its money goes
//! back. Stored values read back checked.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::types::Stored;

/// What the buyer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// To send the goods back and be refunded.
    Return,
    /// To be refunded without sending anything back.
    Refund,
    /// To be heard about a problem.
    Complaint,
}

impl Stored for CaseKind {
    const WHAT: &'static str = "case kind";
    const ALL: &'static [Self] = &[Self::Return, Self::Refund, Self::Complaint];
    fn as_str(self) -> &'static str {
        match self {
            Self::Return => "return",
            Self::Refund => "refund",
            Self::Complaint => "complaint",
        }
    }
}

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Waiting for the stall's answer (until `respond_by`).
    Open,
    /// The stall accepted; an administrator settles the refund.
    Accepted,
    /// The stall rejected; the buyer may escalate.
    Rejected,
    /// With the administrators (the buyer escalated, or the stall did not answer in time).
    Escalated,
    /// An administrator decided; closed.
    Resolved,
}

impl Stored for CaseStatus {
    const WHAT: &'static str = "case status";
    const ALL: &'static [Self] = &[
        Self::Open,
        Self::Accepted,
        Self::Rejected,
        Self::Escalated,
        Self::Resolved,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
        }
    }
}

/// A step of a case's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStep {
    /// The buyer opened it.
    Opened,
    /// Someone wrote.
    Message,
    /// The stall accepted.
    Accepted,
    /// The stall rejected.
    Rejected,
    /// Sent to the administrators (by the buyer, or by the deadline).
    Escalated,
    /// The stall confirmed the returned goods arrived (they are back in stock).
    GoodsReceived,
    /// An administrator decided.
    Resolved,
}

impl Stored for CaseStep {
    const WHAT: &'static str = "case step";
    const ALL: &'static [Self] = &[
        Self::Opened,
        Self::Message,
        Self::Accepted,
        Self::Rejected,
        Self::Escalated,
        Self::GoodsReceived,
        Self::Resolved,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Message => "message",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Escalated => "escalated",
            Self::GoodsReceived => "goods_received",
            Self::Resolved => "resolved",
        }
    }
}

/// Who took a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseBy {
    /// The buyer.
    Buyer,
    /// A member of the stall.
    Stall,
    /// An administrator.
    Admin,
    /// The marketplace itself, when the stall's time to answer ran out.
    Deadline,
}

impl Stored for CaseBy {
    const WHAT: &'static str = "case actor";
    const ALL: &'static [Self] = &[Self::Buyer, Self::Stall, Self::Admin, Self::Deadline];
    fn as_str(self) -> &'static str {
        match self {
            Self::Buyer => "buyer",
            Self::Stall => "stall",
            Self::Admin => "admin",
            Self::Deadline => "deadline",
        }
    }
}

/// The administrators' decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The buyer is refunded `refund_amount`.
    Refund,
    /// Nothing is refunded.
    Reject,
}

impl Stored for Decision {
    const WHAT: &'static str = "case decision";
    const ALL: &'static [Self] = &[Self::Refund, Self::Reject];
    fn as_str(self) -> &'static str {
        match self {
            Self::Refund => "refund",
            Self::Reject => "reject",
        }
    }
}

/// One line of the order a case is about, as the case keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseItem {
    /// The order's line (`items[].id` of the order).
    pub order_item_id: Uuid,
    /// Its product.
    pub product_id: Uuid,
    /// The variant (pack size) sold on it (cases opened before variants: null).
    #[serde(default)]
    pub variant_id: Option<Uuid>,
    /// How many of its units (at most as many as were bought).
    pub quantity: i64,
}

/// Where money goes back when it cannot go back to a card: the buyer's bank account, in the
/// shape of every bank account of the marketplace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundAccount {
    /// A BIN of the bank list (`config/banks.toml`), or the name people know the bank by
    /// (`Vietcombank`; kept as its BIN).
    #[cfg_attr(feature = "openapi", schema(example = "970436"))]
    pub bank_bin: String,
    /// 4 to 19 digits or capital letters.
    #[cfg_attr(feature = "openapi", schema(example = "0011004123456"))]
    pub account_no: String,
    /// The holder's name; diacritics are removed and it is upper-cased, as banks show it.
    #[cfg_attr(feature = "openapi", schema(example = "NGUYEN THI LAN"))]
    pub account_name: String,
}

/// The refund account checked field by field (each named after `prefix`: `refund_account.` on
/// a case), as every bank account of the marketplace is: a bank of the list, its number, the
/// holder's name as banks print it. The account as kept.
pub(crate) fn check_account(
    v: &mut common::validate::Validator,
    prefix: &str,
    a: &RefundAccount,
) -> RefundAccount {
    static BANKS: std::sync::LazyLock<vietqr::Banks> =
        std::sync::LazyLock::new(vietqr::Banks::builtin);
    let named = common::text::fold(a.bank_bin.trim());
    let bank = BANKS.get(a.bank_bin.trim()).or_else(|| {
        BANKS
            .all()
            .iter()
            .find(|b| common::text::fold(&b.short_name) == named)
    });
    v.check(
        bank.is_some(),
        &format!("{prefix}bank_bin"),
        common::FieldCode::UnknownBank,
        "is not a bank of the list",
    );
    let bank_bin = bank.map_or_else(String::new, |b| b.bin.clone());
    let account_no = a.account_no.trim().to_owned();
    v.check(
        (4..=19).contains(&account_no.len())
            && account_no
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        &format!("{prefix}account_no"),
        common::FieldCode::InvalidAccountNo,
        "must be 4 to 19 digits or capital letters",
    );
    let account_name = common::text::fold(&a.account_name)
        .to_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    v.check(
        (2..=100).contains(&account_name.len())
            && account_name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == ' '),
        &format!("{prefix}account_name"),
        common::FieldCode::InvalidName,
        "must be 2 to 100 letters and spaces",
    );
    RefundAccount {
        bank_bin,
        account_no,
        account_name,
    }
}

/// The status a step moves a case in `from` to, or `None` when the step is not allowed there.
/// Messages and the goods' receipt leave the status as it is.
pub fn next(from: CaseStatus, step: CaseStep) -> Option<CaseStatus> {
    use CaseStatus as S;
    match (from, step) {
        (S::Open, CaseStep::Accepted) => Some(S::Accepted),
        (S::Open, CaseStep::Rejected) => Some(S::Rejected),
        // The buyer escalates a rejection; the deadline escalates an unanswered case.
        (S::Open | S::Rejected, CaseStep::Escalated) => Some(S::Escalated),
        (S::Accepted | S::Rejected | S::Escalated | S::Open, CaseStep::Resolved) => {
            Some(S::Resolved)
        }
        (s, CaseStep::Message) if s != S::Resolved => Some(s),
        (s, CaseStep::GoodsReceived) if matches!(s, S::Accepted | S::Resolved) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::stored;

    #[test]
    fn stored_forms_round_trip_and_others_are_errors() {
        for k in CaseKind::ALL {
            assert_eq!(stored::<CaseKind>(k.as_str()).unwrap(), *k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in CaseStatus::ALL {
            assert_eq!(stored::<CaseStatus>(s.as_str()).unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in CaseStep::ALL {
            assert_eq!(stored::<CaseStep>(s.as_str()).unwrap(), *s);
        }
        for b in CaseBy::ALL {
            assert_eq!(stored::<CaseBy>(b.as_str()).unwrap(), *b);
        }
        assert!(stored::<CaseStatus>("closed").is_err());
        assert!(stored::<CaseKind>("Return").is_err());
    }

    #[test]
    fn the_stall_answers_once_and_only_a_rejection_or_silence_escalates() {
        use CaseStatus as S;
        assert_eq!(next(S::Open, CaseStep::Accepted), Some(S::Accepted));
        assert_eq!(next(S::Open, CaseStep::Rejected), Some(S::Rejected));
        assert_eq!(next(S::Accepted, CaseStep::Rejected), None);
        assert_eq!(next(S::Rejected, CaseStep::Accepted), None);
        assert_eq!(next(S::Rejected, CaseStep::Escalated), Some(S::Escalated));
        assert_eq!(next(S::Open, CaseStep::Escalated), Some(S::Escalated));
        assert_eq!(next(S::Accepted, CaseStep::Escalated), None);
        assert_eq!(next(S::Escalated, CaseStep::Escalated), None);
        assert_eq!(next(S::Escalated, CaseStep::Resolved), Some(S::Resolved));
        assert_eq!(next(S::Resolved, CaseStep::Resolved), None);
        assert_eq!(next(S::Resolved, CaseStep::Message), None);
        assert_eq!(next(S::Escalated, CaseStep::Message), Some(S::Escalated));
        assert_eq!(next(S::Open, CaseStep::GoodsReceived), None);
        assert_eq!(
            next(S::Accepted, CaseStep::GoodsReceived),
            Some(S::Accepted)
        );
    }
}
