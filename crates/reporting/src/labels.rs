//! The Vietnamese names of what the reports group by and show: communes and provinces from the
//! national map, categories and stalls from the catalogue, OCOP stars.

use std::collections::HashMap;

use catalog::{entity::stall, nation::Nation};
use common::Result;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// A commune with its province ("Phường Đông Hà, Tỉnh Quảng Trị"); the code when unknown.
pub(crate) fn commune(code: &str) -> String {
    match Nation::builtin().commune(code) {
        Some((unit, province)) => format!("{}, {}", unit.name, province.name),
        None => code.to_owned(),
    }
}

/// A province's name; "Không rõ" for an order without one.
pub(crate) fn province(code: &str) -> String {
    match Nation::builtin().province(code) {
        Some(p) => p.name.clone(),
        None if code.is_empty() => "Không rõ".to_owned(),
        None => code.to_owned(),
    }
}

/// "3 sao"; 0 for the goods without OCOP stars.
pub(crate) fn stars(n: i64) -> String {
    if n == 0 {
        "Không phải sản phẩm OCOP".to_owned()
    } else {
        format!("{n} sao")
    }
}

/// Every category's name, by id.
pub(crate) async fn categories<C: ConnectionTrait>(db: &C) -> Result<HashMap<Uuid, String>> {
    Ok(catalog::lookup::categories(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// A stall's address as a letter would carry it: its street address, commune and province.
pub(crate) fn address(s: &stall::Model) -> String {
    format!("{}, {}", s.address.trim(), commune(&s.commune_code))
}
