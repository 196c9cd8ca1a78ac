//! What the benchmark binaries share: settings from the environment and latency statistics.
#![allow(dead_code, reason = "each benchmark uses part of it")]

use std::time::Duration;

/// The setting `name` from the environment, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The latencies of one run and its wall time.
#[derive(Default)]
pub struct Stats {
    pub latencies: Vec<Duration>,
    pub wall: Duration,
}

impl Stats {
    /// The `p` quantile (0.5, 0.99) in milliseconds, nearest rank.
    pub fn pct(&self, p: f64) -> f64 {
        let mut v = self.latencies.clone();
        v.sort();
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    }

    /// Requests per second over the wall time.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// The gateway serving `state` on a free local port, until [`Server::stop`].
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub origin: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Starts serving.
    pub async fn start(state: gateway::AppState) -> Self {
        let listener =
            tokio::net::TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(gateway::serve::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self { origin, stop, task }
    }

    /// Stops serving and waits for the server to end.
    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// Registers `email` (named `full_name`), accepting the operating rules and the privacy policy
/// in effect as a client does, and signs in; the bearer token.
pub async fn sign_in(http: &reqwest::Client, api: &str, email: &str, full_name: &str) -> String {
    let credentials = serde_json::json!({"email": email, "password": "mat-khau-dai-du"});
    let policies: serde_json::Value = http
        .get(format!("{api}/policies"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accepted: Vec<serde_json::Value> = policies
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "operating_rules" || p["kind"] == "privacy")
        .map(|p| serde_json::json!({"kind": p["kind"], "version": p["version"]}))
        .collect();
    let mut register = credentials.clone();
    register["full_name"] = full_name.into();
    register["accepted_policies"] = accepted.into();
    http.post(format!("{api}/auth/register"))
        .json(&register)
        .send()
        .await
        .unwrap();
    let login: serde_json::Value = http
        .post(format!("{api}/auth/login"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

/// Opens a stall named `name` for the signed-in owner `token` (a cooperative in Cửa Tùng); its id.
pub async fn open_stall(http: &reqwest::Client, api: &str, token: &str, name: &str) -> String {
    let stall: serde_json::Value = http
        .post(format!("{api}/stalls"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "name": name,
            "description": "Đặc sản địa phương",
            "commune_code": "19414",
            "address": "Thôn Tân Lý, xã Cửa Tùng",
            "phone": "0233 3823 456",
            "business_type": "cooperative",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stall["id"].as_str().unwrap().to_owned()
}

/// A field of `/proc/self/status`, in KiB.
pub fn vm(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Resets `VmHWM` to the current RSS (Linux 4.0+).
pub fn reset_peak() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("cannot reset VmHWM; the peak is the sampled one");
    }
}
