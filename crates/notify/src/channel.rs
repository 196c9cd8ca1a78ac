//! The channels that carry a delivery out of the process, behind one trait: email by SMTP and
//! the stalls' webhooks by signed HTTP.

use std::{error::Error as _, sync::Arc, time::Duration};

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, message::header::ContentType};
use uuid::Uuid;

use crate::address::{Refused, Resolver};

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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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

/// Webhooks by HTTP POST, only to public addresses (see [`crate::address`]): an address
/// literal is checked before the request, a name by the client's resolver, which hands the
/// client only the addresses it checked. Redirects are not followed and no proxy is used, so
/// nothing but the checked address is ever connected to.
pub struct WebhookSender {
    http: Result<reqwest::Client, String>,
    resolver: Resolver,
}

impl WebhookSender {
    /// A sender; `allow_private` lets webhooks reach loopback, private and other
    /// special-purpose addresses (for development and tests: in production a stall must not
    /// reach the marketplace's own network through its webhook).
    pub fn new(timeout: Duration, allow_private: bool) -> Self {
        Self::with_resolver(timeout, Resolver::new(allow_private))
    }

    /// A sender whose names are looked up by `resolver`.
    pub fn with_resolver(timeout: Duration, resolver: Resolver) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(resolver.clone()))
            .build()
            // Not the default client: it would follow redirects and resolve names unchecked.
            .map_err(|e| format!("the webhook HTTP client cannot be built: {e}"));
        if let Err(e) = &http {
            tracing::error!(error = %e, "webhooks cannot be sent");
        }
        Self { http, resolver }
    }
}

impl From<Refused> for SendError {
    fn from(r: Refused) -> Self {
        match r {
            // The resolver may be down: worth another try.
            Refused::Unresolved { .. } => Self::transient(r.to_string()),
            _ => Self::permanent(r.to_string()),
        }
    }
}

/// Why a request failed: the resolver's refusal if it refused, else the whole chain of causes
/// (reqwest's own message does not say whether it was DNS, the connection or TLS).
fn request_error(e: &reqwest::Error) -> SendError {
    let causes = || std::iter::successors(e.source(), |&c| c.source());
    if let Some(refused) = causes().find_map(|c| c.downcast_ref::<Refused>()) {
        return refused.clone().into();
    }
    let mut message = format!("no answer: {e}");
    for c in causes() {
        message.push_str(&format!(": {c}"));
    }
    SendError::transient(message)
}

#[async_trait]
impl Channel for WebhookSender {
    fn name(&self) -> &'static str {
        crate::channels::WEBHOOK
    }

    async fn send(&self, m: &Message) -> Result<Option<u16>, SendError> {
        let url =
            url::Url::parse(&m.to).map_err(|e| SendError::permanent(format!("not a URL: {e}")))?;
        self.resolver.precheck(&url)?;
        let http = self.http.as_ref().map_err(SendError::transient)?;
        let mut req = http
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
            .map_err(|e| request_error(&e))?;
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
    use std::{
        net::{IpAddr, Ipv4Addr, Ipv6Addr},
        sync::atomic::{AtomicUsize, Ordering},
    };

    use testkit::webhooks::TestReceiver;

    use super::*;
    use crate::address::Lookup;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /// A lookup answering `answers` in turn (the last one again and again), counting calls.
    struct Answers {
        answers: Vec<IpAddr>,
        calls: AtomicUsize,
    }

    impl Answers {
        fn new(answers: &[IpAddr]) -> Arc<Self> {
            Arc::new(Self {
                answers: answers.to_vec(),
                calls: AtomicUsize::new(0),
            })
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl Lookup for Answers {
        async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(vec![self.answers[n.min(self.answers.len() - 1)]])
        }
    }

    fn sender(allow_private: bool, lookup: Arc<Answers>) -> WebhookSender {
        WebhookSender::with_resolver(
            Duration::from_secs(1),
            Resolver::with_lookup(allow_private, lookup),
        )
    }

    /// A signed event for `to`.
    fn event(to: &str) -> Message {
        let id = Uuid::now_v7();
        let ts = chrono::Utc::now().timestamp();
        let body = r#"{"type":"ping","data":{}}"#.to_owned();
        let sig = crate::webhooks::sign(SECRET, &id.to_string(), ts, &body);
        Message {
            id,
            to: to.to_owned(),
            subject: "ping".into(),
            headers: vec![
                ("webhook-id".into(), id.to_string()),
                ("webhook-timestamp".into(), ts.to_string()),
                ("webhook-signature".into(), format!("v1,{sig}")),
            ],
            body,
        }
    }

    #[tokio::test]
    async fn an_ipv6_literal_is_delivered() {
        let receiver = TestReceiver::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST)).await;
        receiver.trust(SECRET);
        let lookup = Answers::new(&[]);
        let s = sender(true, lookup.clone());
        assert!(
            receiver.url.starts_with("http://[::1]:"),
            "{}",
            receiver.url
        );
        assert_eq!(s.send(&event(&receiver.url)).await, Ok(Some(204)));
        assert_eq!(receiver.accepted().len(), 1);
        assert_eq!(lookup.calls(), 0, "an address literal is not looked up");
    }

    /// An IPv6 literal is checked as the address it is, not looked up with its brackets (which
    /// fails, so no IPv6 webhook ever went out): here it is refused for good as loopback.
    #[tokio::test]
    async fn an_ipv6_literal_is_checked_as_an_address() {
        let receiver = TestReceiver::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST)).await;
        receiver.trust(SECRET);
        let lookup = Answers::new(&[]);
        let s = sender(false, lookup.clone());
        match s.send(&event(&receiver.url)).await {
            Err(SendError::Permanent { message, .. }) => {
                assert_eq!(
                    message,
                    "::1 is in the loopback (::1/128) block, not a public address"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(receiver.received().is_empty());
        assert_eq!(lookup.calls(), 0);
    }

    /// The name is looked up once, by the client's own resolver, and the address it answered is
    /// the one connected to, with the name kept as the `Host`.
    #[tokio::test]
    async fn a_name_is_looked_up_once_and_its_checked_address_connected_to() {
        let receiver = TestReceiver::start().await;
        receiver.trust(SECRET);
        let lookup = Answers::new(&[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        let s = sender(true, lookup.clone());
        let port = receiver.addr.port();
        let url = format!("http://hooks.example.test:{port}/hook");
        assert_eq!(s.send(&event(&url)).await, Ok(Some(204)));
        assert_eq!(lookup.calls(), 1);
        let got = receiver.accepted();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].host, format!("hooks.example.test:{port}"));
    }

    /// A name answering a private address is refused at delivery before any connection.
    #[tokio::test]
    async fn a_name_resolving_to_a_private_address_is_never_connected_to() {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let lookup = Answers::new(&[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        let s = sender(false, lookup.clone());
        let url = format!("http://hooks.example.vn:{port}/hook");
        match s.send(&event(&url)).await {
            Err(SendError::Permanent { message, .. }) => {
                assert_eq!(
                    message,
                    "hooks.example.vn: 127.0.0.1 is in the loopback (127.0.0.0/8) block, \
                     not a public address"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(lookup.calls(), 1);
        let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
        assert!(accepted.is_err(), "a connection was made");
    }

    /// DNS rebinding: a name answering a public address, then a private one. The one lookup
    /// is the address the client tries; the private answer is never asked for, let alone used.
    #[tokio::test]
    async fn a_rebinding_name_never_reaches_its_second_answer() {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let lookup = Answers::new(&[
            IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)),
            IpAddr::V4(Ipv4Addr::LOCALHOST),
        ]);
        let s = sender(false, lookup.clone());
        let url = format!("http://rebind.example.vn:{port}/hook");
        // Offline, or with nothing listening there, the public address does not answer.
        assert!(s.send(&event(&url)).await.is_err());
        assert_eq!(lookup.calls(), 1);
        let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
        assert!(accepted.is_err(), "the private address was connected to");
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_tried_again_later() {
        struct Nothing;
        #[async_trait]
        impl Lookup for Nothing {
            async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
                Err(std::io::Error::other("no such name"))
            }
        }
        let s = WebhookSender::with_resolver(
            Duration::from_secs(1),
            Resolver::with_lookup(false, Arc::new(Nothing)),
        );
        match s.send(&event("http://gone.example.vn/hook")).await {
            Err(SendError::Transient { message, .. }) => {
                assert!(
                    message.contains("cannot resolve gone.example.vn"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
