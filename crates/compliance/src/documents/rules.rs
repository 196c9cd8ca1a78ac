//! The kinds of business documents and the categories that require them, read from data; what
//! a stall holds of them for the catalogue (verified documents only); and what a submission
//! must be, checked field by field (every bad field named at once). Pure: the caller gives
//! today's date.

use catalog::documents::{DocumentRequirement, DocumentRequirements, HeldDocument};
use chrono::NaiveDate;
use common::{Error, FieldCode, validate::Validator};
use serde::Deserialize;
use uuid::Uuid;

use super::NewDocument;
use crate::links::{Links, Noun};

/// The most pictures of one document (URLs and media ids together).
pub const MAX_EVIDENCE: usize = 10;
/// The earliest issue date taken (anything before is a typing mistake).
const EARLIEST_ISSUE: NaiveDate = match NaiveDate::from_ymd_opt(1950, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The built-in kinds and requirements, part of the source tree and checked by a test.
const BUILTIN: &str = include_str!("../../../../config/compliance/documents.toml");

/// A kind of business document.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentKind {
    /// Its key, as stored and sent (`food_safety`).
    pub key: String,
    /// Its name in Vietnamese.
    pub name: String,
    /// Whether it has a last valid day, which must be given.
    #[serde(default)]
    pub expires: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    kind: Vec<DocumentKind>,
    #[serde(default)]
    requirement: Vec<Requirement>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Requirement {
    categories: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    documents: Vec<String>,
}

/// A document a stall holds, as far as the rule needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held<'a> {
    /// Its kind's key.
    pub kind: &'a str,
    /// Whether an administrator verified it.
    pub verified: bool,
    /// Its last valid day, if it has one.
    pub expires_on: Option<NaiveDate>,
}

/// The kinds of documents and which categories require which.
#[derive(Clone, Debug)]
pub struct DocumentRules {
    kinds: Vec<DocumentKind>,
    requirements: DocumentRequirements,
}

impl DocumentRules {
    /// Reads kinds and requirements from TOML (the form of config/compliance/documents.toml);
    /// a kind named twice, a requirement naming an unknown kind, or one naming no category or
    /// no document is an error.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        for (i, k) in file.kind.iter().enumerate() {
            let key_ok = !k.key.is_empty()
                && k.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
            if !key_ok || k.name.trim().is_empty() {
                return Err(format!(
                    "kind #{}: a key of a-z, 0-9 and _ and a name",
                    i + 1
                ));
            }
            if file.kind[..i].iter().any(|o| o.key == k.key) {
                return Err(format!("kind {} appears twice", k.key));
            }
        }
        for (i, r) in file.requirement.iter().enumerate() {
            if r.categories.is_empty() || r.documents.is_empty() {
                return Err(format!(
                    "requirement #{} names no category or no document",
                    i + 1
                ));
            }
            if let Some(d) = r
                .documents
                .iter()
                .find(|d| !file.kind.iter().any(|k| &k.key == *d))
            {
                return Err(format!("requirement #{}: {d} is not a kind", i + 1));
            }
        }
        let keys = file.kind.iter().map(|k| k.key.clone()).collect();
        let names = file.kind.iter().map(|k| k.name.clone()).collect();
        let requirements = file
            .requirement
            .into_iter()
            .map(|r| DocumentRequirement {
                categories: r.categories,
                except: r.except,
                documents: r.documents,
            })
            .collect();
        Ok(Self {
            kinds: file.kind,
            requirements: DocumentRequirements::new(keys, requirements).with_names(names),
        })
    }

    /// The shipped kinds and requirements (config/compliance/documents.toml).
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in documents file: {e}"))
    }

    /// Every kind, in file order.
    pub fn kinds(&self) -> &[DocumentKind] {
        &self.kinds
    }

    /// The kind whose key is `key`.
    pub fn kind(&self, key: &str) -> Option<&DocumentKind> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// The kinds a product must have its stall hold in the category whose slug and ancestors'
    /// slugs are `lineage` (the category first), in file order.
    pub fn required(&self, lineage: &[&str]) -> Vec<&str> {
        self.requirements.required(lineage)
    }

    /// The requirements as the catalogue takes them (`Catalog::with_document_requirements`).
    pub fn requirements(&self) -> DocumentRequirements {
        self.requirements.clone()
    }
}

/// What a stall holding `documents` holds for the catalogue: its verified documents' kinds,
/// each with the latest last valid day among them (`None`, never expiring, beats any).
pub fn held(documents: &[Held<'_>]) -> Vec<HeldDocument> {
    let mut out: Vec<HeldDocument> = Vec::new();
    for h in documents.iter().filter(|h| h.verified) {
        match out.iter_mut().find(|o| o.kind == h.kind) {
            Some(o) => {
                o.valid_through = match (o.valid_through, h.expires_on) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                }
            }
            None => out.push(HeldDocument {
                kind: h.kind.to_owned(),
                valid_through: h.expires_on,
            }),
        }
    }
    out
}

/// Of the `required` kinds, those a stall holding `documents` lacks on `today`: held not at
/// all, not verified, or past its last valid day (the catalogue's rule, over [`held`]).
pub fn lacking<'a>(required: &[&'a str], documents: &[Held<'_>], today: NaiveDate) -> Vec<&'a str> {
    catalog::documents::missing(required, &held(documents), today)
}

/// A submission that passed the rules, in its stored forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Its kind's key.
    pub kind: String,
    /// Its number, trimmed.
    pub number: String,
    /// Its issuer, trimmed.
    pub issued_by: String,
    /// When it was issued.
    pub issued_on: NaiveDate,
    /// Its last valid day.
    pub expires_on: Option<NaiveDate>,
    /// Its pictures' URLs, trimmed.
    pub evidence_urls: Vec<String>,
    /// Its pictures' media ids.
    pub media_ids: Vec<Uuid>,
}

/// Checks `input` against `rules` on `today` (Vietnam's date).
pub fn check(
    rules: &DocumentRules,
    input: &NewDocument,
    today: NaiveDate,
) -> Result<Checked, Error> {
    let mut v = Validator::new();
    let kind = rules.kind(input.kind.trim());
    if kind.is_none() {
        let values = rules
            .kinds()
            .iter()
            .map(|k| k.key.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        v.add(
            "kind",
            FieldCode::NotOneOf,
            format!("must be one of {values}"),
        );
    }
    let number = v.text("number", &common::text::nfc(&input.number), 1, 64);
    let issued_by = v.text("issued_by", &common::text::nfc(&input.issued_by), 2, 200);
    if input.issued_on > today {
        v.add(
            "issued_on",
            FieldCode::InTheFuture,
            "must not be in the future",
        );
    } else if input.issued_on < EARLIEST_ISSUE {
        v.add(
            "issued_on",
            FieldCode::OutOfRange,
            format!("must be from {EARLIEST_ISSUE} to {today}"),
        );
    }
    expiry(&mut v, kind.is_some_and(|k| k.expires), input, today);
    let evidence_urls = EVIDENCE.check(&mut v, &input.evidence_urls, input.media_ids.len());
    v.finish()?;
    Ok(Checked {
        kind: input.kind.trim().to_owned(),
        number,
        issued_by,
        issued_on: input.issued_on,
        expires_on: input.expires_on,
        evidence_urls,
        media_ids: input.media_ids.clone(),
    })
}

/// The last valid day: given for a kind that `expires`, after the issue date, not past.
fn expiry(v: &mut Validator, expires: bool, input: &NewDocument, today: NaiveDate) {
    let field = "expires_on";
    match input.expires_on {
        None if expires => {
            v.add(
                field,
                FieldCode::Required,
                "is required for this kind of document",
            );
        }
        Some(last) if last <= input.issued_on => {
            v.add(field, FieldCode::BeforeOther, "must be after issued_on");
        }
        Some(last) if last < today => {
            v.add(
                field,
                FieldCode::InThePast,
                "must not be in the past: the document has expired",
            );
        }
        None | Some(_) => {}
    }
}

/// The pictures of a document, as links.
const EVIDENCE: Links = Links::new("evidence_urls", MAX_EVIDENCE, Noun::Pictures);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_file_reads_and_maps_food_and_alcohol() {
        let rules = DocumentRules::builtin();
        assert!(rules.kind("business_registration").is_some());
        assert!(rules.kind("food_safety").is_some_and(|k| k.expires));
        assert_eq!(rules.required(&["mat-ong", "thuc-pham"]), ["food_safety"]);
        assert!(rules.required(&["nong-san-tuoi", "thuc-pham"]).is_empty());
        assert!(
            rules
                .required(&["gom-su", "luu-niem-noi-that-trang-tri"])
                .is_empty()
        );
        assert_eq!(
            rules.required(&["ruou-do-uong-co-con", "do-uong"]),
            ["food_safety", "alcohol_licence"]
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let kind = "[[kind]]\nkey = \"a\"\nname = \"A\"\n";
        for bad in [
            format!("{kind}{kind}"),
            "[[kind]]\nkey = \"Bad Key\"\nname = \"A\"\n".to_owned(),
            format!("{kind}[[requirement]]\ncategories = [\"x\"]\ndocuments = [\"b\"]\n"),
            format!("{kind}[[requirement]]\ncategories = []\ndocuments = [\"a\"]\n"),
        ] {
            assert!(DocumentRules::from_toml(&bad).is_err(), "{bad}");
        }
    }

    fn submission(overrides: serde_json::Value) -> NewDocument {
        let base = serde_json::json!({
            "kind": "food_safety",
            "number": " 123/2026/ATTP-CNĐK ",
            "issued_by": "Sở Y tế tỉnh Quảng Trị",
            "issued_on": "2026-03-02",
            "expires_on": "2029-03-01",
            "evidence_urls": ["https://anh.example.vn/attp.jpg"],
        });
        crate::testing::body(base, overrides)
    }

    /// The (field, code, message) of each error of checking `overrides` on 2026-12-05.
    fn errors(overrides: serde_json::Value) -> Vec<(String, FieldCode, String)> {
        crate::testing::field_errors(check(
            &DocumentRules::builtin(),
            &submission(overrides),
            d("2026-12-05"),
        ))
    }

    #[test]
    fn a_good_submission_is_trimmed_and_kept() {
        let ok = check(
            &DocumentRules::builtin(),
            &submission(serde_json::json!({})),
            d("2026-12-05"),
        )
        .unwrap();
        assert_eq!(ok.number, "123/2026/ATTP-CNĐK");
        assert_eq!(ok.expires_on, Some(d("2029-03-01")));
        // A kind that does not expire needs no last day.
        assert!(
            errors(serde_json::json!({"kind": "business_registration", "expires_on": null}))
                .is_empty()
        );
    }

    #[test]
    fn every_bad_field_is_named_with_its_code() {
        let e = |o| errors(o);
        let one = |f: &str, c: FieldCode, m: &str| vec![(f.to_owned(), c, m.to_owned())];
        assert_eq!(
            e(serde_json::json!({"kind": "giay_phep"})),
            one(
                "kind",
                FieldCode::NotOneOf,
                "must be one of business_registration, food_safety, alcohol_licence, product_declaration"
            )
        );
        assert_eq!(
            e(serde_json::json!({"expires_on": null})),
            one(
                "expires_on",
                FieldCode::Required,
                "is required for this kind of document"
            )
        );
        assert_eq!(
            e(serde_json::json!({"expires_on": "2026-03-02"})),
            one(
                "expires_on",
                FieldCode::BeforeOther,
                "must be after issued_on"
            )
        );
        assert_eq!(
            e(serde_json::json!({"expires_on": "2026-12-04"})),
            one(
                "expires_on",
                FieldCode::InThePast,
                "must not be in the past: the document has expired"
            )
        );
        assert!(
            e(serde_json::json!({"expires_on": "2026-12-05"})).is_empty(),
            "valid today"
        );
        assert_eq!(
            e(serde_json::json!({"issued_on": "2026-12-06", "expires_on": "2029-01-01"})),
            one(
                "issued_on",
                FieldCode::InTheFuture,
                "must not be in the future"
            )
        );
        assert_eq!(
            e(serde_json::json!({"evidence_urls": ["http://a.vn/x.jpg"]})),
            one(
                "evidence_urls[0]",
                FieldCode::InvalidUrl,
                "must be an https URL without credentials, at most 2048 characters"
            )
        );
        let many: Vec<String> = (0..11).map(|i| format!("https://a.vn/{i}.jpg")).collect();
        assert_eq!(
            e(serde_json::json!({"evidence_urls": many})),
            one("evidence_urls", FieldCode::TooMany, "at most 10 pictures")
        );
        let fields: Vec<String> = e(serde_json::json!({"number": " ", "issued_by": "x"}))
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(fields, ["number", "issued_by"]);
    }

    #[test]
    fn a_stall_holds_its_verified_kinds_through_their_latest_day() {
        let h = |kind, verified, until: Option<&str>| Held {
            kind,
            verified,
            expires_on: until.map(d),
        };
        assert_eq!(
            held(&[
                h("food_safety", true, Some("2027-01-31")),
                h("food_safety", true, Some("2028-01-31")),
                h("alcohol_licence", false, Some("2029-01-31")),
                h("business_registration", true, None),
            ]),
            [
                HeldDocument {
                    kind: "food_safety".into(),
                    valid_through: Some(d("2028-01-31"))
                },
                HeldDocument {
                    kind: "business_registration".into(),
                    valid_through: None
                },
            ]
        );
    }

    #[test]
    fn a_stall_lacks_what_is_missing_unverified_or_expired() {
        let required = ["food_safety", "alcohol_licence"];
        let today = d("2026-12-05");
        let food = |verified, expires_on| Held {
            kind: "food_safety",
            verified,
            expires_on,
        };
        assert_eq!(lacking(&required, &[], today), required);
        assert_eq!(
            lacking(&required, &[food(true, Some(d("2026-12-05")))], today),
            ["alcohol_licence"],
            "valid through its last day"
        );
        assert_eq!(
            lacking(
                &["food_safety"],
                &[food(true, Some(d("2026-12-04")))],
                today
            ),
            ["food_safety"]
        );
        assert_eq!(
            lacking(&["food_safety"], &[food(false, None)], today),
            ["food_safety"]
        );
        assert!(
            lacking(
                &["food_safety"],
                &[food(false, None), food(true, None)],
                today
            )
            .is_empty()
        );
    }
}
