//! Collecting every problem with an input before answering, so a client fixes all fields at once.

use crate::{Error, FieldError};

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

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    /// Records an error for `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) -> &mut Self {
        self.errors.push(FieldError::new(field, message));
        self
    }

    /// Trims `value` and checks that it has `min..=max` characters (not bytes: Vietnamese
    /// letters take two or three bytes each). Returns the trimmed text.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let trimmed = value.trim();
        let len = trimmed.chars().count();
        if len < min {
            if min == 1 {
                self.add(field, "must not be empty");
            } else {
                self.add(field, format!("must have at least {min} characters"));
            }
        } else if len > max {
            self.add(field, format!("must have at most {max} characters"));
        } else if trimmed
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            self.add(field, "must not contain control characters");
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

#[cfg(test)]
mod tests {
    use super::*;

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
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                ("short", "must have at most 5 characters"),
                ("empty", "must not be empty"),
                ("bell", "must not contain control characters"),
                ("c1", "must not contain control characters"),
            ]
        );
    }
}
