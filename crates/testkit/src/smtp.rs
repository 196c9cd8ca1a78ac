//! A mail server on a loopback port for tests: it holds a real SMTP conversation (greeting,
//! EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records each message whole, decodes what tests
//! read (the subject's encoded words, quoted-printable and base64 bodies), and can be switched
//! into an outage (new connections and new messages are refused with 421).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use crate::lock;
use base64::{Engine, engine::general_purpose::STANDARD};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub raw: String,
}

impl Mail {
    /// A header's value (unfolded, encoded words decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| decode_words(v.trim()))
        })
    }

    /// The subject, decoded.
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The text body, decoded by its `Content-Transfer-Encoding`.
    pub fn body(&self) -> String {
        let body = self.raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap_or_default(),
            "quoted-printable" => quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    /// The first `?token=` value in the body (the link of an account email).
    pub fn token(&self) -> Option<String> {
        let body = self.body();
        let start = body.find("token=")? + "token=".len();
        Some(
            body[start..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect(),
        )
    }
}

#[derive(Default)]
struct Inner {
    mails: Vec<Mail>,
    down: bool,
    connections: usize,
}

/// The running server.
#[derive(Clone)]
pub struct TestSmtp {
    /// `smtp://127.0.0.1:PORT`, for `notify.smtp_url`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl TestSmtp {
    /// Starts a server on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port is free.
    pub async fn start() -> Self {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|e| panic!("no loopback port for the mail server: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("mail server has no address: {e}"));
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = inner.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = shared.clone();
                tokio::spawn(async move {
                    let _ = converse(stream, inner).await;
                });
            }
        });
        Self {
            url: format!("smtp://{addr}"),
            inner,
        }
    }

    /// Every message accepted so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        lock(&self.inner).mails.clone()
    }

    /// The messages to `address`, oldest first.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Starts (`true`) or ends an outage.
    pub fn set_down(&self, down: bool) {
        lock(&self.inner).down = down;
    }

    /// How many connections were opened so far.
    pub fn connections(&self) -> usize {
        lock(&self.inner).connections
    }
}

async fn converse(stream: TcpStream, inner: Arc<Mutex<Inner>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let down = {
        let mut st = lock(&inner);
        st.connections += 1;
        st.down
    };
    if down {
        write.write_all(b"421 4.3.2 testkit is down\r\n").await?;
        return Ok(());
    }
    write.write_all(b"220 testkit ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-testkit\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 testkit\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            if lock(&inner).down {
                write.write_all(b"421 4.3.2 testkit is down\r\n").await?;
                return Ok(());
            }
            from = address(&command["MAIL FROM:".len()..]);
            to.clear();
            write.write_all(b"250 2.1.0 ok\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command["RCPT TO:".len()..]));
            write.write_all(b"250 2.1.5 ok\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Dot-stuffing: a leading dot was doubled by the client.
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            lock(&inner).mails.push(Mail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                raw: raw.trim_end_matches("\r\n").to_owned(),
            });
            write.write_all(b"250 2.0.0 queued\r\n").await?;
        } else if upper == "RSET" {
            to.clear();
            write.write_all(b"250 2.0.0 ok\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 2.0.0 ok\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 5.5.2 not implemented\r\n").await?;
        }
    }
}

fn address(arg: &str) -> String {
    let arg = arg.trim();
    let inner = arg
        .strip_prefix('<')
        .and_then(|a| a.split_once('>'))
        .map_or(arg, |(a, _)| a);
    inner.to_owned()
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); the whitespace between
/// two encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    for part in value.split(' ') {
        let decoded = part
            .strip_prefix("=?")
            .and_then(|p| p.strip_suffix("?="))
            .and_then(|p| {
                let mut it = p.splitn(3, '?');
                let (_charset, enc, text) = (it.next()?, it.next()?, it.next()?);
                let bytes = match enc.to_ascii_lowercase().as_str() {
                    "b" => STANDARD.decode(text).ok()?,
                    "q" => quoted_printable(&text.replace('_', " ")),
                    _ => return None,
                };
                Some(String::from_utf8_lossy(&bytes).into_owned())
            });
        match decoded {
            Some(d) => {
                if !out.is_empty() && !last_was_word {
                    out.push(' ');
                }
                out.push_str(&d);
                last_was_word = true;
            }
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(part);
                last_was_word = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_bodies_decode() {
        assert_eq!(
            decode_words("=?utf-8?b?xJDGoW4gaMOgbmc=?= =?utf-8?b?IG3hu5tp?="),
            "Đơn hàng mới"
        );
        assert_eq!(decode_words("plain text"), "plain text");
        assert_eq!(
            quoted_printable("Ch=C3=A0o=\r\n b=E1=BA=A1n"),
            "Chào bạn".as_bytes()
        );
    }
}
