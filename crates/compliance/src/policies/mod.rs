//! Published policies: the floor's operating rules, privacy, returns, shipping, payment and
//! complaints policies as versioned texts, the version of each in effect at a moment, and what
//! a user still has to accept.
//!
//! A kind's versions are numbered 1, 2, … in the order they are published; each takes effect
//! at its `effective_from`, never earlier than its publication. The version in effect at a
//! moment is the highest-numbered one whose date has come: a version published later with an
//! earlier date supersedes a scheduled one before it takes effect.
//!
//! Users accept versions (the records are the accounts crate's [`accounts::Consent`]). A buyer
//! must have accepted the versions in effect of [`ACCEPTED_BY_USERS`]; when a new version of one
//! takes effect, it is pending again until they accept it, and ordering waits until then.
//!
//! Layers: the types and rules here (pure, unit-tested), [`entity`] (the table), [`service`]
//! (the use cases: read, publish, accept, register, pending).

pub mod entity;
pub mod service;

use chrono::{DateTime, Utc};
use common::{FieldCode, FieldError, Stored, validate::Validator};
use serde::{Deserialize, Serialize};

pub use service::Policies;

/// A kind of published policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// The floor's operating rules (quy chế hoạt động), which bind buyers and sellers.
    OperatingRules,
    /// How personal data is processed (chính sách bảo vệ dữ liệu cá nhân).
    Privacy,
    /// Returns and refunds.
    Returns,
    /// Shipping and delivery.
    Shipping,
    /// Payment methods and the sellers' money.
    Payment,
    /// Complaints and disputes.
    Complaints,
}

impl Stored for PolicyKind {
    const WHAT: &'static str = "policy kind";
    const ALL: &'static [Self] = &[
        PolicyKind::OperatingRules,
        PolicyKind::Privacy,
        PolicyKind::Returns,
        PolicyKind::Shipping,
        PolicyKind::Payment,
        PolicyKind::Complaints,
    ];
    fn as_str(self) -> &'static str {
        match self {
            PolicyKind::OperatingRules => "operating_rules",
            PolicyKind::Privacy => "privacy",
            PolicyKind::Returns => "returns",
            PolicyKind::Shipping => "shipping",
            PolicyKind::Payment => "payment",
            PolicyKind::Complaints => "complaints",
        }
    }
}

/// The policies every user must accept, in their version in effect, before ordering: the
/// operating rules, the contract between the floor and its users (Decree 52/2013 as amended
/// by Decree 85/2021), and the privacy policy, to whose processing of personal data the
/// Personal Data Protection Law asks a consent of its own. The other kinds are the floor's
/// published commitments to its users, which it must publish but a user need not sign.
///
/// A constant, not a setting: the law asks for both, and a configuration that could drop one
/// would let the floor take orders without a consent it must hold.
pub const ACCEPTED_BY_USERS: &[PolicyKind] = &[PolicyKind::OperatingRules, PolicyKind::Privacy];

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest body, in characters.
pub const BODY_MAX: usize = 100_000;

/// A version of a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// The kind.
    pub kind: PolicyKind,
    /// Its number: 1 for the first version of the kind, then one more for each.
    pub version: i32,
    /// The title.
    pub title: String,
    /// The text, in Markdown.
    pub body: String,
    /// When this version takes effect.
    pub effective_from: DateTime<Utc>,
}

/// The version of a kind in effect, without its text: what [`in_effect`] chooses among.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The kind.
    pub kind: PolicyKind,
    /// Its number.
    pub version: i32,
    /// The title.
    pub title: String,
    /// When it takes effect.
    pub effective_from: DateTime<Utc>,
}

/// A policy the user must accept before ordering: the version in effect of a kind they have
/// not accepted in that version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingPolicy {
    /// The kind.
    pub kind: PolicyKind,
    /// The version in effect.
    pub version: i32,
    /// Its title.
    pub title: String,
}

/// A new version of a policy, as an administrator writes it.
#[derive(Clone, Debug)]
pub struct NewVersion {
    /// 1 to [`TITLE_MAX`] characters.
    pub title: String,
    /// 1 to [`BODY_MAX`] characters.
    pub body: String,
    /// When it takes effect; now when absent, never in the past.
    pub effective_from: Option<DateTime<Utc>>,
}

/// A user's accepting of a version of a policy.
pub type Acceptance = accounts::Acceptance<PolicyKind>;

/// A recorded consent to a version of a policy.
pub type Consent = accounts::Consent<PolicyKind>;

/// The version of each kind in effect at `now` (the highest-numbered one whose date has come),
/// in the order of [`PolicyKind::ALL`]; a kind with none in effect is left out.
pub fn in_effect(heads: &[Head], now: DateTime<Utc>) -> Vec<&Head> {
    PolicyKind::ALL
        .iter()
        .filter_map(|kind| {
            heads
                .iter()
                .filter(|h| h.kind == *kind && h.effective_from <= now)
                .max_by_key(|h| h.version)
        })
        .collect()
}

/// Of the versions in effect, those of [`ACCEPTED_BY_USERS`] that `accepted` (every version the
/// user accepted, of any kind) does not hold.
pub fn pending(current: &[&Head], accepted: &[Acceptance]) -> Vec<PendingPolicy> {
    current
        .iter()
        .filter(|h| ACCEPTED_BY_USERS.contains(&h.kind))
        .filter(|h| {
            !accepted
                .iter()
                .any(|a| a.kind == h.kind && a.version == h.version)
        })
        .map(|h| PendingPolicy {
            kind: h.kind,
            version: h.version,
            title: h.title.clone(),
        })
        .collect()
}

/// What is wrong with accepting `given` when `current` are in effect: a version that is not
/// the one in effect, or a kind with none in effect, named as the field `field`.
pub fn acceptance_error(field: &str, given: &Acceptance, current: &[&Head]) -> Option<FieldError> {
    match current.iter().find(|h| h.kind == given.kind) {
        Some(h) if h.version == given.version => None,
        Some(h) => {
            let version = h.version;
            Some(FieldError::new(
                field,
                FieldCode::NotInEffect,
                format!("is not the version in effect (version {version})"),
            ))
        }
        None => Some(FieldError::new(
            field,
            FieldCode::NotInEffect,
            "has no version in effect",
        )),
    }
}

/// What is wrong with the policies accepted at registration: each of [`ACCEPTED_BY_USERS`]
/// must be there in its version in effect, and every one given must be in effect; each bad
/// one is named as `accepted_policies.<kind>`.
pub fn registration_errors(given: &[Acceptance], current: &[&Head]) -> Vec<FieldError> {
    let field = |kind: PolicyKind| format!("accepted_policies.{}", kind.as_str());
    let mut errors: Vec<FieldError> = given
        .iter()
        .filter_map(|a| acceptance_error(&field(a.kind), a, current))
        .collect();
    for h in current
        .iter()
        .filter(|h| ACCEPTED_BY_USERS.contains(&h.kind))
    {
        if !given.iter().any(|a| a.kind == h.kind) {
            let version = h.version;
            errors.push(FieldError::new(
                field(h.kind),
                FieldCode::Required,
                format!("must be accepted (version {version} is in effect)"),
            ));
        }
    }
    // A kind given twice in a wrong version is told once.
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert((e.field.clone(), e.code)));
    errors
}

/// A new version as [`check_new_version`] leaves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedVersion {
    /// The title, trimmed.
    pub title: String,
    /// The body, trimmed.
    pub body: String,
    /// When it takes effect.
    pub effective_from: DateTime<Utc>,
}

/// A new version checked: its title and body trimmed, and when it takes effect (`now` when
/// not given). Every bad field is named at once.
pub fn check_new_version(
    input: &NewVersion,
    now: DateTime<Utc>,
) -> Result<CheckedVersion, common::Error> {
    let mut v = Validator::new();
    let title = v.text("title", &input.title, 1, TITLE_MAX);
    let body = v.text("body", &input.body, 1, BODY_MAX);
    let effective_from = input.effective_from.unwrap_or(now);
    v.check(
        effective_from >= now,
        "effective_from",
        FieldCode::InThePast,
        "must not be in the past (leave it out to take effect now)",
    );
    v.finish()?;
    Ok(CheckedVersion {
        title,
        body,
        effective_from,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
    }

    fn head(kind: PolicyKind, version: i32, from: DateTime<Utc>) -> Head {
        Head {
            kind,
            version,
            title: format!("{} v{version}", kind.as_str()),
            effective_from: from,
        }
    }

    fn accepted(kind: PolicyKind, version: i32) -> Acceptance {
        Acceptance { kind, version }
    }

    #[test]
    fn every_kind_reads_back_as_stored_and_as_sent() {
        for k in PolicyKind::ALL {
            assert_eq!(PolicyKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(PolicyKind::parse("terms"), None);
    }

    #[test]
    fn the_version_in_effect_is_the_highest_whose_date_has_come() {
        use PolicyKind::*;
        let heads = [
            head(Privacy, 1, at(1)),
            head(Privacy, 2, at(10)),
            head(OperatingRules, 1, at(1)),
            head(Returns, 1, at(20)),
        ];
        let kinds_versions = |now| {
            in_effect(&heads, now)
                .iter()
                .map(|h| (h.kind, h.version))
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds_versions(at(9)), [(OperatingRules, 1), (Privacy, 1)]);
        // At the very moment a version takes effect, it is the one.
        assert_eq!(kinds_versions(at(10)), [(OperatingRules, 1), (Privacy, 2)]);
        assert_eq!(
            kinds_versions(at(20)),
            [(OperatingRules, 1), (Privacy, 2), (Returns, 1)]
        );
        assert!(kinds_versions(at(1) - Duration::seconds(1)).is_empty());
    }

    #[test]
    fn a_later_version_with_an_earlier_date_supersedes_a_scheduled_one() {
        let heads = [
            head(PolicyKind::Privacy, 1, at(1)),
            head(PolicyKind::Privacy, 2, at(20)),
            head(PolicyKind::Privacy, 3, at(10)),
        ];
        let version = |now| in_effect(&heads, now)[0].version;
        assert_eq!(version(at(9)), 1);
        assert_eq!(version(at(10)), 3);
        assert_eq!(version(at(25)), 3);
    }

    #[test]
    fn pending_are_the_required_kinds_whose_version_in_effect_is_not_accepted() {
        use PolicyKind::*;
        let heads = [
            head(OperatingRules, 1, at(1)),
            head(Privacy, 1, at(1)),
            head(Privacy, 2, at(10)),
            head(Returns, 1, at(1)),
        ];
        let given = [accepted(OperatingRules, 1), accepted(Privacy, 1)];
        assert!(pending(&in_effect(&heads, at(9)), &given).is_empty());
        // Privacy 2 takes effect: pending again, with its title; returns is never asked for.
        let now = in_effect(&heads, at(10));
        assert_eq!(
            pending(&now, &given),
            [PendingPolicy {
                kind: Privacy,
                version: 2,
                title: "privacy v2".into()
            }]
        );
        let later = [given[0], given[1], accepted(Privacy, 2)];
        assert!(pending(&now, &later).is_empty());
        assert_eq!(pending(&now, &[]).len(), 2);
        // Nothing published, nothing to accept.
        assert!(pending(&[], &[]).is_empty());
    }

    #[test]
    fn registration_needs_the_required_versions_in_effect_and_no_other() {
        use PolicyKind::*;
        let heads = [
            head(OperatingRules, 2, at(1)),
            head(Privacy, 1, at(1)),
            head(Returns, 1, at(1)),
        ];
        let now = in_effect(&heads, at(2));
        let fields = |given: &[Acceptance]| {
            registration_errors(given, &now)
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect::<Vec<_>>()
        };
        assert!(fields(&[accepted(OperatingRules, 2), accepted(Privacy, 1)]).is_empty());
        assert!(
            fields(&[
                accepted(Privacy, 1),
                accepted(Returns, 1),
                accepted(OperatingRules, 2)
            ])
            .is_empty()
        );
        assert_eq!(
            fields(&[accepted(OperatingRules, 1)]),
            [
                (
                    "accepted_policies.operating_rules".into(),
                    FieldCode::NotInEffect
                ),
                ("accepted_policies.privacy".into(), FieldCode::Required),
            ]
        );
        assert_eq!(
            fields(&[]),
            [
                (
                    "accepted_policies.operating_rules".into(),
                    FieldCode::Required
                ),
                ("accepted_policies.privacy".into(), FieldCode::Required),
            ]
        );
        assert_eq!(
            fields(&[
                accepted(OperatingRules, 2),
                accepted(Privacy, 1),
                accepted(Shipping, 1)
            ]),
            [("accepted_policies.shipping".into(), FieldCode::NotInEffect)]
        );
    }

    #[test]
    fn a_new_version_takes_effect_now_or_later_never_before() {
        let now = at(5);
        let input = |from| NewVersion {
            title: "  Quy chế hoạt động  ".into(),
            body: "Nội dung".into(),
            effective_from: from,
        };
        let checked = check_new_version(&input(None), now).unwrap();
        assert_eq!(checked.title, "Quy chế hoạt động");
        assert_eq!(checked.effective_from, now);
        let from = |t| {
            check_new_version(&input(Some(t)), now)
                .unwrap()
                .effective_from
        };
        assert_eq!(from(at(6)), at(6));
        assert_eq!(from(now), now);
        let e = check_new_version(&input(Some(now - Duration::seconds(1))), now).unwrap_err();
        assert_eq!(e.fields[0].field, "effective_from");
        assert_eq!(e.fields[0].code, FieldCode::InThePast);
        let empty = NewVersion {
            title: " ".into(),
            body: String::new(),
            effective_from: None,
        };
        let e = check_new_version(&empty, now).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
    }
}
