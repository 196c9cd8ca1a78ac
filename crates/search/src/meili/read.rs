//! Searches as lean as an answer needs, on the hot path of every buyer's keystroke: the JSON
//! body written once with its length (the SDK streams request bodies in chunks and reads
//! answers through a `String`), answers decoded straight from the bytes into the engine's own
//! types, and a suggestion's products and stalls asked in one multi-search. Writes, settings
//! and tasks stay with the SDK: they are rare and wait for Meilisearch's own queue anyway.

use std::{collections::BTreeMap, time::Duration};

use reqwest::{
    Url,
    header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::engine::EngineError;

/// How long one search may take before the engine counts as unavailable.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Which hits a search asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Window {
    /// A numbered page: Meilisearch counts every match exactly (`totalHits`), as a paged
    /// answer's `total` needs.
    Page { page: usize, per_page: usize },
    /// The top hits only, with an estimated count: cheaper, for suggestions and probes.
    Top { offset: usize, limit: usize },
}

/// One search as Meilisearch reads it (`POST /indexes/{uid}/search`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Ask<'a> {
    pub q: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hits_per_page: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<usize>,
    matching_strategy: &'static str,
    attributes_to_retrieve: &'static [&'static str],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub facets: &'static [&'static str],
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub sort: &'static [&'static str],
}

impl<'a> Ask<'a> {
    /// A search for `q` that needs every typed word (`matchingStrategy: all`) and reads back
    /// only `fields`.
    pub fn new(q: &'a str, window: Window, fields: &'static [&'static str]) -> Self {
        let (page, hits_per_page, offset, limit) = match window {
            Window::Page { page, per_page } => (Some(page), Some(per_page), None, None),
            Window::Top { offset, limit } => (None, None, Some(offset), Some(limit)),
        };
        Self {
            q,
            page,
            hits_per_page,
            offset,
            limit,
            matching_strategy: "all",
            attributes_to_retrieve: fields,
            facets: &[],
            filter: String::new(),
            sort: &[],
        }
    }
}

/// What Meilisearch answers to a search: the hits and counts the engine uses, nothing else.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Found<T> {
    pub hits: Vec<T>,
    #[serde(default)]
    total_hits: Option<u64>,
    #[serde(default)]
    estimated_total_hits: Option<u64>,
    #[serde(default)]
    facet_distribution: BTreeMap<String, BTreeMap<String, u64>>,
}

impl<T> Found<T> {
    /// How many documents matched: exact for a page, estimated for the top hits.
    pub fn total(&self) -> u64 {
        self.total_hits.or(self.estimated_total_hits).unwrap_or(0)
    }

    /// The counts of facet `name`, without empty values (a document without a category or
    /// certificate counts under `""` or `0`).
    pub fn facet(&mut self, name: &str) -> BTreeMap<String, u64> {
        let mut counts = self.facet_distribution.remove(name).unwrap_or_default();
        counts.retain(|k, v| *v > 0 && !k.is_empty() && k != "0");
        counts
    }
}

/// The answers of a multi-search of two queries, in the order asked.
#[derive(Deserialize)]
struct Both<A, B> {
    results: (Found<A>, Found<B>),
}

/// Why a search failed.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The index does not exist yet (a new deployment, or one whose Meilisearch lost its
    /// data): the engine creates it and asks again.
    Missing,
    /// Any other failure.
    Failed(EngineError),
}

impl From<ReadError> for EngineError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Missing => EngineError::Internal("the Meilisearch index is missing".into()),
            ReadError::Failed(e) => e,
        }
    }
}

/// Meilisearch's error answer, for the message.
#[derive(Deserialize)]
struct Refusal {
    message: String,
    #[serde(default)]
    code: String,
}

/// A client for the search routes of one deployment's two indexes, their addresses parsed
/// once.
pub(super) struct Reader {
    http: reqwest::Client,
    products_uid: String,
    stalls_uid: String,
    products: Url,
    stalls: Url,
    multi: Url,
}

impl Reader {
    /// A reader of indexes `products_uid` and `stalls_uid` on the server at `url`, with `key`
    /// as its bearer token.
    pub fn new(
        url: &str,
        key: Option<&str>,
        products_uid: &str,
        stalls_uid: &str,
    ) -> Result<Self, EngineError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                EngineError::Internal("the Meilisearch key is not a valid header value".into())
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .tcp_nodelay(true)
            // Searches are never redirected: no redirect policy to run on every answer.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(SEARCH_TIMEOUT)
            .build()
            .map_err(|e| EngineError::Internal(format!("Meilisearch client: {e}")))?;
        let base = url.trim_end_matches('/');
        let parse = |path: String| {
            Url::parse(&format!("{base}{path}"))
                .map_err(|e| EngineError::Internal(format!("Meilisearch address {url:?}: {e}")))
        };
        Ok(Self {
            http,
            products: parse(format!("/indexes/{products_uid}/search"))?,
            stalls: parse(format!("/indexes/{stalls_uid}/search"))?,
            multi: parse("/multi-search".to_owned())?,
            products_uid: products_uid.to_owned(),
            stalls_uid: stalls_uid.to_owned(),
        })
    }

    /// One search of the products.
    pub async fn products<T: DeserializeOwned>(
        &self,
        ask: &Ask<'_>,
    ) -> Result<Found<T>, ReadError> {
        self.post(&self.products, ask).await
    }

    /// One search of the stalls.
    pub async fn stalls<T: DeserializeOwned>(&self, ask: &Ask<'_>) -> Result<Found<T>, ReadError> {
        self.post(&self.stalls, ask).await
    }

    /// A search of the products and one of the stalls in one round trip (a multi-search).
    pub async fn both<A: DeserializeOwned, B: DeserializeOwned>(
        &self,
        products: &Ask<'_>,
        stalls: &Ask<'_>,
    ) -> Result<(Found<A>, Found<B>), ReadError> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Of<'q, 'a> {
            index_uid: &'q str,
            #[serde(flatten)]
            ask: &'q Ask<'a>,
        }
        #[derive(Serialize)]
        struct Queries<'q, 'a> {
            queries: [Of<'q, 'a>; 2],
        }
        let queries = Queries {
            queries: [
                Of {
                    index_uid: &self.products_uid,
                    ask: products,
                },
                Of {
                    index_uid: &self.stalls_uid,
                    ask: stalls,
                },
            ],
        };
        let both: Both<A, B> = self.post(&self.multi, &queries).await?;
        Ok(both.results)
    }

    /// Several searches of the products in one round trip (a multi-search), answered in the
    /// order asked.
    pub async fn products_many<T: DeserializeOwned>(
        &self,
        asks: &[Ask<'_>],
    ) -> Result<Vec<Found<T>>, ReadError> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Of<'q, 'a> {
            index_uid: &'q str,
            #[serde(flatten)]
            ask: &'q Ask<'a>,
        }
        #[derive(Serialize)]
        struct Queries<'q, 'a> {
            queries: Vec<Of<'q, 'a>>,
        }
        #[derive(Deserialize)]
        struct All<T> {
            results: Vec<Found<T>>,
        }
        let queries = Queries {
            queries: asks
                .iter()
                .map(|ask| Of {
                    index_uid: &self.products_uid,
                    ask,
                })
                .collect(),
        };
        let all: All<T> = self.post(&self.multi, &queries).await?;
        if all.results.len() != asks.len() {
            return Err(ReadError::Failed(EngineError::Internal(format!(
                "Meilisearch answered {} searches of {}",
                all.results.len(),
                asks.len()
            ))));
        }
        Ok(all.results)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &Url,
        body: &B,
    ) -> Result<T, ReadError> {
        let failed = |e: EngineError| ReadError::Failed(e);
        let body = serde_json::to_vec(body)
            .map_err(|e| failed(EngineError::Internal(format!("search request: {e}"))))?;
        let res = self
            .http
            .post(url.clone())
            .body(body)
            .send()
            .await
            .map_err(|e| failed(EngineError::Unavailable(format!("Meilisearch: {e}"))))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| failed(EngineError::Unavailable(format!("Meilisearch: {e}"))))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                failed(EngineError::Internal(format!(
                    "unreadable Meilisearch answer: {e}"
                )))
            });
        }
        let refusal = serde_json::from_slice::<Refusal>(&bytes).ok();
        if refusal
            .as_ref()
            .is_some_and(|r| r.code == "index_not_found")
        {
            return Err(ReadError::Missing);
        }
        let why = refusal.map_or_else(
            || format!("Meilisearch answered {status}"),
            |r| format!("Meilisearch answered {status} ({}): {}", r.code, r.message),
        );
        // Overloaded or failing servers may recover; a refused request will not.
        Err(failed(
            if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                EngineError::Unavailable(why)
            } else {
                EngineError::Internal(why)
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_asks_for_an_exact_count_and_the_top_hits_do_not() {
        let fields: &'static [&'static str] = &["id", "name"];
        let page = Ask::new(
            "nuoc mam",
            Window::Page {
                page: 2,
                per_page: 20,
            },
            fields,
        );
        assert_eq!(
            serde_json::to_value(&page).unwrap_or_default(),
            serde_json::json!({"q": "nuoc mam", "page": 2, "hitsPerPage": 20,
                "matchingStrategy": "all", "attributesToRetrieve": ["id", "name"]})
        );
        let mut top = Ask::new(
            "ca ph",
            Window::Top {
                offset: 0,
                limit: 5,
            },
            fields,
        );
        top.filter = "price >= 1".into();
        top.sort = &["price:asc"];
        assert_eq!(
            serde_json::to_value(&top).unwrap_or_default(),
            serde_json::json!({"q": "ca ph", "offset": 0, "limit": 5,
                "matchingStrategy": "all", "attributesToRetrieve": ["id", "name"],
                "filter": "price >= 1", "sort": ["price:asc"]})
        );
    }

    #[test]
    fn answers_read_their_counts_and_drop_empty_facet_values() {
        let mut found: Found<serde_json::Value> = serde_json::from_str(
            r#"{"hits":[{"id":1}],"query":"x","processingTimeMs":1,"totalHits":7,
                "facetDistribution":{"ocop_stars":{"0":5,"4":2},"commune_code":{"":1,"19429":6}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.total(), 7);
        assert_eq!(found.facet("ocop_stars"), BTreeMap::from([("4".into(), 2)]));
        assert_eq!(
            found.facet("commune_code"),
            BTreeMap::from([("19429".into(), 6)])
        );
        assert!(found.facet("category_slug").is_empty());
        let estimated: Found<serde_json::Value> =
            serde_json::from_str(r#"{"hits":[],"estimatedTotalHits":0,"limit":5,"offset":0}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(estimated.total(), 0);
    }
}
