//! A stand-in for an automatic identity provider, to drive the path where an identity is
//! answered at once instead of waiting for an administrator. It imitates no real provider (the
//! national identity platform is not reachable from here): it answers by a rule on the number.
//!
//! - a number ending in `000` is rejected ([`REJECTED_REASON`]);
//! - a number ending in `999` needs a person (it stays pending for an administrator);
//! - a number ending in `998` makes the provider fail (unreachable), which also leaves it to
//!   an administrator;
//! - any other number is verified.

use compliance::identity::{IdentityVerifier, Submission, Verdict, verifier::VerifierError};

/// The reason the stand-in gives for a number it rejects.
pub const REJECTED_REASON: &str = "Số định danh không khớp với cơ sở dữ liệu quốc gia về dân cư";

/// The stand-in provider; see the module's rule.
#[derive(Clone, Copy, Debug, Default)]
pub struct RuleVerifier;

#[async_trait::async_trait]
impl IdentityVerifier for RuleVerifier {
    fn name(&self) -> &'static str {
        "rule"
    }

    async fn check(&self, submission: &Submission) -> Result<Verdict, VerifierError> {
        let number = submission.identity.id_number.as_str();
        if number.ends_with("000") {
            Ok(Verdict::Rejected(REJECTED_REASON.to_owned()))
        } else if number.ends_with("999") {
            Ok(Verdict::NeedsPerson)
        } else if number.ends_with("998") {
            Err("the provider did not answer".into())
        } else {
            Ok(Verdict::Verified)
        }
    }
}
