//! A webhook receiver on a loopback port for tests: it checks each request's Standard Webhooks
//! signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`) against the secrets it
//! was given, records what it received in order, and can be made to fail (answer 503) for a
//! while, as a receiver that is down.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
};

use crate::lock;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One request the receiver took.
#[derive(Clone, Debug)]
pub struct Received {
    /// `webhook-id`.
    pub id: String,
    /// The `Host` header: the name the sender was given, whatever address it connected to.
    pub host: String,
    /// The parsed JSON body.
    pub body: serde_json::Value,
    /// Whether a signature matched one of the secrets.
    pub verified: bool,
    /// Whether the receiver was down and answered 503.
    pub refused: bool,
}

#[derive(Default)]
struct Inner {
    secrets: Vec<String>,
    received: Vec<Received>,
    down: bool,
}

/// The running receiver.
#[derive(Clone)]
pub struct TestReceiver {
    /// `http://127.0.0.1:PORT/hook` (`http://[::1]:PORT/hook` on IPv6).
    pub url: String,
    /// Where it listens.
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

/// Checks a Standard Webhooks signature header against `secret` (`whsec_<base64>`), the way
/// a receiver does: any of the space-separated `v1,<sig>` entries may match.
pub fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .unwrap_or_default();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return false;
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let mut st = lock(&inner);
    let verified = st.secrets.iter().any(|s| verify(s, &id, &ts, &body, &sig));
    let refused = st.down;
    st.received.push(Received {
        id,
        host: header("host"),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        verified,
        refused,
    });
    if refused {
        StatusCode::SERVICE_UNAVAILABLE
    } else if verified {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

impl TestReceiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no loopback port is free.
    pub async fn start() -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST)).await
    }

    /// Starts a receiver on a free port of `ip` (`::1` for an IPv6 receiver).
    ///
    /// # Panics
    /// When no port of `ip` is free.
    pub async fn start_on(ip: IpAddr) -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/hook", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0))
            .await
            .unwrap_or_else(|e| panic!("no port on {ip} for the webhook receiver: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("webhook receiver has no address: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            addr,
            inner,
        }
    }

    /// Trusts `secret` (several: as during a rotation).
    pub fn trust(&self, secret: &str) {
        lock(&self.inner).secrets.push(secret.to_owned());
    }

    /// Forgets every secret.
    pub fn distrust_all(&self) {
        lock(&self.inner).secrets.clear();
    }

    /// Starts (`true`) or ends an outage.
    pub fn set_down(&self, down: bool) {
        lock(&self.inner).down = down;
    }

    /// Everything received, oldest first, refused attempts included.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.inner).received.clone()
    }

    /// What was accepted (verified and not refused), oldest first.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.verified && !r.refused)
            .collect()
    }
}
