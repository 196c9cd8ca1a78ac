//! A complete label for a product of a food category (every fact config/compliance/facts.toml
//! may require, the business licence included), as the JSON a product body carries.

use serde_json::{Value, json};

/// Facts that satisfy every category's requirements.
pub fn complete() -> Value {
    json!({
        "origin": "Xã Cửa Tùng, tỉnh Quảng Trị, Việt Nam",
        "producer": "Hợp tác xã Nước mắm Cửa Tùng, thôn Tân Lý, xã Cửa Tùng, tỉnh Quảng Trị",
        "net_quantity": "500 ml",
        "ingredients": "Cá cơm than 70 %, muối biển 30 %",
        "warnings": "Không dùng cho người dị ứng với cá",
        "usage": "Dùng làm nước chấm hoặc nêm nếm món ăn",
        "storage": "Nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp",
        "shelf_life": "24 tháng kể từ ngày sản xuất",
        "nutrition": {
            "energy_kcal": 35,
            "protein_g": 8.5,
            "carbohydrate_g": 0,
            "fat_g": 0,
            "sodium_mg": 7000
        },
        "licence": {
            "number": "45/GP-SCT",
            "issued_on": "2025-03-01",
            "issued_by": "Sở Công Thương tỉnh Quảng Trị"
        }
    })
}
