//! The closed set of codes a field error carries: what is wrong with a field, in a word a
//! client can branch on. Each error names its code where it is raised; the message table of the
//! gateway keeps the texts of each code in English and Vietnamese.

use serde::{Serialize, Serializer};

/// Defines [`FieldCode`] with its stored form and [`FieldCode::ALL`] from one list, so no code
/// can be left out of either.
macro_rules! field_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// What is wrong with a field (`errors[].code` of a problem answer). Stable: a client
        /// branches on it, so a code is never renamed; its texts may change.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldCode {
            $($(#[$doc])* $variant,)*
        }

        impl FieldCode {
            /// Every code.
            pub const ALL: &'static [FieldCode] = &[$(Self::$variant,)*];

            /// The code as clients see it (`required`, `out_of_range`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

field_codes! {
    /// Missing or empty.
    Required = "required",
    /// Fewer characters than the least allowed.
    TooShort = "too_short",
    /// More characters than the most allowed.
    TooLong = "too_long",
    /// A length outside the allowed range (both ends named).
    LengthOutOfRange = "length_out_of_range",
    /// A number outside the allowed range.
    OutOfRange = "out_of_range",
    /// Not one of the values listed.
    NotOneOf = "not_one_of",
    /// More items than allowed.
    TooMany = "too_many",
    /// Text holding a control character.
    ControlCharacters = "control_characters",
    /// Not a field of this body.
    UnknownField = "unknown_field",
    /// Not a parameter of this query.
    UnknownParameter = "unknown_parameter",
    /// Wrong in a way no other code names.
    Invalid = "invalid",
    /// A value of the wrong JSON type (text where a number is expected, say).
    InvalidType = "invalid_type",
    /// Not an email address.
    InvalidEmail = "invalid_email",
    /// Not a Vietnamese phone number.
    InvalidPhone = "invalid_phone",
    /// Not a URL this field takes.
    InvalidUrl = "invalid_url",
    /// Not a slug.
    InvalidSlug = "invalid_slug",
    /// Not a month written `yyyy-mm`.
    InvalidMonth = "invalid_month",
    /// Not a tax code.
    InvalidTaxCode = "invalid_tax_code",
    /// Not a citizen id number.
    InvalidCitizenId = "invalid_citizen_id",
    /// Not an identity document's number (a foreign seller's passport, say).
    InvalidDocumentNumber = "invalid_document_number",
    /// Not a person's name.
    InvalidName = "invalid_name",
    /// Not a bank account number.
    InvalidAccountNo = "invalid_account_no",
    /// Not a registration or payment reference.
    InvalidReference = "invalid_reference",
    /// An address that cannot be delivered to.
    InvalidAddress = "invalid_address",
    /// Not a commune (ward, special zone) of Vietnam or of this province.
    UnknownCommune = "unknown_commune",
    /// Not a province of Vietnam.
    UnknownProvince = "unknown_province",
    /// A commune and a province that do not go together.
    CommuneOutsideProvince = "commune_outside_province",
    /// Not an address of the caller's book.
    UnknownAddress = "unknown_address",
    /// Not a category.
    UnknownCategory = "unknown_category",
    /// Not a stall.
    UnknownStall = "unknown_stall",
    /// No account has this email.
    UnknownUser = "unknown_user",
    /// Not a bank of the list.
    UnknownBank = "unknown_bank",
    /// Not an event of the list.
    UnknownEvent = "unknown_event",
    /// Two fields given where only one may be.
    ConflictingFields = "conflicting_fields",
    /// Below another field of the request that it may not be below.
    BelowOther = "below_other",
    /// Not after another field of the request that it must follow.
    BeforeOther = "before_other",
    /// A date in the future.
    InTheFuture = "in_the_future",
    /// A date of birth of someone younger than the law allows.
    TooYoung = "too_young",
    /// A date in the past.
    InThePast = "in_the_past",
    /// A version that is not the one in effect (of a published policy).
    NotInEffect = "not_in_effect",
    /// No voucher has this code.
    UnknownVoucher = "unknown_voucher",
    /// A voucher whose window has not opened yet.
    NotStarted = "not_started",
    /// A voucher whose window has closed, or that was ended.
    Expired = "expired",
    /// Goods that come to less than a voucher's minimum.
    BelowMinimum = "below_minimum",
    /// A voucher whose uses are all taken.
    UsedUp = "used_up",
    /// A voucher the buyer used as often as it allows one buyer.
    PerBuyerLimitReached = "per_buyer_limit_reached",
    /// A voucher that is not for the goods in the cart.
    NotApplicable = "not_applicable",
    /// A second voucher where only one is allowed (of the platform, of one stall).
    Duplicate = "duplicate",
    /// Already used by another of its kind.
    Taken = "taken",
    /// A category placed under itself.
    CategoryCycle = "category_cycle",
    /// A second owner for a stall.
    OneOwner = "one_owner",
    /// Not the caller's current password.
    WrongPassword = "wrong_password",
    /// A certificate of the wrong issuer for its stars.
    WrongIssuer = "wrong_issuer",
    /// A payment method that is not available.
    MethodUnavailable = "method_unavailable",
    /// More of a product than is left.
    OutOfStock = "out_of_stock",
    /// A total that is no longer the order's.
    TotalChanged = "total_changed",
    /// A promotion cutting more of the price before it than the law allows (Decree 81/2018,
    /// Art. 7: at most 50 %).
    OverPromotionCap = "over_promotion_cap",
    /// A window of time longer than allowed (a sale's, `promotions.max_sale_days`).
    WindowTooLong = "window_too_long",
}

impl FieldCode {
    /// The code whose form is `code`.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FieldCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_written_once() {
        let mut seen = std::collections::HashSet::new();
        for c in FieldCode::ALL {
            assert_eq!(FieldCode::parse(c.as_str()), Some(*c));
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c} is not snake_case"
            );
        }
        assert_eq!(FieldCode::parse("purple"), None);
        assert_eq!(
            serde_json::to_value(FieldCode::OutOfRange).ok(),
            Some(serde_json::json!("out_of_range"))
        );
    }
}
