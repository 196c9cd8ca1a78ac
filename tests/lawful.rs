//! The journey a province's launch waits on, over HTTP from a new seller to an erased buyer:
//! the seller identified and its documents verified before the stall is approved, a food
//! product refused until its label facts are complete, a buyer who accepted the policies
//! ordering, a return case refunded in part with the vendor's earnings and withholding reversed
//! in proportion, a report that takes the product down, and the buyer's export and erasure
//! after which the tax report still adds up.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestDb, db_test};

use super::{call, start_with};

/// A signed-in client of the running server.
struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{base}/api/v1"),
            token: None,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        call(&self.http, method, url, self.token.as_deref(), body, None).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Checks out with an idempotency key, as every client must.
    async fn checkout(&self, body: Value, key: &str) -> (u16, Value) {
        let url = format!("{}/checkout", self.base);
        let token = self.token.as_deref();
        call(&self.http, Method::POST, url, token, Some(body), Some(key)).await
    }

    /// Posts and insists on `status`, returning the body.
    async fn ok(&self, path: &str, body: Value, status: u16) -> Value {
        let (s, out) = self.post(path, body).await;
        assert_eq!(s, status, "POST {path}: {out}");
        out
    }

    /// Signs in as `email`.
    async fn sign_in(&mut self, email: &str, password: &str) -> u16 {
        let (s, out) = self
            .post("/auth/login", json!({"email": email, "password": password}))
            .await;
        self.token = out["token"].as_str().map(str::to_owned);
        s
    }
}

const PASSWORD: &str = "mat-khau-dai-du-2026";

/// Registers `email`, accepting the policies in effect as a client shows them, and signs in.
async fn sign_up(base: &str, email: &str, full_name: &str) -> Client {
    let mut c = Client::new(base);
    let (_, policies) = c.get("/policies").await;
    let accepted: Vec<Value> = policies
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "operating_rules" || p["kind"] == "privacy")
        .map(|p| json!({"kind": p["kind"], "version": p["version"]}))
        .collect();
    c.ok(
        "/auth/register",
        json!({"email": email, "password": PASSWORD, "full_name": full_name, "accepted_policies": accepted}),
        201,
    )
    .await;
    assert_eq!(c.sign_in(email, PASSWORD).await, 200);
    c
}

/// The id of the category `slug`.
async fn category(c: &Client, slug: &str) -> String {
    let (_, all) = c.get("/categories").await;
    super::child_id(&all, slug)
}

/// This month's withholding report.
async fn withholding(admin: &Client) -> Value {
    let month = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m")
        .to_string();
    let (s, report) = admin
        .get(&format!("/admin/reports/withholding/{month}"))
        .await;
    assert_eq!(s, 200, "{report}");
    report
}

/// Whether the report's totals are the sums of its sellers.
fn adds_up(report: &Value) -> bool {
    ["revenue", "vat", "pit"].iter().all(|k| {
        let sum: i64 = report["sellers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[*k].as_i64().unwrap())
            .sum();
        report[format!("total_{k}")].as_i64() == Some(sum)
    })
}

/// The seller of `report` for `stall`.
fn seller_row<'a>(report: &'a Value, stall: &str) -> &'a Value {
    report["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stall_id"] == stall)
        .unwrap_or_else(|| panic!("{stall} in {report}"))
}

/// A new seller's stall, identified, documented and approved; returns its id.
async fn open_stall(seller: &Client, admin: &Client) -> String {
    let stall = seller
        .ok(
            "/stalls",
            json!({"name": "Hộ kinh doanh Nước mắm Cửa Tùng", "commune_code": "19414", "address": "Thôn Tân Lý",
                "phone": "0912345678", "business_type": "household_business"}),
            201,
        )
        .await;
    let id = stall["id"].as_str().unwrap().to_owned();
    // Not before its seller is identified.
    let (s, problem) = admin
        .post(&format!("/admin/stalls/{id}/approve"), json!({}))
        .await;
    assert_eq!(
        (s, &problem["code"]),
        (409, &json!("identity_unverified")),
        "{problem}"
    );
    seller
        .ok(
            &format!("/stalls/{id}/identity"),
            json!({"method": "vneid", "full_name": "Lê Văn Tùng", "id_number": "045080001234",
                "date_of_birth": "1980-05-12", "document_urls": ["https://anh.example.vn/vneid.jpg"]}),
            201,
        )
        .await;
    // The identity number is the owner's and the administrators' only: masked in the queue.
    let (_, queue) = admin.get("/admin/identities?status=pending").await;
    assert!(!queue.to_string().contains("045080001234"), "{queue}");
    admin
        .ok(
            &format!("/admin/stalls/{id}/identity/verify"),
            json!({}),
            200,
        )
        .await;
    // Its food-safety certificate, checked by an administrator.
    let doc = seller
        .ok(
            &format!("/stalls/{id}/documents"),
            json!({"kind": "food_safety", "number": "112/2025/ATTP-CNĐK", "issued_by": "Sở Y tế tỉnh Quảng Trị",
                "issued_on": "2025-06-01", "expires_on": "2028-05-31",
                "evidence_urls": ["https://anh.example.vn/attp.jpg"]}),
            201,
        )
        .await;
    admin
        .ok(
            &format!("/admin/documents/{}/verify", doc["id"].as_str().unwrap()),
            json!({}),
            200,
        )
        .await;
    admin
        .ok(&format!("/admin/stalls/{id}/approve"), json!({}), 200)
        .await;
    id
}

/// A food product of `stall`: refused, named field by field in Vietnamese, until its label
/// facts are complete; returns its id.
async fn list_fish_sauce(seller: &Client, stall: &str) -> String {
    let category = category(seller, "gia-vi-nuoc-cham").await;
    let body = |facts: Value| {
        json!({"name": "Nước mắm Cửa Tùng 40 độ đạm", "category_id": category, "price": 150_000,
            "unit": "chai", "stock": 10, "facts": facts})
    };
    let path = format!("/stalls/{stall}/products");
    let res = seller
        .http
        .post(format!("{}{path}", seller.base))
        .bearer_auth(seller.token.as_deref().unwrap())
        .header("accept-language", "vi")
        .json(&body(json!({"origin": "Quảng Trị"})))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"facts.ingredients"), "{problem}");
    assert!(fields.contains(&"facts.shelf_life"), "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("phải được ghi"),
        "{problem}"
    );
    let product = seller
        .ok(&path, body(testkit::facts::complete()), 201)
        .await;
    product["id"].as_str().unwrap().to_owned()
}

db_test!(
    a_seller_identified_a_return_refunded_in_part_a_takedown_and_an_erased_buyer,
    |db: TestDb| async move {
        let admin_email = "quantri@tinh.vn";
        accounts::Accounts::new(chrono::Duration::hours(1))
            .create(
                &db.conn,
                accounts::NewUser {
                    email: admin_email.into(),
                    password: PASSWORD.into(),
                    full_name: "Quản trị".into(),
                    phone: None,
                },
                true,
            )
            .await
            .unwrap();
        let server = start_with(db, None, None).await;
        let base = server.base.clone();
        let mut admin = Client::new(&base);
        assert_eq!(admin.sign_in(admin_email, PASSWORD).await, 200);

        let seller = sign_up(&base, "tung@example.vn", "Lê Văn Tùng").await;
        let stall = open_stall(&seller, &admin).await;
        let product = list_fish_sauce(&seller, &stall).await;
        let (s, shown) = Client::new(&base)
            .get(&format!("/products/{product}"))
            .await;
        assert_eq!(s, 200, "{shown}");

        // A buyer who accepted the policies orders four bottles, paid at the door.
        let buyer = sign_up(&base, "khach.hang@example.vn", "Trần Thị Khách").await;
        let (s, _) = buyer
            .send(
                Method::PUT,
                &format!("/cart/items/{product}"),
                Some(json!({"quantity": 4})),
            )
            .await;
        assert_eq!(s, 200);
        let (s, checkout) = buyer
            .checkout(
                json!({"shipping": {"recipient": "Trần Thị Khách", "phone": "0905123456", "commune_code": "19333",
                    "street": "12 Hùng Vương"}, "payment_method": "cod"}),
                "lawful-1",
            )
            .await;
        assert_eq!(s, 201, "{checkout}");
        let order = checkout["orders"][0].clone();
        let order_id = order["id"].as_str().unwrap().to_owned();
        for step in ["confirm", "ship", "deliver"] {
            seller
                .ok(&format!("/orders/{order_id}/{step}"), json!({}), 200)
                .await;
        }
        let before = withholding(&admin).await;
        let sold = seller_row(&before, &stall).clone();
        // The goods (600 000 ₫) and the delivery fee the stall earns (30 000 ₫), which is
        // withheld at the transport rate (3 % VAT, 1.5 % PIT).
        assert_eq!(sold["revenue"], 630_000, "{before}");
        assert!(sold["vat"].as_i64().unwrap() > 0, "{before}");

        // One bottle comes back: a return case, accepted by the stall, received, refunded in
        // part by the administrator.
        let item = order["items"][0]["id"].as_str().unwrap().to_owned();
        let case = buyer
            .ok(
                &format!("/orders/{order_id}/cases"),
                json!({"kind": "return", "reason": "damaged", "description": "Chai bị nứt khi nhận hàng",
                    "items": [{"order_item_id": item, "quantity": 1}],
                    "refund_account": {"bank_bin": "970436", "account_no": "0011004455667", "account_name": "TRAN THI KHACH"}}),
                201,
            )
            .await;
        let case_id = case["id"].as_str().unwrap().to_owned();
        seller
            .ok(
                &format!("/cases/{case_id}/respond"),
                json!({"decision": "accept", "message": "Xin lỗi quý khách, vui lòng gửi lại chai nứt"}),
                200,
            )
            .await;
        seller
            .ok(&format!("/cases/{case_id}/received"), json!({}), 200)
            .await;
        let (_, restocked) = Client::new(&base)
            .get(&format!("/products/{product}"))
            .await;
        assert_eq!(restocked["stock"], 7, "{restocked}");
        let resolved = admin
            .ok(
                &format!("/admin/cases/{case_id}/resolve"),
                json!({"refund_amount": 100_000, "decision": "refund", "message": "Hoàn 100.000 ₫ cho chai nứt"}),
                200,
            )
            .await;
        assert_eq!(resolved["status"], "resolved", "{resolved}");

        // The vendor's earnings and the withholding are reversed by a sixth, to the đồng.
        let after = withholding(&admin).await;
        let kept = seller_row(&after, &stall);
        assert_eq!(kept["revenue"], 530_000, "{after}");
        // The goods' withholding is reversed by a sixth; the delivery fee's stays whole.
        for (k, delivery) in [("vat", 900), ("pit", 450)] {
            let (was, now) = (sold[k].as_i64().unwrap(), kept[k].as_i64().unwrap());
            let (was, now) = (was - delivery, now - delivery);
            assert!((now * 6 - was * 5).abs() <= 6, "{k}: {was} → {now}");
        }
        assert!(adds_up(&after), "{after}");
        // The stall's ledger shows each of the goods' entries reversed by the same sixth.
        let (_, ledger) = seller
            .get(&format!("/stalls/{stall}/ledger?per_page=100"))
            .await;
        let sum = |kind: &str, reverses: Option<&str>| -> i64 {
            ledger["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["order_id"] == order_id.as_str() && e["kind"] == kind)
                .filter(|e| reverses.is_none_or(|r| e["reverses"] == r))
                .map(|e| e["amount"].as_i64().unwrap())
                .sum()
        };
        assert_eq!(sum("refund_reversal", Some("sale")), -100_000, "{ledger}");
        // The delivery fee's withholding (900 ₫ VAT, 450 ₫ PIT) is not reversed: the delivery
        // took place.
        for (of, delivery) in [("vat_withheld", 900), ("pit_withheld", 450)] {
            let (was, back) = (sum(of, None), sum("refund_reversal", Some(of)));
            assert!(was < 0 && back > 0, "{of}: {was} then {back}: {ledger}");
            assert!(
                (back * 6 + was + delivery).abs() <= 6,
                "{of}: {was} then {back}"
            );
        }

        // A report of the product leads to a takedown the stall hears about.
        let report = Client::new(&base)
            .ok(
                &format!("/products/{product}/reports"),
                json!({"reason": "counterfeit", "detail": "Nhãn giống hệt một thương hiệu khác"}),
                201,
            )
            .await;
        admin
            .ok(
                &format!("/admin/reports/{}/takedown", report["id"].as_str().unwrap()),
                json!({"reason": "Nhãn sản phẩm bị phản ánh là giả mạo; cần bổ sung giấy tờ"}),
                200,
            )
            .await;
        let (s, _) = Client::new(&base)
            .get(&format!("/products/{product}"))
            .await;
        assert_eq!(s, 404);
        let (_, inbox) = seller.get("/me/notifications?per_page=100").await;
        assert!(
            inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["event"] == "product_taken_down"),
            "{inbox}"
        );

        // The buyer exports everything, then erases the account.
        let (s, export) = buyer.get("/me/export").await;
        assert_eq!(s, 200);
        let text = export.to_string();
        for held in [
            "khach.hang@example.vn",
            "12 Hùng Vương",
            "Chai bị nứt",
            &case_id,
        ] {
            assert!(text.contains(held), "{held} in the export");
        }
        // Paid at the door, the refund goes back by transfer: erasure waits until it is paid.
        let (s, blocked) = buyer.send(Method::DELETE, "/me", None).await;
        assert_eq!(
            (s, &blocked["code"]),
            (409, &json!("erasure_blocked")),
            "{blocked}"
        );
        let refund = blocked["details"]["owed_refunds"][0].as_str().unwrap();
        admin
            .ok(
                &format!("/admin/refunds/{refund}/settle"),
                json!({"bank_reference": "FT26339123456"}),
                200,
            )
            .await;
        let (s, erased) = buyer.send(Method::DELETE, "/me", None).await;
        assert_eq!(s, 204, "{erased}");
        let mut gone = Client::new(&base);
        assert_eq!(gone.sign_in("khach.hang@example.vn", PASSWORD).await, 401);
        let (_, still) = admin.get(&format!("/orders/{order_id}")).await;
        assert!(!still.to_string().contains("Trần Thị Khách"), "{still}");
        assert_eq!(still["total"], order["total"], "{still}");
        let last = withholding(&admin).await;
        assert_eq!(last, after, "the tax report is unchanged by the erasure");
        assert!(adds_up(&last));
        server.stop.send(()).unwrap();
        server.handle.await.unwrap().unwrap();
    }
);
