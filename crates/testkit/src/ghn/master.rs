//! The stand-in's master data: a few of GHN's provinces, districts and wards, shaped as GHN's
//! master-data API answers them. The ids are the stand-in's own (GHN's real ones come from its
//! API with a token); the names are real places, three-level as GHN lists them, so the mapping
//! builder meets what it meets at GHN: our two-level communes matched by ward name within a
//! province, one name found in two districts (ambiguous), and communes GHN does not list.

use serde_json::{Value, json};

/// (ProvinceID, ProvinceName).
pub const PROVINCES: [(i64, &str); 2] = [(201, "Hà Nội"), (212, "Quảng Trị")];

/// (DistrictID, ProvinceID, DistrictName).
pub const DISTRICTS: [(i64, i64, &str); 6] = [
    (1489, 201, "Quận Hoàn Kiếm"),
    (1490, 201, "Quận Ba Đình"),
    (1491, 201, "Quận Đống Đa"),
    (1700, 212, "Thành phố Đông Hà"),
    (1701, 212, "Huyện Vĩnh Linh"),
    (1702, 212, "Huyện Hướng Hóa"),
];

/// (WardCode, DistrictID, WardName).
pub const WARDS: [(&str, i64, &str); 9] = [
    ("1A0101", 1489, "Phường Hoàn Kiếm"),
    ("1A0102", 1489, "Phường Cửa Nam"),
    ("1A0201", 1490, "Phường Ba Đình"),
    ("1A0202", 1490, "Phường Giảng Võ"),
    // The same name in a second district: the builder must not pick one.
    ("1A0301", 1491, "Phường Cửa Nam"),
    ("480101", 1700, "Phường Đông Hà"),
    ("480201", 1701, "Xã Cửa Tùng"),
    ("480301", 1702, "Xã Khe Sanh"),
    ("480302", 1702, "Xã Hướng Lập"),
];

/// The province of district `district`.
pub fn province_of(district: i64) -> Option<i64> {
    DISTRICTS.iter().find(|d| d.0 == district).map(|d| d.1)
}

/// Whether ward `ward` lies in district `district`.
pub fn ward_in(ward: &str, district: i64) -> bool {
    WARDS.iter().any(|w| w.0 == ward && w.1 == district)
}

/// `GET /master-data/province`'s data.
pub fn provinces() -> Value {
    Value::Array(
        PROVINCES
            .iter()
            .map(|(id, name)| {
                json!({"ProvinceID": id, "ProvinceName": name, "CountryID": 1,
                       "NameExtension": [name, format!("Tỉnh {name}")], "IsEnable": 1})
            })
            .collect(),
    )
}

/// `POST /master-data/district`'s data for `province`.
pub fn districts(province: i64) -> Value {
    Value::Array(
        DISTRICTS
            .iter()
            .filter(|d| d.1 == province)
            .map(|(id, p, name)| json!({"DistrictID": id, "ProvinceID": p, "DistrictName": name}))
            .collect(),
    )
}

/// `POST /master-data/ward`'s data for `district`.
pub fn wards(district: i64) -> Value {
    Value::Array(
        WARDS
            .iter()
            .filter(|w| w.1 == district)
            .map(|(code, d, name)| json!({"WardCode": code, "DistrictID": d, "WardName": name}))
            .collect(),
    )
}
