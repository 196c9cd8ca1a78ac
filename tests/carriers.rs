//! A parcel with GHN, over HTTP against GHN's stand-in, on SQLite and PostgreSQL: the owner
//! connects the stall to GHN with its own shop and token, a buyer pays cash on delivery, the
//! order is booked with GHN (one waybill with the order's cash), followed by GHN's callbacks
//! (a forged one refused, a repeated one applied once) to its delivery; the cash GHN holds is
//! not payable until the administrator uploads GHN's remittance statement, after which the
//! stall is paid it, less GHN's fee.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{
    TestDb, db_test,
    ghn::{SHOP_ID, StubGhn, TOKEN},
};

use super::{
    ADMIN_EMAIL, ADMIN_PASSWORD, call, category, login, make_admin, open_stall, serve_config,
    sign_up,
};

/// The secret of the callback URL registered with GHN.
const CALLBACK_SECRET: &str = "journeyGhnCallback2026";

/// A configuration whose GHN is the stand-in `ghn`: stalls give their own token (sealed with a
/// key), callbacks carry [`CALLBACK_SECRET`], and the communes of Xã Cửa Tùng (the stall's) and
/// Phường Đông Hà (the buyer's) are mapped to the stand-in's wards. Earnings payable at once.
fn ghn_config(ghn: &StubGhn, dir: &std::path::Path) -> gateway::Config {
    let mut config =
        gateway::Config::with_overrides(&format!("[data]\ndir = {:?}", dir.display().to_string()))
            .expect("defaults are valid");
    std::fs::create_dir_all(dir).unwrap();
    let communes = dir.join("ghn-communes.csv");
    std::fs::write(
        &communes,
        "commune_code,province_id,district_id,ward_code\n19414,212,1701,480201\n19333,212,1700,480101\n",
    )
    .unwrap();
    let c = &mut config.carriers;
    c.secret_key = Some("6a".repeat(32));
    c.ghn.url = ghn.base.clone();
    c.ghn.webhook_secret = Some(CALLBACK_SECRET.into());
    c.ghn.communes_file = communes;
    config.ledger.holding_days = 0;
    config.ledger.cooling_off_hours = 0;
    config
}

/// A client of the running server, signed in as someone.
struct As<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: &'a str,
}

impl As<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/api/v1{path}", self.base);
        call(self.http, method, url, Some(self.token), body, None).await
    }

    /// `method` on `path` with `body`, which must answer `status`: the body answered.
    async fn ok(&self, method: Method, path: &str, body: Option<Value>, status: u16) -> Value {
        let (s, out) = self.send(method.clone(), path, body).await;
        assert_eq!(s, status, "{method} {path}: {out}");
        out
    }

    async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None, 200).await
    }

    async fn payable(&self, stall: &str) -> i64 {
        self.get(&format!("/stalls/{stall}/balance")).await["payable"]
            .as_i64()
            .unwrap()
    }
}

/// GHN posts `callback` to the marketplace's webhook with `secret` in the URL: the status and
/// the answer.
async fn ghn_posts(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    callback: Vec<u8>,
) -> (u16, Value) {
    let res = http
        .post(format!(
            "{base}/api/v1/carriers/ghn/webhook?secret={secret}"
        ))
        .header("content-type", "application/json")
        .body(callback)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The stall, the owner connecting it to GHN with its own shop and token, and a product of it.
async fn stall_with_ghn(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    owner: &str,
) -> (String, String) {
    let stall = open_stall(http, base, (owner, admin), "HTX Nước mắm Cửa Tùng", "19414").await;
    let vendor = As {
        http,
        base,
        token: owner,
    };
    let connected = vendor
        .ok(
            Method::PUT,
            &format!("/stalls/{stall}/carrier"),
            Some(json!({"carrier": "ghn", "shop_id": SHOP_ID, "token": TOKEN})),
            200,
        )
        .await;
    assert_eq!(
        (&connected["token_set"], &connected["token_source"]),
        (&json!(true), &json!("stall")),
        "{connected}"
    );
    let read = vendor.get(&format!("/stalls/{stall}/carrier")).await;
    assert!(!read.to_string().contains(TOKEN), "{read}");
    let cat = category(http, base, "gia-vi-nuoc-cham").await;
    let product = vendor
        .ok(
            Method::POST,
            &format!("/stalls/{stall}/products"),
            Some(json!({
                "name": "Nước mắm Cửa Tùng thượng hạng", "category_id": cat, "price": 150_000,
                "unit": "chai", "stock": 10, "facts": testkit::facts::complete()
            })),
            201,
        )
        .await;
    (stall, product["id"].as_str().unwrap().to_owned())
}

db_test!(
    a_parcel_with_ghn_is_booked_followed_delivered_remitted_and_paid_out,
    |db: TestDb| async move {
        make_admin(&db).await;
        let ghn = StubGhn::start().await;
        let dir = std::env::temp_dir().join(format!("marketplace-e2e-{}", uuid::Uuid::now_v7()));
        let server = serve_config(db, ghn_config(&ghn, &dir)).await;
        let (http, base) = (reqwest::Client::new(), server.base.as_str());
        let admin_token = login(&http, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let owner_token = sign_up(&http, base, "htx@example.vn").await;
        let buyer_token = sign_up(&http, base, "khach@example.vn").await;
        let (admin, vendor, buyer) = (
            As {
                http: &http,
                base,
                token: &admin_token,
            },
            As {
                http: &http,
                base,
                token: &owner_token,
            },
            As {
                http: &http,
                base,
                token: &buyer_token,
            },
        );
        let (stall, product) = stall_with_ghn(&http, base, &admin_token, &owner_token).await;

        // The buyer in Phường Đông Hà pays cash on delivery; GHN prices the delivery.
        buyer
            .ok(
                Method::PUT,
                &format!("/cart/items/{product}"),
                Some(json!({"quantity": 1})),
                200,
            )
            .await;
        let address = buyer
            .ok(Method::POST, "/me/addresses", Some(json!({"recipient": "Nguyễn Thu Hà", "phone": "0987654321", "commune_code": "19333", "street": "12 Hùng Vương"})), 201)
            .await;
        let address_id = address["id"].as_str().unwrap();
        let cart = buyer.get(&format!("/cart?address_id={address_id}")).await;
        assert_eq!(cart["stalls"][0]["delivery"]["source"], "carrier", "{cart}");
        let (s, placed) = call(&http, Method::POST, format!("{base}/api/v1/checkout"), Some(&buyer_token),
            Some(json!({"address_id": address_id, "payment_method": "cod", "expected_total": cart["grand_total"]})), Some("ghn-journey")).await;
        assert_eq!(s, 201, "{placed}");
        let order = placed["orders"][0].clone();
        let (id, total, fee) = (
            order["id"].as_str().unwrap().to_owned(),
            order["total"].as_i64().unwrap(),
            order["delivery_fee"].as_i64().unwrap(),
        );
        assert!(fee > 0, "{order}");

        // Booked: one waybill, with the order's cash to collect.
        vendor
            .ok(Method::POST, &format!("/orders/{id}/confirm"), None, 200)
            .await;
        let shipped = vendor
            .ok(
                Method::POST,
                &format!("/orders/{id}/ship"),
                Some(json!({"carrier": "ghn"})),
                200,
            )
            .await;
        let shipment = &shipped["shipment"];
        assert_eq!(
            (
                &shipped["status"],
                &shipment["status"],
                &shipment["cod_amount"]
            ),
            (&json!("shipped"), &json!("booked"), &json!(total)),
            "{shipped}"
        );
        let waybill = shipment["tracking_no"].as_str().unwrap().to_owned();
        let made = ghn.waybills_for(order["number"].as_str().unwrap());
        assert_eq!(made.len(), 1);
        assert_eq!(
            (
                made[0].order_code.as_str(),
                made[0].request["cod_amount"].as_i64()
            ),
            (waybill.as_str(), Some(total))
        );

        // Followed: GHN's callbacks move the parcel; the buyer sees where it is.
        for status in ["picked", "transporting", "delivering"] {
            let (s, ack) =
                ghn_posts(&http, base, CALLBACK_SECRET, ghn.advance(&waybill, status)).await;
            assert_eq!(
                (s, &ack["outcome"]),
                (200, &json!("applied")),
                "{status}: {ack}"
            );
        }
        let seen = buyer.get(&format!("/orders/{id}")).await;
        assert_eq!(
            (&seen["status"], &seen["shipment"]["status"]),
            (&json!("shipped"), &json!("delivering")),
            "{seen}"
        );

        // Delivered by callback: a forged one changes nothing, a repeated one is applied once.
        let before = vendor.payable(&stall).await;
        let delivered = ghn.advance(&waybill, "delivered");
        let (s, forged) = ghn_posts(&http, base, "notTheCallbackSecret", delivered.clone()).await;
        assert_eq!(
            (s, &forged["code"]),
            (401, &json!("callback_not_verified")),
            "{forged}"
        );
        assert_eq!(
            buyer.get(&format!("/orders/{id}")).await["status"],
            "shipped"
        );
        let (s, ack) = ghn_posts(&http, base, CALLBACK_SECRET, delivered.clone()).await;
        assert_eq!((s, &ack["outcome"]), (200, &json!("applied")), "{ack}");
        let (s, ack) = ghn_posts(&http, base, CALLBACK_SECRET, delivered).await;
        assert_eq!((s, &ack["outcome"]), (200, &json!("duplicate")), "{ack}");
        let seen = buyer.get(&format!("/orders/{id}")).await;
        assert_eq!(seen["status"], "delivered", "{seen}");
        let trail: Vec<&str> = seen["shipment"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            trail,
            [
                "booked",
                "picked_up",
                "in_transit",
                "delivering",
                "delivered"
            ],
            "{seen}"
        );

        // GHN holds the cash: none of it is payable, and the administrator sees it owed.
        let held = vendor.payable(&stall).await;
        assert!(
            held <= before,
            "payable {held} after delivery, {before} before"
        );
        let owed = admin.get("/admin/cod-receivables?carrier=ghn").await;
        assert_eq!(
            (
                &owed["outstanding_total"],
                &owed["orders"]["items"][0]["order_id"]
            ),
            (&json!(total), &json!(id)),
            "{owed}"
        );

        // GHN's remittance statement, exported as GHN writes it, settles the order.
        let remitted_on = (chrono::Utc::now() + chrono::Duration::hours(7)).format("%Y-%m-%d");
        let csv = format!(
            "Mã đơn GHN,Mã đơn shop,Tiền thu hộ (COD),Tổng phí\r\n{waybill},{},{total},{fee}\r\n",
            order["number"].as_str().unwrap()
        );
        let res = http
            .post(format!("{base}/api/v1/admin/cod-remittances?carrier=ghn&reference=GHN-DS-0001&remitted_on={remitted_on}"))
            .bearer_auth(&admin_token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let statement: Value = res.json().await.unwrap();
        assert_eq!(
            (
                &statement["matched_count"],
                &statement["lines"][0]["result"],
                &statement["net_total"]
            ),
            (&json!(1), &json!("matched"), &json!(total - fee)),
            "{statement}"
        );
        let owed = admin.get("/admin/cod-receivables?carrier=ghn").await;
        assert_eq!(owed["outstanding_total"], 0, "{owed}");

        // Payable now: the cash, less GHN's fee; the payout pays it all.
        let payable = vendor.payable(&stall).await;
        assert_eq!(payable - held, total - fee);
        for kind in ["cod_receivable", "cod_remitted", "carrier_fee"] {
            let entries = vendor
                .get(&format!("/stalls/{stall}/ledger?kind={kind}"))
                .await;
            assert_eq!(
                entries["items"][0]["order_id"],
                id.as_str(),
                "{kind}: {entries}"
            );
        }
        vendor
            .ok(Method::PUT, &format!("/stalls/{stall}/bank-account"), Some(json!({"bank_bin": "970405", "account_no": "3900205123456", "account_name": "Hợp tác xã Cửa Tùng"})), 200)
            .await;
        let batch = admin
            .ok(
                Method::POST,
                "/admin/payout-batches",
                Some(json!({"stall_id": stall})),
                201,
            )
            .await;
        let payout = &batch["payouts"][0];
        assert_eq!(payout["amount"], payable, "{batch}");
        let paid = admin
            .ok(
                Method::POST,
                &format!("/admin/payouts/{}/paid", payout["id"].as_str().unwrap()),
                Some(json!({"bank_reference": "FT26339000222"})),
                200,
            )
            .await;
        assert_eq!(paid["status"], "paid", "{paid}");
        assert_eq!(vendor.payable(&stall).await, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
);
