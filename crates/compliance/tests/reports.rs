//! Reports and takedowns against real SQLite and PostgreSQL databases: filing, the queue's
//! order and counts, taking down and dismissing, the authority request's 24 hours, reviews,
//! repeat takedowns, and a reporter's personal data. Time is passed in by each test, never
//! slept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use accounts::{Accounts, NewUser, User};
use catalog::{
    Catalog, Regions,
    product::NewProduct,
    stall::{BusinessType, NewStall, StallAction, StallStatus},
};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use common::{Actor, ErrorKind, PageRequest};
use compliance::reports::{
    ListingRef, NewAuthorityRequest, NewReport, QueueFilter, ReportKind, ReportReason,
    ReportStatus, Reports, TakedownStatus, gauges::gauges, personal,
};
use sea_orm::DatabaseConnection;
use testkit::{TestDb, db_test};
use uuid::Uuid;

struct World {
    catalog: Catalog,
    reports: Reports,
    admin: User,
    owner: User,
    buyer: User,
    stall: Uuid,
    product: Uuid,
}

async fn person(db: &DatabaseConnection, accounts: &Accounts, email: &str, admin: bool) -> User {
    accounts
        .create(
            db,
            NewUser {
                email: email.into(),
                password: "tieu-phu-quoc-2025".into(),
                full_name: "Trần Văn Minh".into(),
                phone: None,
            },
            admin,
        )
        .await
        .unwrap()
}

/// An approved stall of `owner` with one visible product.
async fn world(db: &DatabaseConnection) -> World {
    let accounts = Accounts::new(Duration::hours(1));
    let catalog = Catalog::new(Regions::builtin());
    let admin = person(db, &accounts, "quantri@tinh.vn", true).await;
    let owner = person(db, &accounts, "htx@example.vn", false).await;
    let buyer = person(db, &accounts, "lan@example.vn", false).await;
    let mut w = World {
        reports: Reports::new(catalog.clone(), accounts),
        catalog,
        admin,
        owner,
        buyer,
        stall: Uuid::nil(),
        product: Uuid::nil(),
    };
    w.stall = w.new_stall(db, "HTX Nước mắm Cửa Tùng").await;
    w.product = w
        .new_product(db, w.stall, "Nước mắm cá cơm 40 độ đạm")
        .await;
    w
}

impl World {
    fn admin(&self) -> Actor {
        self.admin.actor()
    }

    async fn new_stall(&self, db: &DatabaseConnection, name: &str) -> Uuid {
        let s = self
            .catalog
            .apply(
                db,
                &self.owner.actor(),
                NewStall {
                    name: name.into(),
                    description: String::new(),
                    commune_code: self.catalog.regions().all()[0].code.clone(),
                    address: "Thôn Tân Mỹ, xã Cửa Tùng".into(),
                    phone: "0233 3852 123".into(),
                    business_type: BusinessType::Cooperative,
                    registration_no: None,
                    logo: None,
                    banner: None,
                },
            )
            .await
            .unwrap();
        self.catalog
            .set_seller_verified(db, self.admin.id, s.id, true)
            .await
            .unwrap();
        self.catalog
            .moderate_stall(
                db,
                &self.admin(),
                &s.id.to_string(),
                StallAction::Approve,
                None,
            )
            .await
            .unwrap();
        s.id
    }

    async fn new_product(&self, db: &DatabaseConnection, stall: Uuid, name: &str) -> Uuid {
        let category = self.catalog.categories(db).await.unwrap()[0].id;
        self.catalog
            .create_product(
                db,
                &self.owner.actor(),
                &stall.to_string(),
                NewProduct {
                    name: name.into(),
                    description: String::new(),
                    category_id: category,
                    price: Some(120_000),
                    sale_price: None,
                    sale_starts_at: None,
                    sale_ends_at: None,
                    unit: "chai 500 ml".into(),
                    stock: Some(10),
                    variants: None,
                    images: Vec::new(),
                    origin_commune_code: None,
                    weight_grams: None,
                    ocop: None,
                    facts: Some(serde_json::from_value(testkit::facts::complete()).unwrap()),
                },
            )
            .await
            .unwrap()
            .id
    }

    async fn report(
        &self,
        db: &DatabaseConnection,
        who: &Actor,
        product: Uuid,
        at: DateTime<Utc>,
    ) -> Uuid {
        let f = self
            .reports
            .report_product(db, who, &product.to_string(), &counterfeit(), at)
            .await
            .unwrap();
        f.report.id
    }

    async fn authority(
        &self,
        db: &DatabaseConnection,
        subject: ListingRef,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Uuid {
        let body = NewAuthorityRequest {
            subject,
            authority: "Chi cục Quản lý thị trường tỉnh Quảng Trị".into(),
            reference: "125/QLTT-NV".into(),
            detail: "Yêu cầu gỡ sản phẩm giả mạo nhãn hiệu.".into(),
            evidence: vec!["https://qltt.quangtri.gov.vn/vb/125".into()],
            received_at: Some(received_at),
        };
        self.reports
            .record_authority_request(db, &self.admin(), &body, now)
            .await
            .unwrap()
            .id
    }

    /// Whether the public sees the product.
    async fn public(&self, db: &DatabaseConnection, product: Uuid) -> bool {
        self.catalog
            .product(db, &Actor::Anonymous, &product.to_string())
            .await
            .is_ok()
    }
}

fn counterfeit() -> NewReport {
    NewReport {
        reason: ReportReason::Counterfeit,
        detail: "Nhãn giống hệt sản phẩm của HTX khác.".into(),
        evidence: Vec::new(),
    }
}

fn product(id: Uuid) -> ListingRef {
    ListingRef {
        product_id: Some(id),
        stall_id: None,
    }
}

/// A whole second: the databases keep fewer digits than `Utc::now` has.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// The events in `user`'s inbox, newest first.
async fn heard(db: &DatabaseConnection, user: Uuid) -> Vec<String> {
    notify::inbox::list(db, user, false, PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.event)
        .collect()
}

db_test!(
    anyone_reports_what_the_public_sees_and_a_user_only_once_while_open,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let anonymous = w
            .reports
            .report_product(
                db,
                &Actor::Anonymous,
                &w.product.to_string(),
                &counterfeit(),
                t,
            )
            .await
            .unwrap();
        assert!(anonymous.created);
        assert_eq!(anonymous.report.status, ReportStatus::Open);
        assert_eq!(anonymous.report.kind, ReportKind::UserReport);
        assert_eq!(anonymous.report.subject.stall_id, w.stall);
        assert_eq!(anonymous.report.reporter_id, None, "reporters see no ids");

        let buyer = w.buyer.actor();
        let first = w
            .reports
            .report_stall(db, &buyer, &w.stall.to_string(), &counterfeit(), t)
            .await
            .unwrap();
        let again = w
            .reports
            .report_stall(db, &buyer, &w.stall.to_string(), &counterfeit(), t)
            .await
            .unwrap();
        assert!(first.created && !again.created);
        assert_eq!(again.report.id, first.report.id, "one open report per user");

        // A hidden product and an unknown one are not found, as their pages are.
        w.catalog
            .hide_product(db, &w.admin(), &w.product.to_string(), Some("Kiểm tra"))
            .await
            .unwrap();
        for id in [w.product, Uuid::now_v7()] {
            let e = w
                .reports
                .report_product(db, &buyer, &id.to_string(), &counterfeit(), t)
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound, "{id}");
        }
        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(queue.total, 2);
        assert_eq!(queue.items[1].reporter_id, Some(w.buyer.id));
    }
);

db_test!(
    the_queue_shows_authority_requests_first_by_due_time_then_the_oldest_reports,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t0 = now();
        let other = w.new_product(db, w.stall, "Mắm ruốc").await;
        let old = w.report(db, &Actor::Anonymous, w.product, t0).await;
        let newer = w
            .report(db, &w.buyer.actor(), other, t0 + Duration::minutes(5))
            .await;
        // Recorded later, but due sooner than the one recorded first.
        let later_due = w
            .authority(db, product(other), t0, t0 + Duration::minutes(10))
            .await;
        let sooner_due = w
            .authority(
                db,
                product(w.product),
                t0 - Duration::hours(3),
                t0 + Duration::minutes(20),
            )
            .await;
        let at = t0 + Duration::hours(1);
        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                at,
            )
            .await
            .unwrap();
        let order: Vec<Uuid> = queue.items.iter().map(|r| r.id).collect();
        assert_eq!(order, [sooner_due, later_due, old, newer]);
        assert_eq!(
            (
                queue.total,
                queue.counts.user_report,
                queue.counts.authority_request,
                queue.counts.overdue
            ),
            (4, 2, 2, 0)
        );
        let only = QueueFilter {
            kind: Some(ReportKind::AuthorityRequest),
            ..QueueFilter::default()
        };
        let page = PageRequest::new(Some(1), Some(1)).unwrap();
        let authority = w
            .reports
            .queue(db, &w.admin(), only, page, at)
            .await
            .unwrap();
        assert_eq!(authority.total, 2);
        assert_eq!(authority.items.len(), 1);
        assert_eq!(authority.items[0].id, sooner_due);
        assert_eq!(
            authority.counts.user_report, 2,
            "counts ignore the kind filter"
        );
        let e = w
            .reports
            .queue(db, &w.buyer.actor(), QueueFilter::default(), page, at)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden);
    }
);

db_test!(
    an_authority_request_is_overdue_24_hours_after_receipt_and_alerts_the_administrators,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t0 = now();
        let id = w.authority(db, product(w.product), t0, t0).await;
        assert_eq!(heard(db, w.admin.id).await, ["authority_request"]);
        assert!(
            heard(db, w.owner.id)
                .await
                .iter()
                .all(|e| e != "authority_request")
        );

        let just_before = gauges(db, t0 + Duration::hours(24)).await.unwrap();
        assert_eq!(just_before.authority_overdue, 0);
        let after = gauges(db, t0 + Duration::hours(25)).await.unwrap();
        assert_eq!(after.authority_overdue, 1);
        let open: Vec<_> = after.open.iter().map(|(k, n)| (*k, *n)).collect();
        assert_eq!(
            open,
            [
                (ReportKind::UserReport, 0),
                (ReportKind::AuthorityRequest, 1)
            ]
        );
        let oldest = after
            .oldest_open_secs
            .iter()
            .find(|(k, _)| *k == ReportKind::AuthorityRequest)
            .unwrap()
            .1;
        assert!((oldest - 25.0 * 3600.0).abs() < 1.0, "{oldest}");

        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t0 + Duration::hours(25),
            )
            .await
            .unwrap();
        assert_eq!(queue.counts.overdue, 1);
        let r = &queue.items[0];
        assert_eq!(r.id, id);
        assert!(r.overdue);
        assert_eq!(r.due_at, Some(t0 + Duration::hours(24)));
        // Taken down, it is no longer overdue.
        w.reports
            .take_down(
                db,
                &w.admin(),
                id,
                Some("Theo yêu cầu của QLTT"),
                t0 + Duration::hours(25),
            )
            .await
            .unwrap();
        let done = gauges(db, t0 + Duration::hours(26)).await.unwrap();
        assert_eq!(done.authority_overdue, 0);
    }
);

db_test!(
    a_takedown_hides_the_product_closes_every_report_of_it_and_tells_the_stall,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let other = w.new_product(db, w.stall, "Mắm ruốc").await;
        let first = w.report(db, &Actor::Anonymous, w.product, t).await;
        let second = w.report(db, &w.buyer.actor(), w.product, t).await;
        let elsewhere = w.report(db, &Actor::Anonymous, other, t).await;
        let r = w
            .reports
            .take_down(db, &w.admin(), second, Some("Hàng giả nhãn hiệu"), t)
            .await
            .unwrap();
        assert_eq!(r.status, ReportStatus::TakenDown);
        assert_eq!(r.stall_takedowns, Some(1));
        assert!(!w.public(db, w.product).await);
        assert!(w.public(db, other).await);
        assert_eq!(heard(db, w.owner.id).await[0], "product_taken_down");

        let closed = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter {
                    status: ReportStatus::TakenDown,
                    kind: None,
                },
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        let ids: Vec<Uuid> = closed.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, [first, second], "every open report of it closed");
        let takedown = closed.items[0].takedown_id;
        assert!(takedown.is_some());
        assert!(
            closed.items.iter().all(|r| r.takedown_id == takedown),
            "one takedown"
        );
        let open = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(
            open.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [elsewhere]
        );

        let again = w
            .reports
            .take_down(db, &w.admin(), first, Some("Lần nữa"), t)
            .await
            .unwrap_err();
        assert_eq!(again.code(), "report_closed");
        let log = w
            .catalog
            .audit_log(
                db,
                &w.admin(),
                catalog::service::AuditQuery {
                    subject_id: Some(second),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(log.items[0].action, catalog::audit::Action::ReportTakeDown);
    }
);

db_test!(
    a_dismissal_closes_that_report_only_and_keeps_the_listing,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let one = w.report(db, &Actor::Anonymous, w.product, t).await;
        let two = w.report(db, &w.buyer.actor(), w.product, t).await;
        let short = w
            .reports
            .dismiss(db, &w.admin(), one, Some("ok"), t)
            .await
            .unwrap_err();
        assert_eq!(
            short.kind(),
            ErrorKind::Invalid,
            "a reason of 3 characters at least"
        );
        let r = w
            .reports
            .dismiss(
                db,
                &w.admin(),
                one,
                Some("Sản phẩm đúng nhãn đã đăng ký"),
                t,
            )
            .await
            .unwrap();
        assert_eq!(r.status, ReportStatus::Dismissed);
        assert_eq!(
            r.resolution.as_deref(),
            Some("Sản phẩm đúng nhãn đã đăng ký")
        );
        assert!(w.public(db, w.product).await);
        let open = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(open.items.iter().map(|r| r.id).collect::<Vec<_>>(), [two]);
        let e = w
            .reports
            .dismiss(db, &w.admin(), one, Some("Lần hai"), t)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "report_closed");
    }
);

db_test!(
    a_stall_asks_for_a_review_and_the_takedown_is_upheld_then_lifted,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let report = w.report(db, &Actor::Anonymous, w.product, t).await;
        let owner = w.owner.actor();
        let p = w.product.to_string();
        let early = w
            .reports
            .request_product_review(db, &owner, &p, Some("Đã sửa nhãn"), t)
            .await
            .unwrap_err();
        assert_eq!(early.code(), "not_taken_down");
        w.reports
            .take_down(db, &w.admin(), report, Some("Nhãn sai nguồn gốc"), t)
            .await
            .unwrap();
        // Nobody outside the stall may ask, and a buyer may not even see the product.
        let e = w
            .reports
            .request_product_review(db, &w.buyer.actor(), &p, Some("Xin xem lại"), t)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let asked = w
            .reports
            .request_product_review(db, &owner, &p, Some("Đã in lại nhãn đúng xuất xứ"), t)
            .await
            .unwrap();
        assert_eq!(asked.status, TakedownStatus::ReviewRequested);
        assert_eq!(asked.stall_takedowns, None, "the stall sees no counts");
        assert_eq!(heard(db, w.admin.id).await[0], "takedown_review_requested");
        let twice = w
            .reports
            .request_product_review(db, &owner, &p, Some("Nhắc lại"), t)
            .await
            .unwrap_err();
        assert_eq!(twice.code(), "review_pending");

        let waiting = w
            .reports
            .takedowns(
                db,
                &w.admin(),
                TakedownStatus::ReviewRequested,
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(waiting.total, 1);
        let id = waiting.items[0].id;
        let upheld = w
            .reports
            .uphold(db, &w.admin(), id, Some("Ảnh vẫn là của HTX khác"), t)
            .await
            .unwrap();
        assert_eq!(upheld.status, TakedownStatus::InForce);
        assert_eq!(heard(db, w.owner.id).await[0], "takedown_upheld");
        assert!(!w.public(db, w.product).await);

        w.reports
            .request_product_review(db, &owner, &p, Some("Đã chụp lại ảnh"), t)
            .await
            .unwrap();
        let lifted = w.reports.lift(db, &w.admin(), id, None, t).await.unwrap();
        assert_eq!(lifted.status, TakedownStatus::Lifted);
        assert!(w.public(db, w.product).await);
        assert_eq!(heard(db, w.owner.id).await[0], "product_restored");
        let e = w
            .reports
            .lift(db, &w.admin(), id, None, t)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_taken_down");
    }
);

db_test!(
    a_stall_taken_down_is_suspended_for_it_and_lifting_reinstates_it,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let report = w
            .reports
            .report_stall(
                db,
                &Actor::Anonymous,
                &w.stall.to_string(),
                &counterfeit(),
                t,
            )
            .await
            .unwrap()
            .report
            .id;
        w.reports
            .take_down(db, &w.admin(), report, Some("Bán hàng cấm"), t)
            .await
            .unwrap();
        let s = w
            .catalog
            .stall(db, &w.admin(), &w.stall.to_string())
            .await
            .unwrap();
        assert_eq!(s.status, StallStatus::Suspended);
        assert_eq!(s.status_reason.as_deref(), Some("Bán hàng cấm"));
        assert_eq!(heard(db, w.owner.id).await[0], "stall_taken_down");
        assert!(!w.public(db, w.product).await, "its products leave with it");

        let asked = w
            .reports
            .request_stall_review(
                db,
                &w.owner.actor(),
                &w.stall.to_string(),
                Some("Đã gỡ hàng cấm"),
                t,
            )
            .await
            .unwrap();
        w.reports
            .lift(db, &w.admin(), asked.id, Some("Đã kiểm tra"), t)
            .await
            .unwrap();
        let s = w
            .catalog
            .stall(db, &Actor::Anonymous, &w.stall.to_string())
            .await
            .unwrap();
        assert_eq!(s.status, StallStatus::Approved);
        assert!(w.public(db, w.product).await);
    }
);

db_test!(
    repeat_takedowns_of_a_stall_add_up_for_the_administrators,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        let mut counts = Vec::new();
        for name in ["Mắm ruốc", "Mắm tôm", "Tương ớt"] {
            let p = w.new_product(db, w.stall, name).await;
            let id = w.report(db, &Actor::Anonymous, p, t).await;
            let r = w
                .reports
                .take_down(db, &w.admin(), id, Some("Hàng giả"), t)
                .await
                .unwrap();
            counts.push(r.stall_takedowns);
        }
        assert_eq!(counts, [Some(1), Some(2), Some(3)]);
        // A new report of the stall shows its record to the administrators.
        w.report(db, &Actor::Anonymous, w.product, t).await;
        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(queue.items[0].stall_takedowns, Some(3));
        // Another stall's record is its own.
        let clean = w.new_stall(db, "Cà phê Khe Sanh").await;
        let p = w.new_product(db, clean, "Cà phê rang mộc").await;
        w.report(db, &Actor::Anonymous, p, t).await;
        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(queue.items[1].stall_takedowns, Some(0));
    }
);

db_test!(
    a_reporters_reports_are_exported_and_erased_with_them,
    |db: TestDb| async move {
        let db = &db.conn;
        let w = world(db).await;
        let t = now();
        w.report(db, &w.buyer.actor(), w.product, t).await;
        w.report(db, &Actor::Anonymous, w.product, t).await;
        let mine = personal::export_user(db, w.buyer.id).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].detail, "Nhãn giống hệt sản phẩm của HTX khác.");
        assert_eq!(personal::erase_user(db, w.buyer.id).await.unwrap(), 1);
        assert!(
            personal::export_user(db, w.buyer.id)
                .await
                .unwrap()
                .is_empty()
        );
        let queue = w
            .reports
            .queue(
                db,
                &w.admin(),
                QueueFilter::default(),
                PageRequest::default(),
                t,
            )
            .await
            .unwrap();
        assert_eq!(queue.total, 2, "the reports stay");
        assert!(queue.items.iter().all(|r| r.reporter_id.is_none()));
        assert_eq!(
            queue.items.iter().filter(|r| r.detail.is_empty()).count(),
            1,
            "the erased reporter's words are gone"
        );
    }
);
