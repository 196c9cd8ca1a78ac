//! An order's number: `orders.number`, short and unique, what every message names the order by
//! (shown as `#` and the number). Orders placed before it get what their messages already
//! showed, the last eight hex digits of the id in capitals, so an old email still finds its
//! order. Those eight digits are random, but among many orders two may share them: the older
//! order keeps the eight, a later one gets the last twelve digits, or in the end all 32 (the id
//! itself, unique), so the unique index always holds.

use std::collections::HashSet;

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The number an order of id `id` gets: the last `digits` hex digits of its id, in capitals.
fn number_of(id: Uuid, digits: usize) -> String {
    let hex = id.simple().to_string().to_uppercase();
    hex[hex.len() - digits..].to_owned()
}

/// The numbers of orders `ids`, oldest first: each the last eight digits of its id, or when
/// an older order has them, the last twelve, or else all 32 (unique as the id is).
fn numbers(ids: &[Uuid]) -> Vec<(Uuid, String)> {
    let mut taken = HashSet::with_capacity(ids.len());
    ids.iter()
        .map(|&id| {
            let number = [8, 12, 32]
                .into_iter()
                .map(|digits| number_of(id, digits))
                .find(|n| !taken.contains(n))
                .unwrap_or_else(|| id.to_string());
            taken.insert(number.clone());
            (id, number)
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("orders")
                    .add_column(text_null("number"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT id FROM orders ORDER BY created_at, id",
            ))
            .await?;
        let ids = rows
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<Result<Vec<_>, _>>()?;
        for (id, number) in numbers(&ids) {
            let update = Query::update()
                .table("orders")
                .value("number", number)
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE orders ALTER COLUMN number SET NOT NULL")
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("orders_number_key")
                    .table("orders")
                    .col("number")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("orders_number_key")
                    .table("orders")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("orders")
                    .drop_column("number")
                    .to_owned(),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_the_ids_last_digits_in_capitals() {
        let id = Uuid::parse_str("0193a1b2-c3d4-7e5f-8a6b-0c1df5567a59").unwrap_or_default();
        assert_eq!(number_of(id, 8), "F5567A59");
        assert_eq!(number_of(id, 12), "0C1DF5567A59");
        assert_eq!(number_of(id, 32), "0193A1B2C3D47E5F8A6B0C1DF5567A59");
    }

    #[test]
    fn an_older_order_keeps_eight_digits_a_later_one_sharing_them_gets_more() {
        let id = |s: &str| Uuid::parse_str(s).unwrap_or_default();
        let older = id("0193a1b2-c3d4-7e5f-8a6b-0c1df5567a59");
        let later = id("0193a1b2-c3d5-7e5f-8a6b-1d2ef5567a59");
        let third = id("0193a1b2-c3d6-7e5f-8a6b-1d2ef5567a59");
        let other = id("0193a1b2-c3d7-7e5f-8a6b-0c1d00000001");
        let got = numbers(&[older, later, third, other]);
        let numbers: Vec<&str> = got.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "F5567A59",
                "1D2EF5567A59",
                "0193A1B2C3D67E5F8A6B1D2EF5567A59",
                "00000001"
            ]
        );
    }
}
