//! The national two-level map (since 1 July 2025: 34 provinces and centrally-run cities, 3 321
//! communes, wards and special zones), behind buyers' addresses anywhere in the country. Data in
//! `config/regions/vietnam.toml`, read and checked once; a folded-name lookup for address forms.
//! The operating province's own list ([`crate::Regions`]) says where stalls may sit.

use std::{collections::HashMap, sync::LazyLock};

use common::text::fold;
use serde::{Deserialize, Serialize};

/// The built-in national map.
pub const BUILTIN: &str = include_str!("../../../config/regions/vietnam.toml");

/// The region parcel carriers price delivery by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Miền Bắc.
    North,
    /// Miền Trung (with the Central Highlands).
    Central,
    /// Miền Nam.
    South,
}

/// A province or centrally-run city.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Province {
    /// Official code, two digits: `01` (Hà Nội), `44` (Quảng Trị).
    pub code: String,
    /// Official name.
    pub name: String,
    /// The carriers' region.
    pub region: Region,
}

/// A commune, ward or special zone of the national map: `CommuneRef` in the document, as
/// wherever the API names a commune.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CommuneRef))]
pub struct Unit {
    /// Official code, five digits: `00070` (Phường Hoàn Kiếm).
    pub code: String,
    /// Official name.
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provinces: Vec<FileProvince>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvince {
    code: String,
    name: String,
    region: Region,
    communes: Vec<Unit>,
}

/// What the lookup matches a typed query against, per commune.
struct Folded {
    /// The whole name, folded (`phuong hoan kiem`).
    full: String,
    /// The name without its kind (`hoan kiem`).
    bare: String,
}

/// The national map.
pub struct Nation {
    provinces: Vec<Province>,
    units: Vec<Unit>,
    /// Province index of each unit.
    unit_province: Vec<usize>,
    /// Units of each province, in code order.
    province_units: Vec<Vec<usize>>,
    by_province: HashMap<String, usize>,
    by_unit: HashMap<String, usize>,
    folded: Vec<Folded>,
}

impl std::fmt::Debug for Nation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Nation({} provinces, {} communes)",
            self.provinces.len(),
            self.units.len()
        )
    }
}

/// The kinds a unit's name starts with, folded, longest first.
const KINDS: [&str; 3] = ["dac khu ", "phuong ", "xa "];

static BUILTIN_NATION: LazyLock<Nation> = LazyLock::new(|| {
    // The file is part of the source tree and checked by a test.
    Nation::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in national map: {e}"))
});

impl Nation {
    /// Parses and checks a national map: province and commune codes unique and non-empty, every
    /// commune inside a province.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut nation = Nation {
            provinces: Vec::with_capacity(file.provinces.len()),
            units: Vec::new(),
            unit_province: Vec::new(),
            province_units: Vec::new(),
            by_province: HashMap::new(),
            by_unit: HashMap::new(),
            folded: Vec::new(),
        };
        for (pi, p) in file.provinces.into_iter().enumerate() {
            if p.code.trim().is_empty() || p.name.trim().is_empty() || p.communes.is_empty() {
                return Err(format!(
                    "province #{} lacks a code, a name or communes",
                    pi + 1
                ));
            }
            if nation.by_province.insert(p.code.clone(), pi).is_some() {
                return Err(format!("province code {} appears twice", p.code));
            }
            let mut mine = Vec::with_capacity(p.communes.len());
            for u in p.communes {
                if u.code.trim().is_empty() || u.name.trim().is_empty() {
                    return Err(format!("a commune of {} has an empty code or name", p.name));
                }
                let ui = nation.units.len();
                if nation.by_unit.insert(u.code.clone(), ui).is_some() {
                    return Err(format!("commune code {} appears twice", u.code));
                }
                let full = fold(&u.name);
                let bare = KINDS
                    .iter()
                    .find_map(|k| full.strip_prefix(k))
                    .unwrap_or(&full)
                    .to_owned();
                nation.folded.push(Folded { full, bare });
                nation.units.push(u);
                nation.unit_province.push(pi);
                mine.push(ui);
            }
            nation.province_units.push(mine);
            nation.provinces.push(Province {
                code: p.code,
                name: p.name,
                region: p.region,
            });
        }
        if nation.provinces.is_empty() {
            return Err("the file lists no provinces".into());
        }
        Ok(nation)
    }

    /// The built-in map, parsed once per process.
    pub fn builtin() -> &'static Nation {
        &BUILTIN_NATION
    }

    /// Every province, in code order.
    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    /// The province with `code`.
    pub fn province(&self, code: &str) -> Option<&Province> {
        self.by_province.get(code).map(|&i| &self.provinces[i])
    }

    /// The communes of the province with `code`, in code order.
    pub fn communes_of(&self, code: &str) -> Option<Vec<&Unit>> {
        let &pi = self.by_province.get(code)?;
        Some(
            self.province_units[pi]
                .iter()
                .map(|&u| &self.units[u])
                .collect(),
        )
    }

    /// The commune with `code` and its province.
    pub fn commune(&self, code: &str) -> Option<(&Unit, &Province)> {
        let &ui = self.by_unit.get(code)?;
        Some((&self.units[ui], &self.provinces[self.unit_province[ui]]))
    }

    /// Communes whose name, folded, starts with the folded query, or has a word that does
    /// (`hoan kiem` finds Phường Hoàn Kiếm; `xa cua` finds Xã Cửa Tùng): names that start with
    /// it first (past their kind), then by length. At most `limit`.
    pub fn lookup(&self, query: &str, limit: usize) -> Vec<(&Unit, &Province)> {
        let q = fold(query.trim());
        let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let spaced = format!(" {q}");
        let mut hits: Vec<(u8, usize, usize)> = self
            .folded
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let rank = if f.bare.starts_with(&q) {
                    0
                } else if f.full.starts_with(&q) {
                    1
                } else if f.full.contains(&spaced) {
                    2
                } else {
                    return None;
                };
                Some((rank, f.full.len(), i))
            })
            .collect();
        let keep = limit.min(hits.len());
        if keep < hits.len() {
            hits.select_nth_unstable(keep);
            hits.truncate(keep);
        }
        hits.sort_unstable();
        hits.into_iter()
            .map(|(_, _, i)| (&self.units[i], &self.provinces[self.unit_province[i]]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_map_has_34_provinces_and_3321_communes() {
        let n = Nation::builtin();
        assert_eq!(n.provinces().len(), 34);
        let communes: usize = n
            .provinces()
            .iter()
            .map(|p| n.communes_of(&p.code).unwrap().len())
            .sum();
        assert_eq!(communes, 3321);
        assert_eq!(n.province("01").unwrap().name, "Thành phố Hà Nội");
        assert_eq!(n.province("44").unwrap().region, Region::Central);
        let (hk, hn) = n.commune("00070").unwrap();
        assert_eq!(
            (hk.name.as_str(), hn.code.as_str()),
            ("Phường Hoàn Kiếm", "01")
        );
        // Every commune of the operating province's own list is on the national map there.
        let qt = crate::Regions::builtin();
        for c in qt.all() {
            let (u, p) = n
                .commune(&c.code)
                .unwrap_or_else(|| panic!("{} {}", c.code, c.name));
            assert_eq!((u.name.as_str(), p.code.as_str()), (c.name.as_str(), "44"));
        }
    }

    #[test]
    fn lookup_folds_and_matches_prefixes() {
        let n = Nation::builtin();
        let names = |q: &str| -> Vec<String> {
            n.lookup(q, 20)
                .into_iter()
                .map(|(u, _)| u.name.clone())
                .collect()
        };
        assert_eq!(
            names("hoan kiem").first().map(String::as_str),
            Some("Phường Hoàn Kiếm")
        );
        assert_eq!(names("Hoàn Kiếm")[0], "Phường Hoàn Kiếm");
        assert_eq!(names("  HOAN   kie")[0], "Phường Hoàn Kiếm");
        assert!(names("cua tung").contains(&"Xã Cửa Tùng".to_owned()));
        assert!(names("phuong hoan").contains(&"Phường Hoàn Kiếm".to_owned()));
        assert!(names("khe sanh").contains(&"Xã Khe Sanh".to_owned()));
        assert_eq!(names("xa").len(), 20, "capped");
        assert!(names("").is_empty());
        assert!(names("zzzz").is_empty());
    }

    #[test]
    fn bad_maps_are_refused() {
        let dup = "[[provinces]]\ncode = \"01\"\nname = \"A\"\nregion = \"north\"\ncommunes = [{ code = \"1\", name = \"X\" }, { code = \"1\", name = \"Y\" }]\n";
        assert!(Nation::from_toml(dup).unwrap_err().contains("twice"));
        let empty =
            "[[provinces]]\ncode = \"01\"\nname = \"A\"\nregion = \"north\"\ncommunes = []\n";
        assert!(Nation::from_toml(empty).is_err());
        let bad_region = "[[provinces]]\ncode = \"01\"\nname = \"A\"\nregion = \"west\"\ncommunes = [{ code = \"1\", name = \"X\" }]\n";
        assert!(Nation::from_toml(bad_region).is_err());
    }
}
