//! Withholding certificates of a span of months (what a household claims a refund with), on
//! SQLite and PostgreSQL: the sums of the months' certificates, issued once and read back the
//! same, corrected by replacement, refused while a month of the span is open, bounded, and
//! issued once when asked for twice at once.

use axum::http::Request;
use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::{
    money::{household, money_app},
    orders::market,
    support::*,
    withholding::{certificate, close, in_month, key, put, refund, sale},
};

fn span_path(stall: &str, from: &str, to: &str) -> String {
    format!("/api/v1/stalls/{stall}/withholding-certificates/{from}..{to}")
}

fn figures(c: &Value) -> (i64, i64, i64) {
    (
        c["revenue"].as_i64().unwrap(),
        c["vat"].as_i64().unwrap(),
        c["pit"].as_i64().unwrap(),
    )
}

async fn get_as(app: &TestApp, token: &str, path: &str, accept: &str) -> TestResponse {
    app.send(
        Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .header("accept", accept)
            .header("accept-language", "vi")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

db_test!(
    a_span_certificate_sums_its_closed_months_once_and_is_corrected_by_replacement,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        put(
            &app,
            &m.owner_b,
            &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
            json!({"tax_code": "3200123456"}),
        )
        .await;
        let (m3, m2, m1) = (in_month(3), in_month(2), in_month(1));
        sale(&app, &m.stall_b, m3, 1_000_000).await;
        sale(&app, &m.stall_b, m2, 400_000).await;
        refund(&app, &m.stall_b, m2, 100_000).await;
        sale(&app, &m.stall_b, m1, 200_000).await;
        for month in [m3, m2, m1] {
            assert_eq!(close(&app, &m.admin, &key(month)).await.status, 200);
        }
        let mut monthly = Vec::new();
        for month in [m3, m2, m1] {
            monthly.push(certificate(&app, &m.owner_b, &m.stall_b, &key(month)).await);
        }
        let sums = monthly
            .iter()
            .map(figures)
            .fold((0, 0, 0), |a, f| (a.0 + f.0, a.1 + f.1, a.2 + f.2));
        assert_eq!(sums, (1_500_000, 15_000, 7_500));

        // The span: the months' certificates summed, each month listed, a number of its own.
        let path = span_path(&m.stall_b, &key(m3), &key(m1));
        let first = certificate(
            &app,
            &m.owner_b,
            &m.stall_b,
            &format!("{}..{}", key(m3), key(m1)),
        )
        .await;
        assert_eq!(figures(&first), sums);
        assert_eq!(first["period"], format!("{}..{}", key(m3), key(m1)));
        assert_eq!(first["seller"]["tax_code"], "3200123456");
        let months = first["months"].as_array().unwrap();
        assert_eq!(months.len(), 3);
        for (row, cert) in months.iter().zip(&monthly) {
            assert_eq!(row["month"], cert["period"]);
            assert_eq!(figures(row), figures(cert));
        }
        let year = (Utc::now() + Duration::hours(7)).year();
        assert_eq!(first["number"], format!("CT-{year}-000004"));
        assert!(monthly.iter().all(|c| c["number"] != first["number"]));
        assert!(first.get("replaces").is_none());

        // Asked again, by the owner or an administrator: the same certificate, not a new one.
        assert_eq!(app.get(&path, Some(&m.owner_b)).await.json(), first);
        assert_eq!(app.get(&path, Some(&m.admin)).await.json(), first);
        // A span of one month is that month's certificate.
        let one = span_path(&m.stall_b, &key(m2), &key(m2));
        assert_eq!(app.get(&one, Some(&m.owner_b)).await.json(), monthly[1]);

        // Printable: the span in words, its months one row each.
        let res = get_as(&app, &m.owner_b, &path, "text/html").await;
        assert_eq!(res.status, 200);
        let page = res.text();
        let (y3, mo3) = key(m3)
            .split_once('-')
            .map(|(y, m)| (y.to_owned(), m.to_owned()))
            .unwrap();
        assert!(page.contains(&format!("từ tháng {mo3}/{y3}")), "{page}");
        assert!(
            page.contains("15.000 đồng") && page.contains("Chi tiết theo tháng"),
            "{page}"
        );
        assert!(page.contains(first["number"].as_str().unwrap()));

        // A correction replaces it: a new number, the same sums, today's identity; the span
        // then answers the correction, and the replaced one is not replaced twice.
        put(
            &app,
            &m.owner_b,
            &format!("/api/v1/stalls/{}/tax-profile", m.stall_b),
            json!({"tax_code": "3200654321"}),
        )
        .await;
        let reissue = format!(
            "/api/v1/admin/withholding-certificates/{}/reissue",
            first["number"].as_str().unwrap()
        );
        let res = app
            .post(
                &reissue,
                Some(&m.admin),
                json!({"reason": "Sửa mã số thuế"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let second = res.json();
        assert_eq!(second["number"], format!("CT-{year}-000005"));
        assert_eq!(second["replaces"], first["number"]);
        assert_eq!(second["seller"]["tax_code"], "3200654321");
        assert_eq!(figures(&second), sums);
        assert_eq!(second["months"], first["months"]);
        assert_eq!(app.get(&path, Some(&m.owner_b)).await.json(), second);
        let res = app
            .post(&reissue, Some(&m.admin), json!({"reason": "lần nữa"}))
            .await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["code"], "certificate_replaced");

        // A refund written now, after the months closed, changes none of them.
        refund(&app, &m.stall_b, Utc::now(), 200_000).await;
        assert_eq!(app.get(&path, Some(&m.owner_b)).await.json(), second);
    }
);

db_test!(
    a_span_reaching_an_open_month_is_refused_and_spans_are_bounded,
    |db: TestDb| async move {
        let app = money_app(db);
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        household(&app, &m.owner_a, &m.stall_a).await;
        let (m2, m1, now) = (in_month(2), in_month(1), Utc::now());
        sale(&app, &m.stall_b, m2, 500_000).await;
        sale(&app, &m.stall_b, now, 300_000).await;
        assert_eq!(close(&app, &m.admin, &key(m2)).await.status, 200);

        // Last month is still open: the span is refused, naming that month, in Vietnamese too.
        let path = span_path(&m.stall_b, &key(m2), &key(now));
        let res = get_as(&app, &m.owner_b, &path, "application/json").await;
        assert_eq!(res.status, 409, "{}", res.text());
        let p = res.json();
        assert_eq!(p["code"], "period_open");
        assert_eq!(p["details"]["month"], key(m1));
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("Tháng {}", key(m1))),
            "{p}"
        );
        // Twelve months are allowed (here refused for the open ones, the first named).
        let res = app
            .get(
                &span_path(&m.stall_b, &key(in_month(12)), &key(m1)),
                Some(&m.owner_b),
            )
            .await;
        assert_eq!(res.status, 409, "{}", res.text());
        assert_eq!(res.json()["details"]["month"], key(in_month(12)));
        // Closed, the span is certified; a seller with nothing withheld in it has none.
        assert_eq!(close(&app, &m.admin, &key(m1)).await.status, 200);
        let res = app
            .get(&span_path(&m.stall_b, &key(m2), &key(m1)), Some(&m.owner_b))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(figures(&res.json()), (500_000, 5_000, 2_500));
        let res = app
            .get(&span_path(&m.stall_a, &key(m2), &key(m1)), Some(&m.owner_a))
            .await;
        assert_eq!(res.status, 404, "{}", res.text());

        // Malformed, reversed and too long: field errors naming the period, nothing issued.
        for (period, code) in [
            ("2026-03..2026-02", "before_other"),
            ("2025-01..2026-01", "window_too_long"),
            ("2026-01..2026-13", "invalid_month"),
            ("2026-01...2026-02", "invalid_month"),
            ("2026-01..", "invalid_month"),
            ("..2026-01", "invalid_month"),
        ] {
            let res = get_as(
                &app,
                &m.owner_b,
                &format!(
                    "/api/v1/stalls/{}/withholding-certificates/{period}",
                    m.stall_b
                ),
                "application/json",
            )
            .await;
            assert_eq!(res.status, 422, "{period}: {}", res.text());
            let p = res.json();
            assert_eq!(p["errors"][0]["field"], "period", "{p}");
            assert_eq!(p["errors"][0]["code"], code, "{p}");
            let message = p["errors"][0]["message"].as_str().unwrap();
            assert!(!message.starts_with("must"), "not in Vietnamese: {message}");
        }
    }
);

db_test!(
    a_span_asked_for_at_once_is_issued_once,
    |db: TestDb| async move {
        let app = std::sync::Arc::new(money_app(db));
        let m = market(&app).await;
        household(&app, &m.owner_b, &m.stall_b).await;
        let (m2, m1) = (in_month(2), in_month(1));
        sale(&app, &m.stall_b, m2, 500_000).await;
        sale(&app, &m.stall_b, m1, 700_000).await;
        for month in [m2, m1] {
            assert_eq!(close(&app, &m.admin, &key(month)).await.status, 200);
        }
        let path = span_path(&m.stall_b, &key(m2), &key(m1));
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (app, path) = (app.clone(), path.clone());
            let token = if i % 2 == 0 {
                m.owner_b.clone()
            } else {
                m.admin.clone()
            };
            tasks.push(tokio::spawn(async move {
                let res = app.get(&path, Some(&token)).await;
                assert_eq!(res.status, 200, "{}", res.text());
                res.json()
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        assert_eq!(figures(&answers[0]), (1_200_000, 12_000, 6_000));
        // Two monthly certificates and one of the span: no number taken and given back.
        let year = (Utc::now() + Duration::hours(7)).year();
        assert_eq!(answers[0]["number"], format!("CT-{year}-000003"));
    }
);
