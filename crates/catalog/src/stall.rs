//! Stalls: their kinds, members' roles, the status state machine, and what clients send and see.
//! Status, suspension cause, legal form and role are closed sets stored as text ([`Stored`]).

use chrono::{DateTime, Utc};
use common::Stored;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{CatalogError, region::Commune};

/// Where a stall is in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StallStatus {
    /// Waiting for an administrator.
    Pending,
    /// Public.
    Approved,
    /// Refused, with a reason; editing sends it back to `pending`.
    Rejected,
    /// Taken down by an administrator, with a reason; may be reinstated.
    Suspended,
}

/// Something that changes a stall's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StallAction {
    /// Admin accepts a pending stall.
    Approve,
    /// Admin refuses a pending stall.
    Reject,
    /// Admin takes an approved stall down.
    Suspend,
    /// Admin puts a suspended stall back.
    Reinstate,
    /// A member edits a rejected stall, asking for another review.
    Resubmit,
}

impl StallAction {
    /// The audit-log name of the action.
    pub fn audit_name(self) -> crate::audit::Action {
        use crate::audit::Action;
        match self {
            StallAction::Approve => Action::StallApprove,
            StallAction::Reject => Action::StallReject,
            StallAction::Suspend => Action::StallSuspend,
            StallAction::Reinstate => Action::StallReinstate,
            StallAction::Resubmit => Action::StallResubmit,
        }
    }

    /// Whether the action must give a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, StallAction::Reject | StallAction::Suspend)
    }
}

impl Stored for StallStatus {
    const WHAT: &'static str = "stall status";
    const ALL: &'static [Self] = &[
        StallStatus::Pending,
        StallStatus::Approved,
        StallStatus::Rejected,
        StallStatus::Suspended,
    ];
    fn as_str(self) -> &'static str {
        match self {
            StallStatus::Pending => "pending",
            StallStatus::Approved => "approved",
            StallStatus::Rejected => "rejected",
            StallStatus::Suspended => "suspended",
        }
    }
}

impl StallStatus {
    /// The status after `action`, or why it is not allowed.
    pub fn apply(self, action: StallAction) -> Result<StallStatus, CatalogError> {
        use StallAction as A;
        use StallStatus as S;
        match (self, action) {
            (S::Pending, A::Approve) | (S::Suspended, A::Reinstate) => Ok(S::Approved),
            (S::Pending, A::Reject) => Ok(S::Rejected),
            (S::Approved, A::Suspend) => Ok(S::Suspended),
            (S::Rejected, A::Resubmit) => Ok(S::Pending),
            (from, action) => Err(CatalogError::InvalidTransition(format!(
                "A {} stall cannot be {}.",
                from.as_str(),
                match action {
                    A::Approve => "approved",
                    A::Reject => "rejected",
                    A::Suspend => "suspended",
                    A::Reinstate => "reinstated",
                    A::Resubmit => "resubmitted",
                }
            ))),
        }
    }
}

/// Why a suspended stall is suspended: what decides whether enabling its owner's account
/// reinstates it. The reason the owner reads is text beside it, never parsed for this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuspensionCause {
    /// An administrator suspended it, with a reason; only an administrator reinstates it.
    Moderation,
    /// Its owner's account was disabled; enabling the account reinstates it.
    OwnerDisabled,
    /// It sold past its grace period without a verified seller identity; verifying the
    /// identity reinstates it.
    IdentityUnverified,
    /// An administrator took it down on a report (the compliance office's takedown); only
    /// lifting the takedown, or an administrator, reinstates it.
    Takedown,
}

impl Stored for SuspensionCause {
    const WHAT: &'static str = "stall suspension cause";
    const ALL: &'static [Self] = &[
        SuspensionCause::Moderation,
        SuspensionCause::OwnerDisabled,
        SuspensionCause::IdentityUnverified,
        SuspensionCause::Takedown,
    ];
    fn as_str(self) -> &'static str {
        match self {
            SuspensionCause::Moderation => "moderation",
            SuspensionCause::OwnerDisabled => "owner_disabled",
            SuspensionCause::IdentityUnverified => "identity_unverified",
            SuspensionCause::Takedown => "takedown",
        }
    }
}

/// The legal form of the business behind a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    /// Hộ kinh doanh.
    HouseholdBusiness,
    /// Hợp tác xã.
    Cooperative,
    /// Doanh nghiệp.
    Enterprise,
    /// Cá nhân.
    Individual,
}

impl Stored for BusinessType {
    const WHAT: &'static str = "business type";
    const ALL: &'static [Self] = &[
        BusinessType::HouseholdBusiness,
        BusinessType::Cooperative,
        BusinessType::Enterprise,
        BusinessType::Individual,
    ];
    fn as_str(self) -> &'static str {
        match self {
            BusinessType::HouseholdBusiness => "household_business",
            BusinessType::Cooperative => "cooperative",
            BusinessType::Enterprise => "enterprise",
            BusinessType::Individual => "individual",
        }
    }
}

/// What a member may do for a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Applied for the stall; manages members.
    Owner,
    /// Edits the stall and its products.
    Staff,
}

impl Stored for Role {
    const WHAT: &'static str = "stall member role";
    const ALL: &'static [Self] = &[Role::Owner, Role::Staff];
    fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }
}

/// How a signed-in user stands to a stall, for the crates that guard its other records
/// (identity, documents, money): [`crate::Catalog::standing`] tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Its owner.
    Owner,
    /// Staff of it.
    Staff,
    /// An administrator who is not a member.
    Admin,
}

/// An application for a stall.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewStall {
    /// 3 to 120 characters, e.g. "HTX Nước mắm Cửa Tùng".
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 120))]
    pub name: String,
    /// Up to 5000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description: String,
    /// A commune code from `GET /api/v1/regions`.
    pub commune_code: String,
    /// Street address within the commune, 5 to 255 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 255))]
    pub address: String,
    /// Vietnamese phone number.
    pub phone: String,
    /// Legal form.
    pub business_type: BusinessType,
    /// Business registration or tax number, 5 to 32 letters, digits or `-`.
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 32))]
    pub registration_no: Option<String>,
    /// Its logo, an http(s) URL of at most 2048 characters (empty or absent: none). A new
    /// stall holds no photos yet, so a photo uploaded to it becomes its logo by a `PATCH`
    /// once it exists; a photo id here is refused (422 naming `logo`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2048,
            example = "https://anh.example.vn/cua-tung/logo.png"
        )
    )]
    pub logo: Option<String>,
    /// Its banner, an http(s) URL of at most 2048 characters (empty or absent: none); as for
    /// `logo`, a photo uploaded to the stall is set by a `PATCH` once it exists.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2048,
            example = "https://anh.example.vn/cua-tung/bien-hieu.jpg"
        )
    )]
    pub banner: Option<String>,
}

/// Changes to a stall; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StallPatch {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 120))]
    pub name: Option<String>,
    /// New description.
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description: Option<String>,
    /// New commune code.
    pub commune_code: Option<String>,
    /// New address.
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 255))]
    pub address: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New legal form.
    pub business_type: Option<BusinessType>,
    /// New registration number; `null` removes it.
    #[serde(default, deserialize_with = "crate::product::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 32))]
    pub registration_no: Option<Option<String>>,
    /// New logo: the id of a photo uploaded to this stall (`POST /api/v1/media`), or an
    /// http(s) URL of at most 2048 characters; `null` (or empty) removes it. A photo of
    /// another stall, or an id of nothing, is refused (422 naming `logo`).
    #[serde(default, deserialize_with = "crate::product::double_option")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, max_length = 2048, example = "01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f")
    )]
    pub logo: Option<Option<String>>,
    /// New banner: the id of a photo uploaded to this stall, or an http(s) URL of at most 2048
    /// characters; `null` (or empty) removes it. A photo of another stall is refused (422
    /// naming `banner`).
    #[serde(default, deserialize_with = "crate::product::double_option")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, max_length = 2048, example = "01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e70")
    )]
    pub banner: Option<Option<String>>,
}

/// A stall as a search hit shows it. Every field is also a field of `Stall`, with the same
/// name and shape.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallSummary {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Where it is.
    pub commune: Commune,
    /// What buyers' reviews of its products give it: the average of their stars (null when
    /// none) and how many.
    pub rating: crate::ratings::Rating,
}

/// A stall as its viewer may see it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stall {
    /// Id.
    pub id: Uuid,
    /// URL slug, from the name.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Where it is.
    pub commune: Commune,
    /// Street address.
    pub address: String,
    /// Phone.
    pub phone: String,
    /// Legal form.
    pub business_type: BusinessType,
    /// Registration or tax number.
    pub registration_no: Option<String>,
    /// Moderation status.
    pub status: StallStatus,
    /// Why it was rejected or suspended (members and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The owner's user id.
    pub owner_id: Uuid,
    /// The viewer's role, if a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_role: Option<Role>,
    /// When it applied.
    pub created_at: DateTime<Utc>,
    /// When it was last approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// How it prices delivery on top of the marketplace's rate table.
    pub delivery: DeliveryRules,
    /// Its logo's URL, null when none: a photo uploaded to the stall shows as its medium
    /// rendition (`/media/{id}/medium`, 800 pixels wide, redirected to `media.public_url` when
    /// one is set); a URL the stall gave stays as it is.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "/media/01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e6f/medium")
    )]
    pub logo: Option<String>,
    /// Its banner's URL, null when none: a photo uploaded to the stall shows as its large
    /// rendition (`/media/{id}/large`, 1600 pixels wide, as product images do); a URL the
    /// stall gave stays as it is.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "/media/01938c4e-7b1a-7c3e-9f00-1a2b3c4d5e70/large")
    )]
    pub banner: Option<String>,
    /// What buyers' reviews of its products give it: the average of their stars (null when
    /// none) and how many.
    pub rating: crate::ratings::Rating,
}

/// A stall's own delivery rules, on top of the marketplace's rate table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryRules {
    /// Delivery is free for an order of goods worth at least this many đồng.
    #[serde(default)]
    pub free_above: Option<i64>,
    /// One fee for every order, wherever it goes, instead of the rate table.
    #[serde(default)]
    pub flat_fee: Option<i64>,
    /// The stall delivers itself within its province (for `own_delivery_fee`).
    #[serde(default)]
    pub own_delivery_in_province: bool,
    /// Its fee for its own deliveries, in đồng (0: free).
    #[serde(default)]
    pub own_delivery_fee: i64,
}

/// A member of a stall.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The user.
    pub user_id: Uuid,
    /// Their role.
    pub role: Role,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// A member of a stall, with who they are.
#[derive(Clone, Debug)]
pub struct MemberProfile {
    /// The user.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
    /// Their name.
    pub full_name: String,
    /// Their role.
    pub role: Role,
    /// Since when.
    pub since: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use common::Stored;

    use super::{BusinessType, Role, StallAction as A, StallStatus as S, SuspensionCause};

    #[test]
    fn the_state_machine_allows_exactly_the_documented_moves() {
        let all_s = [S::Pending, S::Approved, S::Rejected, S::Suspended];
        let all_a = [A::Approve, A::Reject, A::Suspend, A::Reinstate, A::Resubmit];
        let allowed = [
            (S::Pending, A::Approve, S::Approved),
            (S::Pending, A::Reject, S::Rejected),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Rejected, A::Resubmit, S::Pending),
        ];
        for from in all_s {
            for action in all_a {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (from.apply(action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {action:?}"),
                    (Err(e), None) => assert_eq!(
                        crate::CatalogError::code(&e),
                        "invalid_transition",
                        "{from:?} {action:?}"
                    ),
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn stored_forms_round_trip() {
        // Each stored form reads back, and is the member's JSON form too.
        fn round_trips<T: Stored + PartialEq + std::fmt::Debug + serde::Serialize>() {
            for v in T::ALL {
                assert_eq!(common::stored::<T>(v.as_str()).unwrap(), *v);
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            }
        }
        round_trips::<S>();
        round_trips::<BusinessType>();
        round_trips::<Role>();
        for c in SuspensionCause::ALL {
            assert_eq!(common::stored::<SuspensionCause>(c.as_str()).unwrap(), *c);
        }
        assert!(A::Reject.needs_reason() && A::Suspend.needs_reason());
        assert!(!A::Approve.needs_reason() && !A::Reinstate.needs_reason());
    }

    #[test]
    fn a_corrupt_stored_value_is_an_internal_error_not_a_default() {
        for bad in ["", "deleted", "Approved", "approved ", "owner\u{0}"] {
            let e = common::stored::<S>(bad).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
            assert!(common::stored::<BusinessType>(bad).is_err(), "{bad:?}");
            assert!(common::stored::<Role>(bad).is_err(), "{bad:?}");
            assert!(common::stored::<SuspensionCause>(bad).is_err(), "{bad:?}");
        }
    }
}
