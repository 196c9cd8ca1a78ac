//! GHN's request and answer bodies, as its public API documentation gives them
//! (api.ghn.vn/home/docs/detail: Calculate Fee, Get Service, Leadtime, Create Order, Order
//! Info, Order Info by client_order_code, Cancel Order, Master data, Webhook).

use serde::{Deserialize, Serialize};

/// Every GHN answer: `{code, message, data}`, and `code_message` on some errors.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    /// 200 on success, else GHN's error code (400, 401, ...).
    pub code: i64,
    /// GHN's words.
    #[serde(default)]
    pub message: String,
    /// The answer.
    pub data: Option<T>,
    /// A machine code on some errors (`SHOP_NOT_FOUND`).
    #[serde(default)]
    pub code_message: Option<String>,
}

/// `POST /v2/shipping-order/available-services`.
#[derive(Debug, Serialize)]
pub struct ServicesRequest {
    pub shop_id: i64,
    pub from_district: i64,
    pub to_district: i64,
}

/// A service between two districts.
#[derive(Debug, Deserialize)]
pub struct Service {
    pub service_id: i64,
    pub service_type_id: i64,
}

/// `POST /v2/shipping-order/fee`.
#[derive(Debug, Serialize)]
pub struct FeeRequest {
    pub from_district_id: i64,
    pub from_ward_code: String,
    pub service_id: i64,
    pub service_type_id: Option<i64>,
    pub to_district_id: i64,
    pub to_ward_code: String,
    pub weight: i64,
    pub length: i64,
    pub width: i64,
    pub height: i64,
    pub insurance_value: i64,
    pub coupon: Option<String>,
}

/// The fee's answer (only what we read).
#[derive(Debug, Deserialize)]
pub struct Fee {
    pub total: i64,
}

/// `POST /v2/shipping-order/leadtime`.
#[derive(Debug, Serialize)]
pub struct LeadtimeRequest {
    pub from_district_id: i64,
    pub from_ward_code: String,
    pub to_district_id: i64,
    pub to_ward_code: String,
    pub service_id: i64,
}

/// The lead time's answer: the expected delivery as a Unix time.
#[derive(Debug, Deserialize)]
pub struct Leadtime {
    pub leadtime: i64,
}

/// A line of `items`.
#[derive(Debug, Serialize)]
pub struct CreateItem {
    pub name: String,
    pub quantity: i64,
    pub price: i64,
    pub weight: i64,
}

/// `POST /v2/shipping-order/create`.
#[derive(Debug, Serialize)]
pub struct CreateRequest {
    /// 1: the shop pays GHN's fee (the buyer paid the delivery fee to the marketplace).
    pub payment_type_id: i64,
    pub note: String,
    pub required_note: &'static str,
    pub from_name: String,
    pub from_phone: String,
    pub from_address: String,
    pub from_ward_code: String,
    pub from_district_id: i64,
    pub return_phone: String,
    pub return_address: String,
    pub return_district_id: i64,
    pub return_ward_code: String,
    pub client_order_code: String,
    pub to_name: String,
    pub to_phone: String,
    pub to_address: String,
    pub to_ward_code: String,
    pub to_district_id: i64,
    pub cod_amount: i64,
    pub content: String,
    pub weight: i64,
    pub length: i64,
    pub width: i64,
    pub height: i64,
    pub insurance_value: i64,
    pub service_id: i64,
    pub service_type_id: i64,
    pub items: Vec<CreateItem>,
}

/// The booking's answer.
#[derive(Debug, Deserialize)]
pub struct Created {
    pub order_code: String,
    #[serde(default)]
    pub total_fee: i64,
    #[serde(default)]
    pub expected_delivery_time: Option<String>,
}

/// `POST /v2/shipping-order/detail`.
#[derive(Debug, Serialize)]
pub struct DetailRequest<'a> {
    pub order_code: &'a str,
}

/// `POST /v2/shipping-order/detail-by-client-code`.
#[derive(Debug, Serialize)]
pub struct DetailByClientRequest<'a> {
    pub client_order_code: &'a str,
}

/// A waybill as GHN shows it (only what we read).
#[derive(Debug, Deserialize)]
pub struct Detail {
    pub order_code: String,
    #[serde(default)]
    pub client_order_code: Option<String>,
    pub status: String,
    #[serde(default)]
    pub cod_amount: i64,
    #[serde(default)]
    pub total_fee: Option<i64>,
    #[serde(default)]
    pub leadtime: Option<String>,
    #[serde(default)]
    pub log: Vec<LogEntry>,
}

/// One step of a waybill's log.
#[derive(Debug, Deserialize)]
pub struct LogEntry {
    pub status: String,
    pub updated_date: String,
}

/// The detail answer: GHN documents an object, and a list for the by-client-code lookup.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(Box<Detail>),
    Many(Vec<Detail>),
}

impl OneOrMany {
    pub fn into_first(self) -> Option<Detail> {
        match self {
            OneOrMany::One(d) => Some(*d),
            OneOrMany::Many(v) => v.into_iter().next(),
        }
    }
}

/// `POST /v2/switch-status/cancel`.
#[derive(Debug, Serialize)]
pub struct CancelRequest<'a> {
    pub order_codes: [&'a str; 1],
}

/// One waybill's result of a cancel.
#[derive(Debug, Deserialize)]
pub struct Cancelled {
    pub order_code: String,
    pub result: bool,
    #[serde(default)]
    pub message: String,
}

/// A province of the master data.
#[derive(Debug, Deserialize, Serialize)]
pub struct Province {
    #[serde(rename = "ProvinceID")]
    pub province_id: i64,
    #[serde(rename = "ProvinceName")]
    pub province_name: String,
    #[serde(rename = "NameExtension", default)]
    pub name_extension: Vec<String>,
}

/// A district of the master data.
#[derive(Debug, Deserialize, Serialize)]
pub struct District {
    #[serde(rename = "DistrictID")]
    pub district_id: i64,
    #[serde(rename = "ProvinceID")]
    pub province_id: i64,
    #[serde(rename = "DistrictName")]
    pub district_name: String,
}

/// A ward of the master data.
#[derive(Debug, Deserialize, Serialize)]
pub struct Ward {
    #[serde(rename = "WardCode")]
    pub ward_code: String,
    #[serde(rename = "DistrictID")]
    pub district_id: i64,
    #[serde(rename = "WardName")]
    pub ward_name: String,
}

/// The body GHN posts to the callback URL on every change of a waybill.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Callback {
    pub order_code: String,
    #[serde(default)]
    pub client_order_code: Option<String>,
    #[serde(rename = "ShopID", default)]
    pub shop_id: Option<i64>,
    pub status: String,
    pub time: String,
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(rename = "CODAmount", default)]
    pub cod_amount: Option<i64>,
    #[serde(default)]
    pub total_fee: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}
