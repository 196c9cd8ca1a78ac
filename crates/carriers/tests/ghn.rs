//! The GHN adapter against the stand-in that speaks GHN's wire format: the commune mapping
//! built from its master data, quotes, bookings (retries make one waybill), cancel, detail,
//! GHN's errors, and callbacks (forged ones refused).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::{sync::Arc, time::Duration};

use carriers::{
    Account, Carrier, CarrierError, Inspection, Item, Parcel, Party, QuoteRequest, ShipmentRequest,
    ShipmentStatus, Token,
    ghn::{
        CommuneMap, Ghn, GhnConfig,
        mapping::{OurCommune, build},
    },
};
use testkit::ghn::{SHOP_ID, StubGhn, TOKEN};

const SECRET: &str = "cb0123456789abcdef";

fn ours() -> Vec<OurCommune> {
    let c = |code: &str, name: &str, province: &str| OurCommune {
        code: code.into(),
        name: name.into(),
        province: province.into(),
    };
    vec![
        c("00070", "Phường Hoàn Kiếm", "Thành phố Hà Nội"),
        c("00004", "Phường Ba Đình", "Thành phố Hà Nội"),
        c("00073", "Phường Cửa Nam", "Thành phố Hà Nội"),
        c("00160", "Phường Nghĩa Đô", "Thành phố Hà Nội"),
        c("19333", "Phường Đông Hà", "Quảng Trị"),
        c("19414", "Xã Cửa Tùng", "Quảng Trị"),
        c("19429", "Xã Khe Sanh", "Quảng Trị"),
        c("26734", "Phường Sài Gòn", "Thành phố Hồ Chí Minh"),
    ]
}

fn ghn(stub: &StubGhn, communes: CommuneMap, timeout: Duration) -> Ghn {
    Ghn::new(GhnConfig {
        base_url: stub.base.clone(),
        timeout,
        webhook_secret: Some(SECRET.into()),
        communes: Arc::new(communes),
    })
    .unwrap()
}

/// The stand-in and an adapter whose mapping was built from the stand-in's master data.
async fn setup() -> (StubGhn, Ghn) {
    let stub = StubGhn::start().await;
    let bare = ghn(&stub, CommuneMap::default(), Duration::from_secs(5));
    let report = build(&bare, TOKEN, &ours()).await.unwrap();
    let adapter = ghn(&stub, report.map, Duration::from_secs(2));
    (stub, adapter)
}

fn account() -> Account {
    Account {
        carrier: "ghn".into(),
        shop_id: SHOP_ID.into(),
        token: Token::new(TOKEN),
        service_type_id: None,
    }
}

fn shipment(code: &str) -> ShipmentRequest {
    ShipmentRequest {
        client_order_code: code.into(),
        cod_amount: 250_000,
        insurance_value: 220_000,
        parcel: Parcel::standard_box(1200),
        items: vec![Item {
            name: "Trà Gừng Hướng Hóa".into(),
            quantity: 2,
            price: 110_000,
            weight_grams: 600,
        }],
        sender: Party {
            name: "HTX Cửa Tùng".into(),
            phone: "0912345678".into(),
            address: "Thôn 1".into(),
            commune_code: "19414".into(),
        },
        recipient: Party {
            name: "Nguyễn Văn A".into(),
            phone: "0987654321".into(),
            address: "12 Lê Duẩn".into(),
            commune_code: "19333".into(),
        },
        note: Some("Gọi trước khi giao".into()),
        inspection: Inspection::Look,
        service_id: None,
    }
}

#[tokio::test]
async fn the_mapping_is_built_from_master_data_and_reports_what_it_cannot_match() {
    let stub = StubGhn::start().await;
    let bare = ghn(&stub, CommuneMap::default(), Duration::from_secs(5));
    let report = build(&bare, TOKEN, &ours()).await.unwrap();
    let m = &report.map;
    assert_eq!(
        m.get("00070")
            .map(|a| (a.district_id, a.ward_code.as_str())),
        Some((1489, "1A0101"))
    );
    assert_eq!(m.get("19333").map(|a| a.ward_code.as_str()), Some("480101"));
    assert_eq!(m.get("19414").map(|a| a.province_id), Some(212));
    assert_eq!(m.len(), 5, "{report:?}");
    // Cửa Nam is a ward of two districts at GHN: left out, named.
    assert_eq!(
        report.ambiguous,
        vec![("00073".to_owned(), "Phường Cửa Nam".to_owned())]
    );
    let unmatched: Vec<&str> = report.unmatched.iter().map(|u| u.0.as_str()).collect();
    assert_eq!(unmatched, vec!["00160", "26734"]);
    assert_eq!(
        report.provinces_unmatched,
        vec!["Thành phố Hồ Chí Minh".to_owned()]
    );
    // Master data is read with the token alone.
    assert!(
        stub.requests_to("/master-data/province")[0]
            .shop_id
            .is_none()
    );
    // A wrong token is GHN's 401, read as refused credentials.
    assert!(matches!(
        build(&bare, "nope", &ours()).await,
        Err(CarrierError::BadCredentials(_))
    ));
}

#[tokio::test]
async fn a_quote_is_ghns_fee_and_lead_time_for_the_parcel() {
    let (stub, ghn) = setup().await;
    let q = ghn
        .quote(
            &account(),
            &QuoteRequest {
                from_commune: "19414".into(),
                to_commune: "19333".into(),
                parcel: Parcel::standard_box(1200),
                insurance_value: 100_000,
            },
        )
        .await
        .unwrap();
    assert_eq!(q.fee, testkit::ghn::tariff(true, 1200, 53320));
    assert_eq!(q.fee, 26_500);
    assert_eq!((q.min_days, q.max_days), (2, 2));
    assert_eq!(q.service_id, "53320");
    let fee = &stub.requests_to("/v2/shipping-order/fee")[0];
    assert_eq!(fee.token.as_deref(), Some(TOKEN));
    assert_eq!(fee.shop_id.as_deref(), Some(SHOP_ID));
    assert_eq!(fee.body["from_district_id"], 1701);
    assert_eq!(fee.body["to_ward_code"], "480101");
    assert_eq!(fee.body["weight"], 1200);
    // Between provinces the fee is higher and the lead time longer.
    let far = ghn
        .quote(
            &account(),
            &QuoteRequest {
                from_commune: "19414".into(),
                to_commune: "00070".into(),
                parcel: Parcel::standard_box(400),
                insurance_value: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!((far.fee, far.max_days), (30_000, 4));
}

#[tokio::test]
async fn booking_twice_or_after_a_lost_answer_makes_one_waybill() {
    let (stub, ghn) = setup().await;
    let first = ghn.create(&account(), &shipment("DH-0001")).await.unwrap();
    assert!(first.tracking_no.starts_with("GSTD"));
    assert_eq!(first.fee, 26_500);
    assert!(first.expected_delivery.is_some());
    let again = ghn.create(&account(), &shipment("DH-0001")).await.unwrap();
    assert_eq!(again.tracking_no, first.tracking_no);
    assert_eq!(again.fee, first.fee);
    assert_eq!(stub.waybills_for("DH-0001").len(), 1);
    let sent = &stub.requests_to("/v2/shipping-order/create")[0].body;
    assert_eq!(sent["client_order_code"], "DH-0001");
    assert_eq!(sent["cod_amount"], 250_000);
    assert_eq!(sent["required_note"], "CHOXEMHANGKHONGTHU");
    assert_eq!(sent["to_district_id"], 1700);
    assert_eq!(sent["from_ward_code"], "480201");
    assert_eq!(sent["items"][0]["quantity"], 2);
    assert_eq!(sent["content"], "Trà Gừng Hướng Hóa x2");

    // The waybill is made but the answer is lost: the caller sees the carrier unreachable,
    // and its retry gets the waybill that exists.
    stub.lose_next_create_answer();
    let lost = ghn.create(&account(), &shipment("DH-0002")).await;
    assert!(
        matches!(lost, Err(CarrierError::Unreachable(_))),
        "{lost:?}"
    );
    let retried = ghn.create(&account(), &shipment("DH-0002")).await.unwrap();
    let waybills = stub.waybills_for("DH-0002");
    assert_eq!(waybills.len(), 1);
    assert_eq!(retried.tracking_no, waybills[0].order_code);
}

#[tokio::test]
async fn detail_reads_the_log_in_order_and_cancel_works_before_pickup_only() {
    let (stub, ghn) = setup().await;
    let a = ghn.create(&account(), &shipment("DH-0003")).await.unwrap();
    stub.advance(&a.tracking_no, "picking");
    stub.advance(&a.tracking_no, "picked");
    stub.advance(&a.tracking_no, "delivering");
    let state = ghn.detail(&account(), &a.tracking_no).await.unwrap();
    assert_eq!(state.status, ShipmentStatus::Delivering);
    assert_eq!(state.client_order_code.as_deref(), Some("DH-0003"));
    assert_eq!(state.cod_amount, 250_000);
    let statuses: Vec<_> = state
        .events
        .iter()
        .map(|e| e.carrier_status.as_str())
        .collect();
    assert_eq!(
        statuses,
        ["ready_to_pick", "picking", "picked", "delivering"]
    );
    assert!(state.events.windows(2).all(|w| w[0].at < w[1].at));
    let refused = ghn.cancel(&account(), &a.tracking_no).await;
    assert!(
        matches!(refused, Err(CarrierError::Refused(_))),
        "{refused:?}"
    );

    let b = ghn.create(&account(), &shipment("DH-0004")).await.unwrap();
    ghn.cancel(&account(), &b.tracking_no).await.unwrap();
    let state = ghn.detail(&account(), &b.tracking_no).await.unwrap();
    assert_eq!(state.status, ShipmentStatus::Cancelled);
    assert!(matches!(
        ghn.detail(&account(), "GSTD99999").await,
        Err(CarrierError::NoSuchWaybill(_))
    ));
}

#[tokio::test]
async fn ghns_errors_become_the_carriers_errors() {
    let (stub, ghn) = setup().await;
    let mut wrong_token = account();
    wrong_token.token = Token::new("not-a-token");
    assert!(matches!(
        ghn.create(&wrong_token, &shipment("DH-1")).await,
        Err(CarrierError::BadCredentials(_))
    ));
    let mut wrong_shop = account();
    wrong_shop.shop_id = "999".into();
    assert!(matches!(
        ghn.create(&wrong_shop, &shipment("DH-1")).await,
        Err(CarrierError::BadCredentials(_))
    ));
    // A commune without a mapping is refused before any call, naming the commune.
    let before = stub.requests().len();
    let mut far = shipment("DH-1");
    far.recipient.commune_code = "00160".into();
    match ghn.create(&account(), &far).await {
        Err(CarrierError::UnknownCommune(c)) => assert_eq!(c, "00160"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stub.requests().len(), before);
    // A refusal with GHN's words (a phone GHN needs and lacks).
    let mut no_phone = shipment("DH-1");
    no_phone.recipient.phone = String::new();
    match ghn.create(&account(), &no_phone).await {
        Err(CarrierError::Refused(m)) => assert!(m.contains("to_phone"), "{m}"),
        other => panic!("{other:?}"),
    }
    stub.set_down(true);
    assert!(matches!(
        ghn.create(&account(), &shipment("DH-1")).await,
        Err(CarrierError::Unreachable(_))
    ));
    stub.set_down(false);
    stub.set_delay(Some(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    assert!(matches!(
        ghn.detail(&account(), "GSTD00001").await,
        Err(CarrierError::Unreachable(_))
    ));
    assert!(started.elapsed() < Duration::from_millis(2900));
    assert!(stub.waybills_for("DH-1").is_empty());
}

#[tokio::test]
async fn callbacks_are_read_with_the_secret_and_refused_without_it() {
    let (stub, ghn) = setup().await;
    let a = ghn.create(&account(), &shipment("DH-0005")).await.unwrap();
    let body = stub.advance(&a.tracking_no, "delivered");
    let headers = http::HeaderMap::new();
    let q = format!("secret={SECRET}");
    let event = ghn.parse_callback(Some(&q), &headers, &body).unwrap();
    assert_eq!(event.tracking_no, a.tracking_no);
    assert_eq!(event.client_order_code.as_deref(), Some("DH-0005"));
    assert_eq!(event.shop_id.as_deref(), Some(SHOP_ID));
    assert_eq!(event.kind, "switch_status");
    assert_eq!(event.event.status, ShipmentStatus::Delivered);
    assert_eq!(event.cod_amount, Some(250_000));
    let logged = ghn.detail(&account(), &a.tracking_no).await.unwrap();
    assert_eq!(logged.events.last().map(|e| e.at), Some(event.event.at));

    for forged in [None, Some("secret=guess"), Some("other=1"), Some("secret=")] {
        assert!(matches!(
            ghn.parse_callback(forged, &headers, &body),
            Err(CarrierError::Forged)
        ));
    }
    let unsigned = Ghn::new(GhnConfig {
        base_url: stub.base.clone(),
        timeout: Duration::from_secs(1),
        webhook_secret: None,
        communes: Arc::new(CommuneMap::default()),
    })
    .unwrap();
    assert!(matches!(
        unsigned.parse_callback(Some(&q), &headers, &body),
        Err(CarrierError::Forged)
    ));
    assert!(matches!(
        ghn.parse_callback(Some(&q), &headers, b"{not json"),
        Err(CarrierError::Malformed(_))
    ));
    let odd = String::from_utf8(body)
        .unwrap()
        .replace("\"delivered\"", "\"teleported\"");
    assert!(matches!(
        ghn.parse_callback(Some(&q), &headers, odd.as_bytes()),
        Err(CarrierError::UnknownStatus(_))
    ));
}
