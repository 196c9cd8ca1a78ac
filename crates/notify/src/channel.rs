//! The channels that carry a delivery out of the process, behind one trait: email by SMTP and
//! the stalls' webhooks by signed HTTP.

use std::{net::IpAddr, time::Duration};

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, message::header::ContentType};
use uuid::Uuid;

/// One message on its way out.
#[derive(Clone, Debug)]
pub struct Message {
    /// The delivery's id: the email's `Message-ID` and the webhook's `webhook-id`, the same on
    /// every retry, so that a receiver can drop a duplicate.
    pub id: Uuid,
    /// The address or the URL.
    pub to: String,
    /// The email's subject (or the event's name).
    pub subject: String,
    /// The email's text or the webhook's JSON.
    pub body: String,
    /// Extra headers (the webhook's signature).
    pub headers: Vec<(String, String)>,
}

/// Why a message did not go.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (a server down, a 4xx from SMTP, a 5xx from a webhook).
    #[error("{message}")]
    Transient {
        /// The HTTP status, for webhooks.
        status: Option<u16>,
        /// What happened.
        message: String,
    },
    /// Will never work (an address refused, a URL that is not allowed).
    #[error("{message}")]
    Permanent {
        /// The HTTP status, for webhooks.
        status: Option<u16>,
        /// What happened.
        message: String,
    },
}

impl SendError {
    fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            status: None,
            message: message.into(),
        }
    }

    fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent {
            status: None,
            message: message.into(),
        }
    }

    /// The HTTP status, if the receiver answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Transient { status, .. } | Self::Permanent { status, .. } => *status,
        }
    }
}

/// A way out for deliveries.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The channel's name in delivery rows (`email`, `webhook`).
    fn name(&self) -> &'static str;

    /// Sends one message; `Ok` with the receiver's status (HTTP) once it was accepted.
    async fn send(&self, message: &Message) -> Result<Option<u16>, SendError>;
}

/// Email by SMTP.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    /// A mailer for `url` (`smtp://host:port` plain, `smtp://…?tls=required` for STARTTLS,
    /// `smtps://host:465` for implicit TLS), signing in with `credentials` when given.
    pub fn new(
        url: &str,
        credentials: Option<(String, String)>,
        from: &str,
    ) -> Result<Self, String> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("notify.smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password),
            );
        }
        let from = from
            .parse()
            .map_err(|e| format!("notify.from is not a mailbox: {e}"))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Channel for Smtp {
    fn name(&self) -> &'static str {
        crate::channels::EMAIL
    }

    async fn send(&self, m: &Message) -> Result<Option<u16>, SendError> {
        let to =
            m.to.parse::<lettre::message::Mailbox>()
                .map_err(|e| SendError::permanent(format!("not an email address: {e}")))?;
        let domain = self.from.email.domain().to_owned();
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", m.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| SendError::permanent(format!("cannot build the email: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(None),
            Err(e) if e.is_permanent() => Err(SendError::permanent(e.to_string())),
            Err(e) => Err(SendError::transient(e.to_string())),
        }
    }
}

/// Webhooks by HTTP POST.
pub struct WebhookSender {
    http: reqwest::Client,
    allow_private: bool,
}

impl WebhookSender {
    /// A sender; `allow_private` lets webhooks reach loopback and private addresses (for
    /// development and tests: in production a stall must not reach the marketplace's own
    /// network through its webhook).
    pub fn new(timeout: Duration, allow_private: bool) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            allow_private,
        }
    }

    async fn check_address(&self, url: &url::Url) -> Result<(), SendError> {
        if self.allow_private {
            return Ok(());
        }
        let host = url
            .host_str()
            .ok_or_else(|| SendError::permanent("the URL has no host"))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| SendError::transient(format!("cannot resolve {host}: {e}")))?;
        for a in addrs {
            if !is_public(a.ip()) {
                return Err(SendError::permanent(format!(
                    "{host} resolves to {}, which is not a public address",
                    a.ip()
                )));
            }
        }
        Ok(())
    }
}

/// Whether `ip` is on the public internet (not loopback, private, link-local, …).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

#[async_trait]
impl Channel for WebhookSender {
    fn name(&self) -> &'static str {
        crate::channels::WEBHOOK
    }

    async fn send(&self, m: &Message) -> Result<Option<u16>, SendError> {
        let url =
            url::Url::parse(&m.to).map_err(|e| SendError::permanent(format!("not a URL: {e}")))?;
        self.check_address(&url).await?;
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("user-agent", "marketplace-webhooks/1");
        for (k, v) in &m.headers {
            req = req.header(k, v);
        }
        let res = req
            .body(m.body.clone())
            .send()
            .await
            .map_err(|e| SendError::transient(format!("no answer: {e}")))?;
        let code = res.status().as_u16();
        if res.status().is_success() {
            return Ok(Some(code));
        }
        let message = format!("the receiver answered {code}");
        // 410 Gone is the receiver's way of saying "stop".
        if code == 410 {
            Err(SendError::Permanent {
                status: Some(code),
                message,
            })
        } else {
            Err(SendError::Transient {
                status: Some(code),
                message,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = private.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(!is_public(ip), "{private}");
        }
        for public in ["203.113.131.1", "8.8.8.8", "2001:4860:4860::8888"] {
            let ip: IpAddr = public.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(is_public(ip), "{public}");
        }
    }
}
