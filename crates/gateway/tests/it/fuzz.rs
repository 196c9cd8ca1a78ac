//! A property-based run over `/openapi.json`: for every documented operation and every role
//! (anonymous, buyer, vendor, administrator), requests generated from the operation's schemas,
//! often valid, often hostile (control characters, huge and negative numbers, wrong types,
//! missing and unknown fields, other users' ids). The property: no answer is a 5xx, every
//! error is problem+json with a code the document lists, and (checked for every request by
//! `TestApp::send`, see `conform`) every status is documented for its operation and every body
//! matches its documented schema. On SQLite and PostgreSQL.
//!
//! Bounded for CI; `FUZZ_ROUNDS=50 FUZZ_SEED=7 cargo test -p gateway --test it fuzz` runs more.

use axum::{
    body::Body,
    http::{Method, Request},
};
use serde_json::{Map, Value, json};

use crate::support::*;

/// A small deterministic generator (xorshift64*), so a failure names its seed and repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NASTY: &[&str] = &[
    "",
    " ",
    "a",
    "\u{0}",
    "a\u{0}b",
    "\u{1b}[31m",
    "nước mắm Cửa Tùng",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "\u{202e}gnp.exe",
    "🌶️🌶️",
    "0912345678",
    "lan@example.vn",
    "-1",
    "0",
    "99999999999999999999",
    "1e400",
    "null",
    "true",
    "N\u{301}ươc",
];

const INTS: &[i64] = &[
    0,
    1,
    2,
    3,
    5,
    100,
    1000,
    1001,
    -1,
    i64::MIN,
    i64::MAX,
    1_000_000_000,
];

struct Fuzzer<'a> {
    doc: &'a Value,
    rng: Rng,
    ids: Vec<String>,
}

impl Fuzzer<'_> {
    fn string(&mut self) -> Value {
        let r = self.rng.below(10);
        if r < 2 && !self.ids.is_empty() {
            return json!(self.rng.pick(&self.ids.clone()).clone());
        }
        if r == 2 {
            return json!("x".repeat(5000));
        }
        json!(*self.rng.pick(NASTY))
    }

    fn value(&mut self, schema: &Value, depth: usize) -> Value {
        if depth > 6 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            let target = self.doc["components"]["schemas"][name].clone();
            return self.value(&target, depth + 1);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let option = self.rng.pick(options).clone();
                return self.value(&option, depth + 1);
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let first = parts[0].clone();
            return self.value(&first, depth + 1);
        }
        // Now and then, a value of the wrong type altogether.
        if self.rng.chance(8) {
            return self
                .rng
                .pick(&[json!(null), json!(7), json!("x"), json!([]), json!({})])
                .clone();
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return if self.rng.chance(80) {
                self.rng.pick(options).clone()
            } else {
                self.string()
            };
        }
        let ty = match schema.get("type") {
            Some(Value::Array(types)) => {
                let non_null: Vec<_> = types.iter().filter(|t| *t != "null").cloned().collect();
                if non_null.is_empty() || self.rng.chance(15) {
                    return Value::Null;
                }
                self.rng
                    .pick(&non_null)
                    .as_str()
                    .unwrap_or("string")
                    .to_owned()
            }
            Some(Value::String(t)) => t.clone(),
            _ => "object".to_owned(),
        };
        match ty.as_str() {
            "string" => {
                if schema.get("format").and_then(Value::as_str) == Some("uuid")
                    && !self.ids.is_empty()
                    && self.rng.chance(70)
                {
                    return json!(self.rng.pick(&self.ids.clone()).clone());
                }
                if schema.get("format").and_then(Value::as_str) == Some("date")
                    && self.rng.chance(60)
                {
                    return json!(*self.rng.pick(&[
                        "2025-07-01",
                        "2031-02-30",
                        "1900-01-01",
                        "2026-12-01"
                    ]));
                }
                self.string()
            }
            "integer" => json!(*self.rng.pick(INTS)),
            "number" => json!(*self.rng.pick(&[0.5, -1.0, 1e300, 416.0])),
            "boolean" => json!(self.rng.chance(50)),
            "null" => Value::Null,
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                let n = *self.rng.pick(&[0usize, 1, 2, 3, 30]);
                (0..n).map(|_| self.value(&items, depth + 1)).collect()
            }
            _ => {
                let mut out = Map::new();
                let required: Vec<String> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (name, prop) in props.clone() {
                        let needed = required.contains(&name);
                        // Required fields are usually sent, optional ones half the time.
                        let send = if needed {
                            self.rng.chance(90)
                        } else {
                            self.rng.chance(50)
                        };
                        if send {
                            let v = self.value(&prop, depth + 1);
                            out.insert(name, v);
                        }
                    }
                }
                if self.rng.chance(5) {
                    out.insert("unexpected".into(), json!(1));
                }
                Value::Object(out)
            }
        }
    }

    fn param(&mut self, schema: &Value) -> String {
        let v = self.value(schema, 0);
        let text = match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        // Sent percent-encoded, as a client library would.
        form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }
}

db_test!(
    generated_requests_never_get_a_5xx,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[rate_limit]\nregister_per_ip_per_minute = 100000\nlogin_per_ip_per_minute = 100000\nlogin_per_email_per_minute = 100000",
        );
        let m = crate::orders::market(&app).await;
        // An order, so order ids and transitions have something to act on.
        crate::orders::put_item(&app, &m.buyer, &m.sauce, 1).await;
        let placed =
            crate::orders::checkout(&app, &m.buyer, "fuzz", crate::orders::shipping()).await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order = placed.json()["orders"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let doc = app.get("/openapi.json", None).await.json();
        let ids = vec![
            m.sauce.clone(),
            m.coffee.clone(),
            m.stall_a.clone(),
            m.stall_b.clone(),
            order,
            uuid::Uuid::now_v7().to_string(),
            "nuoc-mam-40-do-dam".to_owned(),
        ];
        let rounds: usize = std::env::var("FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        let seed: u64 = std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        eprintln!("fuzz seed {seed}, {rounds} rounds");
        let mut fuzz = Fuzzer {
            doc: &doc,
            rng: Rng(seed),
            ids,
        };
        let roles = [
            None,
            Some(m.buyer.clone()),
            Some(m.owner_a.clone()),
            Some(m.admin.clone()),
        ];
        let mut sent = 0;
        let mut failures = Vec::new();
        let mut undocumented = std::collections::BTreeSet::new();
        // The problem codes the document lists (an enum, for generated clients).
        let codes: Vec<String> = doc["components"]["schemas"]["ProblemCode"]["enum"]
            .as_array()
            .expect("the document lists the problem codes")
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert!(codes.len() > 30, "{codes:?}");
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                // Signing out would end the roles' sessions mid-run.
                if path.ends_with("/auth/logout") {
                    continue;
                }
                for _ in 0..rounds {
                    for token in &roles {
                        let mut uri = path.clone();
                        let mut query = Vec::new();
                        let mut headers = Vec::new();
                        for p in op["parameters"].as_array().cloned().unwrap_or_default() {
                            let name = p["name"].as_str().unwrap();
                            let value = fuzz.param(&p["schema"]);
                            match p["in"].as_str().unwrap() {
                                "path" => uri = uri.replace(&format!("{{{name}}}"), &value),
                                "query" if fuzz.rng.chance(50) => {
                                    query.push(format!("{name}={value}"))
                                }
                                "header" => {
                                    headers.push((name.to_owned(), format!("k{}", fuzz.rng.next())))
                                }
                                _ => {}
                            }
                        }
                        if !query.is_empty() {
                            uri = format!("{uri}?{}", query.join("&"));
                        }
                        let body = op["requestBody"]["content"]["application/json"]["schema"]
                            .as_object()
                            .map(|s| fuzz.value(&Value::Object(s.clone()), 0));
                        let mut req = Request::builder()
                            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                            .uri(&uri);
                        if let Some(t) = token {
                            req = req.header("authorization", format!("Bearer {t}"));
                        }
                        for (k, v) in &headers {
                            req = req.header(k.as_str(), v.as_str());
                        }
                        let req = match &body {
                            Some(b) => req
                                .header("content-type", "application/json")
                                .body(Body::from(b.to_string())),
                            None => req.body(Body::empty()),
                        };
                        let Ok(req) = req else { continue };
                        let res = app.send(req).await;
                        sent += 1;
                        let problem = res
                            .header("content-type")
                            .is_some_and(|c| c.starts_with("application/problem+json"));
                        if problem {
                            let code = res.json()["code"].as_str().unwrap_or("").to_owned();
                            if !codes.contains(&code) {
                                undocumented.insert(format!("code {code:?} of {method} {path}"));
                            }
                        }
                        if res.status.is_server_error()
                            || (res.status.is_client_error() && !problem)
                        {
                            failures.push(format!(
                                "{method} {uri} {} -> {} {}",
                                body.map(|b| b.to_string())
                                    .unwrap_or_default()
                                    .chars()
                                    .take(300)
                                    .collect::<String>(),
                                res.status,
                                res.text().chars().take(300).collect::<String>()
                            ));
                        }
                    }
                }
            }
        }
        assert!(sent > 400, "only {sent} requests were generated");
        assert!(
            undocumented.is_empty(),
            "seed {seed}: {} problem codes answered but not documented:\n{}",
            undocumented.len(),
            undocumented.iter().cloned().collect::<Vec<_>>().join("\n")
        );
        assert!(
            failures.is_empty(),
            "seed {seed}: {} of {sent} failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
);

/// The operations of the document, as `(method, path, operation)`, but signing out (it would
/// end the caller's session mid-run).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if !path.ends_with("/auth/logout") {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// `path` with every `{parameter}` an id nothing has.
fn with_unknown_ids(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.push_str(&uuid::Uuid::now_v7().to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A schema as the document gives it, its `$ref` followed.
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or_default()],
        None => schema,
    }
}

/// Whether a schema lets a value be `null`.
fn nullable(doc: &Value, schema: &Value) -> bool {
    let schema = resolved(doc, schema);
    let null = |s: &Value| {
        s["type"] == "null"
            || s["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "null"))
    };
    null(schema)
        || ["oneOf", "anyOf"].iter().any(|k| {
            schema[*k]
                .as_array()
                .is_some_and(|options| options.iter().any(null))
        })
}

/// Sends `body` (`None`: no body at all) to `method uri` as `token`.
async fn send_body(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&str>,
) -> TestResponse {
    let req = Request::builder()
        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_owned())),
        None => req.body(Body::empty()),
    };
    app.send(req.unwrap()).await
}

db_test!(
    every_optional_body_takes_none_null_and_empty_alike,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let m = crate::orders::market(&app).await;
        let doc = app.get("/openapi.json", None).await.json();
        let mut tried = Vec::new();
        let mut failures = Vec::new();
        for (method, path, op) in operations(&doc) {
            let body = &op["requestBody"];
            let Some(schema) = body["content"]["application/json"]["schema"].as_object() else {
                continue;
            };
            let optional =
                body["required"] != true || nullable(&doc, &Value::Object(schema.clone()));
            if !optional {
                continue;
            }
            // Ids nothing has: the body is read before anything is looked up, so a body the
            // server refused would show as a 422 beside the others' 404.
            let uri = with_unknown_ids(&path);
            let mut statuses = Vec::new();
            for b in [None, Some("null"), Some("{}")] {
                let res = send_body(&app, &method, &uri, &m.admin, b).await;
                if res.status.is_server_error() {
                    failures.push(format!("{method} {path} {b:?} -> {}", res.text()));
                }
                statuses.push(res.status.as_u16());
            }
            if statuses.iter().any(|s| *s != statuses[0]) {
                failures.push(format!("{method} {path}: none, null, {{}} -> {statuses:?}"));
            }
            tried.push(format!("{method} {path}"));
        }
        // The vendor's and administrator's moves, at least.
        for op in [
            "post /api/v1/orders/{id}/confirm",
            "post /api/v1/orders/{id}/ship",
            "post /api/v1/admin/stalls/{id}/approve",
            "post /api/v1/admin/products/{id}/unhide",
            "post /api/v1/admin/payout-batches",
        ] {
            assert!(tried.iter().any(|t| t == op), "{op} not tried: {tried:?}");
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // And on a real order: `null` confirms it as no body would.
        crate::orders::put_item(&app, &m.buyer, &m.sauce, 1).await;
        let placed =
            crate::orders::checkout(&app, &m.buyer, "null-body", crate::orders::shipping()).await;
        let order = placed.json()["orders"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let uri = format!("/api/v1/orders/{order}/confirm");
        let res = send_body(&app, "post", &uri, &m.owner_a, Some("null")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "confirmed");
    }
);

db_test!(
    every_field_the_document_lets_be_null_is_taken_as_null,
    |db: TestDb| async move {
        let app = TestApp::with_config(
            db,
            "[rate_limit]\nregister_per_ip_per_minute = 100000\nlogin_per_ip_per_minute = 100000\nlogin_per_email_per_minute = 100000",
        );
        let m = crate::orders::market(&app).await;
        let doc = app.get("/openapi.json", None).await.json();
        let (mut sent, mut refused) = (0, Vec::new());
        for (method, path, op) in operations(&doc) {
            // Erasing the caller's own account would end the run.
            if method == "delete" && path == "/api/v1/me" {
                continue;
            }
            let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|s| resolved(&doc, &Value::Object(s.clone())).clone())
            else {
                continue;
            };
            let schema = match schema["oneOf"].as_array() {
                Some(options) => options
                    .iter()
                    .find(|o| o["type"] != "null")
                    .map(|o| resolved(&doc, o).clone())
                    .unwrap_or_default(),
                None => schema,
            };
            let Some(props) = schema["properties"].as_object() else {
                continue;
            };
            for (name, prop) in props {
                if !nullable(&doc, prop) {
                    continue;
                }
                let uri = with_unknown_ids(&path);
                let body = json!({ name.as_str(): null }).to_string();
                let res = send_body(&app, &method, &uri, &m.admin, Some(&body)).await;
                sent += 1;
                assert!(
                    !res.status.is_server_error(),
                    "{method} {path} {body}: {}",
                    res.text()
                );
                let named = res.json()["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["field"] == name.as_str() && e["code"] != "required");
                let required_null = res.json()["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["field"] == name.as_str() && e["message"] == "must not be null");
                if named || required_null {
                    refused.push(format!("{method} {path} {body}: {}", res.text()));
                }
            }
        }
        assert!(sent > 20, "only {sent} nullable fields found");
        assert!(
            refused.is_empty(),
            "the document lets these be null, the server refuses them:\n{}",
            refused.join("\n")
        );
    }
);
