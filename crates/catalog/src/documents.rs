//! Business documents as far as the catalogue needs them: which kinds a category's products
//! need their stall to hold ([`DocumentRequirements`], plain data the compliance office gives
//! at construction: the catalogue knows kinds only by key), the kinds a stall holds verified
//! with their last valid day ([`HeldDocument`], told by the compliance office), and what a
//! product lacks on a day ([`missing`]). What the public then sees is [`crate::visibility`]'s.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Categories whose products need documents: every product of a category named in
/// `categories` (or below one), unless named in `except` (or below one), needs its stall to
/// hold each kind of `documents`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentRequirement {
    /// Category slugs.
    pub categories: Vec<String>,
    /// Category slugs left out.
    pub except: Vec<String>,
    /// Kind keys.
    pub documents: Vec<String>,
}

/// Which kinds of documents the products of which categories need; none by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentRequirements {
    /// Every kind, in the order answers list them.
    kinds: Vec<String>,
    /// Each kind's name as its stall reads it, beside `kinds` (none: the key stands for it).
    names: Vec<String>,
    requirements: Vec<DocumentRequirement>,
}

impl DocumentRequirements {
    /// The requirements over `kinds` (their keys, in the order answers list them).
    pub fn new(kinds: Vec<String>, requirements: Vec<DocumentRequirement>) -> Self {
        Self {
            kinds,
            names: Vec::new(),
            requirements,
        }
    }

    /// The same requirements naming each kind with `names` (beside the kinds, in their order),
    /// as the notices to a stall's owner name them.
    pub fn with_names(mut self, names: Vec<String>) -> Self {
        self.names = names;
        self
    }

    /// The name of kind `key` (its key when it has none).
    pub fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.kinds
            .iter()
            .position(|k| k == key)
            .and_then(|i| self.names.get(i))
            .map_or(key, String::as_str)
    }

    /// `keys` in kind order, each once.
    pub fn in_order<'a>(&'a self, keys: &[&str]) -> Vec<&'a str> {
        self.kinds
            .iter()
            .filter(|k| keys.contains(&k.as_str()))
            .map(String::as_str)
            .collect()
    }

    /// The kinds a product must have its stall hold in the category whose slug and ancestors'
    /// slugs are `lineage` (the category first), in kind order.
    pub fn required(&self, lineage: &[&str]) -> Vec<&str> {
        let named = |list: &[String]| lineage.iter().any(|s| list.iter().any(|c| c == s));
        self.kinds
            .iter()
            .filter(|k| {
                self.requirements
                    .iter()
                    .any(|r| named(&r.categories) && !named(&r.except) && r.documents.contains(k))
            })
            .map(String::as_str)
            .collect()
    }

    /// Whether any category needs any document.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// A kind of document a stall holds verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDocument {
    /// Its kind's key.
    pub kind: String,
    /// Its last valid day; `None`: it does not expire.
    pub valid_through: Option<NaiveDate>,
}

/// Of the `required` kinds, those a stall holding `held` (verified documents) lacks on
/// `today`: held not at all, or past its last valid day (valid through it, inclusive).
pub fn missing<'a>(required: &[&'a str], held: &[HeldDocument], today: NaiveDate) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|kind| {
            !held
                .iter()
                .any(|h| h.kind == *kind && h.valid_through.is_none_or(|until| today <= until))
        })
        .collect()
}

/// The stored form of a product's missing kinds: a JSON array, or null when none.
pub fn to_stored(missing: &[&str]) -> Option<String> {
    (!missing.is_empty()).then(|| serde_json::json!(missing).to_string())
}

/// The missing kinds a product's row stores; a row holding anything but a list of keys is
/// corrupt data.
pub fn from_stored(stored: Option<&str>) -> Result<Vec<String>, common::Error> {
    stored.map_or(Ok(Vec::new()), |text| {
        serde_json::from_str(text)
            .map_err(|e| common::Error::internal(format!("a product's missing documents: {e}")))
    })
}

/// The documents a stall's row holds (`stalls.documents_held`).
pub fn held_from_stored(stored: &str) -> Result<Vec<HeldDocument>, common::Error> {
    serde_json::from_str(stored)
        .map_err(|e| common::Error::internal(format!("a stall's documents held: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rules() -> DocumentRequirements {
        DocumentRequirements::new(
            vec!["food_safety".into(), "alcohol_licence".into()],
            vec![
                DocumentRequirement {
                    categories: vec!["thuc-pham".into(), "do-uong".into()],
                    except: vec!["nong-san-tuoi".into()],
                    documents: vec!["food_safety".into()],
                },
                DocumentRequirement {
                    categories: vec!["ruou".into()],
                    except: vec![],
                    documents: vec!["alcohol_licence".into()],
                },
            ],
        )
    }

    #[test]
    fn kinds_are_named_and_ordered_as_given() {
        let r = rules().with_names(vec!["Giấy ATTP".into(), "Giấy phép rượu".into()]);
        assert_eq!(r.name("alcohol_licence"), "Giấy phép rượu");
        assert_eq!(r.name("food_safety"), "Giấy ATTP");
        assert_eq!(r.name("unknown"), "unknown");
        assert_eq!(rules().name("food_safety"), "food_safety");
        assert_eq!(
            r.in_order(&["alcohol_licence", "unknown", "food_safety"]),
            ["food_safety", "alcohol_licence"]
        );
    }

    #[test]
    fn a_category_needs_what_it_and_its_ancestors_are_named_for() {
        let r = rules();
        assert_eq!(r.required(&["mat-ong", "thuc-pham"]), ["food_safety"]);
        assert!(r.required(&["nong-san-tuoi", "thuc-pham"]).is_empty());
        assert!(r.required(&["gom-su"]).is_empty());
        assert_eq!(
            r.required(&["ruou", "do-uong"]),
            ["food_safety", "alcohol_licence"]
        );
        assert!(
            DocumentRequirements::default()
                .required(&["thuc-pham"])
                .is_empty()
        );
    }

    #[test]
    fn a_product_misses_what_its_stall_lacks_or_let_lapse() {
        let today = d("2026-12-05");
        let held = |until: Option<&str>| HeldDocument {
            kind: "food_safety".into(),
            valid_through: until.map(d),
        };
        let required = ["food_safety", "alcohol_licence"];
        assert_eq!(missing(&required, &[], today), required);
        assert_eq!(
            missing(&required, &[held(Some("2026-12-05"))], today),
            ["alcohol_licence"],
            "valid through its last day"
        );
        assert_eq!(
            missing(&["food_safety"], &[held(Some("2026-12-04"))], today),
            ["food_safety"]
        );
        assert!(missing(&["food_safety"], &[held(None)], today).is_empty());
    }

    #[test]
    fn stored_forms_round_trip_and_corrupt_ones_are_errors() {
        assert_eq!(to_stored(&[]), None);
        let s = to_stored(&["food_safety"]).unwrap();
        assert_eq!(from_stored(Some(&s)).unwrap(), ["food_safety"]);
        assert!(from_stored(None).unwrap().is_empty());
        assert!(from_stored(Some("food_safety")).is_err());
        assert!(held_from_stored("[]").unwrap().is_empty());
        assert!(held_from_stored("{").is_err());
    }
}
