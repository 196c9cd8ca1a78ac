//! Running a search on the live generation: filters, sorts, the market's tie-break, facet
//! counts, and the stored search documents the hits are read back from.

use std::{collections::BTreeMap, ops::Bound};

use tantivy::{
    DocAddress, Order, Searcher, TantivyDocument, Term,
    aggregation::{
        AggContextParams, AggregationCollector, AggregationLimitsGuard, agg_req::Aggregations,
    },
    collector::{Collector, Count, TopDocs},
    query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery},
    schema::{Field, IndexRecordOption, Value},
};

use super::{files::Generation, internal, query::text_query, schema::ProductFields};
use crate::{
    document::{ProductDoc, StallDoc, rating_rank},
    engine::EngineError,
    exact::words,
    query::{FacetGroup, Facets, ProductQuery, ProductSort, SearchResult, StallQuery},
    synonyms::Synonyms,
};

/// Relevance, then the market's tie-break: among hits of the same relevance (scores equal to
/// two decimals), more verified OCOP stars first, then more units sold. The same order as
/// Meilisearch's ranking rules (`ocop_stars:desc`, `sales_count:desc` after relevance).
fn tie_break(
    segment: &tantivy::SegmentReader,
) -> impl Fn(tantivy::DocId, tantivy::Score) -> (i64, u64, i64) + use<> {
    let stars = segment
        .fast_fields()
        .u64("stars")
        .ok()
        .map(|c| c.first_or_default_col(0));
    let sales = segment
        .fast_fields()
        .i64("sales")
        .ok()
        .map(|c| c.first_or_default_col(0));
    move |doc, score| {
        let relevance = (f64::from(score) * 100.0).round() as i64;
        (
            relevance,
            stars.as_ref().map_or(0, |c| c.get_val(doc)),
            sales.as_ref().map_or(0, |c| c.get_val(doc)),
        )
    }
}

fn i64_range(lo: Option<i64>, hi: Option<i64>, field: Field) -> Box<dyn Query> {
    let bound = |v: Option<i64>| match v {
        Some(v) => Bound::Included(Term::from_field_i64(field, v)),
        None => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(bound(lo), bound(hi)))
}

/// Runs `query` with a top-k collector, a count and the product facets in one pass.
fn collect<C, K>(
    searcher: &Searcher,
    query: &dyn Query,
    top: C,
    facets: Option<AggregationCollector>,
) -> Result<(Vec<DocAddress>, u64, Option<serde_json::Value>), EngineError>
where
    C: Collector<Fruit = Vec<(K, DocAddress)>>,
{
    match facets {
        Some(aggs) => {
            let (hits, count, aggs) = searcher
                .search(query, &(top, Count, aggs))
                .map_err(internal)?;
            let aggs = serde_json::to_value(aggs).map_err(internal)?;
            Ok((
                hits.into_iter().map(|(_, a)| a).collect(),
                count as u64,
                Some(aggs),
            ))
        }
        None => {
            let (hits, count) = searcher.search(query, &(top, Count)).map_err(internal)?;
            Ok((
                hits.into_iter().map(|(_, a)| a).collect(),
                count as u64,
                None,
            ))
        }
    }
}

fn buckets(aggs: &serde_json::Value, name: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    if let Some(list) = aggs[name]["buckets"].as_array() {
        for b in list {
            let key = match &b["key"] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n
                    .as_f64()
                    .map_or_else(|| n.to_string(), |f| format!("{}", f as i64)),
                other => other.to_string(),
            };
            let count = b["doc_count"].as_u64().unwrap_or(0);
            if !key.is_empty() && count > 0 {
                out.insert(key, count);
            }
        }
    }
    out
}

fn load<T: serde::de::DeserializeOwned>(
    searcher: &Searcher,
    doc_field: Field,
    addrs: Vec<DocAddress>,
) -> Result<Vec<T>, EngineError> {
    addrs
        .into_iter()
        .map(|a| {
            let doc: TantivyDocument = searcher.doc(a).map_err(internal)?;
            let json = doc
                .get_first(doc_field)
                .and_then(|v| v.as_str())
                .ok_or_else(|| internal("document without its source"))?;
            serde_json::from_str(json).map_err(internal)
        })
        .collect()
}

/// Products matching the buyer's words and filters, in the asked order, with facet counts (none
/// for a lean search, which also counts only the page it returns).
pub(super) fn product_search(
    g: &Generation,
    q: &ProductQuery,
    synonyms: &Synonyms,
) -> Result<SearchResult<ProductDoc>, EngineError> {
    let f = &g.product_fields;
    let searcher = g.products.searcher();
    let text = text_query(&q.text, f.base.text, synonyms, &searcher);
    let query = product_query(f, q, text.box_clone());
    let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
    if q.lean {
        let found = searcher
            .search(&query, &top.tweak_score(tie_break))
            .map_err(internal)?;
        let hits = load(
            &searcher,
            f.base.doc,
            found.into_iter().map(|(_, a)| a).collect(),
        )?;
        return Ok(SearchResult {
            total: hits.len() as u64,
            hits,
            facets: Facets::default(),
        });
    }
    let facets = Some(product_facets(g, &ALL_GROUPS)?);
    let (addrs, total, aggs) = match sort_field(q) {
        None => collect(&searcher, &query, top.tweak_score(tie_break), facets)?,
        Some((field, order)) => collect(
            &searcher,
            &query,
            top.order_by_fast_field::<i64>(field, order),
            facets,
        )?,
    };
    let hits = if q.limit == 0 {
        Vec::new()
    } else {
        load(&searcher, f.base.doc, addrs)?
    };
    let mut facets = facet_counts(&aggs.unwrap_or_default());
    for group in q.filtered_groups() {
        let without = q.without(group);
        *facets.group_mut(group) = disjunctive_counts(g, &searcher, &without, group, &*text)?;
    }
    Ok(SearchResult {
        hits,
        total,
        facets,
    })
}

/// The counts of `group` over `q` (the search without that group's filter), on the same
/// snapshot as the hits: one more pass, counting only.
fn disjunctive_counts(
    g: &Generation,
    searcher: &Searcher,
    q: &ProductQuery,
    group: FacetGroup,
    text: &dyn Query,
) -> Result<BTreeMap<String, u64>, EngineError> {
    let query = product_query(&g.product_fields, q, text.box_clone());
    let aggs = searcher
        .search(&query, &product_facets(g, &[group])?)
        .map_err(internal)?;
    let aggs = serde_json::to_value(aggs).map_err(internal)?;
    Ok(std::mem::take(facet_counts(&aggs).group_mut(group)))
}

/// The words' query narrowed by the filters: category (with its subcategories), commune,
/// stall, stars of a certificate valid today, price.
fn product_query(f: &ProductFields, q: &ProductQuery, text: Box<dyn Query>) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
    let term = |field: Field, value: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    };
    if let Some(c) = &q.category {
        clauses.push((Occur::Must, term(f.category_path, c)));
    }
    if let Some(c) = &q.commune {
        clauses.push((Occur::Must, term(f.commune, c)));
    }
    if let Some(s) = q.stall {
        clauses.push((Occur::Must, term(f.stall, &s.to_string())));
    }
    if let Some(stars) = q.min_stars {
        clauses.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.stars, u64::from(stars))),
                Bound::Unbounded,
            )),
        ));
        clauses.push((Occur::Must, i64_range(Some(q.today), None, f.valid)));
    }
    if let Some(min) = q.min_rating {
        // The average as shown (tenths) leads the rank: at least `min` whatever the count.
        let lowest = rating_rank(f64::from(min), 0);
        clauses.push((Occur::Must, i64_range(Some(lowest), None, f.rating)));
    }
    // A product's prices run from `price` to `price_max`: it matches when that range meets
    // the one asked.
    if q.price_max.is_some() {
        clauses.push((Occur::Must, i64_range(None, q.price_max, f.price)));
    }
    if q.price_min.is_some() {
        clauses.push((Occur::Must, i64_range(q.price_min, None, f.price_max)));
    }
    BooleanQuery::new(clauses)
}

const ALL_GROUPS: [FacetGroup; 3] = [FacetGroup::Category, FacetGroup::Commune, FacetGroup::Stars];

/// The collector of the product facets of `groups` (category, commune, stars).
fn product_facets(
    g: &Generation,
    groups: &[FacetGroup],
) -> Result<AggregationCollector, EngineError> {
    let mut wanted = serde_json::Map::new();
    for group in groups {
        let (name, agg) = match group {
            FacetGroup::Category => (
                "category",
                serde_json::json!({"terms": {"field": "category_slug", "size": 500}}),
            ),
            FacetGroup::Commune => (
                "commune",
                serde_json::json!({"terms": {"field": "commune", "size": 500}}),
            ),
            FacetGroup::Stars => (
                "stars",
                serde_json::json!({"terms": {"field": "stars", "size": 10}}),
            ),
        };
        wanted.insert(name.to_owned(), agg);
    }
    let aggs: Aggregations =
        serde_json::from_value(serde_json::Value::Object(wanted)).map_err(internal)?;
    Ok(AggregationCollector::from_aggs(
        aggs,
        AggContextParams::new(
            AggregationLimitsGuard::default(),
            g.products.index.tokenizers().clone(),
        ),
    ))
}

/// The fast field the hits are sorted by, or `None` for relevance (newest first when there are
/// no words to be relevant to).
fn sort_field(q: &ProductQuery) -> Option<(&'static str, Order)> {
    let sort = if q.sort == ProductSort::Relevance && words(&q.text).is_empty() {
        ProductSort::Newest
    } else {
        q.sort
    };
    match sort {
        ProductSort::Relevance => None,
        ProductSort::PriceAsc => Some(("price", Order::Asc)),
        ProductSort::PriceDesc => Some(("price_max", Order::Desc)),
        ProductSort::Newest => Some(("created", Order::Desc)),
        ProductSort::Bestselling => Some(("sales", Order::Desc)),
        ProductSort::Rating => Some(("rating", Order::Desc)),
    }
}

/// The facet counts of the aggregation results; products without stars are not a star facet.
fn facet_counts(aggs: &serde_json::Value) -> Facets {
    let mut stars = buckets(aggs, "stars");
    stars.remove("0");
    Facets {
        category: buckets(aggs, "category"),
        commune: buckets(aggs, "commune"),
        ocop_stars: stars,
    }
}

pub(super) fn stall_search(
    g: &Generation,
    q: &StallQuery,
    synonyms: &Synonyms,
) -> Result<SearchResult<StallDoc>, EngineError> {
    let f = &g.stall_fields;
    let searcher = g.stalls.searcher();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        text_query(&q.text, f.base.text, synonyms, &searcher),
    )];
    if let Some(c) = &q.commune {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(f.commune, c),
                IndexRecordOption::Basic,
            )),
        ));
    }
    let query = BooleanQuery::new(clauses);
    let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
    let (addrs, total, _) = if words(&q.text).is_empty() {
        collect(
            &searcher,
            &query,
            top.order_by_fast_field::<i64>("approved", Order::Desc),
            None,
        )?
    } else {
        collect(&searcher, &query, top.order_by_score(), None)?
    };
    let hits = if q.limit == 0 {
        Vec::new()
    } else {
        load(&searcher, f.base.doc, addrs)?
    };
    Ok(SearchResult {
        hits,
        total,
        facets: Facets::default(),
    })
}
