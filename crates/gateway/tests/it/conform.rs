//! Every answer the tests receive is held to `/openapi.json`: when the request names a
//! documented operation, the status must be one it documents and a JSON body must match the
//! schema documented for that status and content type. `TestApp::send` calls `check` on every
//! response, so the whole suite (on SQLite and PostgreSQL) is a conformance run.
//!
//! The checker covers the subset of JSON Schema the document uses: `$ref`, `type` (one or a
//! list), `enum`, `oneOf`/`anyOf`/`allOf`, `properties`/`required`/`additionalProperties`,
//! `propertyNames`, `items`, `minItems`/`maxItems`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, and the `uuid`,
//! `date-time` and `date` formats. A keyword outside it fails the check, so the subset cannot
//! silently shrink what is checked.

use std::sync::OnceLock;

use serde_json::Value;

pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(gateway::openapi::document)
}

/// The documented operation a request names: the path template with the most literal
/// segments among those matching (`/regions/lookup` before `/regions/{x}`).
fn operation(method: &str, path: &str) -> Option<(&'static str, &'static Value)> {
    let doc = document();
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &'static str, &'static Value)> = None;
    for (template, item) in doc["paths"].as_object()? {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        if fits && best.is_none_or(|(n, _, _)| literal > n) {
            best = Some((literal, template.as_str(), item));
        }
    }
    let (_, template, item) = best?;
    Some((template, item.get(method.to_ascii_lowercase())?))
}

/// Checks one answer; panics naming every mismatch.
pub fn check(method: &str, uri: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
    let path = uri.split('?').next().unwrap_or(uri);
    let Some((template, op)) = operation(method, path) else {
        return;
    };
    let Some(response) = op["responses"].get(status.to_string()) else {
        panic!(
            "{method} {uri} answered {status}, which {method} {template} does not document: {}",
            String::from_utf8_lossy(body)
                .chars()
                .take(400)
                .collect::<String>()
        );
    };
    let Some(ct) = content_type else { return };
    let media = ct.split(';').next().unwrap_or(ct).trim();
    if !media.ends_with("json") {
        return;
    }
    let Some(schema) = response["content"].get(media).map(|c| &c["schema"]) else {
        panic!("{method} {uri} answered {status} with {media}, undocumented for {template}");
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => panic!("{method} {uri} answered {status} with {media} that is not JSON: {e}"),
    };
    let mut errors = Vec::new();
    conforms(schema, &value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{method} {uri} answered {status} with a body that does not match the schema of \
         {method} {template}:\n  {}\nbody: {}",
        errors.join("\n  "),
        value.to_string().chars().take(1500).collect::<String>()
    );
}

const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "description",
    "example",
    "examples",
    "title",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
    "contentMediaType",
    "maxItems",
    "minItems",
];

/// Whether `value` matches `schema`; mismatches are pushed to `errors` with where they are.
pub fn conforms(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{at}: nothing is allowed here"));
        }
        return;
    };
    if let Some(key) = schema.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        errors.push(format!(
            "{at}: the checker does not know the keyword {key:?}"
        ));
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        match document()["components"]["schemas"].get(name) {
            Some(target) => conforms(target, value, at, errors),
            None => errors.push(format!("{at}: {r} is not in the document")),
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        // The parts together describe one object: each field is documented by some part.
        let (object, rest) = merged(parts);
        conforms(&object, value, at, errors);
        for part in rest {
            conforms(part, value, at, errors);
        }
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = options
                .iter()
                .map(|o| {
                    let mut e = Vec::new();
                    conforms(o, value, at, &mut e);
                    e
                })
                .collect();
            let fits = results.iter().filter(|e| e.is_empty()).count();
            if fits == 0 || (exactly_one && fits > 1) {
                errors.push(format!(
                    "{at}: {fits} of the {} options of {key} match {}",
                    options.len(),
                    short(value)
                ));
                // The nearest option's own mismatches say what is wrong.
                if let Some(nearest) = results.iter().min_by_key(|e| e.len()) {
                    errors.extend(nearest.iter().map(|e| format!("  (nearest option) {e}")));
                }
            }
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {} is not one of {options:?}", short(value)));
    }
    if let Some(ty) = schema.get("type") {
        let types: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.iter().any(|t| is_type(t, value)) {
            errors.push(format!(
                "{at}: {} is not {}",
                short(value),
                types.join(" or ")
            ));
            return;
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(name) {
                    errors.push(format!("{at}: the required field {name:?} is missing"));
                }
            }
            for (name, v) in map {
                let here = format!("{at}.{name}");
                if let Some(p) = props.and_then(|p| p.get(name)) {
                    conforms(p, v, &here, errors);
                } else if let Some(extra) = schema.get("additionalProperties") {
                    conforms(extra, v, &here, errors);
                } else if props.is_some() {
                    errors.push(format!("{here}: not a documented field"));
                }
                if let Some(names) = schema.get("propertyNames") {
                    conforms(names, &Value::String(name.clone()), &here, errors);
                }
            }
        }
        Value::Array(items) => {
            let len = items.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && len < min
            {
                errors.push(format!("{at}: {len} items, fewer than {min}"));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && len > max
            {
                errors.push(format!("{at}: {len} items, more than {max}"));
            }
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    conforms(item, v, &format!("{at}[{i}]"), errors);
                }
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                errors.push(format!("{at}: {n} is below the minimum {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                errors.push(format!("{at}: {n} is above the maximum {max}"));
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                errors.push(format!("{at}: {len} characters, fewer than {min}"));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                errors.push(format!("{at}: {len} characters, more than {max}"));
            }
            // The one pattern the document uses: text without control characters.
            match schema.get("pattern").and_then(Value::as_str) {
                None => {}
                Some(gateway::openapi::TEXT_PATTERN) if gateway::extract::has_control(s) => {
                    errors.push(format!("{at}: {s:?} holds a control character"));
                }
                Some(gateway::openapi::TEXT_PATTERN) => {}
                Some(gateway::openapi::EMAIL_PATTERN)
                    if accounts::user::normalize_email(s).is_none() =>
                {
                    errors.push(format!("{at}: {s:?} is not an email address"));
                }
                Some(gateway::openapi::EMAIL_PATTERN) => {}
                Some(pattern) if !pattern_allows(pattern, s) => {
                    errors.push(format!("{at}: {s:?} does not match {pattern:?}"));
                }
                Some(
                    gateway::openapi::PHONE_PATTERN
                    | gateway::openapi::PHONE_OR_EMPTY_PATTERN
                    | gateway::openapi::REGISTRATION_PATTERN,
                ) => {}
                Some(other) => errors.push(format!("{at}: the checker does not know {other:?}")),
            }
            let format_ok = match schema.get("format").and_then(Value::as_str) {
                Some("uuid") => uuid::Uuid::parse_str(s).is_ok(),
                Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                _ => true,
            };
            if !format_ok {
                errors.push(format!("{at}: {s:?} is not a {}", schema["format"]));
            }
        }
        _ => {}
    }
}

/// The parts of an `allOf` as one schema: their fields and required fields together.
/// Whether `s` matches one of the document's field patterns (the regular expressions are
/// the same in JSON Schema's dialect and the `regex` crate's for these).
fn pattern_allows(pattern: &str, s: &str) -> bool {
    match regex::Regex::new(pattern) {
        Ok(re) => re.is_match(s),
        Err(_) => false,
    }
}

fn merged(parts: &[Value]) -> (Value, Vec<&Value>) {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    let mut rest = Vec::new();
    for part in parts {
        let mut part = part;
        while let Some(r) = part.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            part = &document()["components"]["schemas"][name];
        }
        let is_object = part.get("properties").is_some() && part.get("allOf").is_none();
        if !is_object {
            rest.push(part);
            continue;
        }
        if let Some(p) = part["properties"].as_object() {
            properties.extend(p.clone());
        }
        if let Some(r) = part.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let object = if properties.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::json!({"type": "object", "properties": properties, "required": required})
    };
    (object, rest)
}

fn is_type(ty: &str, value: &Value) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
        _ => false,
    }
}

fn short(value: &Value) -> String {
    value.to_string().chars().take(120).collect()
}

#[test]
fn the_checker_refuses_what_the_schema_refuses() {
    let schema = serde_json::json!({
        "type": "object",
        "required": ["id", "price"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "price": {"type": "integer", "minimum": 0},
            "ocop": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/ProblemCode"}]},
            "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "maxLength": 3}}
        }
    });
    let good = serde_json::json!({"id": uuid::Uuid::now_v7().to_string(), "price": 5,
        "ocop": "not_found", "tags": ["a"]});
    let mut errors = Vec::new();
    conforms(&schema, &good, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let bad = serde_json::json!({"id": "x", "price": -1, "ocop": "nope", "tags": ["abcd", 1, "c"],
        "extra": true});
    conforms(&schema, &bad, "$", &mut errors);
    let text = errors.join("\n");
    for expected in [
        "$.id: \"x\" is not a",
        "$.price: -1 is below",
        "$.ocop: 0 of the 2 options",
        "$.tags[0]: 4 characters",
        "$.tags[1]: 1 is not string",
        "$.tags: 3 items, more than 2",
        "$.extra: not a documented field",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let mut errors = Vec::new();
    conforms(&schema, &serde_json::json!({"price": 1}), "$", &mut errors);
    assert_eq!(errors, vec!["$: the required field \"id\" is missing"]);
}

/// Every string a field pattern of the document allows is taken by the server's own rule: a
/// request valid by the document is not refused for its phone or registration number.
#[test]
fn what_the_field_patterns_allow_the_server_takes() {
    use gateway::openapi::{PHONE_OR_EMPTY_PATTERN, PHONE_PATTERN, REGISTRATION_PATTERN};
    let doc = document();
    for (schema, field) in [
        ("RegisterRequest", "phone"),
        ("ProfilePatch", "phone"),
        ("NewStall", "phone"),
        ("StallPatch", "phone"),
        ("Shipping", "phone"),
        ("NewStall", "registration_no"),
        ("StallPatch", "registration_no"),
    ] {
        let at = format!("/components/schemas/{schema}/properties/{field}/pattern");
        let pattern = doc.pointer(&at).and_then(Value::as_str);
        assert!(
            matches!(pattern, Some(p) if [PHONE_PATTERN, PHONE_OR_EMPTY_PATTERN, REGISTRATION_PATTERN].contains(&p)),
            "{at}: {pattern:?}"
        );
    }
    assert_eq!(
        doc.pointer("/components/schemas/NewMember/properties/role/enum"),
        Some(&serde_json::json!(["staff"]))
    );
    let (mut allowed, mut refused) = (0, 0);
    let prefixes = [
        "0", "+84", "84", "+ 84", "(+84) ", "(0", "8", "+8", "00", "",
    ];
    let bodies = [
        "912345678",
        "912 345 678",
        "91.234.5678",
        "2333852123",
        "233) 3852 123",
        "2-3-3-3852123",
        "12345678",
        "91234567",
        "9123456789",
        "233385212",
        "4123456789",
        "712a45678",
        "912_345_678",
    ];
    for prefix in prefixes {
        for body in bodies {
            for sep in ["", " ", "-", ") "] {
                let phone = format!("{prefix}{sep}{body}");
                let takes = common::phone::normalize_vn_phone(&phone).is_some();
                if pattern_allows(PHONE_PATTERN, &phone) {
                    assert!(
                        takes,
                        "{phone:?} matches the pattern but the server refuses it"
                    );
                    allowed += 1;
                } else {
                    refused += 1;
                }
            }
        }
    }
    assert!(
        allowed > 50 && refused > 50,
        "{allowed} allowed, {refused} refused"
    );
    for blank in ["", " ", "   "] {
        assert!(pattern_allows(PHONE_OR_EMPTY_PATTERN, blank));
        assert!(!pattern_allows(PHONE_PATTERN, blank));
    }
    for (number, ok) in [
        ("0123-ABC", true),
        ("4401", false),
        ("HTX 0123", false),
        (&*"9".repeat(33), false),
    ] {
        assert_eq!(pattern_allows(REGISTRATION_PATTERN, number), ok, "{number}");
    }
}
