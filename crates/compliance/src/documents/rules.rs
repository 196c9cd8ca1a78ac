//! The kinds of business documents and the categories that require them, read from data, and
//! the one rule of what a stall lacks: a required kind it holds not at all, not verified, or
//! expired.

use chrono::NaiveDate;
use serde::Deserialize;

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
    requirements: Vec<Requirement>,
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
        Ok(Self {
            kinds: file.kind,
            requirements: file.requirement,
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
        let named = |list: &[String]| lineage.iter().any(|s| list.iter().any(|c| c == s));
        let mut out: Vec<&str> = Vec::new();
        for k in &self.kinds {
            let needed = self
                .requirements
                .iter()
                .any(|r| named(&r.categories) && !named(&r.except) && r.documents.contains(&k.key));
            if needed {
                out.push(&k.key);
            }
        }
        out
    }
}

/// Of the `required` kinds, those a stall holding `held` lacks on `today`: held not at all,
/// not verified, or past its last valid day.
pub fn lacking<'a>(required: &[&'a str], held: &[Held<'_>], today: NaiveDate) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|kind| {
            !held.iter().any(|h| {
                h.kind == *kind && h.verified && h.expires_on.is_none_or(|until| today <= until)
            })
        })
        .collect()
}

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
