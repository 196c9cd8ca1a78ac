//! What a product states on its label (origin, producer, ingredients, nutrition, a business
//! licence, ...), the bounds of each fact, and which facts a category requires: the rules are
//! data (config/compliance/facts.toml), read into [`FactRules`].

use chrono::NaiveDate;
use common::{FieldCode, validate::Validator};
use serde::{Deserialize, Serialize};

/// The built-in requirements, part of the source tree and checked by a test.
const BUILTIN: &str = include_str!("../../../config/compliance/facts.toml");

/// Every fact a product can be required to state, as `errors[].field` names it after `facts.`.
pub const FACT_KEYS: &[&str] = &[
    "origin",
    "producer",
    "net_quantity",
    "ingredients",
    "warnings",
    "usage",
    "storage",
    "shelf_life",
    "nutrition.energy_kcal",
    "nutrition.protein_g",
    "nutrition.carbohydrate_g",
    "nutrition.fat_g",
    "nutrition.sodium_mg",
    "licence.number",
    "licence.issued_on",
    "licence.issued_by",
];

/// Nutrition per 100 g (or 100 ml), as the label states it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Nutrition {
    /// Energy, kcal: 0 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 1000, example = 320)
    )]
    pub energy_kcal: Option<f64>,
    /// Protein, g: 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 100, example = 12.5)
    )]
    pub protein_g: Option<f64>,
    /// Carbohydrate, g: 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100, example = 60))]
    pub carbohydrate_g: Option<f64>,
    /// Fat, g: 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100, example = 4.2))]
    pub fat_g: Option<f64>,
    /// Sodium, mg: 0 to 40000 (salt itself is about 39300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 40000, example = 850)
    )]
    pub sodium_mg: Option<f64>,
}

/// The business licence of goods that need one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Its number, up to 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 64, example = "0123/2025/GPSX-RU")
    )]
    pub number: Option<String>,
    /// Date of issue (not in the future).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "2025-03-01"))]
    pub issued_on: Option<NaiveDate>,
    /// The issuing body, up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 200, example = "Sở Công Thương tỉnh Quảng Trị")
    )]
    pub issued_by: Option<String>,
}

/// What a product states on its label. Every fact is optional in the shape; the product's
/// category decides which must be given (an empty text counts as not given).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductFacts {
    /// Where it is made (origin of goods), up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 200, example = "Gio Linh, Quảng Trị, Việt Nam")
    )]
    pub origin: Option<String>,
    /// The responsible producer or trader, with address, up to 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 300,
            example = "HTX Nước mắm Cửa Tùng, thôn Tân Lý, xã Cửa Tùng, Quảng Trị"
        )
    )]
    pub producer: Option<String>,
    /// Net quantity, e.g. "500 ml", up to 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100, example = "500 ml"))]
    pub net_quantity: Option<String>,
    /// Ingredients, up to 2000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, example = "Cá cơm 75%, muối biển 25%")
    )]
    pub ingredients: Option<String>,
    /// Warnings, up to 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1000, example = "Không dùng cho người dị ứng cá")
    )]
    pub warnings: Option<String>,
    /// Instructions for use, up to 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1000, example = "Dùng làm nước chấm hoặc nêm nếm món ăn")
    )]
    pub usage: Option<String>,
    /// Instructions for storage, up to 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 1000,
            example = "Nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp"
        )
    )]
    pub storage: Option<String>,
    /// Shelf life or expiry, e.g. "24 tháng kể từ ngày sản xuất", up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 200, example = "24 tháng kể từ ngày sản xuất")
    )]
    pub shelf_life: Option<String>,
    /// Nutrition per 100 g or 100 ml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nutrition: Option<Nutrition>,
    /// The business licence of goods that need one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
}

/// A text fact, trimmed, checked for `1..=max` characters; empty reads as not given.
fn text(v: &mut Validator, field: &str, value: Option<&String>, max: usize) -> Option<String> {
    let value = value?.trim();
    if value.is_empty() {
        return None;
    }
    Some(v.text(field, value, 1, max))
}

/// A number fact: finite, from 0 to `max`.
fn number(v: &mut Validator, field: &str, value: Option<f64>, max: f64) -> Option<f64> {
    let value = value?;
    v.check(
        value.is_finite() && (0.0..=max).contains(&value),
        field,
        FieldCode::OutOfRange,
        format!("must be from 0 to {max}"),
    );
    Some(value)
}

impl ProductFacts {
    /// Checks each given fact's bounds, recording problems under `facts.*`, and returns the
    /// facts trimmed, empty texts dropped.
    pub fn validate(&self, v: &mut Validator, today: NaiveDate) -> ProductFacts {
        let nutrition = self.nutrition.as_ref().map(|n| Nutrition {
            energy_kcal: number(v, "facts.nutrition.energy_kcal", n.energy_kcal, 1000.0),
            protein_g: number(v, "facts.nutrition.protein_g", n.protein_g, 100.0),
            carbohydrate_g: number(v, "facts.nutrition.carbohydrate_g", n.carbohydrate_g, 100.0),
            fat_g: number(v, "facts.nutrition.fat_g", n.fat_g, 100.0),
            sodium_mg: number(v, "facts.nutrition.sodium_mg", n.sodium_mg, 40_000.0),
        });
        let licence = self.licence.as_ref().map(|l| {
            if let Some(d) = l.issued_on {
                v.check(
                    d <= today,
                    "facts.licence.issued_on",
                    FieldCode::InTheFuture,
                    "must not be in the future",
                );
            }
            Licence {
                number: text(v, "facts.licence.number", l.number.as_ref(), 64),
                issued_on: l.issued_on,
                issued_by: text(v, "facts.licence.issued_by", l.issued_by.as_ref(), 200),
            }
        });
        ProductFacts {
            origin: text(v, "facts.origin", self.origin.as_ref(), 200),
            producer: text(v, "facts.producer", self.producer.as_ref(), 300),
            net_quantity: text(v, "facts.net_quantity", self.net_quantity.as_ref(), 100),
            ingredients: text(v, "facts.ingredients", self.ingredients.as_ref(), 2000),
            warnings: text(v, "facts.warnings", self.warnings.as_ref(), 1000),
            usage: text(v, "facts.usage", self.usage.as_ref(), 1000),
            storage: text(v, "facts.storage", self.storage.as_ref(), 1000),
            shelf_life: text(v, "facts.shelf_life", self.shelf_life.as_ref(), 200),
            nutrition,
            licence,
        }
    }

    /// Whether the fact `key` (one of [`FACT_KEYS`]) is given.
    pub fn states(&self, key: &str) -> bool {
        let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        let n = self.nutrition.as_ref();
        let l = self.licence.as_ref();
        match key {
            "origin" => given(&self.origin),
            "producer" => given(&self.producer),
            "net_quantity" => given(&self.net_quantity),
            "ingredients" => given(&self.ingredients),
            "warnings" => given(&self.warnings),
            "usage" => given(&self.usage),
            "storage" => given(&self.storage),
            "shelf_life" => given(&self.shelf_life),
            "nutrition.energy_kcal" => n.is_some_and(|n| n.energy_kcal.is_some()),
            "nutrition.protein_g" => n.is_some_and(|n| n.protein_g.is_some()),
            "nutrition.carbohydrate_g" => n.is_some_and(|n| n.carbohydrate_g.is_some()),
            "nutrition.fat_g" => n.is_some_and(|n| n.fat_g.is_some()),
            "nutrition.sodium_mg" => n.is_some_and(|n| n.sodium_mg.is_some()),
            "licence.number" => l.is_some_and(|l| given(&l.number)),
            "licence.issued_on" => l.is_some_and(|l| l.issued_on.is_some()),
            "licence.issued_by" => l.is_some_and(|l| given(&l.issued_by)),
            _ => false,
        }
    }

    /// Of the `required` keys, those not stated, in the order given.
    pub fn missing(&self, required: &[&'static str]) -> Vec<&'static str> {
        required
            .iter()
            .copied()
            .filter(|k| !self.states(k))
            .collect()
    }

    /// Reads the stored JSON (`None` or empty: nothing stated); a corrupt value is an error.
    pub fn from_stored(stored: Option<&str>) -> Result<Self, common::Error> {
        match stored {
            None | Some("") => Ok(Self::default()),
            Some(s) => serde_json::from_str(s)
                .map_err(|e| common::Error::internal(format!("stored product facts: {e}"))),
        }
    }

    /// The stored form: `None` when nothing is stated.
    pub fn to_stored(&self) -> Option<String> {
        (self != &Self::default()).then(|| serde_json::to_string(self).unwrap_or_default())
    }
}

/// Records each of `missing` as a required field `facts.<key>`.
pub fn require(v: &mut Validator, missing: &[&str]) {
    for key in missing {
        v.add(
            &format!("facts.{key}"),
            FieldCode::Required,
            "must be stated for a product of this category",
        );
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    requirement: Vec<RequirementRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementRow {
    #[serde(default)]
    name: String,
    categories: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    facts: Vec<String>,
}

/// One requirement: the facts products of some categories must state.
#[derive(Clone, Debug)]
struct Requirement {
    categories: Vec<String>,
    except: Vec<String>,
    facts: Vec<&'static str>,
}

/// Which facts each category requires.
#[derive(Clone, Debug, Default)]
pub struct FactRules {
    requirements: Vec<Requirement>,
}

impl FactRules {
    /// Reads requirements from TOML (the form of config/compliance/facts.toml); an unknown fact
    /// key or a requirement naming no category or fact is an error.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut requirements = Vec::with_capacity(file.requirement.len());
        for (i, row) in file.requirement.into_iter().enumerate() {
            let what = if row.name.is_empty() {
                format!("requirement #{}", i + 1)
            } else {
                format!("requirement {:?}", row.name)
            };
            if row.categories.is_empty() || row.facts.is_empty() {
                return Err(format!("{what} names no category or no fact"));
            }
            let mut facts = Vec::new();
            for key in &row.facts {
                let prefix = format!("{key}.");
                let leaves: Vec<&'static str> = FACT_KEYS
                    .iter()
                    .copied()
                    .filter(|k| *k == key || k.starts_with(&prefix))
                    .collect();
                if leaves.is_empty() {
                    return Err(format!("{what}: {key} is not a product fact"));
                }
                for leaf in leaves {
                    if !facts.contains(&leaf) {
                        facts.push(leaf);
                    }
                }
            }
            requirements.push(Requirement {
                categories: row.categories,
                except: row.except,
                facts,
            });
        }
        Ok(Self { requirements })
    }

    /// The shipped requirements (config/compliance/facts.toml).
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in facts file: {e}"))
    }

    /// The facts a product must state in the category whose slug and ancestors' slugs are
    /// `lineage` (the category first), in [`FACT_KEYS`] order.
    pub fn required(&self, lineage: &[&str]) -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = Vec::new();
        for r in &self.requirements {
            let named = |list: &[String]| lineage.iter().any(|s| list.iter().any(|c| c == s));
            if named(&r.categories) && !named(&r.except) {
                for k in &r.facts {
                    if !keys.contains(k) {
                        keys.push(k);
                    }
                }
            }
        }
        keys.sort_by_key(|k| FACT_KEYS.iter().position(|f| f == k));
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    #[test]
    fn packaged_food_needs_its_label_fresh_produce_does_not() {
        let rules = FactRules::builtin();
        let food = rules.required(&["gia-vi-nuoc-cham", "thuc-pham"]);
        assert_eq!(food.len(), 13, "{food:?}");
        assert!(food.contains(&"nutrition.sodium_mg"));
        assert!(!food.contains(&"licence.number"));
        assert!(rules.required(&["nong-san-tuoi", "thuc-pham"]).is_empty());
        assert!(rules.required(&["may-tre-dan", "luu-niem"]).is_empty());
        let alcohol = rules.required(&["ruou-do-uong-co-con", "do-uong"]);
        assert_eq!(alcohol.len(), 16);
        assert_eq!(alcohol.last(), Some(&"licence.issued_by"));
        assert_eq!(
            rules.required(&["thuc-pham-chuc-nang", "thao-duoc"]).len(),
            13
        );
    }

    #[test]
    fn unknown_keys_and_empty_requirements_are_refused() {
        for bad in [
            "[[requirement]]\ncategories = [\"a\"]\nfacts = [\"colour\"]",
            "[[requirement]]\ncategories = []\nfacts = [\"origin\"]",
            "[[requirement]]\ncategories = [\"a\"]\nfacts = [\"origin\"]\nextra = 1",
        ] {
            assert!(FactRules::from_toml(bad).is_err(), "{bad}");
        }
        let one = FactRules::from_toml(
            "[[requirement]]\ncategories = [\"a\"]\nfacts = [\"nutrition.sodium_mg\"]",
        )
        .unwrap();
        assert_eq!(one.required(&["a"]), ["nutrition.sodium_mg"]);
    }

    #[test]
    fn missing_facts_are_named_by_their_keys() {
        let facts = ProductFacts {
            origin: Some("Quảng Trị".into()),
            producer: Some("  ".into()),
            nutrition: Some(Nutrition {
                energy_kcal: Some(30.0),
                ..Default::default()
            }),
            ..Default::default()
        };
        let required = FactRules::builtin().required(&["thuc-pham"]);
        let missing = facts.missing(&required);
        assert!(!missing.contains(&"origin"));
        assert!(missing.contains(&"producer"));
        assert!(!missing.contains(&"nutrition.energy_kcal"));
        assert!(missing.contains(&"nutrition.sodium_mg"));
    }

    #[test]
    fn bounds_and_trimming() {
        let mut v = Validator::new();
        let facts = ProductFacts {
            origin: Some(" Quảng Trị ".into()),
            warnings: Some("".into()),
            nutrition: Some(Nutrition {
                sodium_mg: Some(7000.0),
                ..Default::default()
            }),
            ..Default::default()
        }
        .validate(&mut v, today());
        assert!(v.is_ok());
        assert_eq!(facts.origin.as_deref(), Some("Quảng Trị"));
        assert_eq!(facts.warnings, None);
        for bad in [
            ProductFacts {
                nutrition: Some(Nutrition {
                    fat_g: Some(-1.0),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ProductFacts {
                nutrition: Some(Nutrition {
                    sodium_mg: Some(1e9),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ProductFacts {
                ingredients: Some("x".repeat(2001)),
                ..Default::default()
            },
            ProductFacts {
                licence: Some(Licence {
                    issued_on: NaiveDate::from_ymd_opt(2030, 1, 1),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ] {
            let mut v = Validator::new();
            bad.validate(&mut v, today());
            assert!(!v.is_ok(), "{bad:?}");
        }
    }

    #[test]
    fn stored_form_round_trips() {
        assert_eq!(ProductFacts::default().to_stored(), None);
        let f = ProductFacts {
            shelf_life: Some("24 tháng".into()),
            ..Default::default()
        };
        let s = f.to_stored().unwrap();
        assert_eq!(ProductFacts::from_stored(Some(&s)).unwrap(), f);
        assert!(ProductFacts::from_stored(Some("{")).is_err());
    }
}
