//! A stand-in for GHN's (Giao Hàng Nhanh) public API on a loopback port, speaking its wire
//! format as its documentation gives it (api.ghn.vn/home/docs/detail): `Token` and `ShopId`
//! headers, JSON bodies, answers `{code, message, data}` (errors with GHN's 400/401 shapes).
//! It answers master data, available services, fee, lead time, create (a second waybill with
//! the same `client_order_code` is refused as GHN refuses it), detail, detail by client code
//! and cancel; records every request; can be switched into an outage, slowed past a caller's
//! timeout, or made to lose the answer of the next create (the waybill is made, the caller
//! sees a 500); moves waybills through GHN's statuses and writes the callbacks GHN would post.

pub mod master;
mod routes;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::lock;
use axum::Router;
pub use routes::tariff;
use serde_json::{Value, json};

/// The token the stand-in knows from the start.
pub const TOKEN: &str = "ghn-standin-token";
/// The shop of [`TOKEN`].
pub const SHOP_ID: &str = "885";

/// One request the stand-in received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `/v2/shipping-order/create`, ….
    pub path: String,
    /// The `Token` header.
    pub token: Option<String>,
    /// The `ShopId` header.
    pub shop_id: Option<String>,
    /// The JSON body (`null` when none).
    pub body: Value,
}

/// A waybill the stand-in holds.
#[derive(Clone, Debug)]
pub struct Waybill {
    /// GHN's `order_code`.
    pub order_code: String,
    /// The caller's `client_order_code`.
    pub client_order_code: String,
    /// The shop it belongs to.
    pub shop_id: String,
    /// GHN's status now.
    pub status: String,
    /// GHN's log: (status, RFC 3339 time), oldest first.
    pub log: Vec<(String, String)>,
    /// The create request as received.
    pub request: Value,
    /// The fee charged.
    pub total_fee: i64,
}

#[derive(Default)]
struct Inner {
    shops: Vec<(String, String)>,
    requests: Vec<Recorded>,
    waybills: Vec<Waybill>,
    down: bool,
    fail_next: u32,
    delay: Option<Duration>,
    lose_next_create_answer: bool,
    next: u64,
    /// Seconds added to the clock for each event, so logs are strictly ordered.
    clock: i64,
}

/// The running stand-in.
#[derive(Clone)]
pub struct StubGhn {
    /// `http://127.0.0.1:PORT/shiip/public-api`, for `carriers.ghn.url`.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl StubGhn {
    /// Starts the stand-in on a free loopback port; it runs until the test's runtime ends.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Starts the stand-in on loopback `port` (0: any free one).
    ///
    /// # Panics
    /// When the port cannot be bound.
    pub async fn start_on(port: u16) -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            shops: vec![(TOKEN.to_owned(), SHOP_ID.to_owned())],
            ..Inner::default()
        }));
        let app = Router::new()
            .fallback(routes::handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap_or_else(|e| panic!("no loopback port for the GHN stand-in: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("GHN stand-in has no address: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}/shiip/public-api"),
            inner,
        }
    }

    /// Lets `token` act for shop `shop_id` too.
    pub fn add_shop(&self, token: &str, shop_id: &str) {
        lock(&self.inner)
            .shops
            .push((token.to_owned(), shop_id.to_owned()));
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.inner).requests.clone()
    }

    /// The requests to `path` (after the base: `/v2/shipping-order/create`) so far.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Every waybill made so far.
    pub fn waybills(&self) -> Vec<Waybill> {
        lock(&self.inner).waybills.clone()
    }

    /// The waybills made under `client_order_code`.
    pub fn waybills_for(&self, client_order_code: &str) -> Vec<Waybill> {
        self.waybills()
            .into_iter()
            .filter(|w| w.client_order_code == client_order_code)
            .collect()
    }

    /// Makes every call fail with a 500 (or succeed again).
    pub fn set_down(&self, down: bool) {
        lock(&self.inner).down = down;
    }

    /// Makes the next `n` calls fail with a 500.
    pub fn fail_next(&self, n: u32) {
        lock(&self.inner).fail_next = n;
    }

    /// Delays every answer by `delay` (past a caller's timeout), or not.
    pub fn set_delay(&self, delay: Option<Duration>) {
        lock(&self.inner).delay = delay;
    }

    /// The next create makes its waybill but answers 500, as an answer lost on the way back.
    pub fn lose_next_create_answer(&self) {
        lock(&self.inner).lose_next_create_answer = true;
    }

    /// Moves waybill `order_code` to GHN status `status` (logged at the stand-in's clock) and
    /// returns the callback body GHN would post for it.
    ///
    /// # Panics
    /// When there is no such waybill.
    pub fn advance(&self, order_code: &str, status: &str) -> Vec<u8> {
        let mut st = lock(&self.inner);
        st.clock += 60;
        let at = routes::time_at(st.clock);
        let w = st
            .waybills
            .iter_mut()
            .find(|w| w.order_code == order_code)
            .unwrap_or_else(|| panic!("the GHN stand-in has no waybill {order_code}"));
        w.status = status.to_owned();
        w.log.push((status.to_owned(), at.clone()));
        callback_body(w, status, &at)
    }
}

/// The body GHN posts to the callback URL when waybill `w` reaches `status` at `at`
/// (`Type` is `create` for the first, `switch_status` after), as its webhook page shows it.
pub fn callback_body(w: &Waybill, status: &str, at: &str) -> Vec<u8> {
    let cod = w.request["cod_amount"].as_i64().unwrap_or(0);
    json!({
        "CODAmount": cod,
        "CODTransferDate": null,
        "ClientOrderCode": w.client_order_code,
        "ConvertedWeight": w.request["weight"],
        "Description": status,
        "Fee": {"MainService": w.total_fee, "Insurance": 0, "CODFee": 0, "Return": 0,
                "R2S": 0, "StationDO": 0, "StationPU": 0, "Coupon": 0,
                "DeliverRemoteAreasFee": 0, "DocumentReturn": 0, "DoubleCheck": 0,
                "PickRemoteAreasFee": 0, "Total": w.total_fee},
        "Height": w.request["height"],
        "IsPartialReturn": false,
        "Length": w.request["length"],
        "OrderCode": w.order_code,
        "PartialReturnCode": "",
        "PaymentType": w.request["payment_type_id"],
        "Reason": if status == "delivery_fail" { "Không liên lạc được người nhận" } else { "" },
        "ReasonCode": "",
        "ShopID": w.shop_id.parse::<i64>().unwrap_or(0),
        "Status": status,
        "Time": at,
        "TotalFee": w.total_fee,
        "Type": if status == "ready_to_pick" { "create" } else { "switch_status" },
        "Warehouse": "Bưu cục stand-in",
        "Weight": w.request["weight"],
        "Width": w.request["width"]
    })
    .to_string()
    .into_bytes()
}
