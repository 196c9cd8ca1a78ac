//! The search contract: what buyers can rely on, whichever engine answers. Every test runs on
//! the embedded engine; the `meilisearch` twins run when `MEILI_URL` (and `MEILI_MASTER_KEY`)
//! name a Meilisearch server, with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use chrono::{Duration, Utc};
use search::{
    SearchEngine,
    document::{ProductDoc, StallDoc, day_number},
    embedded::Embedded,
    meili::Meili,
    query::{ProductQuery, ProductSort, StallQuery},
};
use uuid::Uuid;

struct Engine {
    engine: Arc<dyn SearchEngine>,
    dir: Option<std::path::PathBuf>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn embedded() -> Engine {
    let dir = std::env::temp_dir().join(format!("marketplace-contract-{}", Uuid::now_v7()));
    Engine {
        engine: Arc::new(Embedded::open(&dir).unwrap()),
        dir: Some(dir),
    }
}

fn meilisearch() -> Engine {
    let url = std::env::var("MEILI_URL").expect("set MEILI_URL to run the Meilisearch contract");
    let key = std::env::var("MEILI_MASTER_KEY").ok();
    let prefix = format!("t{}_", Uuid::now_v7().simple());
    Engine {
        engine: Arc::new(Meili::new(&url, key.as_deref(), &prefix).unwrap()),
        dir: None,
    }
}

macro_rules! contract {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let e = super::embedded();
                ($body)(e.engine.clone()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs Meilisearch: set MEILI_URL and run with --ignored"]
            async fn meilisearch() {
                let e = super::meilisearch();
                ($body)(e.engine.clone()).await;
            }
        }
    };
}

fn today() -> i64 {
    day_number((Utc::now() + Duration::hours(7)).date_naive())
}

const STALL_A: u128 = 0xA;
const STALL_B: u128 = 0xB;

#[allow(clippy::too_many_arguments, reason = "a fixture row")]
fn doc(
    n: u128,
    name: &str,
    category: &[&str],
    commune: &str,
    price: i64,
    stars: u8,
    valid_days: i64,
    stall: u128,
    sales: i64,
) -> ProductDoc {
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    ProductDoc {
        id: Uuid::from_u128(n),
        slug: format!("p{n}"),
        name: name.into(),
        name_folded: common::text::fold(name),
        description: format!("Đặc sản {name}"),
        price,
        price_max: price,
        regular_price: 0,
        regular_price_max: 0,
        in_stock: true,
        unit: "chai".into(),
        image: None,
        ocop_stars: stars,
        ocop_valid_until: if stars > 0 {
            day_number(today + Duration::days(valid_days))
        } else {
            0
        },
        commune_code: commune.into(),
        category_id: Some(Uuid::from_u128(0xCA7)),
        category_slug: category[0].into(),
        category_path: category.iter().map(|s| s.to_string()).collect(),
        category_name: category[0].replace('-', " "),
        stall_id: Uuid::from_u128(stall),
        stall_slug: format!("stall-{stall}"),
        stall_name: if stall == STALL_A {
            "HTX Cửa Tùng".into()
        } else {
            "Gian hàng Khe Sanh".into()
        },
        created_at: 1_700_000_000 + n as i64 * 1000,
        sales_count: sales,
        rating_average: 0.0,
        rating_count: 0,
    }
}

fn fixture() -> Vec<ProductDoc> {
    vec![
        doc(
            1,
            "Nước mắm Cửa Tùng 40 độ đạm",
            &["gia-vi-nuoc-cham", "thuc-pham"],
            "19414",
            120_000,
            4,
            300,
            STALL_A,
            50,
        ),
        doc(
            2,
            "Nuoc mam pha san",
            &["gia-vi-nuoc-cham", "thuc-pham"],
            "19414",
            30_000,
            0,
            0,
            STALL_A,
            5,
        ),
        doc(
            3,
            "Dầu tràm Huế",
            &["tinh-dau", "thao-duoc"],
            "19495",
            90_000,
            4,
            300,
            STALL_A,
            80,
        ),
        doc(
            4,
            "Cà phê Khe Sanh rang mộc",
            &["ca-phe", "do-uong"],
            "19429",
            165_000,
            4,
            -1,
            STALL_B,
            120,
        ),
        doc(
            5,
            "Đậu xanh Cam Lộ",
            &["nong-san-tuoi", "thuc-pham"],
            "19597",
            40_000,
            0,
            0,
            STALL_B,
            10,
        ),
        doc(
            6,
            "Dâu tây Hướng Hóa",
            &["nong-san-tuoi", "thuc-pham"],
            "19441",
            150_000,
            0,
            0,
            STALL_B,
            15,
        ),
        doc(
            7,
            "Mật ong rừng Hướng Phùng",
            &["mat-ong", "thuc-pham"],
            "19441",
            380_000,
            5,
            300,
            STALL_B,
            70,
        ),
        doc(
            8,
            "Hồ tiêu đỏ Vĩnh Linh",
            &["gia-vi-nuoc-cham", "thuc-pham"],
            "19363",
            220_000,
            3,
            300,
            STALL_A,
            60,
        ),
        doc(
            9,
            "Trà hoa cà phê",
            &["tra", "do-uong"],
            "19429",
            95_000,
            0,
            0,
            STALL_B,
            30,
        ),
    ]
}

async fn loaded(e: &Arc<dyn SearchEngine>) {
    e.upsert_products(fixture()).await.unwrap();
}

fn q(text: &str) -> ProductQuery {
    ProductQuery {
        text: text.into(),
        limit: 20,
        today: today(),
        ..Default::default()
    }
}

async fn names(e: &Arc<dyn SearchEngine>, query: ProductQuery) -> Vec<String> {
    e.search_products(&query)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.name)
        .collect()
}

async fn ids(e: &Arc<dyn SearchEngine>, query: ProductQuery) -> Vec<u128> {
    let mut v: Vec<u128> = e
        .search_products(&query)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id.as_u128())
        .collect();
    v.sort();
    v
}

contract!(diacritics_fold, |e: Arc<dyn SearchEngine>| async move {
    loaded(&e).await;
    assert_eq!(ids(&e, q("nuoc mam")).await, [1, 2]);
    assert_eq!(ids(&e, q("dau tram")).await, [3]);
    // "xanh" is one typo from the stall "Khe Sanh" too; the bean ranks first.
    let hits = names(&e, q("dau xanh")).await;
    assert_eq!(
        hits.first().map(String::as_str),
        Some("Đậu xanh Cam Lộ"),
        "đ matches d: {hits:?}"
    );
    assert_eq!(ids(&e, q("DẦU TRÀM")).await, [3]);
    assert_eq!(ids(&e, q("mat ong rung")).await, [7]);
});

contract!(typos_and_prefixes, |e: Arc<dyn SearchEngine>| async move {
    loaded(&e).await;
    let hits = names(&e, q("ca phe khe san")).await;
    assert_eq!(
        hits.first().map(String::as_str),
        Some("Cà phê Khe Sanh rang mộc"),
        "a word still being typed: {hits:?}"
    );
    assert_eq!(
        ids(&e, q("ca ph")).await,
        [4, 9],
        "the last word is a prefix"
    );
    assert_eq!(
        ids(&e, q("tieu vinh lnih")).await,
        [8],
        "one typo in a longer word"
    );
    assert_eq!(ids(&e, q("huong phugn")).await, [7]);
    assert!(ids(&e, q("xyz khong co")).await.is_empty());
});

contract!(
    exact_diacritics_rank_first,
    |e: Arc<dyn SearchEngine>| async move {
        loaded(&e).await;
        let hits = names(&e, q("nước mắm")).await;
        assert_eq!(
            hits.first().map(String::as_str),
            Some("Nước mắm Cửa Tùng 40 độ đạm"),
            "{hits:?}"
        );
        let hits = names(&e, q("đậu")).await;
        assert_eq!(
            hits.first().map(String::as_str),
            Some("Đậu xanh Cam Lộ"),
            "{hits:?}"
        );
        let hits = names(&e, q("dâu")).await;
        assert_eq!(
            hits.first().map(String::as_str),
            Some("Dâu tây Hướng Hóa"),
            "{hits:?}"
        );
    }
);

contract!(joined_syllables_find_what_spaced_ones_find, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    // Syllables run together, as typed on a phone, find what the spaced words find.
    for (joined, spaced) in [
        ("nuocmam", "nuoc mam"),
        ("matongrung", "mat ong rung"),
        ("matong rung", "mat ong rung"),
        ("tieuvinhlinh", "tieu vinh linh"),
        ("khesanh", "khe sanh"),
        ("caphe khe sanh", "ca phe khe sanh"),
    ] {
        let want = ids(&e, q(spaced)).await;
        assert!(!want.is_empty(), "{spaced} finds something");
        assert_eq!(ids(&e, q(joined)).await, want, "{joined:?} as {spaced:?}");
    }
    let hits = names(&e, q("khesanh")).await;
    assert_eq!(
        hits.first().map(String::as_str),
        Some("Cà phê Khe Sanh rang mộc"),
        "the product named so ranks above the stall's others: {hits:?}"
    );
});

contract!(decomposed_input_is_the_same_word, |e: Arc<
    dyn SearchEngine,
>| async move {
    use unicode_normalization::UnicodeNormalization;
    // Documents written decomposed (as some input methods send text) are found and ranked
    // as if composed.
    let mut decomposed = doc(
        40,
        "x",
        &["tra", "do-uong"],
        "19429",
        50_000,
        0,
        0,
        STALL_B,
        1,
    );
    decomposed.name = "Trà Cung Đình Huế".nfd().collect();
    decomposed.name_folded = common::text::fold(&decomposed.name);
    decomposed.description = decomposed.name.clone();
    e.upsert_products(vec![decomposed]).await.unwrap();
    loaded(&e).await;
    for typed in ["Nước mắm", "đậu", "dâu", "trà cung đình"] {
        let composed = names(&e, q(typed)).await;
        let nfd: String = typed.nfd().collect();
        assert_ne!(nfd, typed);
        assert!(!composed.is_empty(), "{typed} finds something");
        assert_eq!(
            names(&e, q(&nfd)).await,
            composed,
            "{typed} typed decomposed"
        );
    }
    assert_eq!(ids(&e, q("tra cung dinh")).await, [40]);
});

// Loanwords, shorthand and English names buyers type find the catalogue's word, one way.
contract!(spellings_find_the_word_they_mean, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    for typed in [
        "cafe khe sanh",
        "Café Khe Sanh",
        "cf khe sanh",
        "coffee khe sanh",
    ] {
        // Trà hoa cà phê is sold by the stall of Khe Sanh.
        assert_eq!(ids(&e, q(typed)).await, [4, 9], "{typed}");
        assert_eq!(
            names(&e, q(typed)).await[0],
            "Cà phê Khe Sanh rang mộc",
            "{typed}"
        );
    }
    assert_eq!(ids(&e, q("fish sauce")).await, [1, 2]);
    assert_eq!(ids(&e, q("honey")).await, [7]);
    // What a spelling means does not look for the spelling.
    let mut cafe = fixture().remove(8);
    cafe.id = Uuid::from_u128(30);
    cafe.name = "Cafe muối".into();
    cafe.name_folded = common::text::fold(&cafe.name);
    cafe.description = "Đồ uống".into();
    e.upsert_products(vec![cafe]).await.unwrap();
    assert_eq!(ids(&e, q("cafe muoi")).await, [30]);
    assert!(!ids(&e, q("ca phe")).await.contains(&30));
});

contract!(regional_words_find_each_other, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    e.upsert_products(vec![
        doc(
            20,
            "Kẹo lạc Cồn Cỏ",
            &["banh-keo"],
            "19414",
            45_000,
            0,
            0,
            STALL_A,
            3,
        ),
        doc(
            21,
            "Bánh tráng mè Quảng Trị",
            &["banh-keo"],
            "19414",
            35_000,
            0,
            0,
            STALL_A,
            3,
        ),
        doc(
            22,
            "Chả heo Gio Linh",
            &["thuc-pham"],
            "19495",
            90_000,
            0,
            0,
            STALL_A,
            3,
        ),
        doc(
            23,
            "Mứt khóm Hướng Hóa",
            &["banh-keo"],
            "19441",
            60_000,
            0,
            0,
            STALL_B,
            3,
        ),
    ])
    .await
    .unwrap();
    for (typed, found) in [
        ("đậu phộng", 20),
        ("keo dau phong", 20),
        ("lạc", 20),
        ("vừng", 21),
        ("bánh đa vừng", 21),
        ("banh da", 21),
        ("chả lợn", 22),
        ("mứt dứa", 23),
        ("mut thom", 23),
    ] {
        let got = ids(&e, q(typed)).await;
        assert!(got.contains(&found), "{typed:?} finds {found}: {got:?}");
    }
    // The word itself still finds what it names.
    assert!(ids(&e, q("kẹo lạc")).await.contains(&20));
});

contract!(ties_go_to_ocop_stars_then_sales, |e: Arc<
    dyn SearchEngine,
>| async move {
    // The same name: equally relevant. Verified stars first, then units sold.
    e.upsert_products(vec![
        doc(
            30,
            "Bánh ít lá gai",
            &["banh-keo"],
            "19414",
            30_000,
            0,
            0,
            STALL_A,
            500,
        ),
        doc(
            31,
            "Bánh ít lá gai",
            &["banh-keo"],
            "19414",
            30_000,
            4,
            300,
            STALL_A,
            10,
        ),
        doc(
            32,
            "Bánh ít lá gai",
            &["banh-keo"],
            "19414",
            30_000,
            4,
            300,
            STALL_A,
            90,
        ),
        doc(
            33,
            "Bánh ít lá gai",
            &["banh-keo"],
            "19414",
            30_000,
            5,
            300,
            STALL_A,
            1,
        ),
    ])
    .await
    .unwrap();
    let order: Vec<u128> = e
        .search_products(&q("banh it la gai"))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.as_u128())
        .collect();
    assert_eq!(order, [33, 32, 31, 30]);
});

contract!(filters, |e: Arc<dyn SearchEngine>| async move {
    loaded(&e).await;
    let with = |f: fn(&mut ProductQuery)| {
        let mut query = q("");
        f(&mut query);
        query
    };
    assert_eq!(
        ids(&e, with(|q| q.category = Some("do-uong".into()))).await,
        [4, 9],
        "a parent category covers its children"
    );
    assert_eq!(
        ids(&e, with(|q| q.category = Some("ca-phe".into()))).await,
        [4]
    );
    assert_eq!(
        ids(&e, with(|q| q.commune = Some("19429".into()))).await,
        [4, 9]
    );
    assert_eq!(
        ids(&e, with(|q| q.min_stars = Some(4))).await,
        [1, 3, 7],
        "a lapsed certificate does not count"
    );
    assert_eq!(ids(&e, with(|q| q.min_stars = Some(5))).await, [7]);
    assert_eq!(
        ids(
            &e,
            with(|q| {
                q.price_min = Some(90_000);
                q.price_max = Some(150_000)
            })
        )
        .await,
        [1, 3, 6, 9]
    );
    assert_eq!(
        ids(&e, with(|q| q.stall = Some(Uuid::from_u128(STALL_A)))).await,
        [1, 2, 3, 8]
    );
    let mut both = q("nuoc mam");
    both.price_max = Some(50_000);
    assert_eq!(ids(&e, both).await, [2]);
});

contract!(
    a_product_of_several_pack_sizes_matches_prices_by_its_range,
    |e: Arc<dyn SearchEngine>| async move {
        // Mật ong rừng: a 250 ml jar at 95 000 đ up to a 2 l crate at 700 000 đ; out of stock.
        let mut honey = doc(
            20,
            "Mật ong rừng nhiều cỡ",
            &["mat-ong", "thuc-pham"],
            "19441",
            95_000,
            0,
            0,
            STALL_B,
            0,
        );
        honey.price_max = 700_000;
        honey.in_stock = false;
        e.upsert_products(vec![honey]).await.unwrap();
        let range = |lo: Option<i64>, hi: Option<i64>| {
            let mut query = q("mat ong nhieu co");
            query.price_min = lo;
            query.price_max = hi;
            query
        };
        // The range meets the one asked at either end, or holds it whole.
        for (lo, hi) in [
            (Some(50_000), Some(100_000)),
            (Some(600_000), Some(900_000)),
            (Some(200_000), Some(300_000)),
            (None, Some(95_000)),
            (Some(700_000), None),
        ] {
            assert_eq!(ids(&e, range(lo, hi)).await, [20], "{lo:?}..{hi:?}");
        }
        for (lo, hi) in [(Some(10_000), Some(90_000)), (Some(700_001), None)] {
            assert!(ids(&e, range(lo, hi)).await.is_empty(), "{lo:?}..{hi:?}");
        }
        let hit = e
            .search_products(&range(None, None))
            .await
            .unwrap()
            .hits
            .remove(0);
        assert_eq!(
            (hit.price, hit.price_max, hit.in_stock),
            (95_000, 700_000, false)
        );
        // Dearest first reads the dearest variant: it comes before the 380 000 đ honey.
        loaded(&e).await;
        let mut dearest = q("");
        dearest.sort = ProductSort::PriceDesc;
        let first = e.search_products(&dearest).await.unwrap().hits.remove(0);
        assert_eq!(first.id.as_u128(), 20);
    }
);

contract!(sorts, |e: Arc<dyn SearchEngine>| async move {
    loaded(&e).await;
    let order = |sort| {
        let mut query = q("");
        query.sort = sort;
        query
    };
    let prices: Vec<i64> = e
        .search_products(&order(ProductSort::PriceAsc))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.price)
        .collect();
    assert_eq!(
        prices,
        [
            30_000, 40_000, 90_000, 95_000, 120_000, 150_000, 165_000, 220_000, 380_000
        ]
    );
    let prices: Vec<i64> = e
        .search_products(&order(ProductSort::PriceDesc))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.price)
        .collect();
    assert_eq!(prices[0], 380_000);
    let newest: Vec<u128> = e
        .search_products(&order(ProductSort::Newest))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.as_u128())
        .collect();
    assert_eq!(newest, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let best: Vec<u128> = e
        .search_products(&order(ProductSort::Bestselling))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.as_u128())
        .collect();
    assert_eq!(&best[..3], [4, 3, 7]);
    // Sorting applies to text searches too.
    let mut query = q("nuoc mam");
    query.sort = ProductSort::PriceAsc;
    assert_eq!(
        names(&e, query).await,
        ["Nuoc mam pha san", "Nước mắm Cửa Tùng 40 độ đạm"]
    );
});

/// The fixture with ratings: 3 has 5.0 of 1 review, 2 has 4.5 of 30, 1 has 4.5 of 10, 4 has
/// 3.2 of 50, 6 has 1.0 of 2; the others none.
fn rated() -> Vec<ProductDoc> {
    let ratings = [
        (1, 4.5, 10),
        (2, 4.5, 30),
        (3, 5.0, 1),
        (4, 3.2, 50),
        (6, 1.0, 2),
    ];
    let mut docs = fixture();
    for d in &mut docs {
        if let Some((_, average, count)) = ratings.iter().find(|r| r.0 == d.id.as_u128()) {
            d.rating_average = *average;
            d.rating_count = *count;
        }
    }
    docs
}

contract!(
    ratings_sort_best_first_and_filter_by_their_average,
    |e: Arc<dyn SearchEngine>| async move {
        e.upsert_products(rated()).await.unwrap();
        let mut query = q("");
        query.sort = ProductSort::Rating;
        let r = e.search_products(&query).await.unwrap();
        let order: Vec<u128> = r.hits.iter().map(|h| h.id.as_u128()).collect();
        // The best average first, then the most reviews; the unrated after every rated one.
        assert_eq!(&order[..5], [3, 2, 1, 4, 6]);
        let mut unrated = order[5..].to_vec();
        unrated.sort();
        assert_eq!(unrated, [5, 7, 8, 9]);
        // Hits carry what they are sorted by.
        assert_eq!((r.hits[0].rating_average, r.hits[0].rating_count), (5.0, 1));
        assert_eq!(
            (r.hits[1].rating_average, r.hits[1].rating_count),
            (4.5, 30)
        );
        // A text search sorts the same way.
        let mut query = q("nuoc mam");
        query.sort = ProductSort::Rating;
        assert_eq!(ids_in_order(&e, query).await, [2, 1]);

        let at_least = |min: u8| {
            let mut query = q("");
            query.min_rating = Some(min);
            query
        };
        assert_eq!(ids(&e, at_least(5)).await, [3]);
        assert_eq!(ids(&e, at_least(4)).await, [1, 2, 3]);
        assert_eq!(ids(&e, at_least(2)).await, [1, 2, 3, 4]);
        assert_eq!(ids(&e, at_least(1)).await, [1, 2, 3, 4, 6]);
        // With other filters and a sort.
        let mut query = at_least(4);
        query.sort = ProductSort::PriceAsc;
        query.commune = Some("19414".into());
        assert_eq!(ids_in_order(&e, query).await, [2, 1]);
        // A changed rating shows at once.
        let mut docs = rated();
        docs.retain(|d| d.id.as_u128() == 4);
        docs[0].rating_average = 4.9;
        e.upsert_products(docs).await.unwrap();
        assert_eq!(ids(&e, at_least(4)).await, [1, 2, 3, 4]);
        let mut query = q("");
        query.sort = ProductSort::Rating;
        assert_eq!(&ids_in_order(&e, query).await[..3], [3, 4, 2]);

        // Stall hits carry their rating too.
        let mut s = stalls();
        s[0].rating_average = 4.7;
        s[0].rating_count = 41;
        e.upsert_stalls(s).await.unwrap();
        let found = e
            .search_stalls(&StallQuery {
                text: "nuoc mam".into(),
                commune: None,
                offset: 0,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(found.hits.len(), 1);
        assert_eq!(
            (found.hits[0].rating_average, found.hits[0].rating_count),
            (4.7, 41)
        );
    }
);

/// The ids of the hits, in their order.
async fn ids_in_order(e: &Arc<dyn SearchEngine>, query: ProductQuery) -> Vec<u128> {
    e.search_products(&query)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.as_u128())
        .collect()
}

contract!(facets_and_pages, |e: Arc<dyn SearchEngine>| async move {
    loaded(&e).await;
    let r = e.search_products(&q("")).await.unwrap();
    assert_eq!(r.total, 9);
    assert_eq!(r.facets.category.get("gia-vi-nuoc-cham"), Some(&3));
    assert_eq!(r.facets.category.get("ca-phe"), Some(&1));
    assert_eq!(r.facets.commune.get("19429"), Some(&2));
    assert_eq!(
        r.facets.ocop_stars.get("4"),
        Some(&3),
        "{:?}",
        r.facets.ocop_stars
    );
    assert_eq!(r.facets.ocop_stars.get("5"), Some(&1));
    let r = e.search_products(&q("nuoc mam")).await.unwrap();
    assert_eq!(r.facets.commune.len(), 1);
    assert_eq!(r.facets.commune.get("19414"), Some(&2));

    let mut seen = Vec::new();
    for page in 0..3 {
        let mut query = q("");
        query.sort = ProductSort::PriceAsc;
        query.offset = page * 4;
        query.limit = 4;
        let r = e.search_products(&query).await.unwrap();
        assert_eq!(r.total, 9);
        seen.extend(r.hits.into_iter().map(|h| h.id.as_u128()));
    }
    seen.sort();
    assert_eq!(
        seen,
        (1..=9).collect::<Vec<_>>(),
        "pages neither overlap nor skip"
    );
});

fn counts(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

// A filtered group counts its values as if it were not filtered (the other groups' filters
// still apply): the sidebar shows what choosing another commune or category would find.
contract!(facets_of_a_filtered_group_are_disjunctive, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    let mut query = q("");
    query.commune = Some("19414".into());
    let r = e.search_products(&query).await.unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(
        r.facets.commune,
        counts(&[
            ("19363", 1),
            ("19414", 2),
            ("19429", 2),
            ("19441", 2),
            ("19495", 1),
            ("19597", 1),
        ]),
        "every commune, as if none were chosen"
    );
    assert_eq!(r.facets.category, counts(&[("gia-vi-nuoc-cham", 2)]));
    assert_eq!(r.facets.ocop_stars, counts(&[("4", 1)]));

    // A parent category: the counts of every category, the other groups within the parent.
    let mut query = q("");
    query.category = Some("thuc-pham".into());
    let r = e.search_products(&query).await.unwrap();
    assert_eq!(r.total, 6);
    assert_eq!(
        r.facets.category,
        counts(&[
            ("ca-phe", 1),
            ("gia-vi-nuoc-cham", 3),
            ("mat-ong", 1),
            ("nong-san-tuoi", 2),
            ("tinh-dau", 1),
            ("tra", 1),
        ])
    );
    assert_eq!(
        r.facets.commune,
        counts(&[("19363", 1), ("19414", 2), ("19441", 2), ("19597", 1)])
    );

    // Two groups filtered: each is counted under the other's filter only.
    let mut query = q("");
    query.commune = Some("19441".into());
    query.min_stars = Some(4);
    let r = e.search_products(&query).await.unwrap();
    assert_eq!(ids_of(&r), [7]);
    assert_eq!(r.facets.ocop_stars, counts(&[("5", 1)]), "stars in 19441");
    assert_eq!(
        r.facets.commune,
        counts(&[("19414", 1), ("19441", 1), ("19495", 1)]),
        "communes of valid certificates of 4 stars or more"
    );
    assert_eq!(r.facets.category, counts(&[("mat-ong", 1)]));

    // Words still apply to every count; a filter that finds nothing still shows the others.
    let mut query = q("nuoc mam");
    query.commune = Some("19429".into());
    let r = e.search_products(&query).await.unwrap();
    assert_eq!(r.total, 0);
    assert_eq!(r.facets.commune, counts(&[("19414", 2)]));
    assert!(r.facets.category.is_empty());
});

fn ids_of(r: &search::query::SearchResult<ProductDoc>) -> Vec<u128> {
    r.hits.iter().map(|h| h.id.as_u128()).collect()
}

contract!(updates_and_deletes_show_at_once, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    let mut changed = fixture().remove(2);
    changed.name = "Tinh dầu tràm gió".into();
    changed.name_folded = common::text::fold(&changed.name);
    changed.description = "Chưng cất từ lá tràm".into();
    e.upsert_products(vec![changed]).await.unwrap();
    assert_eq!(ids(&e, q("tinh dau")).await, [3]);
    assert_eq!(ids(&e, q("dau tram hue")).await, Vec::<u128>::new());
    e.delete_products(vec![Uuid::from_u128(3), Uuid::from_u128(999)])
        .await
        .unwrap();
    assert!(ids(&e, q("tinh dau tram gio")).await.is_empty());
    assert_eq!(e.search_products(&q("")).await.unwrap().total, 8);
});

fn stall(n: u128, name: &str, commune: &str, commune_name: &str) -> StallDoc {
    StallDoc {
        id: Uuid::from_u128(n),
        slug: format!("s{n}"),
        name: name.into(),
        name_folded: common::text::fold(name),
        description: "Đặc sản địa phương".into(),
        commune_code: commune.into(),
        commune_name: commune_name.into(),
        business_type: "cooperative".into(),
        approved_at: 1_700_000_000 + n as i64,
        rating_average: 0.0,
        rating_count: 0,
    }
}

fn stalls() -> Vec<StallDoc> {
    vec![
        stall(1, "HTX Nước mắm Cửa Tùng", "19414", "Xã Cửa Tùng"),
        stall(2, "Cà phê Khe Sanh Hoàng Minh", "19429", "Xã Khe Sanh"),
        stall(3, "Dầu tràm Gio Linh", "19495", "Xã Gio Linh"),
    ]
}

/// A suggestion's products and stalls for what the buyer has typed so far, as ids.
async fn suggested(e: &Arc<dyn SearchEngine>, text: &str) -> (Vec<u128>, Vec<u128>) {
    let products = ProductQuery {
        text: text.into(),
        limit: 5,
        today: today(),
        lean: true,
        ..Default::default()
    };
    let stalls = StallQuery {
        text: text.into(),
        commune: None,
        offset: 0,
        limit: 3,
    };
    let (p, s) = e.suggest(&products, &stalls).await.unwrap();
    assert!(p.hits.len() <= 5 && s.hits.len() <= 3);
    let sorted = |mut v: Vec<u128>| {
        v.sort();
        v
    };
    (
        sorted(p.hits.iter().map(|h| h.id.as_u128()).collect()),
        sorted(s.hits.iter().map(|h| h.id.as_u128()).collect()),
    )
}

contract!(suggestions_as_the_buyer_types, |e: Arc<
    dyn SearchEngine,
>| async move {
    loaded(&e).await;
    e.upsert_stalls(stalls()).await.unwrap();
    // The last word unfinished, folded, in products and stalls at once.
    assert_eq!(suggested(&e, "nuoc m").await, (vec![1, 2], vec![1]));
    assert_eq!(suggested(&e, "ca phe k").await, (vec![4, 9], vec![2]));
    // Run-together syllables, on each side of the answer by itself.
    assert_eq!(suggested(&e, "tieuvinhlinh").await, (vec![8], vec![]));
    assert_eq!(suggested(&e, "dautram").await, (vec![3], vec![3]));
    // Decomposed input is the same word.
    let decomposed: String = unicode_normalization::UnicodeNormalization::nfd("mật o").collect();
    assert_eq!(suggested(&e, &decomposed).await, (vec![7], vec![]));
    assert_eq!(suggested(&e, "xyz khong").await, (vec![], vec![]));
});

contract!(
    a_search_before_anything_is_indexed_finds_nothing,
    |e: Arc<dyn SearchEngine>| async move {
        // A new deployment: buyers may search before the first document is written.
        assert_eq!(e.search_products(&q("nuoc mam")).await.unwrap().total, 0);
        assert_eq!(e.search_products(&q("")).await.unwrap().total, 0);
        assert_eq!(suggested(&e, "ca ph").await, (vec![], vec![]));
        assert_eq!(e.product_count().await.unwrap(), Some(0));
        // And the index then takes documents as usual.
        loaded(&e).await;
        assert_eq!(ids(&e, q("nuoc mam")).await, [1, 2]);
        assert_eq!(e.product_count().await.unwrap(), Some(9));
    }
);

contract!(
    stalls_are_searchable,
    |e: Arc<dyn SearchEngine>| async move {
        e.upsert_stalls(stalls()).await.unwrap();
        let found = |text: &str, commune: Option<&str>| {
            let e = e.clone();
            let query = StallQuery {
                text: text.into(),
                commune: commune.map(str::to_owned),
                offset: 0,
                limit: 10,
            };
            async move {
                let mut v: Vec<u128> = e
                    .search_stalls(&query)
                    .await
                    .unwrap()
                    .hits
                    .iter()
                    .map(|h| h.id.as_u128())
                    .collect();
                v.sort();
                v
            }
        };
        assert_eq!(found("nuoc mam", None).await, [1]);
        assert_eq!(found("khe sa", None).await, [2]);
        assert_eq!(found("", Some("19495")).await, [3]);
        assert_eq!(found("", None).await, [1, 2, 3]);
        e.delete_stalls(vec![Uuid::from_u128(1)]).await.unwrap();
        assert!(found("nuoc mam", None).await.is_empty());
    }
);

contract!(
    rebuild_swaps_in_whole,
    |e: Arc<dyn SearchEngine>| async move {
        loaded(&e).await;
        let mut build = e.rebuild().await.unwrap();
        build
            .add_products(fixture().into_iter().take(3).collect())
            .await
            .unwrap();
        // Until the swap, searches see the old index.
        assert_eq!(e.search_products(&q("")).await.unwrap().total, 9);
        build.finish().await.unwrap();
        assert_eq!(ids(&e, q("")).await, [1, 2, 3]);
        // The swapped-in index keeps its settings: folding, filters, sorts.
        assert_eq!(ids(&e, q("dau tram")).await, [3]);
        let mut query = q("");
        query.sort = ProductSort::PriceAsc;
        query.commune = Some("19414".into());
        assert_eq!(
            names(&e, query).await,
            ["Nuoc mam pha san", "Nước mắm Cửa Tùng 40 độ đạm"]
        );
    }
);

/// A process serving searches notices a rebuild another process swapped in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_rebuild_reaches_other_processes() {
    let dir = std::env::temp_dir().join(format!("marketplace-contract-{}", Uuid::now_v7()));
    let server = Embedded::open(&dir).unwrap();
    server.upsert_products(fixture()).await.unwrap();
    let other = Embedded::open(&dir);
    // The server holds the writer lock of the live index, yet a second process can rebuild.
    let other = other.unwrap();
    let mut build = other.rebuild().await.unwrap();
    build
        .add_products(fixture().into_iter().take(2).collect())
        .await
        .unwrap();
    build.finish().await.unwrap();
    // The rebuilding process exits, releasing the new index's writer.
    drop(other);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(server.search_products(&q("")).await.unwrap().total, 2);
    // And it can still write.
    server
        .upsert_products(fixture().into_iter().skip(8).collect())
        .await
        .unwrap();
    assert_eq!(server.search_products(&q("")).await.unwrap().total, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Instances started at once over a new directory open one index, none of them damaged or
/// deleted under another.
#[test]
fn embedded_indexes_opened_at_once_over_a_new_directory_agree() {
    for _ in 0..5 {
        let dir = std::env::temp_dir().join(format!("marketplace-contract-{}", Uuid::now_v7()));
        let opened: Vec<_> = (0..6)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || Embedded::open(&dir))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap().expect("every instance opens the index"))
            .collect();
        for e in &opened {
            assert_eq!(e.damage(), None);
        }
        let generations: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let current = std::fs::read_to_string(dir.join("CURRENT")).unwrap();
        assert_eq!(generations, [current.trim().to_owned()]);
        drop(opened);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
