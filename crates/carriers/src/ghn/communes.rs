//! The national map's communes as GHN addresses them (province id, district id, ward code),
//! read from a CSV data file (`config/carriers/ghn-communes.csv`, built by
//! `marketplace carriers map-ghn` from GHN's master data).

use std::collections::HashMap;

/// The built-in mapping (see the file's header for what it holds and where it comes from).
pub const BUILTIN: &str = include_str!("../../../../config/carriers/ghn-communes.csv");

/// A commune's address at GHN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GhnAddress {
    /// GHN's `ProvinceID`.
    pub province_id: i64,
    /// GHN's `DistrictID`.
    pub district_id: i64,
    /// GHN's `WardCode`.
    pub ward_code: String,
}

/// Our commune codes to GHN's address ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommuneMap {
    by_commune: HashMap<String, GhnAddress>,
}

/// The header line of the file.
pub const HEADER: &str = "commune_code,province_id,district_id,ward_code";

impl CommuneMap {
    /// Reads the CSV: `#` lines are comments, then the header, then one commune a line.
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let mut map = CommuneMap::default();
        let mut header_seen = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen {
                if line != HEADER {
                    return Err(format!("line {}: the header must be `{HEADER}`", n + 1));
                }
                header_seen = true;
                continue;
            }
            let cols: Vec<&str> = line.split(',').map(str::trim).collect();
            let [commune, province, district, ward] = cols[..] else {
                return Err(format!("line {}: four columns expected", n + 1));
            };
            let bad = |what: &str| format!("line {}: {what} is not valid", n + 1);
            if commune.len() != 5 || !commune.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("commune_code"));
            }
            let address = GhnAddress {
                province_id: province.parse().map_err(|_| bad("province_id"))?,
                district_id: district.parse().map_err(|_| bad("district_id"))?,
                ward_code: ward.to_owned(),
            };
            if address.ward_code.is_empty() {
                return Err(bad("ward_code"));
            }
            if map.by_commune.insert(commune.to_owned(), address).is_some() {
                return Err(format!("line {}: commune {commune} is listed twice", n + 1));
            }
        }
        if !header_seen {
            return Err(format!("the file has no header `{HEADER}`"));
        }
        Ok(map)
    }

    /// The GHN address of commune `code`.
    pub fn get(&self, code: &str) -> Option<&GhnAddress> {
        self.by_commune.get(code)
    }

    /// How many communes are mapped.
    pub fn len(&self) -> usize {
        self.by_commune.len()
    }

    /// Whether no commune is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_commune.is_empty()
    }

    /// Adds or replaces a commune's address.
    pub fn insert(&mut self, commune: impl Into<String>, address: GhnAddress) {
        self.by_commune.insert(commune.into(), address);
    }

    /// The CSV text of the mapping, communes in code order, under `comment` lines.
    pub fn to_csv(&self, comment: &str) -> String {
        let mut rows: Vec<_> = self.by_commune.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for line in comment.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(HEADER);
        out.push('\n');
        for (code, a) in rows {
            out.push_str(&format!(
                "{code},{},{},{}\n",
                a.province_id, a.district_id, a.ward_code
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_reads() {
        CommuneMap::from_csv(BUILTIN).unwrap();
    }

    #[test]
    fn a_mapping_round_trips_and_bad_rows_are_named() {
        let text = "# x\ncommune_code,province_id,district_id,ward_code\n19333,212,1700,480101\n";
        let map = CommuneMap::from_csv(text).unwrap();
        assert_eq!(map.get("19333").map(|a| a.district_id), Some(1700));
        assert_eq!(CommuneMap::from_csv(&map.to_csv("x")).unwrap(), map);
        let dup = format!("{text}19333,212,1700,480102\n");
        assert!(CommuneMap::from_csv(&dup).unwrap_err().contains("twice"));
        let bad = "commune_code,province_id,district_id,ward_code\n19333,x,1700,4801\n";
        assert!(
            CommuneMap::from_csv(bad)
                .unwrap_err()
                .contains("province_id")
        );
        assert!(CommuneMap::from_csv("19333,1,2,3\n").is_err());
    }
}
