//! GHN's calls: one POST (or GET) with the account's headers, its envelope read, and GHN's
//! errors turned into [`CarrierError`]s.

use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};

use super::{DEFAULT_SERVICE_TYPE, Ghn, wire};
use crate::{
    Account, Booking, CarrierError, CarrierEvent, Inspection, Quote, QuoteRequest, ShipmentRequest,
    ShipmentState,
};

/// GHN's most declared value (its fee page: at most 5 000 000 đồng).
const MAX_INSURANCE: i64 = 5_000_000;
/// GHN's most content text.
const MAX_CONTENT: usize = 2000;

/// Sends `body` to `path` with the account's headers and reads `data`.
pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
    ghn: &Ghn,
    account: Option<&Account>,
    token: &str,
    path: &str,
    body: Option<&B>,
) -> Result<T, CarrierError> {
    let url = format!("{}{path}", ghn.config.base_url.trim_end_matches('/'));
    let mut req = match body {
        Some(b) => ghn.http.post(&url).json(b),
        None => ghn.http.get(&url),
    };
    req = req.header("Token", token);
    if let Some(a) = account {
        req = req.header("ShopId", &a.shop_id);
    }
    let resp = req.send().await.map_err(|e| {
        CarrierError::Unreachable(if e.is_timeout() {
            format!("{path}: no answer in time")
        } else {
            format!("{path}: {e}")
        })
    })?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| CarrierError::Unreachable(format!("{path}: {e}")))?;
    if status.is_server_error() {
        return Err(CarrierError::Unreachable(format!("{path}: HTTP {status}")));
    }
    let envelope: wire::Envelope<T> = serde_json::from_slice(&bytes)
        .map_err(|e| CarrierError::Malformed(format!("{path}: HTTP {status}, {e}")))?;
    if envelope.code == 200 {
        return envelope
            .data
            .ok_or_else(|| CarrierError::Malformed(format!("{path}: no data")));
    }
    Err(refusal(status.as_u16(), envelope))
}

/// GHN's error answer as ours: a token or shop GHN does not know is the stall's credentials.
fn refusal<T>(http_status: u16, envelope: wire::Envelope<T>) -> CarrierError {
    let message: String = envelope.message.chars().take(300).collect();
    let code_message = envelope.code_message.unwrap_or_default();
    let credentials = http_status == 401
        || envelope.code == 401
        || code_message == "SHOP_NOT_FOUND"
        || code_message == "USER_ERR_TOKEN";
    if credentials {
        CarrierError::BadCredentials(message)
    } else if envelope.code >= 500 {
        CarrierError::Unreachable(message)
    } else {
        CarrierError::Refused(message)
    }
}

fn shop_number(account: &Account) -> Result<i64, CarrierError> {
    account
        .shop_id
        .parse()
        .map_err(|_| CarrierError::BadCredentials("ShopId must be a number".into()))
}

/// Reads GHN's times: RFC 3339 (`2021-11-11T03:52:50.158Z`).
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, CarrierError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            CarrierError::Malformed(format!(
                "time `{}`",
                text.chars().take(40).collect::<String>()
            ))
        })
}

pub(crate) async fn quote(
    ghn: &Ghn,
    account: &Account,
    request: &QuoteRequest,
) -> Result<Quote, CarrierError> {
    let from = ghn.address(&request.from_commune)?.clone();
    let to = ghn.address(&request.to_commune)?.clone();
    let token = account.token.expose();
    let wanted = i64::from(account.service_type_id.unwrap_or(DEFAULT_SERVICE_TYPE));
    let services: Vec<wire::Service> = call(
        ghn,
        Some(account),
        token,
        "/v2/shipping-order/available-services",
        Some(&wire::ServicesRequest {
            shop_id: shop_number(account)?,
            from_district: from.district_id,
            to_district: to.district_id,
        }),
    )
    .await?;
    let service = services
        .iter()
        .find(|s| s.service_type_id == wanted)
        .or(services.first())
        .ok_or_else(|| CarrierError::Refused("no service between these addresses".into()))?;
    let p = request.parcel;
    let fee_req = wire::FeeRequest {
        from_district_id: from.district_id,
        from_ward_code: from.ward_code.clone(),
        service_id: service.service_id,
        service_type_id: None,
        to_district_id: to.district_id,
        to_ward_code: to.ward_code.clone(),
        weight: p.weight_grams.max(1),
        length: p.length_cm.max(1),
        width: p.width_cm.max(1),
        height: p.height_cm.max(1),
        insurance_value: request.insurance_value.clamp(0, MAX_INSURANCE),
        coupon: None,
    };
    let lead_req = wire::LeadtimeRequest {
        from_district_id: from.district_id,
        from_ward_code: from.ward_code,
        to_district_id: to.district_id,
        to_ward_code: to.ward_code,
        service_id: service.service_id,
    };
    let (fee, lead) = tokio::join!(
        call::<_, wire::Fee>(
            ghn,
            Some(account),
            token,
            "/v2/shipping-order/fee",
            Some(&fee_req)
        ),
        call::<_, wire::Leadtime>(
            ghn,
            Some(account),
            token,
            "/v2/shipping-order/leadtime",
            Some(&lead_req)
        ),
    );
    let (fee, lead) = (fee?, lead?);
    let days = days_until(lead.leadtime);
    Ok(Quote {
        fee: fee.total,
        min_days: days,
        max_days: days,
        service_id: service.service_id.to_string(),
    })
}

/// Whole days from now to a Unix time, at least one.
fn days_until(unix: i64) -> u32 {
    let secs = unix - Utc::now().timestamp();
    u32::try_from((secs + 86_399) / 86_400).unwrap_or(1).max(1)
}

fn required_note(i: Inspection) -> &'static str {
    match i {
        Inspection::Look => "CHOXEMHANGKHONGTHU",
        Inspection::Try => "CHOTHUHANG",
        Inspection::None => "KHONGCHOXEMHANG",
    }
}

fn create_body(
    ghn: &Ghn,
    account: &Account,
    r: &ShipmentRequest,
) -> Result<wire::CreateRequest, CarrierError> {
    let from = ghn.address(&r.sender.commune_code)?;
    let to = ghn.address(&r.recipient.commune_code)?;
    let content: String = r
        .items
        .iter()
        .map(|i| format!("{} x{}", i.name, i.quantity))
        .collect::<Vec<_>>()
        .join(", ")
        .chars()
        .take(MAX_CONTENT)
        .collect();
    let service_id = match &r.service_id {
        Some(s) => s
            .parse()
            .map_err(|_| CarrierError::Refused(format!("service `{s}` is not GHN's")))?,
        None => 0,
    };
    Ok(wire::CreateRequest {
        payment_type_id: 1,
        note: r.note.clone().unwrap_or_default(),
        required_note: required_note(r.inspection),
        from_name: r.sender.name.clone(),
        from_phone: r.sender.phone.clone(),
        from_address: r.sender.address.clone(),
        from_ward_code: from.ward_code.clone(),
        from_district_id: from.district_id,
        return_phone: r.sender.phone.clone(),
        return_address: r.sender.address.clone(),
        return_district_id: from.district_id,
        return_ward_code: from.ward_code.clone(),
        client_order_code: r.client_order_code.clone(),
        to_name: r.recipient.name.clone(),
        to_phone: r.recipient.phone.clone(),
        to_address: r.recipient.address.clone(),
        to_ward_code: to.ward_code.clone(),
        to_district_id: to.district_id,
        cod_amount: r.cod_amount,
        content,
        weight: r.parcel.weight_grams.max(1),
        length: r.parcel.length_cm.max(1),
        width: r.parcel.width_cm.max(1),
        height: r.parcel.height_cm.max(1),
        insurance_value: r.insurance_value.clamp(0, MAX_INSURANCE),
        service_id,
        service_type_id: i64::from(account.service_type_id.unwrap_or(DEFAULT_SERVICE_TYPE)),
        items: r
            .items
            .iter()
            .map(|i| wire::CreateItem {
                name: i.name.clone(),
                quantity: i.quantity,
                price: i.price,
                weight: i.weight_grams.max(1),
            })
            .collect(),
    })
}

pub(crate) async fn create(
    ghn: &Ghn,
    account: &Account,
    request: &ShipmentRequest,
) -> Result<Booking, CarrierError> {
    let body = create_body(ghn, account, request)?;
    let token = account.token.expose();
    let created: Result<wire::Created, _> = call(
        ghn,
        Some(account),
        token,
        "/v2/shipping-order/create",
        Some(&body),
    )
    .await;
    match created {
        Ok(c) if !super::code_ok(&c.order_code) => Err(CarrierError::Malformed(
            "create answer: order_code is not a waybill code".to_owned(),
        )),
        Ok(c) => Ok(Booking {
            tracking_no: c.order_code,
            label_url: None,
            fee: c.total_fee,
            expected_delivery: c
                .expected_delivery_time
                .as_deref()
                .and_then(|t| parse_time(t).ok()),
        }),
        // GHN refuses a second waybill with the same client order code: a retry after a lost
        // answer. Whatever its words, a refusal is checked against the waybill under our code.
        Err(CarrierError::Refused(message)) => {
            match by_client_code(ghn, account, &request.client_order_code).await? {
                Some(existing) if !super::code_ok(&existing.order_code) => {
                    Err(CarrierError::Malformed(
                        "detail answer: order_code is not a waybill code".to_owned(),
                    ))
                }
                Some(existing) => Ok(Booking {
                    tracking_no: existing.order_code,
                    label_url: None,
                    fee: existing.total_fee.unwrap_or(0),
                    expected_delivery: existing
                        .leadtime
                        .as_deref()
                        .and_then(|t| parse_time(t).ok()),
                }),
                None => Err(CarrierError::Refused(message)),
            }
        }
        Err(other) => Err(other),
    }
}

/// The waybill GHN holds under our order number, if any.
async fn by_client_code(
    ghn: &Ghn,
    account: &Account,
    code: &str,
) -> Result<Option<wire::Detail>, CarrierError> {
    let found: Result<wire::OneOrMany, _> = call(
        ghn,
        Some(account),
        account.token.expose(),
        "/v2/shipping-order/detail-by-client-code",
        Some(&wire::DetailByClientRequest {
            client_order_code: code,
        }),
    )
    .await;
    match found {
        Ok(d) => Ok(d.into_first()),
        Err(CarrierError::Refused(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn cancel(
    ghn: &Ghn,
    account: &Account,
    tracking_no: &str,
) -> Result<(), CarrierError> {
    let results: Vec<wire::Cancelled> = call(
        ghn,
        Some(account),
        account.token.expose(),
        "/v2/switch-status/cancel",
        Some(&wire::CancelRequest {
            order_codes: [tracking_no],
        }),
    )
    .await?;
    match results.into_iter().find(|r| r.order_code == tracking_no) {
        Some(r) if r.result => Ok(()),
        Some(r) => Err(CarrierError::Refused(r.message)),
        None => Err(CarrierError::NoSuchWaybill(tracking_no.to_owned())),
    }
}

pub(crate) async fn detail(
    ghn: &Ghn,
    account: &Account,
    tracking_no: &str,
) -> Result<ShipmentState, CarrierError> {
    let found: Result<wire::OneOrMany, _> = call(
        ghn,
        Some(account),
        account.token.expose(),
        "/v2/shipping-order/detail",
        Some(&wire::DetailRequest {
            order_code: tracking_no,
        }),
    )
    .await;
    let d = match found {
        Ok(d) => d.into_first(),
        Err(CarrierError::Refused(_)) => None,
        Err(e) => return Err(e),
    }
    .ok_or_else(|| CarrierError::NoSuchWaybill(tracking_no.to_owned()))?;
    let mut events = Vec::with_capacity(d.log.len());
    for entry in &d.log {
        events.push(CarrierEvent {
            status: super::status::normalise(&entry.status)?,
            carrier_status: entry.status.clone(),
            at: parse_time(&entry.updated_date)?,
            reason: None,
        });
    }
    events.sort_by_key(|e| e.at);
    Ok(ShipmentState {
        tracking_no: d.order_code,
        client_order_code: d.client_order_code.filter(|c| !c.is_empty()),
        status: super::status::normalise(&d.status)?,
        carrier_status: d.status,
        cod_amount: d.cod_amount,
        events,
    })
}
