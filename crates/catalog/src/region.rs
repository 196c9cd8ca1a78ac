//! Communes and wards: data shipped in `config/regions/`, not code. Since July 2025 addresses
//! have two levels (province, commune/ward), so a commune code alone places an address.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The built-in region file (Quảng Trị).
pub const BUILTIN: &str = include_str!("../../../config/regions/quang-tri.toml");

/// A commune, ward or special zone: `CommuneRef` wherever the API names one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CommuneRef))]
pub struct Commune {
    /// Official code, e.g. `19429`.
    pub code: String,
    /// Full name, e.g. `Xã Khe Sanh`.
    pub name: String,
}

/// A province: `ProvinceRef` wherever the API names one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceRef {
    /// Official code, e.g. `44`.
    pub code: String,
    /// Name, e.g. `Quảng Trị`.
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    province: String,
    communes: Vec<Commune>,
}

/// The province's communes, looked up by code.
#[derive(Clone, Debug)]
pub struct Regions {
    province: String,
    communes: Vec<Commune>,
    by_code: HashMap<String, usize>,
}

impl Regions {
    /// Parses a region file; codes must be unique and names non-empty.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: RegionFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_code = HashMap::with_capacity(file.communes.len());
        for (i, c) in file.communes.iter().enumerate() {
            if c.code.trim().is_empty() || c.name.trim().is_empty() {
                return Err(format!("commune #{} has an empty code or name", i + 1));
            }
            if by_code.insert(c.code.clone(), i).is_some() {
                return Err(format!("commune code {} appears twice", c.code));
            }
        }
        if file.communes.is_empty() {
            return Err("the file lists no communes".into());
        }
        Ok(Self {
            province: file.province,
            communes: file.communes,
            by_code,
        })
    }

    /// The built-in province.
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in region file: {e}"))
    }

    /// The province's name.
    pub fn province(&self) -> &str {
        &self.province
    }

    /// Every commune, in file order.
    pub fn all(&self) -> &[Commune] {
        &self.communes
    }

    /// The commune with `code`.
    pub fn get(&self, code: &str) -> Option<&Commune> {
        self.by_code.get(code).map(|&i| &self.communes[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_province_has_its_78_units() {
        let r = Regions::builtin();
        assert_eq!(r.province(), "Quảng Trị");
        assert_eq!(r.all().len(), 78);
        assert_eq!(r.get("19429").map(|c| c.name.as_str()), Some("Xã Khe Sanh"));
        assert_eq!(r.get("19414").map(|c| c.name.as_str()), Some("Xã Cửa Tùng"));
        assert!(r.get("00000").is_none());
    }

    #[test]
    fn bad_files_are_refused() {
        let dup = "province = \"X\"\n[[communes]]\ncode = \"1\"\nname = \"A\"\n[[communes]]\ncode = \"1\"\nname = \"B\"\n";
        assert!(Regions::from_toml(dup).unwrap_err().contains("twice"));
        assert!(Regions::from_toml("province = \"X\"\ncommunes = []").is_err());
        assert!(Regions::from_toml("nonsense").is_err());
    }
}
