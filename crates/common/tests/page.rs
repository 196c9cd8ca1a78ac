//! Reading a page of a list: totals, windows, the last partial page and the tie-break, on
//! SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use common::page::{self, PageRequest};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Alias, Expr, ExprTrait, Func, Order, Query},
};
use testkit::{TestDb, db_test};

/// A table of the test's own: rows with a group and a rank that several rows share.
mod probe {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "page_probe")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub rank: i32,
        pub grp: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Seven rows: ids 1 to 7, ranks 3 3 2 2 2 1 1, groups a b a b c a b.
async fn seeded(db: &TestDb) {
    db.conn
        .execute_unprepared(
            "CREATE TABLE page_probe (id INTEGER PRIMARY KEY, rank INTEGER NOT NULL, \
             grp TEXT NOT NULL)",
        )
        .await
        .unwrap();
    let rows = [
        (1, 3, "a"),
        (2, 3, "b"),
        (3, 2, "a"),
        (4, 2, "b"),
        (5, 2, "c"),
    ];
    let rows = rows.into_iter().chain([(6, 1, "a"), (7, 1, "b")]);
    for (id, rank, grp) in rows {
        probe::ActiveModel {
            id: Set(id),
            rank: Set(rank),
            grp: Set(grp.to_owned()),
        }
        .insert(&db.conn)
        .await
        .unwrap();
    }
}

fn request(page: u64, per_page: u64) -> PageRequest {
    PageRequest::new(Some(page), Some(per_page)).unwrap()
}

/// Highest rank first, ties newest id first.
fn ranked() -> sea_orm::Select<probe::Entity> {
    probe::Entity::find()
        .order_by_desc(probe::Column::Rank)
        .order_by_desc(probe::Column::Id)
}

fn ids(rows: &[probe::Model]) -> Vec<i32> {
    rows.iter().map(|r| r.id).collect()
}

db_test!(
    pages_cover_the_list_once_in_order,
    |db: TestDb| async move {
        seeded(&db).await;
        let mut seen = Vec::new();
        for n in 1..=3 {
            let p = page::fetch(&db.conn, ranked(), request(n, 3))
                .await
                .unwrap();
            assert_eq!((p.total, p.page, p.per_page), (7, n, 3));
            seen.extend(ids(&p.items));
        }
        // Equal ranks keep the id order on every page; the last page holds the one row left.
        assert_eq!(seen, [2, 1, 5, 4, 3, 7, 6]);
        let last = page::fetch(&db.conn, ranked(), request(3, 3))
            .await
            .unwrap();
        assert_eq!(ids(&last.items), [6]);
        let past = page::fetch(&db.conn, ranked(), request(4, 3))
            .await
            .unwrap();
        assert!(past.items.is_empty());
        assert_eq!(past.total, 7);
    }
);

db_test!(
    the_total_counts_the_filtered_rows,
    |db: TestDb| async move {
        seeded(&db).await;
        let of_a = ranked().filter(probe::Column::Grp.eq("a"));
        let p = page::fetch(&db.conn, of_a.clone(), request(1, 2))
            .await
            .unwrap();
        assert_eq!((p.total, ids(&p.items)), (3, vec![1, 3]));
        // The window alone reads the same rows.
        let w = page::window(&db.conn, of_a, request(2, 2)).await.unwrap();
        assert_eq!(ids(&w), [6]);
    }
);

db_test!(selectors_page_like_selects, |db: TestDb| async move {
    seeded(&db).await;
    let only_ids = ranked()
        .select_only()
        .column(probe::Column::Id)
        .into_tuple::<i32>();
    let p = page::fetch(&db.conn, only_ids, request(2, 4))
        .await
        .unwrap();
    assert_eq!((p.total, p.items), (7, vec![3, 7, 6]));
});

#[derive(Debug, PartialEq, FromQueryResult)]
struct Group {
    grp: String,
    rows: i64,
}

db_test!(statements_count_their_groups, |db: TestDb| async move {
    seeded(&db).await;
    let groups = Query::select()
        .column(Alias::new("grp"))
        .expr_as(
            Func::count(Expr::col(Alias::new("id"))).cast_as(Alias::new("BIGINT")),
            Alias::new("rows"),
        )
        .from(Alias::new("page_probe"))
        .group_by_col(Alias::new("grp"))
        .order_by_expr(Func::count(Expr::col(Alias::new("id"))).into(), Order::Desc)
        .order_by(Alias::new("grp"), Order::Asc)
        .to_owned();
    let first = page::fetch_statement::<_, Group>(&db.conn, groups.clone(), request(1, 2))
        .await
        .unwrap();
    let names: Vec<_> = first.items.iter().map(|g| g.grp.as_str()).collect();
    assert_eq!((first.total, names), (3, vec!["a", "b"]));
    let last = page::fetch_statement::<_, Group>(&db.conn, groups, request(2, 2))
        .await
        .unwrap();
    let c = Group {
        grp: "c".into(),
        rows: 1,
    };
    assert_eq!((last.total, last.items), (3, vec![c]));
});

#[test]
fn try_map_keeps_the_place_or_gives_the_first_error() {
    let p = common::Page::new(vec![1, 2, 3], 9, request(2, 3));
    let doubled = p.clone().try_map(|n| Ok::<_, String>(n * 2)).unwrap();
    assert_eq!(
        (doubled.items, doubled.total, doubled.page),
        (vec![2, 4, 6], 9, 2)
    );
    let failed = p.try_map(|n| if n == 2 { Err(n) } else { Ok(n) });
    assert_eq!(failed, Err(2));
}
