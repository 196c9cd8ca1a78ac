//! The messages of errors in the client's language: each field error gets a stable `code` from
//! the message table (`config/messages.toml`), and a request that prefers Vietnamese
//! (`Accept-Language: vi`) gets the table's Vietnamese texts. Services write English; the
//! translation happens at the edge, for every problem answer alike (`error::localize` applies
//! this table).

use std::{collections::HashMap, sync::LazyLock};

use axum::http::HeaderValue;
use serde::Deserialize;

/// The shipped table.
pub const SHIPPED: &str = include_str!("../../../config/messages.toml");

/// The code of a field message the table does not know.
pub const UNKNOWN_CODE: &str = "invalid";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    field: Vec<RawField>,
    problem: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    en: String,
    code: String,
    vi: String,
}

/// A message with `{name}` holes, split into its fixed pieces.
#[derive(Debug)]
struct Pattern {
    /// The fixed text before, between and after the holes (one more than the holes).
    pieces: Vec<String>,
    /// The holes' names, in order.
    holes: Vec<String>,
    code: String,
    vi: String,
}

/// The message table.
#[derive(Debug)]
pub struct Messages {
    exact: HashMap<String, (String, String)>,
    /// Longest fixed text first, so a longer message is not taken for a shorter one.
    patterns: Vec<Pattern>,
    problems: HashMap<String, String>,
}

/// Splits `text` at its `{name}` holes.
fn split(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut pieces, mut holes) = (Vec::new(), Vec::new());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        match rest[start..].find('}') {
            Some(len) => {
                pieces.push(rest[..start].to_owned());
                holes.push(rest[start + 1..start + len].to_owned());
                rest = &rest[start + len + 1..];
            }
            None => break,
        }
    }
    pieces.push(rest.to_owned());
    (pieces, holes)
}

impl Messages {
    /// The shipped table.
    ///
    /// # Panics
    /// Never: a unit test parses the shipped table.
    #[allow(clippy::expect_used)]
    pub fn shipped() -> &'static Self {
        static TABLE: LazyLock<Messages> =
            LazyLock::new(|| Messages::parse(SHIPPED).expect("the shipped message table parses"));
        &TABLE
    }

    /// Reads a table.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for f in raw.field {
            let (pieces, holes) = split(&f.en);
            if holes.is_empty() {
                exact.insert(f.en, (f.code, f.vi));
            } else {
                let (_, vi_holes) = split(&f.vi);
                if let Some(h) = vi_holes.iter().find(|h| !holes.contains(h)) {
                    return Err(format!(
                        "{:?}: the Vietnamese names {{{h}}}, which the English has not",
                        f.en
                    ));
                }
                patterns.push(Pattern {
                    pieces,
                    holes,
                    code: f.code,
                    vi: f.vi,
                });
            }
        }
        patterns
            .sort_by_key(|p| std::cmp::Reverse(p.pieces.iter().map(String::len).sum::<usize>()));
        Ok(Self {
            exact,
            patterns,
            problems: raw.problem,
        })
    }

    /// Every field code an answer can carry: the table's, and `invalid` for a message it does
    /// not know; sorted, once each.
    pub fn field_codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self
            .exact
            .values()
            .map(|(code, _)| code.as_str())
            .chain(self.patterns.iter().map(|p| p.code.as_str()))
            .chain([UNKNOWN_CODE])
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// The code and Vietnamese text of a field message; `None` when the table does not know it.
    pub fn field(&self, en: &str) -> Option<(&str, String)> {
        if let Some((code, vi)) = self.exact.get(en) {
            return Some((code, vi.clone()));
        }
        self.patterns.iter().find_map(|p| {
            let values = fill_holes(p, en)?;
            let mut vi = p.vi.clone();
            for (name, value) in p.holes.iter().zip(values) {
                vi = vi.replace(&format!("{{{name}}}"), value);
            }
            Some((p.code.as_str(), vi))
        })
    }

    /// The code of a field message (`invalid` when unknown).
    pub fn field_code(&self, en: &str) -> &str {
        self.field(en).map_or(UNKNOWN_CODE, |(code, _)| code)
    }

    /// Whether a message written in the code (with `{…}` holes, as in a `format!`) is in the
    /// table; for the test that keeps the table whole.
    pub fn knows_template(&self, template: &str) -> bool {
        if self.exact.contains_key(template) {
            return true;
        }
        let (pieces, _) = split(template);
        self.patterns.iter().any(|p| p.pieces == pieces)
            || self
                .patterns
                .iter()
                .any(|p| fill_holes(p, template).is_some())
    }

    /// The Vietnamese detail of a problem code, if it is always the same.
    pub fn problem(&self, code: &str) -> Option<&str> {
        self.problems.get(code).map(String::as_str)
    }

    /// Puts a problem body (as sent) into Vietnamese: the detail, when its code always has the
    /// same one, and each field message the table knows.
    pub fn translate_problem(&self, problem: &mut serde_json::Value) {
        if let Some(detail) = problem["code"].as_str().and_then(|c| self.problem(c)) {
            problem["detail"] = detail.into();
        }
        if let Some(errors) = problem["errors"].as_array_mut() {
            for e in errors {
                if let Some((_, vi)) = e["message"].as_str().and_then(|m| self.field(m)) {
                    e["message"] = vi.into();
                }
            }
        }
    }
}

/// The text in the holes of `p` when `text` is `p` filled in.
fn fill_holes<'a>(p: &Pattern, text: &'a str) -> Option<Vec<&'a str>> {
    let first = p.pieces.first()?;
    let mut rest = text.strip_prefix(first.as_str())?;
    let mut values = Vec::with_capacity(p.holes.len());
    for (i, piece) in p.pieces.iter().enumerate().skip(1) {
        let last = i == p.pieces.len() - 1;
        let at = if last {
            if piece.is_empty() {
                rest.len()
            } else if rest.ends_with(piece.as_str()) {
                rest.len() - piece.len()
            } else {
                return None;
            }
        } else {
            rest.find(piece.as_str())?
        };
        if at == 0 {
            return None;
        }
        values.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    Some(values)
}

/// Whether the request's `Accept-Language` ranks Vietnamese first.
pub fn prefers_vietnamese(accept_language: Option<&HeaderValue>) -> bool {
    let Some(value) = accept_language.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut best: Option<(f32, bool)> = None;
    for part in value.split(',').take(20) {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let vi = tag == "vi" || tag.starts_with("vi-");
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, vi));
        }
    }
    best.is_some_and(|(q, vi)| vi && q > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_fills_holes() {
        let t = Messages::parse(SHIPPED);
        assert!(t.is_ok(), "{:?}", t.err());
        let t = Messages::shipped();
        assert_eq!(
            t.field("must have at least 3 characters"),
            Some(("too_short", "phải có ít nhất 3 ký tự".to_owned()))
        );
        assert_eq!(
            t.field("must be a whole number from 1 to 5 (with per_page 100, pages reach the first 100000 items; narrow the list with filters)").map(|(c, _)| c),
            Some("out_of_range")
        );
        assert_eq!(
            t.field_code("must be a whole number from 1 to 100"),
            "out_of_range"
        );
        assert_eq!(
            t.field("Nước mắm: 3 requested, 1 left"),
            Some(("out_of_stock", "Nước mắm: đặt 3, chỉ còn 1".to_owned()))
        );
        assert_eq!(
            t.field_code("invalid type: string, expected u64"),
            UNKNOWN_CODE
        );
        assert!(t.knows_template("must be from 0 to {MAX_QUANTITY}"));
        assert!(!t.knows_template("must be purple"));
    }

    #[test]
    fn vietnamese_is_chosen_by_its_rank() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert!(prefers_vietnamese(Some(&h("vi"))));
        assert!(prefers_vietnamese(Some(&h("vi-VN,vi;q=0.9,en;q=0.8"))));
        assert!(prefers_vietnamese(Some(&h("en;q=0.5, vi;q=0.9"))));
        assert!(!prefers_vietnamese(Some(&h("en-US,en;q=0.9,vi;q=0.8"))));
        assert!(!prefers_vietnamese(Some(&h("vi;q=0"))));
        assert!(!prefers_vietnamese(None));
    }

    /// Every message a service can write for a field is in the table, so every field error has
    /// a code and a Vietnamese text. Reads the sources: the messages are the string literals
    /// with a space in the calls that record field errors.
    #[test]
    fn every_field_message_in_the_code_is_in_the_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() && p.file_name().is_some_and(|n| n != "tests" && n != "target") {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs")
                    && p.to_string_lossy().contains("/src/")
                {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 50, "read {} files", files.len());
        let table = Messages::shipped();
        let mut missing = Vec::new();
        let mut seen = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for call in [
                "v.check(",
                "v.add(",
                "self.add(",
                "invalid_field(",
                "FieldError::new(",
            ] {
                for (at, _) in code.match_indices(call) {
                    for lit in literals(&code[at + call.len()..]) {
                        if lit.contains(' ') {
                            seen += 1;
                            if !table.knows_template(&lit) {
                                missing.push(format!("{}: {lit:?}", f.display()));
                            }
                        }
                    }
                }
            }
        }
        assert!(seen > 60, "found only {seen} messages");
        assert!(
            missing.is_empty(),
            "not in config/messages.toml:\n{}",
            missing.join("\n")
        );
    }

    /// The string literals up to the call's closing parenthesis.
    fn literals(after: &str) -> Vec<String> {
        let (mut depth, mut out) = (1, Vec::new());
        let mut chars = after.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                '"' => {
                    let mut s = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('\n') => {
                                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                        chars.next();
                                    }
                                }
                                Some('n') => s.push('\n'),
                                Some(other) => s.push(other),
                                None => {}
                            },
                            c => s.push(c),
                        }
                    }
                    out.push(s);
                }
                _ => {}
            }
        }
        out
    }
}
