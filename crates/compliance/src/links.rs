//! Links to pictures and papers that a submission carries (an identity's documents, a business
//! document's pictures, a report's evidence): each an https URL with a host, no credentials and
//! nothing a link cannot hold, and a few of them at most.

use common::{Error, FieldCode, validate::Validator};

/// The longest link taken, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Whether `url` is `https://host…` with no credentials, space or control character, at most
/// [`MAX_URL_LEN`] long.
pub(crate) fn https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    url.len() <= MAX_URL_LEN
        && !authority.is_empty()
        && !authority.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A list of links in a submission: the field that sends them (`document_urls`), the most
/// it holds counted with the media ids sent beside them, and what the client is told it sent
/// too many of (`documents`).
pub(crate) struct Links {
    field: &'static str,
    max: usize,
    noun: Noun,
}

/// What a list of links is called in the message for too many (each message is in
/// `config/messages.toml` with its Vietnamese text).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Noun {
    /// `at most {max} documents`.
    Documents,
    /// `at most {max} URLs`.
    Urls,
    /// `at most {max} pictures`.
    Pictures,
}

impl Links {
    /// The links of `field`, at most `max`, called `noun` in the message for too many.
    pub(crate) const fn new(field: &'static str, max: usize, noun: Noun) -> Self {
        Self { field, max, noun }
    }

    /// Checks `urls`, sent beside `media` media ids, into `v`: at most [`Links::max`] in all
    /// (the links past it are not read), each [`https_url`]. Returns them trimmed.
    pub(crate) fn check(&self, v: &mut Validator, urls: &[String], media: usize) -> Vec<String> {
        let max = self.max;
        if urls.len() + media > max {
            let (code, message) = match self.noun {
                Noun::Documents => (FieldCode::TooMany, format!("at most {max} documents")),
                Noun::Urls => (FieldCode::TooMany, format!("at most {max} URLs")),
                Noun::Pictures => (FieldCode::TooMany, format!("at most {max} pictures")),
            };
            v.add(self.field, code, message);
        }
        let mut out = Vec::with_capacity(urls.len().min(max));
        for (i, url) in urls.iter().take(max).enumerate() {
            let url = url.trim();
            v.check(
                https_url(url),
                &format!("{}[{i}]", self.field),
                FieldCode::InvalidUrl,
                "must be an https URL without credentials, at most 2048 characters",
            );
            out.push(url.to_owned());
        }
        out
    }
}

/// A list of links or media ids as a row stores it (a JSON array); anything else in the row
/// is corrupt data, an internal error.
pub(crate) fn stored_list<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, Error> {
    serde_json::from_str(text).map_err(|e| Error::internal(format!("a stored list: {e}")))
}
