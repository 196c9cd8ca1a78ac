//! `/docs` shows a realistic example for every body: each request and response body of the
//! document has one (its own, or one made of its fields' examples, as the docs page makes it),
//! with no field left to a placeholder, and every example matches its schema. Parameters too.

use serde_json::{Map, Value};

use crate::conform::{conforms, document};

/// The example a docs page shows for `schema`: its own `example`, else one made of its parts'.
/// Every place with neither an example nor a closed set of values is pushed to `missing`.
fn sample(schema: &Value, at: &str, depth: usize, missing: &mut Vec<String>) -> Value {
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        let Some(target) = document()["components"]["schemas"].get(name) else {
            missing.push(format!("{at} ({r} is not in the document)"));
            return Value::Null;
        };
        return sample(target, at, depth, missing);
    }
    if let Some(options) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        let first = options
            .iter()
            .find(|o| o.get("type") != Some(&"null".into()));
        return first.map_or(Value::Null, |o| sample(o, at, depth, missing));
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut whole = Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(part, at, depth, missing) {
                whole.extend(fields);
            }
        }
        return Value::Object(whole);
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "",
    };
    match ty {
        "object" if schema.get("properties").is_some() => {
            let fields = schema["properties"].as_object().into_iter().flatten();
            Value::Object(
                fields
                    .map(|(name, p)| {
                        (
                            name.clone(),
                            sample(p, &format!("{at}.{name}"), depth, missing),
                        )
                    })
                    .collect(),
            )
        }
        // A list of itself (a category's children) stops after a few levels, as the page does.
        "array" if depth > 4 => Value::Array(Vec::new()),
        "array" => Value::Array(vec![sample(
            &schema["items"],
            &format!("{at}[]"),
            depth + 1,
            missing,
        )]),
        "null" => Value::Null,
        _ => {
            missing.push(at.to_owned());
            Value::Null
        }
    }
}

#[test]
fn every_body_and_parameter_has_an_example_that_matches_its_schema() {
    let doc = document();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let mut contents = vec![("request".to_owned(), &op["requestBody"]["content"])];
            for (status, r) in op["responses"].as_object().unwrap() {
                contents.push((status.clone(), &r["content"]));
            }
            for (key, content) in contents {
                let Some(content) = content.as_object() else {
                    continue;
                };
                for (media, entry) in content {
                    if !media.ends_with("json") {
                        continue;
                    }
                    bodies += 1;
                    let at = format!("{id} {key} {media}");
                    let schema = &entry["schema"];
                    let example = match entry.get("example") {
                        Some(e) => e.clone(),
                        None => sample(schema, &at, 0, &mut missing),
                    };
                    conforms(schema, &example, &at, &mut wrong);
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let at = format!("{} {path} parameter {}", method.to_uppercase(), p["name"]);
                match p.get("example") {
                    Some(e) => conforms(&p["schema"], e, &at, &mut wrong),
                    // A closed set (an enum, perhaps behind a `$ref`) shows its values.
                    None => {
                        sample(&p["schema"], &at, 0, &mut missing);
                    }
                }
            }
        }
    }
    assert!(bodies > 200, "only {bodies} JSON bodies in the document");
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "no example for:\n{}",
        missing.join("\n")
    );
    assert!(
        wrong.is_empty(),
        "examples that do not match their schema:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_operations_a_shop_starts_from_show_the_marketplace_story() {
    let doc = document();
    let op = |path: &str, method: &str| &doc["paths"][path][method];
    let stall = &op("/api/v1/stalls", "post")["requestBody"]["content"]["application/json"];
    assert_eq!(
        stall["example"]["commune_code"], "19414",
        "a stall in Cửa Tùng"
    );
    let product =
        &op("/api/v1/stalls/{id}/products", "post")["requestBody"]["content"]["application/json"];
    assert_eq!(
        product["example"]["ocop"]["stars"], 4,
        "a product with an OCOP certificate"
    );
    let checkout =
        &op("/api/v1/checkout", "post")["responses"]["201"]["content"]["application/json"];
    let orders = checkout["example"]["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "a two-stall checkout");
    assert_ne!(orders[0]["stall_id"], orders[1]["stall_id"]);
    let sum: i64 = orders.iter().map(|o| o["total"].as_i64().unwrap()).sum();
    assert_eq!(
        checkout["example"]["total"], sum,
        "the checkout's total is its orders'"
    );
    assert_eq!(checkout["example"]["payment"]["amount"], sum);
    // The VietQR payload shown is one a banking app reads: it decodes, for that amount.
    let qr = vietqr::decode(
        checkout["example"]["payment"]["qr_payload"]
            .as_str()
            .unwrap(),
    )
    .expect("the example's VietQR payload decodes");
    assert_eq!(qr.amount, Some(sum));
}
