//! Bank transfer by VietQR: nothing to call at checkout. The buyer's banking app scans a code
//! for the marketplace's account, the amount and the checkout's reference; the bank's
//! notification of the credit pays the checkout ([`crate::payments`]). No refund can be sent
//! by an API: an excess or a late transfer is owed back and settled by hand.

use super::{
    PaymentProvider, PaymentRequest, PaymentStart, ProviderError, RefundRequest, VietqrPayment,
};

/// The provider's name.
pub const NAME: &str = "vietqr";

/// Letters of a transfer reference: no look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
pub use ::vietqr::REFERENCE_ALPHABET;
/// A reference is this prefix and [`REFERENCE_LEN`] letters of the alphabet: `CK7QH4MTXA`.
pub const REFERENCE_PREFIX: &str = "CK";
pub use ::vietqr::REFERENCE_LEN;

/// The marketplace's receiving account.
#[derive(Clone, Debug)]
pub struct BankTransfer {
    /// The bank's BIN.
    pub bank_bin: String,
    /// The bank's short name.
    pub bank_name: String,
    /// The account number.
    pub account_no: String,
    /// The account holder.
    pub account_name: String,
}

/// A new reference from 64 random bits.
pub fn new_reference(random: u64) -> String {
    ::vietqr::short_reference(REFERENCE_PREFIX, random)
}

/// A bank transfer's refund: owed by hand, to the payer of the checkout's reference.
pub fn refund_target(c: Option<&crate::entity::checkout::Model>) -> super::RefundTarget {
    super::RefundTarget {
        provider: NAME,
        payment: c.and_then(|c| c.reference.clone()),
        status: crate::types::RefundStatus::Manual,
    }
}

/// The references a bank's description may hold, whatever the bank added around it: case,
/// spaces, punctuation, diacritics, line breaks, prefixes such as `IBFT` or `MBVCB.123`.
/// Candidates in order of appearance; the caller looks each up.
pub fn references_in(description: &str) -> Vec<String> {
    // Upper case, letters and digits only: "ck 7qh4-mtxa" becomes "CK7QH4MTXA".
    let squeezed: String = description
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = squeezed.as_bytes();
    let want = REFERENCE_PREFIX.len() + REFERENCE_LEN;
    let mut out: Vec<String> = Vec::new();
    for start in 0..bytes.len().saturating_sub(want - 1) {
        let window = &bytes[start..start + want];
        if window.starts_with(REFERENCE_PREFIX.as_bytes())
            && window[REFERENCE_PREFIX.len()..]
                .iter()
                .all(|b| REFERENCE_ALPHABET.contains(b))
        {
            let candidate = String::from_utf8_lossy(window).into_owned();
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

impl BankTransfer {
    /// The transfer the buyer makes for `req`: the account, the amount and the checkout's
    /// reference, as a VietQR code and as text.
    fn transfer(&self, req: &PaymentRequest) -> Result<PaymentStart, ProviderError> {
        let reference = req.reference.clone().ok_or_else(|| {
            ProviderError::Refused("a bank-transfer checkout has no reference".into())
        })?;
        let qr_payload = ::vietqr::encode(&::vietqr::Transfer {
            bank_bin: &self.bank_bin,
            account_no: &self.account_no,
            amount: Some(req.amount),
            purpose: Some(&reference),
            service: ::vietqr::Service::Account,
        })
        .map_err(|e| ProviderError::Refused(e.to_string()))?;
        Ok(PaymentStart::Vietqr(VietqrPayment {
            amount: req.amount,
            bank_bin: self.bank_bin.clone(),
            bank_name: self.bank_name.clone(),
            account_no: self.account_no.clone(),
            account_name: self.account_name.clone(),
            reference,
            qr_payload,
            qr_svg_url: format!("/api/v1/checkouts/{}/qr.svg", req.checkout_id),
            expires_at: req.expires_at,
        }))
    }
}

#[async_trait::async_trait]
impl PaymentProvider for BankTransfer {
    fn name(&self) -> &'static str {
        NAME
    }

    fn collects_up_front(&self) -> bool {
        true
    }

    fn new_reference(&self) -> Option<String> {
        Some(new_reference(uuid::Uuid::now_v7().as_u128() as u64))
    }

    async fn start(&self, req: &PaymentRequest) -> Result<Option<PaymentStart>, ProviderError> {
        self.transfer(req).map(Some)
    }

    /// Nothing was called at the start: the transfer is made again from the checkout.
    fn again(&self, req: &PaymentRequest) -> Option<PaymentStart> {
        self.transfer(req).ok()
    }

    async fn refund(&self, _req: &RefundRequest) -> Result<String, ProviderError> {
        Err(ProviderError::Refused(
            "a bank transfer is refunded by hand, by an outgoing transfer".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_no_look_alikes() {
        for seed in [0u64, 1, 42, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
            let r = new_reference(seed);
            assert_eq!(r.len(), 10, "{r}");
            assert!(r.starts_with("CK"));
            assert!(
                !r[2..].contains(['0', 'O', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B']),
                "{r}"
            );
        }
        assert_ne!(new_reference(1), new_reference(2));
    }

    #[test]
    fn references_are_found_whatever_the_bank_wrapped_them_in() {
        let r = "CK7QH4MTXA";
        let shapes = [
            "CK7QH4MTXA",
            "ck7qh4mtxa",
            "CK 7QH4 MTXA",
            "CK-7QH4-MTXA.",
            "IBFT CK7QH4MTXA",
            "MBVCB.3141592653.CK7QH4MTXA.CT tu 0071000123456 NGUYEN THU HA toi 1023456789",
            "NGUYEN THU HA chuyen tien CK7QH4MTXA thanh toan don hang",
            "Nguyễn Thu Hà chuyển khoản\nCK7QH4MTXA\r\nFT25335123456789",
            "TKThe :0071000123456, tai VCB. CK7QH4MTXA -CTLNHIDI000012345678",
            "REM Tfr Ac: 1023456789 CK7QH4MTXA FT25335",
            "thanh toan CK7QH4MTXA-nhe",
            "(CK7QH4MTXA)",
        ];
        for s in shapes {
            assert!(
                references_in(s).contains(&r.to_owned()),
                "{s:?}: {:?}",
                references_in(s)
            );
        }
        assert!(references_in("chuyen tien an trua").is_empty());
        // A reference cut short by the bank is no reference.
        assert!(references_in("CK7QH4MTX").is_empty());
    }
}
