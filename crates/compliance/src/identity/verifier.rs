//! Who checks a submitted identity: the [`IdentityVerifier`] trait, what it answers
//! ([`Verdict`]), and the [`ManualVerifier`] production uses.
//!
//! The national identity platform (VNeID's services for platforms) is not reachable from here,
//! so no provider is implemented or imitated: every identity waits for an administrator. A
//! provider, when one is contracted, is one more implementation of the trait; the test kit
//! has a stand-in that answers by a rule on the number, to drive the automatic path.
//!
//! The service asks the verifier after the submission is committed, never inside a
//! transaction, and applies its answer only if the submission is still the pending one.

use async_trait::async_trait;
use uuid::Uuid;

use super::rules::Checked;

/// What a verifier is asked about: one submission, as stored. Its `Debug` never shows the
/// whole number (a verifier's error may log its submission).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The stall whose seller it is.
    pub stall_id: Uuid,
    /// This submission (a resubmission has another).
    pub submission_id: Uuid,
    /// The identity submitted, as it passed the rules and was stored.
    pub identity: Checked,
}

/// A verifier's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The identity is the seller's: verified.
    Verified,
    /// The identity is refused, with the reason the owner reads.
    Rejected(String),
    /// The verifier cannot tell: an administrator decides.
    NeedsPerson,
}

/// Why a verifier could not answer (unreachable, say); the identity then waits for an
/// administrator, as with [`Verdict::NeedsPerson`].
pub type VerifierError = Box<dyn std::error::Error + Send + Sync>;

/// Checks a submitted seller identity.
#[async_trait]
pub trait IdentityVerifier: Send + Sync + 'static {
    /// A short name for logs (`manual`).
    fn name(&self) -> &'static str;

    /// The answer about `submission`. Must not log the number whole.
    async fn check(&self, submission: &Submission) -> Result<Verdict, VerifierError>;
}

/// The check production uses: every identity waits for an administrator, who compares the
/// documents and verifies or rejects it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ManualVerifier;

#[async_trait]
impl IdentityVerifier for ManualVerifier {
    fn name(&self) -> &'static str {
        "manual"
    }

    async fn check(&self, _: &Submission) -> Result<Verdict, VerifierError> {
        Ok(Verdict::NeedsPerson)
    }
}
