//! The stand-in's answers, one function per GHN endpoint.

use std::sync::{Arc, Mutex};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{Inner, Recorded, Waybill, master};
use crate::lock;

const PREFIX: &str = "/shiip/public-api";
const BAD_ADDRESS: &str = "Địa chỉ không hợp lệ: mã quận huyện hoặc phường xã không đúng";

fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn ok(data: Value) -> Response {
    answer(
        StatusCode::OK,
        json!({"code": 200, "message": "Success", "data": data}),
    )
}

/// GHN's error shape: HTTP 400 with `{code: 400, message, data: null}`.
fn bad(message: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({"code": 400, "message": message, "data": null, "code_message": "USER_ERR_COMMON"}),
    )
}

/// A time on the stand-in's clock: now plus `offset` seconds, RFC 3339 in UTC.
pub(super) fn time_at(offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let secs = now + offset;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Every request: recorded, then delayed, failed or checked as configured, then answered.
pub(super) async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = uri
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or(uri.path())
        .to_owned();
    let json: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return bad("Dữ liệu gửi lên không đúng định dạng JSON"),
        }
    };
    if path == "/_standin/advance" {
        return advance(&inner, &json);
    }
    let (token, shop) = (header("token"), header("shopid"));
    let delay = {
        let mut st = lock(&inner);
        st.requests.push(Recorded {
            path: path.clone(),
            token: token.clone(),
            shop_id: shop.clone(),
            body: json.clone(),
        });
        st.delay
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut st = lock(&inner);
    if st.down || st.fail_next > 0 {
        st.fail_next = st.fail_next.saturating_sub(1);
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": 500, "message": "Hệ thống đang bận (sự cố giả lập)", "data": null}),
        );
    }
    if let Some(refused) = check_credentials(&st, token.as_deref(), shop.as_deref(), &path) {
        return refused;
    }
    let query = uri.query().unwrap_or("");
    dispatch(&mut st, &path, query, &json, shop.as_deref().unwrap_or(""))
}

/// A token GHN does not know is a 401; a shop that is not the token's is GHN's
/// `SHOP_NOT_FOUND`. Master data needs the token only.
fn check_credentials(
    st: &Inner,
    token: Option<&str>,
    shop: Option<&str>,
    path: &str,
) -> Option<Response> {
    let token = token.unwrap_or("");
    if !st.shops.iter().any(|(t, _)| t == token) {
        return Some(answer(
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "message": "Token is not valid!", "data": null}),
        ));
    }
    if path.starts_with("/master-data/") {
        return None;
    }
    let shop = shop.unwrap_or("");
    if !st.shops.iter().any(|(t, s)| t == token && s == shop) {
        return Some(answer(
            StatusCode::BAD_REQUEST,
            json!({"code": 400, "message": "ShopID is invalid: Shop ID is invalid",
                   "data": null, "code_message": "SHOP_NOT_FOUND"}),
        ));
    }
    None
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn dispatch(st: &mut Inner, path: &str, query: &str, body: &Value, shop: &str) -> Response {
    let from_query = |key: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .and_then(|v| v.parse::<i64>().ok())
    };
    match path {
        "/master-data/province" => ok(master::provinces()),
        "/master-data/district" => {
            match int(body, "province_id").or_else(|| from_query("province_id")) {
                Some(p) => ok(master::districts(p)),
                None => bad("province_id is required"),
            }
        }
        "/master-data/ward" => match int(body, "district_id").or_else(|| from_query("district_id"))
        {
            Some(d) => ok(master::wards(d)),
            None => bad("district_id is required"),
        },
        "/v2/shipping-order/available-services" => services(body),
        "/v2/shipping-order/fee" => fee(body),
        "/v2/shipping-order/leadtime" => leadtime(body),
        "/v2/shipping-order/create" => create(st, body, shop),
        "/v2/shipping-order/detail" => {
            let code = body["order_code"].as_str().unwrap_or("");
            match st
                .waybills
                .iter()
                .find(|w| w.order_code == code && w.shop_id == shop)
            {
                Some(w) => ok(detail(w)),
                None => bad("Không tìm thấy đơn hàng"),
            }
        }
        "/v2/shipping-order/detail-by-client-code" => {
            let code = body["client_order_code"].as_str().unwrap_or("");
            match st
                .waybills
                .iter()
                .find(|w| !code.is_empty() && w.client_order_code == code && w.shop_id == shop)
            {
                Some(w) => ok(detail(w)),
                None => bad("Không tìm thấy đơn hàng"),
            }
        }
        "/v2/switch-status/cancel" => cancel(st, body, shop),
        _ => answer(
            StatusCode::NOT_FOUND,
            json!({"code": 404, "message": "Not Found", "data": null}),
        ),
    }
}

fn services(body: &Value) -> Response {
    let known = |k| int(body, k).and_then(master::province_of).is_some();
    if !known("from_district") || !known("to_district") {
        return bad("Không tìm thấy quận huyện");
    }
    ok(json!([
        {"service_id": 53320, "short_name": "Hàng nhẹ", "service_type_id": 2},
        {"service_id": 100039, "short_name": "Hàng nặng", "service_type_id": 5}
    ]))
}

/// The stand-in's tariff: 16 500 đồng up to 500 g within a province, 30 000 between
/// provinces, 5 000 per started 500 g above; heavy goods (service 100039) half again.
pub fn tariff(same_province: bool, weight: i64, service_id: i64) -> i64 {
    let base = if same_province { 16_500 } else { 30_000 };
    let extra = ((weight - 500).max(0) + 499) / 500 * 5_000;
    let fee = base + extra;
    if service_id == 100_039 {
        fee * 3 / 2
    } else {
        fee
    }
}

/// Both ends' provinces, when the districts and wards are the stand-in's.
fn route(body: &Value, from: &str, to: &str) -> Option<(i64, i64)> {
    let end = |district: &str, ward: &str| {
        let d = int(body, district)?;
        let w = body[ward].as_str()?;
        (master::ward_in(w, d)).then_some(())?;
        master::province_of(d)
    };
    let from_p = end(&format!("{from}district_id"), &format!("{from}ward_code"));
    let to_p = end(&format!("{to}district_id"), &format!("{to}ward_code"));
    Some((from_p?, to_p?))
}

fn fee(body: &Value) -> Response {
    let Some((a, b)) = route(body, "from_", "to_") else {
        return bad(BAD_ADDRESS);
    };
    let weight = int(body, "weight").unwrap_or(0);
    if weight <= 0 {
        return bad("weight must be greater than 0");
    }
    let total = tariff(a == b, weight, int(body, "service_id").unwrap_or(53320));
    ok(
        json!({"total": total, "service_fee": total, "insurance_fee": 0,
              "pick_station_fee": 0, "coupon_value": 0, "r2s_fee": 0}),
    )
}

fn leadtime(body: &Value) -> Response {
    let Some((a, b)) = route(body, "from_", "to_") else {
        return bad(BAD_ADDRESS);
    };
    let days = if a == b { 2 } else { 4 };
    let now = unix_now();
    ok(json!({"leadtime": now + days * 86_400, "order_date": now}))
}

fn create(st: &mut Inner, body: &Value, shop: &str) -> Response {
    for field in ["to_name", "to_phone", "to_address", "to_ward_code"] {
        if body[field].as_str().is_none_or(str::is_empty) {
            return bad(&format!("{field} is required"));
        }
    }
    let Some((a, b)) = route(body, "from_", "to_") else {
        return bad(BAD_ADDRESS);
    };
    let weight = int(body, "weight").unwrap_or(0);
    if weight <= 0 {
        return bad("weight must be greater than 0");
    }
    let client_code = body["client_order_code"].as_str().unwrap_or("").to_owned();
    if !client_code.is_empty()
        && st
            .waybills
            .iter()
            .any(|w| w.client_order_code == client_code && w.shop_id == shop)
    {
        return bad("Mã đơn hàng của khách hàng (client_order_code) đã tồn tại");
    }
    st.next += 1;
    st.clock += 1;
    let at = time_at(st.clock);
    let service = int(body, "service_id").filter(|s| *s != 0).unwrap_or(53320);
    let total_fee = tariff(a == b, weight, service);
    let order_code = format!("GSTD{:05}", st.next);
    st.waybills.push(Waybill {
        order_code: order_code.clone(),
        client_order_code: client_code,
        shop_id: shop.to_owned(),
        status: "ready_to_pick".into(),
        log: vec![("ready_to_pick".into(), at)],
        request: body.clone(),
        total_fee,
    });
    if std::mem::take(&mut st.lose_next_create_answer) {
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": 500, "message": "Hệ thống đang bận (câu trả lời bị mất, giả lập)", "data": null}),
        );
    }
    let days = if a == b { 2 } else { 4 };
    ok(json!({
        "order_code": order_code,
        "sort_code": "19-29-04",
        "trans_type": "truck",
        "ward_encode": "",
        "district_encode": "",
        "fee": {"main_service": total_fee, "insurance": 0, "station_do": 0, "station_pu": 0,
                "return": 0, "r2s": 0, "coupon": 0},
        "total_fee": total_fee,
        "expected_delivery_time": time_at(st.clock + days * 86_400)
    }))
}

fn detail(w: &Waybill) -> Value {
    let r = &w.request;
    json!({
        "shop_id": w.shop_id.parse::<i64>().unwrap_or(0),
        "order_code": w.order_code,
        "client_order_code": w.client_order_code,
        "status": w.status,
        "to_name": r["to_name"], "to_phone": r["to_phone"], "to_address": r["to_address"],
        "to_ward_code": r["to_ward_code"], "to_district_id": r["to_district_id"],
        "from_name": r["from_name"], "from_phone": r["from_phone"],
        "weight": r["weight"], "length": r["length"], "width": r["width"], "height": r["height"],
        "cod_amount": r["cod_amount"], "insurance_value": r["insurance_value"],
        "required_note": r["required_note"], "content": r["content"], "note": r["note"],
        "service_type_id": r["service_type_id"], "payment_type_id": r["payment_type_id"],
        "total_fee": w.total_fee,
        "is_cod_collected": w.status == "delivered",
        "is_cod_transferred": false,
        "log": w.log.iter().map(|(s, t)| json!({"status": s, "updated_date": t})).collect::<Vec<_>>()
    })
}

fn cancel(st: &mut Inner, body: &Value, shop: &str) -> Response {
    let Some(codes) = body["order_codes"].as_array() else {
        return bad("order_codes is required");
    };
    st.clock += 1;
    let at = time_at(st.clock);
    let mut out = Vec::new();
    for code in codes.iter().filter_map(Value::as_str) {
        let w = st
            .waybills
            .iter_mut()
            .find(|w| w.order_code == code && w.shop_id == shop);
        let (result, message) = match w {
            Some(w) if matches!(w.status.as_str(), "ready_to_pick" | "picking") => {
                w.status = "cancel".into();
                w.log.push(("cancel".into(), at.clone()));
                (true, "OK")
            }
            Some(_) => (false, "Đơn hàng đã được lấy, không thể hủy"),
            None => (false, "Không tìm thấy đơn hàng"),
        };
        out.push(json!({"order_code": code, "result": result, "message": message}));
    }
    ok(Value::Array(out))
}

/// `POST /_standin/advance {order_code, status}`: the stand-in's own control, not GHN's: moves
/// the waybill and answers the callback body GHN would post.
fn advance(inner: &Arc<Mutex<Inner>>, body: &Value) -> Response {
    let (Some(code), Some(status)) = (body["order_code"].as_str(), body["status"].as_str()) else {
        return bad("order_code and status are required");
    };
    let mut st = lock(inner);
    st.clock += 60;
    let at = time_at(st.clock);
    let Some(w) = st.waybills.iter_mut().find(|w| w.order_code == code) else {
        return bad("Không tìm thấy đơn hàng");
    };
    w.status = status.to_owned();
    w.log.push((status.to_owned(), at.clone()));
    let callback = super::callback_body(w, status, &at);
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        callback,
    )
        .into_response()
}
