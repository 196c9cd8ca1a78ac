//! The texts of field errors in the client's language. A field error is raised with its code
//! ([`FieldCode`]) and an English message; the message table (`config/messages.toml`) holds each
//! code's messages with their Vietnamese, looked up by code and then by the English text
//! (`{name}` holes match what the service filled in). A request that prefers Vietnamese
//! (`Accept-Language: vi`) gets the table's Vietnamese texts; the code is never read from the
//! table. Services write English; the translation happens at the edge, for every problem answer
//! alike (`error::localize` applies this table).

use std::{
    collections::{BTreeMap, HashMap},
    sync::LazyLock,
};

use axum::http::HeaderValue;
use common::FieldCode;
use serde::Deserialize;

/// The shipped table.
pub const SHIPPED: &str = include_str!("../../../config/messages.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// English message → Vietnamese, by code.
    field: BTreeMap<String, BTreeMap<String, String>>,
    problem: HashMap<String, String>,
    /// Problem details with holes for the problem's `details`, by code.
    #[serde(default)]
    problem_detailed: HashMap<String, String>,
    /// The messages of cart lines' problems, by code, with holes for the problem's fields.
    #[serde(default)]
    cart_line: HashMap<String, String>,
    /// Problem titles (the status's summary), by status code.
    #[serde(default)]
    title: HashMap<String, String>,
}

/// A message with `{name}` holes, split into its fixed pieces.
#[derive(Debug)]
struct Pattern {
    /// The fixed text before, between and after the holes (one more than the holes).
    pieces: Vec<String>,
    /// The holes' names, in order.
    holes: Vec<String>,
    vi: String,
}

/// The messages of one code.
#[derive(Debug, Default)]
struct Texts {
    /// Messages without holes, to their Vietnamese.
    exact: HashMap<String, String>,
    /// Longest fixed text first, so a longer message is not taken for a shorter one.
    patterns: Vec<Pattern>,
}

/// The message table.
#[derive(Debug)]
pub struct Messages {
    fields: HashMap<FieldCode, Texts>,
    problems: HashMap<String, String>,
    detailed: HashMap<String, String>,
    cart_line: HashMap<String, String>,
    titles: HashMap<u16, String>,
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

impl Texts {
    /// Reads one code's messages: each Vietnamese text is there and names no hole the English
    /// has not.
    fn parse(code: &str, rows: BTreeMap<String, String>) -> Result<Self, String> {
        let mut texts = Self::default();
        for (en, vi) in rows {
            if vi.trim().is_empty() {
                return Err(format!("{code}: {en:?} has no Vietnamese text"));
            }
            let (pieces, holes) = split(&en);
            if holes.is_empty() {
                texts.exact.insert(en, vi);
                continue;
            }
            let (_, vi_holes) = split(&vi);
            if let Some(h) = vi_holes.iter().find(|h| !holes.contains(h)) {
                return Err(format!(
                    "{code}: {en:?}: the Vietnamese names {{{h}}}, which the English has not"
                ));
            }
            texts.patterns.push(Pattern { pieces, holes, vi });
        }
        texts
            .patterns
            .sort_by_key(|p| std::cmp::Reverse(p.pieces.iter().map(String::len).sum::<usize>()));
        Ok(texts)
    }

    /// The Vietnamese of `en`, its holes filled as in `en`.
    fn vietnamese(&self, en: &str) -> Option<String> {
        if let Some(vi) = self.exact.get(en) {
            return Some(vi.clone());
        }
        self.patterns.iter().find_map(|p| {
            let values = fill_holes(p, en)?;
            let mut vi = p.vi.clone();
            for (name, value) in p.holes.iter().zip(values) {
                vi = vi.replace(&format!("{{{name}}}"), value);
            }
            Some(vi)
        })
    }
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

    /// Reads a table; a section that names no [`FieldCode`], or a message without its
    /// Vietnamese text, is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut fields = HashMap::new();
        for (code, rows) in raw.field {
            let Some(c) = FieldCode::parse(&code) else {
                return Err(format!("[field.{code}]: no field code is called {code:?}"));
            };
            fields.insert(c, Texts::parse(&code, rows)?);
        }
        if let Some(code) = raw
            .problem_detailed
            .keys()
            .find(|c| !raw.problem.contains_key(*c))
        {
            return Err(format!(
                "[problem_detailed] {code}: the code has no text under [problem] for a problem \
                 without its details"
            ));
        }
        let mut titles = HashMap::new();
        for (status, vi) in raw.title {
            match status.parse::<u16>() {
                Ok(s) if (400..600).contains(&s) => titles.insert(s, vi),
                _ => return Err(format!("[title] {status:?} is not an error status")),
            };
        }
        Ok(Self {
            fields,
            problems: raw.problem,
            detailed: raw.problem_detailed,
            cart_line: raw.cart_line,
            titles,
        })
    }

    /// The codes that have no message with a Vietnamese text in the table.
    pub fn codes_without_texts(&self) -> Vec<FieldCode> {
        FieldCode::ALL
            .iter()
            .copied()
            .filter(|c| {
                self.fields
                    .get(c)
                    .is_none_or(|t| t.exact.is_empty() && t.patterns.is_empty())
            })
            .collect()
    }

    /// The Vietnamese title of a problem answered with `status`.
    pub fn title(&self, status: u16) -> Option<&str> {
        self.titles.get(&status).map(String::as_str)
    }

    /// The problem codes among `codes` without a Vietnamese detail under `[problem]`.
    pub fn problems_without_texts<'a>(&self, codes: &[&'a str]) -> Vec<&'a str> {
        codes
            .iter()
            .copied()
            .filter(|c| self.problem(c).is_none_or(|t| t.trim().is_empty()))
            .collect()
    }

    /// The Vietnamese text of the field message `en` raised with `code`; `None` when the table
    /// does not have it.
    pub fn field(&self, code: FieldCode, en: &str) -> Option<String> {
        self.fields.get(&code)?.vietnamese(en)
    }

    /// Whether a message written in the code (with `{…}` holes, as in a `format!`) is in the
    /// table under `code`; for the test that keeps the table whole.
    pub fn knows_template(&self, code: FieldCode, template: &str) -> bool {
        let Some(texts) = self.fields.get(&code) else {
            return false;
        };
        if texts.exact.contains_key(template) {
            return true;
        }
        let (pieces, _) = split(template);
        texts
            .patterns
            .iter()
            .any(|p| p.pieces == pieces || fill_holes(p, template).is_some())
    }

    /// The Vietnamese detail of a problem code, if it is always the same (but for `{name}`
    /// holes, which [`Messages::translate_problem`] fills from the problem's `details`).
    pub fn problem(&self, code: &str) -> Option<&str> {
        self.problems.get(code).map(String::as_str)
    }

    /// Puts a problem body (as sent) into Vietnamese: the title, by its status; the detail, by
    /// its code (the code's text
    /// under `[problem_detailed]` when the problem's `details` fill all its `{name}` holes, else
    /// the one under `[problem]`, its holes filled likewise; a detail whose holes cannot all be
    /// filled stays as it was), and each field message the table has under the field's code.
    pub fn translate_problem(&self, problem: &mut serde_json::Value) {
        let code = problem["code"].as_str().unwrap_or_default();
        let details = &problem["details"];
        let detail = self
            .detailed
            .get(code)
            .and_then(|d| fill_from_details(d, details))
            .or_else(|| fill_from_details(self.problem(code)?, details));
        if let Some(detail) = detail {
            problem["detail"] = detail.into();
        }
        let title = problem["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| self.title(s));
        if let Some(title) = title {
            problem["title"] = title.into();
        }
        if let Some(errors) = problem["errors"].as_array_mut() {
            for e in errors {
                let code = e["code"].as_str().and_then(FieldCode::parse);
                let vi = code
                    .zip(e["message"].as_str())
                    .and_then(|(c, m)| self.field(c, m));
                if let Some(vi) = vi {
                    e["message"] = vi.into();
                }
            }
        }
    }
}

impl Messages {
    /// The Vietnamese message of a cart line's problem of `code`, its holes filled from the
    /// problem's own fields (`available`, `price_was`, ...).
    pub fn cart_line(&self, code: &str, problem: &serde_json::Value) -> Option<String> {
        fill_from_details(self.cart_line.get(code)?, problem)
    }

    /// Puts the problems of a cart's lines into Vietnamese: every `problem` object with a
    /// `code` of `[cart_line]` in a list of `items` (a cart's, or a cart inside the answer).
    pub fn translate_cart(&self, body: &mut serde_json::Value) {
        self.translate_cart_at(body, 0);
    }

    fn translate_cart_at(&self, body: &mut serde_json::Value, depth: usize) {
        if depth > 4 {
            return;
        }
        let Some(object) = body.as_object_mut() else {
            return;
        };
        if let Some(lines) = object.get_mut("items").and_then(|v| v.as_array_mut()) {
            for problem in lines.iter_mut().filter_map(|l| l.get_mut("problem")) {
                let vi = problem
                    .get("code")
                    .and_then(|c| c.as_str())
                    .and_then(|c| self.cart_line(c, problem));
                if let (Some(vi), Some(p)) = (vi, problem.as_object_mut()) {
                    p.insert("message".to_owned(), vi.into());
                }
            }
        }
        for (key, value) in object.iter_mut() {
            if key != "items" && value.is_object() {
                self.translate_cart_at(value, depth + 1);
            }
        }
    }
}

/// `text` with each `{name}` hole replaced by `details.name` (a string or a number); `None`
/// when one has no such value.
fn fill_from_details(text: &str, details: &serde_json::Value) -> Option<String> {
    let (pieces, holes) = split(text);
    let mut out = String::with_capacity(text.len());
    for (i, piece) in pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(name) = holes.get(i) {
            match details.get(name)? {
                serde_json::Value::String(s) => out.push_str(s),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(whole) => out.push_str(&grouped(whole)),
                    None => out.push_str(&n.to_string()),
                },
                _ => return None,
            }
        }
    }
    Some(out)
}

/// A whole number as Vietnamese readers write it, its thousands set apart by dots
/// (`120.000`, as the emails write amounts of đồng).
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
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
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn numbers_are_written_as_vietnamese_readers_write_them() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1.000"),
            (120_000, "120.000"),
            (1_234_567, "1.234.567"),
            (-1500, "-1.500"),
        ];
        for (n, want) in cases {
            assert_eq!(grouped(n), want);
        }
        let line = serde_json::json!({"price_was": 120_000, "price_now": 150_000});
        assert_eq!(
            Messages::shipped()
                .cart_line("price_changed", &line)
                .as_deref(),
            Some("Giá đã đổi từ 120.000 ₫ thành 150.000 ₫.")
        );
    }

    #[test]
    fn the_shipped_table_parses_and_fills_holes() {
        let t = Messages::parse(SHIPPED);
        assert!(t.is_ok(), "{:?}", t.err());
        let t = Messages::shipped();
        assert_eq!(
            t.field(FieldCode::TooShort, "must have at least 3 characters")
                .as_deref(),
            Some("phải có ít nhất 3 ký tự")
        );
        assert_eq!(
            t.field(
                FieldCode::OutOfRange,
                "must be a whole number from 1 to 5 (with per_page 100, pages reach the first \
                 100000 items; narrow the list with filters)"
            )
            .as_deref(),
            Some(
                "phải là số nguyên từ 1 đến 5 (với per_page 100, chỉ xem được 100000 mục đầu; \
                 hãy lọc bớt danh sách)"
            )
        );
        assert_eq!(
            t.field(FieldCode::OutOfStock, "Nước mắm: 3 requested, 1 left")
                .as_deref(),
            Some("Nước mắm: đặt 3, chỉ còn 1")
        );
        // A message is looked up under the code it was raised with, and only there.
        assert_eq!(
            t.field(FieldCode::TooLong, "must have at least 3 characters"),
            None
        );
        assert_eq!(
            t.field(FieldCode::Invalid, "invalid type: string, expected u64"),
            None
        );
        assert!(t.knows_template(FieldCode::OutOfRange, "must be from 0 to {MAX_QUANTITY}"));
        assert!(!t.knows_template(FieldCode::Required, "must be from 0 to {MAX_QUANTITY}"));
        assert!(!t.knows_template(FieldCode::Invalid, "must be purple"));
    }

    #[test]
    fn a_problem_is_put_into_vietnamese_by_the_codes_it_carries() {
        let mut p = serde_json::json!({
            "code": "validation_failed",
            "status": 422,
            "title": "Unprocessable Entity",
            "detail": "Some fields are invalid.",
            "errors": [
                {"field": "name", "code": "too_short",
                 "message": "must have at least 3 characters"},
                {"field": "q", "code": "too_long", "message": "must have at least 3 characters"},
                {"field": "n", "code": "invalid", "message": "invalid type: string, expected u64"},
            ]
        });
        Messages::shipped().translate_problem(&mut p);
        assert_eq!(p["detail"], "Một số trường không hợp lệ.");
        assert_eq!(p["title"], "Dữ liệu không hợp lệ", "{p}");
        let errors: Vec<_> = p["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["code"].as_str(), e["message"].as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (Some("too_short"), Some("phải có ít nhất 3 ký tự")),
                (Some("too_long"), Some("must have at least 3 characters")),
                (Some("invalid"), Some("invalid type: string, expected u64")),
            ]
        );
    }

    #[test]
    fn a_problem_detail_takes_its_holes_from_the_details_or_says_it_plainly() {
        let mut p = serde_json::json!({
            "code": "policy_not_accepted",
            "detail": "Accept the versions in effect of these policies before ordering: privacy.",
            "details": {"kinds": "operating_rules, privacy"},
        });
        Messages::shipped().translate_problem(&mut p);
        assert_eq!(
            p["detail"],
            "Vui lòng đồng ý phiên bản đang có hiệu lực của các chính sách sau trước khi đặt \
             hàng: operating_rules, privacy."
        );
        let english = "Accept the versions in effect of these policies before ordering: privacy.";
        let mut bare = serde_json::json!({"code": "policy_not_accepted", "detail": english});
        Messages::shipped().translate_problem(&mut bare);
        assert_eq!(
            bare["detail"],
            "Vui lòng đồng ý phiên bản đang có hiệu lực của các chính sách trước khi đặt hàng \
             (xem GET /api/v1/policies)."
        );
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

    /// Every code has at least one message with its Vietnamese text in the table: a code added
    /// to `FieldCode` without its texts fails here.
    #[test]
    fn every_field_code_has_a_vietnamese_text() {
        let missing = Messages::shipped().codes_without_texts();
        assert!(
            missing.is_empty(),
            "codes without a Vietnamese text in config/messages.toml: {missing:?}"
        );
        let one = Messages::parse("[field.required]\n\"is required\" = \"là bắt buộc\"\n[problem]");
        let one = one.map(|t| t.codes_without_texts().len());
        assert_eq!(one, Ok(FieldCode::ALL.len() - 1));
    }

    #[test]
    fn a_table_with_an_unknown_code_or_a_missing_text_is_refused() {
        let parse = |t: &str| Messages::parse(&format!("{t}\n[problem]\n")).err();
        assert!(parse("[field.purple]\n\"is purple\" = \"màu tím\"").is_some());
        assert!(parse("[field.required]\n\"is required\" = \" \"").is_some());
        assert!(parse("[field.too_long]\n\"at most {max}\" = \"tối đa {min}\"").is_some());
        assert_eq!(
            parse("[field.too_long]\n\"at most {max}\" = \"tối đa {max}\""),
            None
        );
    }

    /// Every field message a service raises is in the table under the code it is raised with,
    /// so every field error has its Vietnamese text. Reads the sources outside tests: after
    /// each `FieldCode::X,` comes the message raised with it, a literal, a `format!` of one or
    /// a constant holding one (a message passed on in a variable is checked where it is
    /// written, when it is written with its code).
    #[test]
    fn every_field_message_raised_is_in_the_table_under_its_code() {
        let sources: Vec<(PathBuf, String)> = sources()
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                (p, without_tests(&text))
            })
            .collect();
        assert!(sources.len() > 50, "read {} files", sources.len());
        let consts = string_constants(&sources);
        let table = Messages::shipped();
        let (mut seen, mut missing) = (0, Vec::new());
        for (path, text) in &sources {
            for (code, message) in raised(text, &consts) {
                seen += 1;
                if !table.knows_template(code, &message) {
                    missing.push(format!("{}: {code} {message:?}", path.display()));
                }
            }
        }
        assert!(seen > 90, "found only {seen} messages");
        assert!(
            missing.is_empty(),
            "not in config/messages.toml under their code:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_sources_are_read_as_services_write_messages() {
        let source = r##"
pub const SHOUT: &str =
    "is shouting";
fn f(v: &mut Validator, ok: bool) {
    v.check(ok, "name", FieldCode::Required, "must not be empty");
    v.add(
        "q",
        FieldCode::TooLong,
        format!("must have at most {MAX} \
                 characters"),
    );
    FieldError::new("x", FieldCode::Invalid, SHOUT);
    FieldError::new("y", FieldCode::Invalid, message);
    let all = FieldCode::ALL;
}
#[cfg(test)]
mod tests {
    fn g(s: &'static str) { let c = '}'; let r = r#"}"#; v.add("z", FieldCode::Taken, "x y"); }
}
#[cfg(test)]
use std::fmt;
fn h() { v.add("w", FieldCode::Taken, "is taken"); }
"##;
        let text = without_tests(source);
        let consts = string_constants(&[(PathBuf::new(), text.clone())]);
        let found: Vec<_> = raised(&text, &consts);
        let found: Vec<_> = found.iter().map(|(c, m)| (*c, m.as_str())).collect();
        assert_eq!(
            found,
            [
                (FieldCode::Required, "must not be empty"),
                (FieldCode::TooLong, "must have at most {MAX} characters"),
                (FieldCode::Invalid, "is shouting"),
                (FieldCode::Taken, "is taken"),
            ]
        );
    }

    /// The Rust files of every crate's `src`.
    fn sources() -> Vec<PathBuf> {
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
        files
    }

    /// The (code, message) pairs raised in `text`: each `FieldCode::X,` and the message after it.
    fn raised(text: &str, consts: &HashMap<String, String>) -> Vec<(FieldCode, String)> {
        const PREFIX: &str = "FieldCode::";
        let mut out = Vec::new();
        for (at, _) in text.match_indices(PREFIX) {
            let rest = &text[at + PREFIX.len()..];
            let len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let Some(code) = FieldCode::ALL
                .iter()
                .copied()
                .find(|c| format!("{c:?}") == rest[..len])
            else {
                continue;
            };
            let Some(arg) = rest[len..].trim_start().strip_prefix(',') else {
                continue;
            };
            let arg = arg.trim_start();
            let arg = arg.strip_prefix("format!(").map_or(arg, str::trim_start);
            let message = if arg.starts_with('"') {
                Some(literal(arg))
            } else {
                let name: String = arg
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                consts.get(&name).cloned()
            };
            out.extend(message.map(|m| (code, m)));
        }
        out
    }

    /// The text constants (`const NAME: &str = "…";`) of every source.
    fn string_constants(sources: &[(PathBuf, String)]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (_, text) in sources {
            for (at, _) in text.match_indices("const ") {
                let rest = &text[at + "const ".len()..];
                let Some((name, value)) = rest.split_once(": &str =") else {
                    continue;
                };
                let value = value.trim_start();
                if name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    && value.starts_with('"')
                {
                    out.insert(name.to_owned(), literal(value));
                }
            }
        }
        out
    }

    /// The string literal `text` starts with, its escapes read (a `\` at a line's end skips the
    /// line break and the next line's indentation).
    fn literal(text: &str) -> String {
        let mut s = String::new();
        let mut chars = text.chars().skip(1).peekable();
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
                    Some('t') => s.push('\t'),
                    Some(other) => s.push(other),
                    None => {}
                },
                c => s.push(c),
            }
        }
        s
    }

    /// `text` without its `#[cfg(test)]` items.
    fn without_tests(text: &str) -> String {
        const MARK: &str = "#[cfg(test)]";
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(MARK) {
            out.push_str(&rest[..at]);
            rest = &rest[at + MARK.len()..];
            rest = &rest[item_end(rest)..];
        }
        out.push_str(rest);
        out
    }

    /// Where the item `text` starts with ends: after its `;` when that comes before any `{`,
    /// else after the `}` that closes its first `{`. Braces in strings, characters and comments
    /// do not count.
    fn item_end(text: &str) -> usize {
        let b = text.as_bytes();
        let mut depth = 0usize;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b';' if depth == 0 => return i + 1,
                b'{' => depth += 1,
                b'}' if depth <= 1 => return i + 1,
                b'}' => depth -= 1,
                b'"' => i = string_end(b, i + 1),
                b'r' if (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
                    && matches!(b.get(i + 1), Some(b'#' | b'"')) =>
                {
                    i = raw_string_end(b, i + 1);
                }
                b'\'' => i = char_end(text, i),
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i += b[i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .unwrap_or(b.len() - i);
                }
                _ => {}
            }
            i += 1;
        }
        b.len()
    }

    /// The index of the `"` that closes a string whose text starts at `i`.
    fn string_end(b: &[u8], mut i: usize) -> usize {
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i,
                _ => i += 1,
            }
        }
        b.len()
    }

    /// The index of the last byte of a raw string whose hashes start at `i`.
    fn raw_string_end(b: &[u8], i: usize) -> usize {
        let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
        let close: Vec<u8> = std::iter::once(b'"')
            .chain(std::iter::repeat_n(b'#', hashes))
            .collect();
        let start = i + hashes + 1;
        b.get(start..)
            .and_then(|t| t.windows(close.len()).position(|w| w == close.as_slice()))
            .map_or(b.len(), |p| start + p + close.len() - 1)
    }

    /// The index of the `'` closing a character literal at `i`, or `i` for a lifetime.
    fn char_end(text: &str, i: usize) -> usize {
        let b = text.as_bytes();
        if b.get(i + 1) == Some(&b'\\') {
            return b[i + 2..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(b.len(), |p| i + 2 + p);
        }
        let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
        if b.get(i + 1 + len) == Some(&b'\'') {
            i + 1 + len
        } else {
            i
        }
    }
}
