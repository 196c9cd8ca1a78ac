//! The GHN stand-in as a process, for journeys run against a whole deployment:
//! `cargo run -p testkit --bin ghn-standin -- --port 5066` serves GHN's API at
//! `http://127.0.0.1:5066/shiip/public-api` (token `ghn-standin-token`, shop `885`) until
//! stopped. `POST /_standin/advance {"order_code", "status"}` moves a waybill and answers the
//! callback body GHN would post, for the journey to send to the marketplace's webhook.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test tool stops loudly on a bad argument"
)]

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 5066u16;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port takes a port number");
            }
            other => panic!("unknown argument {other}; usage: ghn-standin [--port N]"),
        }
    }
    let stub = testkit::ghn::StubGhn::start_on(port).await;
    println!("GHN stand-in at {}", stub.base);
    println!(
        "token {} shop {}",
        testkit::ghn::TOKEN,
        testkit::ghn::SHOP_ID
    );
    let _ = tokio::signal::ctrl_c().await;
}
