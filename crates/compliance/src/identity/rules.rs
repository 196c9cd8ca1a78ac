//! What a submitted identity must be, checked field by field (every bad field named at once),
//! and how a number is masked. Pure: the caller gives today's date and the stall's legal form.
//!
//! The personal identification number (số định danh cá nhân, Circular 59/2021/TT-BCA) has 12
//! digits: three for the province where the birth was registered (001 to 096), one for the
//! century of birth and sex, two for the year of birth, six at random. Only the length and the
//! province's range are enforced: the number's year digits are the registry's, and a mistake
//! there is for the administrator comparing the documents, not a reason to refuse the form.
//!
//! How old the seller must be:
//! - 15 for an individual's stall: the Civil Code (2015, art. 21(4)) lets a person from 15 to
//!   18 make and perform civil transactions alone (bar real estate, registered property and
//!   what a law reserves), and the Labour Code lets them work from 15; the identity card itself
//!   is issued from 14, so holding one is not enough.
//! - 18 for a household business, cooperative or enterprise: registering or representing one
//!   takes full civil capacity (Decree 01/2021/ND-CP art. 80 for household businesses; the
//!   Enterprise Law 2020 art. 17 bars minors from founding or managing an enterprise), which
//!   begins at 18 (Civil Code art. 20).

use catalog::stall::BusinessType;
use chrono::NaiveDate;
use common::{Error, FieldCode, validate::Validator};
use uuid::Uuid;

use super::{IdentityMethod, NewIdentity};
use crate::links::{Links, Noun};

/// The youngest seller of an individual's stall, in years.
pub const MIN_AGE_INDIVIDUAL: u32 = 15;
/// The youngest seller of a household business, cooperative or enterprise, in years.
pub const MIN_AGE_BUSINESS: u32 = 18;
/// The most pictures of documents one identity carries (URLs and media ids together).
pub const MAX_DOCUMENTS: usize = 10;
/// The earliest date of birth taken (anything before is a typing mistake).
const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A submission that passed the rules, in its stored forms.
#[derive(Clone, PartialEq, Eq)]
pub struct Checked {
    /// How the seller is identified.
    pub method: IdentityMethod,
    /// The full name, trimmed, NFC, single spaces.
    pub full_name: String,
    /// The number: 12 digits, or 5 to 20 capital letters and digits.
    pub id_number: String,
    /// The date of birth.
    pub date_of_birth: NaiveDate,
    /// The documents' URLs, trimmed.
    pub document_urls: Vec<String>,
    /// The documents' media ids.
    pub document_media_ids: Vec<Uuid>,
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field("method", &self.method)
            .field("id_number", &mask(&self.id_number))
            .finish_non_exhaustive()
    }
}

/// The youngest a seller of a stall of legal form `business` may be (see the module's notes).
pub fn min_age(business: BusinessType) -> u32 {
    match business {
        BusinessType::Individual => MIN_AGE_INDIVIDUAL,
        BusinessType::HouseholdBusiness | BusinessType::Cooperative | BusinessType::Enterprise => {
            MIN_AGE_BUSINESS
        }
    }
}

/// Checks `input` for a stall of legal form `business` on `today` (Vietnam's date).
pub fn check(
    input: &NewIdentity,
    business: BusinessType,
    today: NaiveDate,
) -> Result<Checked, Error> {
    let mut v = Validator::new();
    let full_name = name(&mut v, &input.full_name);
    let id_number = number(&mut v, input.method, &input.id_number);
    birth(&mut v, input.date_of_birth, min_age(business), today);
    let document_urls =
        DOCUMENTS.check(&mut v, &input.document_urls, input.document_media_ids.len());
    v.finish()?;
    Ok(Checked {
        method: input.method,
        full_name,
        id_number,
        date_of_birth: input.date_of_birth,
        document_urls,
        document_media_ids: input.document_media_ids.clone(),
    })
}

/// `number` with all but its last three characters hidden: `*********234`.
pub fn mask(number: &str) -> String {
    let count = number.chars().count();
    let shown = count.saturating_sub(3);
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i < shown { '*' } else { c })
        .collect()
}

/// A person's name: NFC, trimmed, single spaces; letters, spaces, hyphens and apostrophes.
fn name(v: &mut Validator, raw: &str) -> String {
    let text = common::text::nfc(raw);
    let clean = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = clean.chars().count();
    let letters = clean
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'));
    v.check(
        (2..=100).contains(&len) && letters && clean.chars().any(char::is_alphabetic),
        "full_name",
        FieldCode::InvalidName,
        "must be 2 to 100 letters, spaces, hyphens or apostrophes",
    );
    clean
}

/// The number in its stored form, checked for `method` (spaces a person types are dropped).
fn number(v: &mut Validator, method: IdentityMethod, raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| *c != ' ').collect();
    if method.personal_number() {
        if compact.len() != 12 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            v.add(
                "id_number",
                FieldCode::InvalidCitizenId,
                "must be 12 digits",
            );
        } else if !compact[..3]
            .parse::<u16>()
            .is_ok_and(|p| (1..=96).contains(&p))
        {
            v.add(
                "id_number",
                FieldCode::InvalidCitizenId,
                "must begin with a province code from 001 to 096",
            );
        }
        compact
    } else {
        let upper = compact.to_ascii_uppercase();
        v.check(
            (5..=20).contains(&upper.len()) && upper.bytes().all(|b| b.is_ascii_alphanumeric()),
            "id_number",
            FieldCode::InvalidDocumentNumber,
            "must be 5 to 20 letters or digits",
        );
        upper
    }
}

/// A date of birth in the past, of someone at least `min_age` on `today`.
fn birth(v: &mut Validator, born: NaiveDate, min_age: u32, today: NaiveDate) {
    let field = "date_of_birth";
    if born > today {
        v.add(field, FieldCode::InTheFuture, "must not be in the future");
    } else if born < EARLIEST_BIRTH {
        v.add(
            field,
            FieldCode::OutOfRange,
            format!("must be from {EARLIEST_BIRTH} to {today}"),
        );
    } else if today.years_since(born).unwrap_or(0) < min_age {
        v.add(
            field,
            FieldCode::TooYoung,
            format!("the seller must be at least {min_age} years old"),
        );
    }
}

/// The pictures of the documents, as links.
const DOCUMENTS: Links = Links::new("document_urls", MAX_DOCUMENTS, Noun::Documents);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const TODAY: &str = "2026-12-05";

    fn input(overrides: serde_json::Value) -> NewIdentity {
        let base = json!({
            "method": "citizen_id_card",
            "full_name": "Lê Văn Tùng",
            "id_number": "045080001234",
            "date_of_birth": "1980-05-12",
        });
        crate::testing::body(base, overrides)
    }

    /// The (field, code, message) of each error of checking `overrides`, or none.
    fn errors(
        overrides: serde_json::Value,
        business: BusinessType,
    ) -> Vec<(String, FieldCode, String)> {
        crate::testing::field_errors(check(&input(overrides), business, d(TODAY)))
    }

    fn one(field: &str, code: FieldCode, message: &str) -> Vec<(String, FieldCode, String)> {
        vec![(field.to_owned(), code, message.to_owned())]
    }

    const COOP: BusinessType = BusinessType::Cooperative;

    #[test]
    fn a_personal_number_is_12_digits_from_a_province_code() {
        let ok = check(
            &input(json!({"id_number": " 045 080 001 234 "})),
            COOP,
            d(TODAY),
        )
        .unwrap();
        assert_eq!(
            ok.id_number, "045080001234",
            "spaces a person types are dropped"
        );
        for method in ["vneid", "citizen_id_card"] {
            for (number, message) in [
                ("04508000123", "must be 12 digits"),
                ("0450800012345", "must be 12 digits"),
                ("04508000123A", "must be 12 digits"),
                ("０４５０８０００１２３４", "must be 12 digits"),
                (
                    "000080001234",
                    "must begin with a province code from 001 to 096",
                ),
                (
                    "097080001234",
                    "must begin with a province code from 001 to 096",
                ),
                (
                    "999080001234",
                    "must begin with a province code from 001 to 096",
                ),
            ] {
                assert_eq!(
                    errors(json!({"method": method, "id_number": number}), COOP),
                    one("id_number", FieldCode::InvalidCitizenId, message),
                    "{method} {number}"
                );
            }
        }
        for number in ["001080001234", "096199001234"] {
            assert!(
                errors(json!({"id_number": number}), COOP).is_empty(),
                "{number}"
            );
        }
    }

    #[test]
    fn a_foreign_document_number_is_5_to_20_letters_or_digits() {
        let ok = check(
            &input(json!({"method": "foreign_documents", "id_number": "c 1234567"})),
            COOP,
            d(TODAY),
        )
        .unwrap();
        assert_eq!(ok.id_number, "C1234567");
        for number in ["C123", "C12345678901234567890", "C-1234567", "Ç1234567", ""] {
            assert_eq!(
                errors(
                    json!({"method": "foreign_documents", "id_number": number}),
                    COOP
                ),
                one(
                    "id_number",
                    FieldCode::InvalidDocumentNumber,
                    "must be 5 to 20 letters or digits"
                ),
                "{number:?}"
            );
        }
    }

    #[test]
    fn the_seller_is_born_and_old_enough_for_the_stalls_legal_form() {
        use BusinessType as B;
        assert_eq!(min_age(B::Individual), 15);
        for b in [B::HouseholdBusiness, B::Cooperative, B::Enterprise] {
            assert_eq!(min_age(b), 18);
        }
        // 15 today, not yet 16; 17 the day before turning 18.
        assert!(errors(json!({"date_of_birth": "2011-12-05"}), B::Individual).is_empty());
        assert_eq!(
            errors(json!({"date_of_birth": "2011-12-06"}), B::Individual),
            one(
                "date_of_birth",
                FieldCode::TooYoung,
                "the seller must be at least 15 years old"
            )
        );
        assert!(errors(json!({"date_of_birth": "2008-12-05"}), B::HouseholdBusiness).is_empty());
        assert_eq!(
            errors(json!({"date_of_birth": "2008-12-06"}), B::HouseholdBusiness),
            one(
                "date_of_birth",
                FieldCode::TooYoung,
                "the seller must be at least 18 years old"
            )
        );
        assert_eq!(
            errors(json!({"date_of_birth": "2026-12-06"}), B::Individual),
            one(
                "date_of_birth",
                FieldCode::InTheFuture,
                "must not be in the future"
            )
        );
        assert_eq!(
            errors(json!({"date_of_birth": "1899-12-31"}), B::Individual),
            one(
                "date_of_birth",
                FieldCode::OutOfRange,
                "must be from 1900-01-01 to 2026-12-05"
            )
        );
    }

    #[test]
    fn a_name_is_letters_with_spaces_hyphens_or_apostrophes() {
        let ok = check(
            &input(json!({"full_name": "  Nguyễn   Thị\tLan ", "method": "vneid"})),
            COOP,
            d(TODAY),
        )
        .unwrap();
        assert_eq!(ok.full_name, "Nguyễn Thị Lan");
        // Decomposed diacritics (as some keyboards send them) are letters too.
        let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Lan";
        assert_eq!(
            check(&input(json!({"full_name": nfd})), COOP, d(TODAY))
                .unwrap()
                .full_name,
            "Nguyễn Thị Lan"
        );
        for good in ["Jean-Pierre O'Brien", "Lý"] {
            assert!(
                errors(json!({"full_name": good}), COOP).is_empty(),
                "{good}"
            );
        }
        for bad in ["L", "Lan 2", "<script>", "--", &"a".repeat(101)] {
            assert_eq!(
                errors(json!({"full_name": bad}), COOP),
                one(
                    "full_name",
                    FieldCode::InvalidName,
                    "must be 2 to 100 letters, spaces, hyphens or apostrophes"
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn documents_are_a_few_https_urls_without_credentials() {
        let ok = check(
            &input(json!({"document_urls": [" https://anh.example.vn/cccd-truoc.jpg "]})),
            COOP,
            d(TODAY),
        )
        .unwrap();
        assert_eq!(ok.document_urls, ["https://anh.example.vn/cccd-truoc.jpg"]);
        let long = format!("https://anh.example.vn/{}", "a".repeat(2048));
        for bad in [
            "http://anh.example.vn/a.jpg",
            "https://",
            "https:///a.jpg",
            "https://user:pw@anh.example.vn/a.jpg",
            "https://anh.example.vn/a b.jpg",
            "javascript:alert(1)",
            long.as_str(),
        ] {
            assert_eq!(
                errors(json!({"document_urls": [bad]}), COOP),
                one(
                    "document_urls[0]",
                    FieldCode::InvalidUrl,
                    "must be an https URL without credentials, at most 2048 characters"
                ),
                "{bad}"
            );
        }
        let media: Vec<String> = (0..6).map(|_| Uuid::now_v7().to_string()).collect();
        let urls: Vec<String> = (0..5).map(|i| format!("https://a.vn/{i}.jpg")).collect();
        assert_eq!(
            errors(
                json!({"document_urls": urls, "document_media_ids": media}),
                COOP
            ),
            one("document_urls", FieldCode::TooMany, "at most 10 documents")
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let fields: Vec<String> = errors(
            json!({"full_name": "1", "id_number": "1", "date_of_birth": "2030-01-01", "document_urls": ["ftp://x"]}),
            COOP,
        )
        .into_iter()
        .map(|e| e.0)
        .collect();
        assert_eq!(
            fields,
            [
                "full_name",
                "id_number",
                "date_of_birth",
                "document_urls[0]"
            ]
        );
    }

    #[test]
    fn a_mask_shows_the_last_three_characters_only() {
        assert_eq!(mask("045080001234"), "*********234");
        assert_eq!(mask("C1234567"), "*****567");
        assert_eq!(mask("12"), "12");
        assert_eq!(mask(""), "");
    }
}
