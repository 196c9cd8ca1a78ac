//! What the unit tests of the submission rules share: a body with some fields replaced, and
//! the field errors of a check.

use common::{Error, FieldCode};
use serde_json::Value;

/// `base` with the fields of `overrides` replaced, read as the submission it is.
pub(crate) fn body<T: serde::de::DeserializeOwned>(mut base: Value, overrides: Value) -> T {
    for (k, val) in overrides.as_object().unwrap() {
        base[k] = val.clone();
    }
    serde_json::from_value(base).unwrap()
}

/// The (field, code, message) of each field error of `checked`, or none.
pub(crate) fn field_errors<T>(checked: Result<T, Error>) -> Vec<(String, FieldCode, String)> {
    match checked {
        Ok(_) => Vec::new(),
        Err(e) => e
            .fields
            .into_iter()
            .map(|f| (f.field, f.code, f.message))
            .collect(),
    }
}
