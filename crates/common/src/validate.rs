//! Collecting every problem with an input before answering, so a client fixes all fields at once.

use crate::{Error, FieldCode, FieldError};

/// Gathers field errors; [`Validator::finish`] turns them into one `validation_failed` error.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` with its `code` for `field` unless `ok`.
    pub fn check(
        &mut self,
        ok: bool,
        field: &str,
        code: FieldCode,
        message: impl Into<String>,
    ) -> &mut Self {
        if !ok {
            self.add(field, code, message);
        }
        self
    }

    /// Records an error with its `code` for `field`.
    pub fn add(&mut self, field: &str, code: FieldCode, message: impl Into<String>) -> &mut Self {
        self.errors.push(FieldError::new(field, code, message));
        self
    }

    /// Trims `value` and checks that it has `min..=max` characters (not bytes: Vietnamese
    /// letters take two or three bytes each) and no control character but line breaks and
    /// tabs: `required`, `too_short`, `too_long` or `control_characters`. Returns the trimmed
    /// text.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let trimmed = value.trim();
        let len = trimmed.chars().count();
        if len < min {
            if min == 1 {
                self.add(field, FieldCode::Required, "must not be empty");
            } else {
                self.add(
                    field,
                    FieldCode::TooShort,
                    format!("must have at least {min} characters"),
                );
            }
        } else if len > max {
            self.add(
                field,
                FieldCode::TooLong,
                format!("must have at most {max} characters"),
            );
        } else if trimmed
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            self.add(
                field,
                FieldCode::ControlCharacters,
                "must not contain control characters",
            );
        }
        trimmed.to_owned()
    }

    /// How many problems have been recorded.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when every check passed, else one error naming every bad field.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(self.errors))
        }
    }
}

/// The reason a moderator gives for a decision the other side reads (a rejection, a
/// takedown, a suspension): trimmed, 3 to 1000 characters, in the field `reason`. No reason
/// at all (absent or `null`) is `required`.
pub fn required_reason(reason: Option<&str>) -> Result<String, Error> {
    let mut v = Validator::new();
    let Some(reason) = reason else {
        v.add("reason", FieldCode::Required, "is required");
        v.finish()?;
        return Ok(String::new());
    };
    let text = v.text("reason", reason, 3, 1000);
    v.finish()?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_3_to_1000_characters() {
        assert_eq!(required_reason(Some("  Sai giấy  ")).unwrap(), "Sai giấy");
        for bad in [None, Some(""), Some(" ab "), Some(&*"x".repeat(1001))] {
            let e = required_reason(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "reason", "{bad:?}");
        }
        assert!(required_reason(Some(&"ư".repeat(1000))).is_ok());
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let mut v = Validator::new();
        // 14 characters, 22 bytes.
        let name = v.text("name", "  Nước mắm Nam Ô  ", 1, 15);
        assert_eq!(name, "Nước mắm Nam Ô");
        assert!(v.is_ok());
        v.text("short", "Nước mắm Nam Ô", 1, 5);
        v.text("empty", "   ", 1, 5);
        v.text("bell", "a\u{7}b", 1, 5);
        v.text("c1", "a\u{9b}b", 1, 5);
        // Line breaks as any client writes them, and tabs, are text.
        assert_eq!(v.text("lines", "a\r\nb\tc", 1, 10), "a\r\nb\tc");
        let e = v.finish().unwrap_err();
        let msgs: Vec<_> = e
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.code, f.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (
                    "short",
                    FieldCode::TooLong,
                    "must have at most 5 characters"
                ),
                ("empty", FieldCode::Required, "must not be empty"),
                (
                    "bell",
                    FieldCode::ControlCharacters,
                    "must not contain control characters"
                ),
                (
                    "c1",
                    FieldCode::ControlCharacters,
                    "must not contain control characters"
                ),
            ]
        );
    }

    #[test]
    fn each_rule_of_text_has_its_code() {
        let mut v = Validator::new();
        v.text("few", "ab", 3, 5);
        v.text("none", "", 1, 5);
        let codes: Vec<_> = v.errors.iter().map(|f| f.code).collect();
        assert_eq!(codes, [FieldCode::TooShort, FieldCode::Required]);
    }

    #[test]
    fn check_records_its_code_only_when_the_rule_fails() {
        let mut v = Validator::new();
        v.check(true, "a", FieldCode::OutOfRange, "must be from 1 to 5");
        assert!(v.is_ok());
        v.check(false, "b", FieldCode::OutOfRange, "must be from 1 to 5");
        let e = v.finish().unwrap_err();
        assert_eq!(
            e.fields,
            [FieldError::new(
                "b",
                FieldCode::OutOfRange,
                "must be from 1 to 5"
            )]
        );
    }
}
