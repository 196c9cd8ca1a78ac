//! Extractors whose rejections are the API's own problem+json errors, and the authenticated
//! caller.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{StatusCode, header, request::Parts},
};
use common::{FieldCode, FieldError};
use serde::de::DeserializeOwned;

use crate::{error::ApiError, state::AppState};

/// A JSON body. Wrong media type: 415; not JSON: 400 `malformed_json`; JSON of the wrong shape
/// (a missing, mistyped or unknown field): 422 `validation_failed` naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = header_text(&req, header::CONTENT_TYPE)
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        parse_json(&read_body(req, state).await?).map(Json)
    }
}

/// The header `name` of `req` as text, if it is there and is text.
fn header_text(req: &Request, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The whole body; one over `http.body_limit_bytes` (413) or cut short (400) is refused.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| ApiError::from_status(rejection.status()))
}

/// Deserializes `bytes`, turning serde's complaint into a field-level error.
///
/// The body is read as a JSON value first, so that: anything after the value (trailing
/// garbage) is malformed JSON; a string holding a control character (NUL, which PostgreSQL
/// cannot store, and the others that no field of this API means) is refused naming the field;
/// and a whole number written with a fraction (`416.0`, a JSON Schema integer) is read as the
/// integer it is.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(malformed)?;
    if let Some(path) = tidy_json(&mut value, "") {
        return Err(ApiError::validation(vec![FieldError::new(
            if path.is_empty() {
                "body".to_owned()
            } else {
                path
            },
            FieldCode::Invalid,
            CONTROL_MESSAGE,
        )]));
    }
    if value.is_array() {
        // Every body of this API is an object; serde would also fill a struct from an array
        // by position, past the unknown-field check.
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            FieldCode::Invalid,
            OBJECT_MESSAGE,
        )]));
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            Err(ApiError::validation(vec![field_error(&path, err.inner())]))
        }
    }
}

/// 400 `malformed_json`, saying where the text stops being JSON (`details.line`,
/// `details.column`), in the API's words rather than the parser's.
fn malformed(err: serde_json::Error) -> ApiError {
    let (line, column) = (err.line(), err.column());
    let mut e = ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        if err.is_eof() {
            format!("The body is not valid JSON: it ends too soon (line {line}, column {column}).")
        } else {
            format!("The body is not valid JSON (line {line}, column {column}).")
        },
    );
    e.details = Some(Box::new(
        serde_json::json!({"line": line, "column": column}),
    ));
    e
}

/// What a body that is not a JSON object is told.
pub const OBJECT_MESSAGE: &str = "must be a JSON object";

/// What a field holding a control character is told.
pub const CONTROL_MESSAGE: &str =
    "must not contain control characters (only tab and line breaks are allowed in text)";

/// Whether `text` holds a character no text of this API may hold: a control character (C0,
/// DEL or C1) other than tab, line feed and carriage return.
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Rewrites whole-number floats as integers and every string in Unicode form C (so text is
/// stored and searched composed however it was typed), and returns the path of the first
/// string (or key) holding a control character.
fn tidy_json(value: &mut serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(composed) = common::text::nfc(s) {
                *s = composed;
            }
            has_control(s).then(|| path.to_owned())
        }
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact below 2^53, so the conversion loses nothing.
                *value = Value::from(f as i64);
            }
            None
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .find_map(|(i, v)| tidy_json(v, &join(&i.to_string()))),
        Value::Object(map) => {
            if let Some(key) = map.keys().find(|k| has_control(k)) {
                return Some(join(&key.escape_default().to_string()));
            }
            map.iter_mut().find_map(|(k, v)| tidy_json(v, &join(k)))
        }
        Value::Null | Value::Bool(_) => None,
    }
}

/// Names the field serde complained about (for an unknown field, the unknown one itself) and
/// says what is wrong in the API's own words: serde's text never reaches a client.
fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let text = err.to_string();
    // serde_json appends " at line L column C"; the client needs the field, not the position.
    let message = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text.as_str(),
    };
    let prefix = if path == "." { "" } else { path };
    let (name, code, words) = shape_error(message);
    let field = match (name, prefix) {
        // The path already ends with an unknown field's name.
        (Some(name), "") => name,
        (Some(name), _) if code == FieldCode::Required => format!("{prefix}.{name}"),
        (_, "") => "body".to_owned(),
        _ => prefix.to_owned(),
    };
    FieldError::new(field, code, words)
}

/// What a parser's complaint about a value's shape (serde's words, from a JSON body or a
/// query string) means, in the API's words: the field it names (a missing or unknown one),
/// the code and the message.
fn shape_error(message: &str) -> (Option<String>, FieldCode, String) {
    let quoted = |lead: &str| {
        message
            .strip_prefix(lead)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(name) = quoted("unknown field `") {
        return (
            Some(name),
            FieldCode::UnknownField,
            UNKNOWN_FIELD.to_owned(),
        );
    }
    if let Some(name) = quoted("missing field `") {
        return (Some(name), FieldCode::Required, "is required".to_owned());
    }
    if message.starts_with("unknown variant `") {
        let values = message
            .split_once("expected ")
            .map(|(_, list)| {
                // serde writes "`a`", "`a` or `b`", or "one of `a`, `b`, `c`".
                let list = list.strip_prefix("one of ").unwrap_or(list);
                list.replace('`', "").replace(" or ", ", ")
            })
            .unwrap_or_default();
        if values.is_empty() || values.starts_with("there are no") {
            return (None, FieldCode::Invalid, "is not valid".to_owned());
        }
        return (
            None,
            FieldCode::NotOneOf,
            format!("must be one of {values}"),
        );
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return type_error(found, expected);
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        if let Some((min, max)) = integer_range(expected) {
            return (
                None,
                FieldCode::OutOfRange,
                format!("must be a whole number from {min} to {max}"),
            );
        }
        return type_error(found, expected);
    }
    if message.starts_with("invalid length ") {
        return (
            None,
            FieldCode::Invalid,
            "has the wrong number of items".to_owned(),
        );
    }
    if message.starts_with("UUID parsing failed") || message.starts_with("invalid character") {
        return (None, FieldCode::Invalid, UUID_MESSAGE.to_owned());
    }
    let (code, words) = number_words(message);
    (None, code, words)
}

/// What a value of the wrong type is told, by what was expected.
fn type_error(found: &str, expected: &str) -> (Option<String>, FieldCode, String) {
    if found == "null" {
        return (None, FieldCode::Required, "must not be null".to_owned());
    }
    let (code, words) = if expected.contains("string") || expected.contains("char") {
        (FieldCode::InvalidType, "must be text")
    } else if integer_range(expected).is_some() {
        (FieldCode::InvalidType, "must be a whole number")
    } else if expected == "f64" || expected == "f32" || expected.contains("number") {
        (FieldCode::InvalidType, "must be a number")
    } else if expected.contains("bool") {
        (FieldCode::InvalidType, "must be true or false")
    } else if expected.contains("sequence") || expected.contains("tuple") {
        (FieldCode::InvalidType, "must be a list")
    } else if expected.contains("struct") || expected.contains("map") {
        (FieldCode::InvalidType, "must be an object")
    } else if expected.contains("UUID") {
        (FieldCode::Invalid, UUID_MESSAGE)
    } else {
        (FieldCode::InvalidType, "has the wrong type")
    };
    (None, code, words.to_owned())
}

/// The range of an integer type named as serde names it (`u32`, `i64`, ...).
fn integer_range(expected: &str) -> Option<(i128, i128)> {
    Some(match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

/// What an unknown field is told.
const UNKNOWN_FIELD: &str = "is not a known field";

/// What a malformed id is told.
pub const UUID_MESSAGE: &str =
    "must be an id (a UUID such as 0190f5d2-7a3b-7c4d-8e5f-6a7b8c9d0e1f)";

/// The authenticated caller, from `Authorization: Bearer <token>`; 401 without a live token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: accounts::User,
    /// The bearer token presented (to revoke it on logout).
    pub token: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "Sign in and send the token as `Authorization: Bearer <token>`.",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or_else(|| {
                ApiError::unauthorized("The Authorization header must be `Bearer <token>`.")
            })?;
        let user = state.accounts.authenticate(&state.db, token).await?;
        Ok(AuthUser {
            user,
            token: token.to_owned(),
        })
    }
}

/// The caller as an [`Actor`](common::Actor): anonymous without an `Authorization` header; a bad
/// or expired token is still 401, so a client learns its session ended instead of silently
/// seeing less.
#[derive(Debug, Clone, Copy)]
pub struct MaybeActor(pub common::Actor);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Ok(MaybeActor(common::Actor::Anonymous));
        }
        let auth = AuthUser::from_request_parts(parts, state).await?;
        Ok(MaybeActor(auth.user.actor()))
    }
}

/// Query parameters; a malformed value is 422 `validation_failed` naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = composed_query(parts.uri.query().unwrap_or_default());
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(Query)
            .map_err(|err| {
                let path = err.path().to_string();
                let message = err.into_inner().to_string();
                let top = path == ".";
                let mut field = if top {
                    message
                        .strip_prefix("unknown field `")
                        .and_then(|r| r.split('`').next())
                        .unwrap_or("query")
                        .to_owned()
                } else {
                    path
                };
                let (code, message) = if message.starts_with("unknown field") {
                    (
                        FieldCode::UnknownParameter,
                        "is not a known parameter".to_owned(),
                    )
                } else {
                    let (name, code, words) = shape_error(&message);
                    if let Some(name) = name.filter(|_| top) {
                        field = name;
                    }
                    (code, words)
                };
                ApiError::validation(vec![FieldError::new(field, code, message)])
            })
    }
}

/// The query string with every value in Unicode form C: borrowed when it already is, else
/// decoded, composed and encoded again.
fn composed_query(query: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let decomposed = form_urlencoded::parse(query.as_bytes()).any(|(k, v)| {
        matches!(common::text::nfc(&k), Cow::Owned(_))
            || matches!(common::text::nfc(&v), Cow::Owned(_))
    });
    if !decomposed {
        return Cow::Borrowed(query);
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        out.append_pair(&common::text::nfc(&k), &common::text::nfc(&v));
    }
    Cow::Owned(out.finish())
}

/// Says in the API's words what a parser complained of that is no shape error: Rust's
/// number and truth-value parsing (query strings), anything else as not valid.
fn number_words(message: &str) -> (FieldCode, String) {
    const NUMBER: [&str; 4] = [
        "invalid digit found in string",
        "number too large to fit in target type",
        "number too small to fit in target type",
        "cannot parse integer from empty string",
    ];
    if NUMBER.contains(&message) {
        (
            FieldCode::Invalid,
            "must be a whole number within range".to_owned(),
        )
    } else if message.contains("provided string was not `true` or `false`") {
        (FieldCode::Invalid, "must be true or false".to_owned())
    } else if message.starts_with("invalid float literal") {
        (FieldCode::InvalidType, "must be a number".to_owned())
    } else {
        (FieldCode::Invalid, "is not valid".to_owned())
    }
}

/// A JSON body that may be absent altogether (an empty body or `null` is `None`).
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_body = header_text(&req, header::CONTENT_LENGTH).is_none_or(|v| v != "0")
            && req.headers().contains_key(header::CONTENT_TYPE);
        if !has_body {
            // Still read the body so a body without a content type is refused, not ignored.
            let bytes = read_body(req, state).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        // `null` is no body too, as a nullable body in the document allows.
        Json::<Option<T>>::from_request(req, state)
            .await
            .map(|Json(v)| OptionalJson(v))
    }
}

/// The client's address: the peer, or with `http.trust_forwarded_for` the left-most
/// `X-Forwarded-For` entry. Unknown (in-process tests) is the unspecified address.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The address of the request with these headers and extensions.
    pub fn of(
        headers: &axum::http::HeaderMap,
        extensions: &axum::http::Extensions,
        trust_forwarded_for: bool,
    ) -> Option<IpAddr> {
        if trust_forwarded_for
            && let Some(ip) = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return Some(ip);
        }
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = Self::of(
            &parts.headers,
            &parts.extensions,
            state.config.http.trust_forwarded_for,
        );
        Ok(ClientIp(ip.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialized")]
    struct Body {
        name: String,
        shipping: Shipping,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialized")]
    struct Shipping {
        phone: String,
    }

    fn fields(body: &str) -> (u16, String, Vec<(String, String)>) {
        let e = parse_json::<Body>(body.as_bytes()).unwrap_err();
        (
            e.status.as_u16(),
            e.code.into_owned(),
            e.errors.into_iter().map(|f| (f.field, f.message)).collect(),
        )
    }

    #[test]
    fn names_the_field_at_fault() {
        let (status, code, f) = fields(r#"{"name":"a","shipping":{"phone":"1"},"status":"x"}"#);
        assert_eq!((status, code.as_str()), (422, "validation_failed"));
        assert_eq!(f, [("status".into(), "is not a known field".into())]);

        let (_, _, f) = fields(r#"{"name":"a","shipping":{"phone":1}}"#);
        assert_eq!(f, [("shipping.phone".into(), "must be text".into())]);

        let (_, _, f) = fields(r#"{"name":"a","shipping":{}}"#);
        assert_eq!(f, [("shipping.phone".into(), "is required".into())]);

        let (_, _, f) = fields(r#""just text""#);
        assert_eq!(f[0].0, "body");
    }

    #[test]
    fn serde_never_speaks_to_the_client() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only deserialized")]
        struct B {
            n: u32,
            on: bool,
            id: uuid::Uuid,
            kind: Kind,
            list: Vec<String>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Percent,
            Fixed,
            FreeDelivery,
        }
        let ok = r#"{"n":1,"on":true,"id":"0190f5d2-7a3b-7c4d-8e5f-6a7b8c9d0e1f","kind":"percent","list":[]}"#;
        let base: serde_json::Value = serde_json::from_str(ok).unwrap();
        let one = |key: &str, value: serde_json::Value| {
            let mut body = base.clone();
            body[key] = value;
            let e = parse_json::<B>(body.to_string().as_bytes()).unwrap_err();
            let f = &e.errors[0];
            (f.field.clone(), f.code, f.message.clone())
        };
        use FieldCode as C;
        let cases = [
            (
                one("n", "7".into()),
                C::InvalidType,
                "must be a whole number",
            ),
            (
                one("n", (-1).into()),
                C::OutOfRange,
                "must be a whole number from 0 to 4294967295",
            ),
            (
                one("n", serde_json::Value::Null),
                C::Required,
                "must not be null",
            ),
            (one("on", 1.into()), C::InvalidType, "must be true or false"),
            (one("id", "x".into()), C::Invalid, UUID_MESSAGE),
            (
                one("kind", "gift".into()),
                C::NotOneOf,
                "must be one of percent, fixed, free_delivery",
            ),
            (one("list", "x".into()), C::InvalidType, "must be a list"),
            (
                one("list", serde_json::json!([1])),
                C::InvalidType,
                "must be text",
            ),
        ];
        for ((field, code, message), want_code, want) in cases {
            assert_eq!((code, message.as_str()), (want_code, want), "{field}");
        }
        assert_eq!(one("list", serde_json::json!([1])).0, "list[0]");
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let (status, code, _) = fields(r#"{"name":"a","shipping":{"phone":"1"}} x"#);
        assert_eq!((status, code.as_str()), (400, "malformed_json"));
        // Trailing white space is fine.
        assert!(parse_json::<Body>(b"{\"name\":\"a\",\"shipping\":{\"phone\":\"1\"}}\n ").is_ok());
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        let (status, code, f) = fields(r#"{"name":"a","shipping":{"phone":"09\u00001"}}"#);
        assert_eq!((status, code.as_str()), (422, "validation_failed"));
        assert_eq!(f[0].0, "shipping.phone");
        let (_, _, f) = fields(r#"{"name":"a\u001b[31m","shipping":{"phone":"1"}}"#);
        assert_eq!(f[0].0, "name");
        // Line breaks and tabs are text; an escaped backslash before u0000 is not a NUL.
        assert!(
            parse_json::<Body>(br#"{"name":"a\n\tb \\u0000","shipping":{"phone":"1"}}"#).is_ok()
        );
    }

    #[test]
    fn whole_number_floats_are_integers() {
        #[derive(Debug, serde::Deserialize)]
        struct N {
            n: i64,
        }
        assert_eq!(parse_json::<N>(br#"{"n":416.0}"#).unwrap().n, 416);
        assert_eq!(parse_json::<N>(br#"{"n":4.16e2}"#).unwrap().n, 416);
        let e = parse_json::<N>(br#"{"n":416.5}"#).unwrap_err();
        assert_eq!(e.errors[0].field, "n");
    }

    #[test]
    fn query_number_errors_are_plain_words() {
        assert_eq!(
            number_words("invalid digit found in string"),
            (
                FieldCode::Invalid,
                "must be a whole number within range".to_owned()
            )
        );
    }

    #[test]
    fn decomposed_text_arrives_composed_in_bodies_and_queries() {
        #[derive(serde::Deserialize)]
        struct Body {
            name: String,
        }
        let body: Body = parse_json(
            "{\"name\": \"Nu\u{031b}o\u{031b}\u{0301}c ma\u{0306}\u{0301}m\"}".as_bytes(),
        )
        .unwrap();
        assert_eq!(body.name, "Nước mắm");
        let query = composed_query("q=nu%CC%9Bo%CC%9B%CC%81c&page=1");
        assert_eq!(
            form_urlencoded::parse(query.as_bytes()).collect::<Vec<_>>(),
            [("q".into(), "nước".into()), ("page".into(), "1".into())]
        );
        assert!(matches!(
            composed_query("q=nuoc+mam"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_body_by_position_is_refused() {
        let (status, code, f) = fields(r#"["a", ["0912345678"]]"#);
        assert_eq!((status, code.as_str()), (422, "validation_failed"));
        assert_eq!(f, [("body".into(), OBJECT_MESSAGE.into())]);
    }

    #[test]
    fn malformed_json_is_400() {
        let (status, code, _) = fields(r#"{"name": "#);
        assert_eq!((status, code.as_str()), (400, "malformed_json"));
        let (status, _, _) = fields("not json");
        assert_eq!(status, 400);
    }
}
