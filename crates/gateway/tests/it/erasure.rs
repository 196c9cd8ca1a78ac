//! `DELETE me` and the retention job over the real schema, on SQLite and PostgreSQL: a user
//! who filled every field they can with marker strings is erased, and a scan of every column
//! of every table the database has (read from the database, so a new table is covered by
//! itself) finds none of the markers, while the tax report and the ledger add up as before and
//! another user's data is untouched. The retention job, with time moved, deletes ended
//! sessions and clears client addresses past their periods, and nothing else.

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::{
    orders::{Market, checkout, market, put_item},
    personal::schema,
    support::*,
};

/// Every marker the erased user typed: names, emails, phones, streets, notes, reasons, keys and
/// the client address their requests came from.
const MARKERS: [&str; 3] = ["zqx", "9613579", "203.0.113.77"];
const IP: &str = "203.0.113.77";
const EMAIL: &str = "zqxmail@example.vn";

/// `table.column` of every column holding `needle` (any case), over every table of the schema.
async fn holding(db: &TestDb, needle: &str) -> Vec<String> {
    let conn = &db.conn;
    let backend = conn.get_database_backend();
    let mut found = Vec::new();
    for (table, columns) in schema(db).await {
        for column in columns {
            let (text, param) = match backend {
                DbBackend::Postgres => (format!("\"{column}\"::text"), "$1"),
                _ => (format!("CAST(\"{column}\" AS TEXT)"), "?"),
            };
            let sql =
                format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE lower({text}) LIKE {param}");
            let row = conn
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [format!("%{}%", needle.to_lowercase()).into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let n: i64 = row.try_get("", "n").unwrap();
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

/// `method path` as `token` from the marker client address.
async fn from_ip(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", IP);
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

/// Registers the marked user from the marker address, accepting the policies; a token.
async fn marked_user(app: &TestApp) -> String {
    let accepted = app.policies_to_accept().await;
    let body = json!({"email": EMAIL, "password": PASSWORD, "full_name": "Nguyễn Zqxname",
                      "phone": "0961357913", "accepted_policies": accepted});
    let res = from_ip(app, Method::POST, "/api/v1/auth/register", None, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let token = app.login(EMAIL).await;
    let res = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"full_name": "Trần Zqxname", "phone": "0961357913"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let address = json!({"recipient": "Zqxrecipient Lê", "phone": "0961357914",
                         "province_code": "01", "commune_code": "00070",
                         "street": "7 Zqxstreet"});
    let res = app
        .post("/api/v1/me/addresses", Some(&token), address)
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    token
}

fn marked_shipping() -> Value {
    json!({
        "shipping": {"recipient": "Zqxship Phạm", "phone": "0961357915",
                     "commune_code": "19333", "street": "9 Zqxshipstreet"},
        "payment_method": "cod",
        "note": "zqxnote giao buổi chiều"
    })
}

async fn order_id(res: &TestResponse) -> String {
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["orders"][0]["id"].as_str().unwrap().to_owned()
}

/// The withholding report of this month and stall B's ledger, as their readers see them.
async fn books(app: &TestApp, admin: &str, owner: &str, stall: &str) -> Value {
    let month = (Utc::now() + Duration::hours(7))
        .format("%Y-%m")
        .to_string();
    let report = app
        .get(
            &format!("/api/v1/admin/reports/withholding/{month}"),
            Some(admin),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let mut report = report.json();
    report.as_object_mut().unwrap().remove("generated_at");
    let ledger = app
        .get(&format!("/api/v1/stalls/{stall}/ledger"), Some(owner))
        .await
        .json();
    let balance = app
        .get(&format!("/api/v1/stalls/{stall}/balance"), Some(owner))
        .await
        .json();
    json!({"report": report, "ledger": ledger, "balance": balance})
}

async fn household_with_tax_code(app: &TestApp, owner: &str, stall: &str) {
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/stalls/{stall}"),
            Some(owner),
            Some(json!({"business_type": "household_business"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/stalls/{stall}/tax-profile"),
            Some(owner),
            Some(json!({"tax_code": "3200123456"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

async fn deliver(app: &TestApp, owner: &str, order: &str) {
    for (step, body) in [
        ("confirm", None),
        ("ship", Some(json!({"tracking_no": "VN123456789"}))),
        ("deliver", None),
    ] {
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/orders/{order}/{step}"),
                Some(owner),
                body,
            )
            .await;
        assert_eq!(res.status, 200, "{step}: {}", res.text());
    }
}

/// `token`'s case on `order`, with their words and bank account: erasure waits for it to be
/// resolved and for the refund to be paid, then it proceeds.
async fn resolved_case(app: &TestApp, m: &Market, token: &str, order: &str) {
    let res = app
        .post(
            &format!("/api/v1/orders/{order}/cases"),
            Some(token),
            json!({"kind": "refund", "reason": "Hàng bị ẩm", "description": "zqxcase cà phê bị ẩm",
                   "evidence_urls": ["https://anh.example.vn/zqxcase.jpg"],
                   "refund_account": {"bank_bin": "Vietcombank", "account_no": "9613579001",
                                      "account_name": "ZQXHOLDER NGUYEN"}}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let case = res.json()["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/messages"),
            Some(token),
            json!({"message": "zqxmessage ảnh gói hàng"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let blocked = app.delete("/api/v1/me", Some(token)).await;
    let problem = blocked.problem(409, "erasure_blocked");
    assert_eq!(
        (&problem["details"]["orders"], &problem["details"]["cases"]),
        (&json!("0"), &json!("1")),
        "{problem}"
    );
    assert_eq!(problem["details"]["open_cases"][0], case.as_str());
    let res = app
        .post(
            &format!("/api/v1/cases/{case}/respond"),
            Some(&m.owner_b),
            json!({"decision": "accept", "message": "Shop đồng ý hoàn tiền."}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = app
        .post(
            &format!("/api/v1/admin/cases/{case}/resolve"),
            Some(&m.admin),
            json!({"decision": "refund", "refund_amount": 50_000, "message": "Hoàn một phần."}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    // Cash on delivery: the refund is owed by transfer to the buyer's account, and erasure
    // waits until it is paid.
    let problem = app
        .delete("/api/v1/me", Some(token))
        .await
        .problem(409, "erasure_blocked");
    assert_eq!(problem["details"]["refunds"], "1", "{problem}");
    let refund = problem["details"]["owed_refunds"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &format!("/api/v1/admin/refunds/{refund}/settle"),
            Some(&m.admin),
            json!({"bank_reference": "FT26339123456"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
}

db_test!(
    erasure_leaves_no_personal_data_in_any_table_and_the_books_unchanged,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\ntrust_forwarded_for = true");
        let m = market(&app).await;
        household_with_tax_code(&app, &m.owner_b, &m.stall_b).await;
        let zed = marked_user(&app).await;

        // An order delivered, one cancelled with the buyer's reason, and a report filed.
        assert_eq!(put_item(&app, &zed, &m.coffee, 2).await.status, 200);
        let delivered = order_id(&checkout(&app, &zed, "zqx-key-1", marked_shipping()).await).await;
        assert_eq!(put_item(&app, &zed, &m.sauce, 1).await.status, 200);
        let cancelled = order_id(&checkout(&app, &zed, "zqx-key-2", marked_shipping()).await).await;
        let res = app
            .post(
                &format!("/api/v1/orders/{cancelled}/cancel"),
                Some(&zed),
                json!({"reason": "zqxreason đổi ý"}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let report = json!({"reason": "counterfeit", "detail": "zqxdetail nhãn giả",
                            "evidence": ["https://anh.example.vn/zqxevidence.jpg"]});
        let path = format!("/api/v1/products/{}/reports", m.pepper);
        let res = from_ip(&app, Method::POST, &path, Some(&zed), report).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(put_item(&app, &zed, &m.pepper, 1).await.status, 200);
        let zed_id = app.get("/api/v1/me", Some(&zed)).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // Refused while the order is under way, naming it; nothing changed.
        let res = app
            .request(Method::DELETE, "/api/v1/me", Some(&zed), None)
            .await;
        let problem = res.problem(409, "erasure_blocked");
        assert_eq!(problem["details"]["orders"], "1", "{problem}");
        assert_eq!(problem["details"]["open_orders"][0], delivered.as_str());
        let vi = app
            .send(
                Request::delete("/api/v1/me")
                    .header(header::AUTHORIZATION, format!("Bearer {zed}"))
                    .header("accept-language", "vi")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .problem(409, "erasure_blocked");
        assert!(
            vi["detail"]
                .as_str()
                .unwrap()
                .starts_with("Chưa thể xoá tài khoản: còn 1 đơn hàng"),
            "{vi}"
        );
        assert_eq!(app.get("/api/v1/me", Some(&zed)).await.status, 200);
        // A stall's owner is refused too, until the stall is handed over.
        let problem = app
            .delete("/api/v1/me", Some(&m.owner_a))
            .await
            .problem(409, "erasure_blocked");
        assert_eq!(
            problem["details"]["stalls_held"][0]["id"],
            m.stall_a.as_str()
        );

        deliver(&app, &m.owner_b, &delivered).await;
        resolved_case(&app, &m, &zed, &delivered).await;
        // The other buyer's data, and the books, before.
        let other = app.post(
            "/api/v1/me/addresses",
            Some(&m.buyer),
            json!({"recipient": "Nguyễn Thu Hà", "phone": "0987654321",
                   "province_code": "01", "commune_code": "00070", "street": "12 Lê Thái Tổ"}),
        );
        assert_eq!(other.await.status, 201);
        let other_before = app.get("/api/v1/me/export", Some(&m.buyer)).await.json();
        let books_before = books(&app, &m.admin, &m.owner_b, &m.stall_b).await;
        assert_eq!(
            books_before["report"]["sellers"].as_array().map(Vec::len),
            Some(1),
            "the household stall's sale is in the report: {books_before}"
        );
        for marker in MARKERS {
            assert!(
                !holding(&app.db, marker).await.is_empty(),
                "{marker} was stored"
            );
        }

        let res = app
            .request(Method::DELETE, "/api/v1/me", Some(&zed), None)
            .await;
        assert_eq!(res.status, 204, "{}", res.text());

        // Nothing of the user is left anywhere.
        for marker in MARKERS {
            let found = holding(&app.db, marker).await;
            assert!(found.is_empty(), "{marker} is still in {found:?}");
        }
        // They cannot sign in, with the old token or the password.
        app.get("/api/v1/me", Some(&zed))
            .await
            .problem(401, "unauthorized");
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await
        .problem(401, "invalid_credentials");
        // Administrators see the account as erased, and cannot bring it back.
        let found = app
            .get(
                &format!(
                    "/api/v1/admin/users?email=erased-{}@erased.invalid",
                    zed_id.replace('-', "")
                ),
                Some(&m.admin),
            )
            .await;
        assert_eq!(found.status, 200, "{}", found.text());
        let found = found.json()[0].clone();
        assert_eq!(found["id"], zed_id.as_str(), "{found}");
        assert!(
            found["erased_at"].is_string() && found["disabled_at"].is_string(),
            "{found}"
        );
        assert_eq!(found["full_name"], "(đã xoá)");
        assert!(found["phone"].is_null(), "{found}");
        app.post(
            &format!("/api/v1/admin/users/{zed_id}/enable"),
            Some(&m.admin),
            json!({}),
        )
        .await
        .problem(409, "account_erased");
        // The books add up as before; the other buyer's data is theirs as it was.
        assert_eq!(
            books(&app, &m.admin, &m.owner_b, &m.stall_b).await,
            books_before
        );
        let other_after = app.get("/api/v1/me/export", Some(&m.buyer)).await.json();
        assert_eq!(other_after["tables"], other_before["tables"]);
        // The orders stay, for the stall, with an anonymous buyer.
        let order = app
            .get(&format!("/api/v1/orders/{delivered}"), Some(&m.owner_b))
            .await;
        assert_eq!(order.status, 200, "{}", order.text());
        assert_eq!(order.json()["status"], "delivered");
        assert_eq!(order.json()["shipping"]["recipient"], "(đã xoá)");
        // The erasure is in the audit log, naming the account and nothing of it.
        let log = app
            .get("/api/v1/admin/audit-log?subject_type=user", Some(&m.admin))
            .await
            .json();
        let entries = log["items"].as_array().unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e["action"] == "account.erase" && e["subject_type"] == "user"),
            "{log}"
        );
        // The address is free: it registers again, as a new account.
        let again = app.signed_in(EMAIL).await;
        let me = app.get("/api/v1/me", Some(&again)).await.json();
        assert_eq!(me["email"], EMAIL);
        assert_eq!(
            app.get("/api/v1/orders", Some(&again)).await.json()["total"],
            0,
            "the new account has none of the old one's orders"
        );
    }
);

/// The one number `sql` reads (as `n`).
async fn count(db: &TestDb, sql: &str) -> i64 {
    let conn = &db.conn;
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

db_test!(
    the_retention_job_removes_ended_sessions_and_old_client_addresses_only,
    |db: TestDb| async move {
        let app = TestApp::with_config(db, "[http]\ntrust_forwarded_for = true");
        let m = market(&app).await;
        let zed = marked_user(&app).await;
        // A session ended by signing out, and the one in use.
        let ended = app.login(EMAIL).await;
        let res = app
            .post("/api/v1/auth/logout", Some(&ended), json!({}))
            .await;
        assert!(res.status.is_success(), "{}", res.text());
        assert_eq!(put_item(&app, &zed, &m.coffee, 1).await.status, 200);
        let order = order_id(&checkout(&app, &zed, "zqx-key-1", marked_shipping()).await).await;
        deliver(&app, &m.owner_b, &order).await;

        let accounting = "SELECT (SELECT COUNT(*) FROM orders) * 1000000 \
                          + (SELECT COUNT(*) FROM ledger_entries) * 1000 \
                          + (SELECT COUNT(*) FROM checkouts) AS n";
        let sums = "SELECT CAST(COALESCE(SUM(amount), 0) \
                    + (SELECT COALESCE(SUM(subtotal), 0) FROM orders) AS BIGINT) AS n \
                    FROM ledger_entries";
        let before = (count(&app.db, accounting).await, count(&app.db, sums).await);
        let sessions = "SELECT COUNT(*) AS n FROM sessions";
        let addresses = "SELECT COUNT(*) AS n FROM consents WHERE client_address IS NOT NULL";
        let consents = "SELECT COUNT(*) AS n FROM consents";
        let (all_sessions, all_consents) = (
            count(&app.db, sessions).await,
            count(&app.db, consents).await,
        );
        assert!(
            count(&app.db, addresses).await > 0,
            "the consents keep the address"
        );

        // The defaults, `retention.sessions_days` and `retention.client_addresses_days`.
        let periods = gateway::personal::retention::Periods {
            sessions: Duration::days(365),
            client_addresses: Duration::days(365),
        };
        let accounts = &app.state.accounts;
        let sweep = |days: i64| {
            gateway::personal::retention::sweep(
                &app.db.conn,
                accounts,
                periods,
                Utc::now() + Duration::days(days),
            )
        };
        // Within the periods: nothing goes.
        let swept = sweep(300).await.unwrap();
        assert_eq!((swept.sessions, swept.client_addresses), (0, 0));
        assert_eq!(count(&app.db, sessions).await, all_sessions);
        // A year and a day on: the signed-out session ended more than 365 days ago and goes,
        // the sessions still live then (30 days from their sign-in) stay; the client addresses
        // are older than 365 days and are cleared, the consents themselves stay.
        let swept = sweep(366).await.unwrap();
        assert_eq!(swept.sessions, 1, "the signed-out session");
        assert_eq!(count(&app.db, sessions).await, all_sessions - 1);
        assert!(swept.client_addresses > 0);
        assert_eq!(count(&app.db, addresses).await, 0);
        assert_eq!(count(&app.db, consents).await, all_consents);
        assert_eq!(
            app.get("/api/v1/me", Some(&zed)).await.status,
            200,
            "still signed in"
        );
        // Later still, every session has ended long enough ago; the books never change.
        let swept = sweep(400).await.unwrap();
        assert_eq!(swept.sessions as i64, all_sessions - 1);
        assert_eq!(count(&app.db, sessions).await, 0);
        let after = (count(&app.db, accounting).await, count(&app.db, sums).await);
        assert_eq!(
            after, before,
            "orders, checkouts and the ledger are untouched"
        );
        assert_eq!(sweep(4000).await.unwrap(), Default::default());
        assert_eq!(count(&app.db, accounting).await, before.0);
    }
);

/// `DELETE me` as `token`'s user, asking for Vietnamese.
async fn erase_vi(app: &TestApp, token: &str) -> TestResponse {
    app.send(
        Request::delete("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("accept-language", "vi")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

db_test!(
    addresses_on_domains_reserved_for_no_mail_cannot_register,
    |db: TestDb| async move {
        let app = TestApp::new(db).await;
        let lan = app.signed_in("lan@example.vn").await;
        let lan_id = app.get("/api/v1/me", Some(&lan)).await.json()["id"]
            .as_str()
            .unwrap()
            .replace('-', "");
        // Another user's future placeholder, and addresses that reach nobody.
        let placeholder = format!("erased-{lan_id}@erased.invalid");
        let accepted = app.policies_to_accept().await;
        for email in [
            placeholder.as_str(),
            "Minh@HTX.Invalid",
            "minh@app.localhost",
        ] {
            let res = app
                .send(
                    Request::post("/api/v1/auth/register")
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("accept-language", "vi")
                        .body(Body::from(
                            json!({"email": email, "password": PASSWORD,
                                   "full_name": "Trần Văn Minh", "accepted_policies": accepted})
                            .to_string(),
                        ))
                        .unwrap(),
                )
                .await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "email", "{email}: {problem}");
            assert_eq!(problem["errors"][0]["code"], "invalid_email", "{problem}");
            assert_eq!(
                problem["errors"][0]["message"],
                "không được thuộc tên miền dành riêng, không nhận thư (.invalid, .localhost)",
                "{problem}"
            );
        }
        // The operator's CLI cannot make one either.
        let made = app
            .state
            .accounts
            .create(
                &app.db.conn,
                accounts::NewUser {
                    email: "quantri@tinh.invalid".into(),
                    password: PASSWORD.into(),
                    full_name: "Quản trị".into(),
                    phone: None,
                },
                true,
            )
            .await;
        assert!(made.is_err(), "{made:?}");
        let users = "SELECT COUNT(*) AS n FROM users";
        assert_eq!(count(&app.db, users).await, 1, "nothing was written");
        // So the erasure of the user whose placeholder was tried goes through.
        assert_eq!(app.delete("/api/v1/me", Some(&lan)).await.status, 204);
        let erased = "SELECT COUNT(*) AS n FROM users WHERE email LIKE 'erased-%@erased.invalid'";
        assert_eq!(count(&app.db, erased).await, 1);
    }
);

db_test!(
    the_only_active_administrator_cannot_erase_their_account,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::new(db).await);
        let hoa = app.admin("hoa@tinh.vn").await;
        let problem = erase_vi(&app, &hoa)
            .await
            .problem(409, "last_administrator");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("Tài khoản này là quản trị viên duy nhất"),
            "{problem}"
        );
        // A disabled administrator does not count.
        let binh = app.admin("binh@tinh.vn").await;
        let binh_id = app.get("/api/v1/me", Some(&binh)).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .post(
                &format!("/api/v1/admin/users/{binh_id}/disable"),
                Some(&hoa),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        app.delete("/api/v1/me", Some(&hoa))
            .await
            .problem(409, "last_administrator");
        assert_eq!(app.get("/api/v1/me", Some(&hoa)).await.status, 200);
        // Two active administrators erasing themselves at once: one goes, the other stays.
        let res = app
            .post(
                &format!("/api/v1/admin/users/{binh_id}/enable"),
                Some(&hoa),
                json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let binh = app.login("binh@tinh.vn").await;
        let tasks = [hoa.clone(), binh.clone()].map(|token| {
            let app = app.clone();
            tokio::spawn(async move { app.delete("/api/v1/me", Some(&token)).await })
        });
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        let erased: Vec<_> = answers.iter().filter(|r| r.status == 204).collect();
        assert_eq!(
            erased.len(),
            1,
            "{:?}",
            answers.iter().map(|r| r.text()).collect::<Vec<_>>()
        );
        let kept = answers.iter().find(|r| r.status != 204).unwrap();
        kept.problem(409, "last_administrator");
        let admins = "SELECT COUNT(*) AS n FROM users WHERE is_admin \
                      AND disabled_at IS NULL AND erased_at IS NULL";
        assert_eq!(count(&app.db, admins).await, 1);
    }
);

db_test!(
    a_checkout_and_an_erasure_of_one_user_at_once_never_both_go_through,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(TestApp::with_config(
            db,
            "[rate_limit]\nregister_per_ip_per_minute = 1000\nlogin_per_ip_per_minute = 1000",
        ));
        let m = market(&app).await;
        let (mut placed, mut erased) = (0, 0);
        for round in 0..8 {
            let token = app.signed_in(&format!("race{round}@example.vn")).await;
            let id = app.get("/api/v1/me", Some(&token)).await.json()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(put_item(&app, &token, &m.sauce, 1).await.status, 200);
            let buy = {
                let (app, token) = (app.clone(), token.clone());
                tokio::spawn(async move {
                    checkout(
                        &app,
                        &token,
                        &format!("race-{round}"),
                        crate::orders::shipping(),
                    )
                    .await
                })
            };
            let erase = {
                let (app, token) = (app.clone(), token.clone());
                tokio::spawn(async move { app.delete("/api/v1/me", Some(&token)).await })
            };
            let (bought, gone) = (buy.await.unwrap(), erase.await.unwrap());
            let orders = orders_of(&app.db, &id).await;
            match (bought.status.as_u16(), gone.status.as_u16()) {
                (201, 409) => {
                    gone.problem(409, "erasure_blocked");
                    assert_eq!(orders, 1, "round {round}");
                    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
                    placed += 1;
                }
                (refused, 204) => {
                    // The erasure went first: the checkout's token is gone (401), the account
                    // is held (409), or the checkout signed in before and found the cart the
                    // erasure had emptied (422 `cart_not_ready`).
                    assert!(
                        [401, 409, 422].contains(&refused),
                        "round {round}: {refused} {}",
                        bought.text()
                    );
                    if refused == 422 {
                        bought.problem(422, "cart_not_ready");
                    }
                    assert_eq!(orders, 0, "round {round}: no order of an erased account");
                    erased += 1;
                }
                other => panic!(
                    "round {round}: {other:?} {} / {}",
                    bought.text(),
                    gone.text()
                ),
            }
        }
        assert_eq!(placed + erased, 8);
    }
);

/// How many orders the user `id` bought.
async fn orders_of(db: &TestDb, id: &str) -> i64 {
    let conn = &db.conn;
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT COUNT(*) AS n FROM orders WHERE buyer_id = $1",
        _ => "SELECT COUNT(*) AS n FROM orders WHERE buyer_id = ?",
    };
    let id = uuid::Uuid::parse_str(id).unwrap();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Whether a statement of this test's database waits for a lock.
async fn someone_waits(db: &TestDb) -> bool {
    // A row lock is waited for on the holder's transaction id, a lock of no database: the
    // waiter is found by its session's.
    let waiting = "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                   WHERE NOT l.granted AND a.datname = current_database()";
    count(db, waiting).await > 0
}

/// Waits until `task` queues on a lock; false when it finished instead (it did not wait).
async fn queues<T>(db: &TestDb, task: &tokio::task::JoinHandle<T>) -> bool {
    for _ in 0..10_000 {
        if task.is_finished() {
            return false;
        }
        if someone_waits(db).await {
            return true;
        }
        tokio::task::yield_now().await;
    }
    panic!("the task neither waited nor finished");
}

/// The step by step twin of the race above, on PostgreSQL where the locks are rows': an erasure
/// waits for a checkout holding the account, and a checkout waits for an erasure under way and
/// is then refused, writing nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
async fn an_erasure_and_a_checkout_queue_on_the_account() {
    use sea_orm::TransactionTrait;

    let db = TestDb::new(testkit::Backend::Postgres).await;
    let app = std::sync::Arc::new(TestApp::new(db).await);
    let m = market(&app).await;
    let me = |token: String| {
        let app = app.clone();
        async move {
            let id = app.get("/api/v1/me", Some(&token)).await.json()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            uuid::Uuid::parse_str(&id).unwrap()
        }
    };
    // A checkout holds the account: the erasure waits, and goes on once it ends.
    let lan = app.signed_in("lan@example.vn").await;
    let lan_id = me(lan.clone()).await;
    let checkout_txn = app.db.conn.begin().await.unwrap();
    assert!(
        accounts::hold::hold_active(&checkout_txn, lan_id)
            .await
            .unwrap()
    );
    let erase = {
        let (app, lan) = (app.clone(), lan.clone());
        tokio::spawn(async move { app.delete("/api/v1/me", Some(&lan)).await.status })
    };
    assert!(
        queues(&app.db, &erase).await,
        "the erasure went on while a checkout held the account"
    );
    checkout_txn.commit().await.unwrap();
    assert_eq!(erase.await.unwrap(), 204);

    // An erasure holds the account: the checkout waits, then finds it erased and writes nothing.
    let minh = app.signed_in("minh@example.vn").await;
    let minh_id = me(minh.clone()).await;
    assert_eq!(put_item(&app, &minh, &m.sauce, 1).await.status, 200);
    let minh_user = app
        .state
        .accounts
        .users_by_ids(&app.db.conn, &[minh_id])
        .await
        .unwrap()
        .remove(0);
    let erasure_txn = app.db.conn.begin().await.unwrap();
    let hold = accounts::hold::lock_for_erasure(&erasure_txn, &minh_user)
        .await
        .unwrap();
    assert_eq!(hold.user.map(|u| u.id), Some(minh_id));
    let buy = {
        let (app, minh) = (app.clone(), minh.clone());
        tokio::spawn(async move {
            checkout(&app, &minh, "held-1", crate::orders::shipping())
                .await
                .status
        })
    };
    assert!(
        queues(&app.db, &buy).await,
        "the checkout went on while an erasure held the account"
    );
    erasure_txn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE users SET erased_at = now() WHERE id = $1",
            [minh_id.into()],
        ))
        .await
        .unwrap();
    erasure_txn.commit().await.unwrap();
    assert_eq!(buy.await.unwrap(), 401);
    assert_eq!(orders_of(&app.db, &minh_id.to_string()).await, 0);
}
