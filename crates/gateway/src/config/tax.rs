//! `[tax]`: Decree 117/2025/NĐ-CP as the ledger applies it, where the decree leaves a reading
//! to choose, and the marketplace's identity on withholding certificates.

use serde::Deserialize;

use super::ConfigError;

/// `[tax]`
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// `transport` (the delivery fee the stall earns withheld at the transport rates) or
    /// `none` (only the goods).
    pub delivery_fee_withholding: ledger::tax::DeliveryFeeWithholding,
    /// The marketplace's registered name.
    pub platform_name: String,
    /// Its tax code.
    pub platform_tax_code: String,
    /// Its registered address.
    pub platform_address: String,
}

impl TaxConfig {
    /// Checks the values.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| ConfigError::Invalid {
            key,
            message: message.to_owned(),
        };
        let name = self.platform_name.trim().chars().count();
        if !(1..=200).contains(&name) {
            return Err(invalid(
                "tax.platform_name",
                "must have 1 to 200 characters",
            ));
        }
        let code = self.platform_tax_code.as_bytes();
        let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
        let code_ok = (code.len() == 10 && digits(code))
            || (code.len() == 14 && digits(&code[..10]) && code[10] == b'-' && digits(&code[11..]));
        if !code_ok {
            return Err(invalid(
                "tax.platform_tax_code",
                "must be 10 digits, or 10 digits, '-' and 3 digits",
            ));
        }
        let address = self.platform_address.trim().chars().count();
        if !(1..=300).contains(&address) {
            return Err(invalid(
                "tax.platform_address",
                "must have 1 to 300 characters",
            ));
        }
        Ok(())
    }

    /// The ledger's tax settings.
    pub fn settings(&self) -> ledger::tax::TaxSettings {
        ledger::tax::TaxSettings {
            delivery_fee: self.delivery_fee_withholding,
            platform: ledger::tax::PlatformIdentity {
                name: self.platform_name.trim().to_owned(),
                tax_code: self.platform_tax_code.clone(),
                address: self.platform_address.trim().to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use ledger::tax::DeliveryFeeWithholding;

    #[test]
    fn decree_117s_readings_and_the_platforms_identity_are_settings_of_the_environment() {
        let c = Config::with_overrides("").unwrap();
        assert_eq!(
            c.tax.delivery_fee_withholding,
            DeliveryFeeWithholding::Transport
        );
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_TAX__DELIVERY_FEE_WITHHOLDING", "none"),
                ("MARKETPLACE_TAX__PLATFORM_NAME", "Sàn OCOP tỉnh"),
                ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "3200123456-001"),
                ("MARKETPLACE_TAX__PLATFORM_ADDRESS", "Đông Hà"),
            ],
        )
        .unwrap();
        assert_eq!(c.tax.delivery_fee_withholding, DeliveryFeeWithholding::None);
        let s = c.tax.settings();
        assert_eq!(s.platform.name, "Sàn OCOP tỉnh");
        assert_eq!(s.platform.tax_code, "3200123456-001");
        assert_eq!(s.delivery_fee, DeliveryFeeWithholding::None);
        // A tax code with a leading zero (Hà Nội's start 01) stays as written, as does the
        // address with its commas.
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "0100109106"),
                (
                    "MARKETPLACE_TAX__PLATFORM_ADDRESS",
                    "Số 1, Hùng Vương, Đông Hà",
                ),
                ("MARKETPLACE_TAX__DELIVERY_FEE_WITHHOLDING", "transport"),
            ],
        )
        .unwrap();
        let s = c.tax.settings();
        assert_eq!(s.platform.tax_code, "0100109106");
        assert_eq!(s.platform.address, "Số 1, Hùng Vương, Đông Hà");
        assert_eq!(s.delivery_fee, DeliveryFeeWithholding::Transport);
        let c = Config::load_with_env(
            None,
            [("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "0100109106-001")],
        )
        .unwrap();
        assert_eq!(c.tax.platform_tax_code, "0100109106-001");
        for (key, bad) in [
            ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "100109106"),
            ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "0100109106-01"),
            ("MARKETPLACE_TAX__PLATFORM_ADDRESS", ""),
            ("MARKETPLACE_TAX__DELIVERY_FEE_WITHHOLDING", "goods"),
            ("MARKETPLACE_TAX__PLATFORM_TAX_CODE", "12345"),
            ("MARKETPLACE_TAX__PLATFORM_NAME", " "),
        ] {
            let e = Config::load_with_env(None, [(key, bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("tax."), "{key}={bad}: {e}");
        }
    }
}
