//! Builds the commune mapping from GHN's master data (provinces, their districts, their
//! wards) by matching folded names (lower case, no diacritics, single spaces): our commune's
//! province by name (without `Thành phố`/`Tỉnh`), then the commune by its full name (kind
//! included: `Phường`, `Xã`, `Đặc khu`) among the wards of that province's districts. A name
//! found in two districts of one province is ambiguous and left out; every commune not matched
//! is reported, never guessed.

use std::collections::{BTreeMap, HashMap};

use common::text::fold;

use super::{CommuneMap, Ghn, GhnAddress, client::call, wire};
use crate::CarrierError;

/// One of our communes, as the national map names it.
#[derive(Clone, Debug)]
pub struct OurCommune {
    /// Five-digit code.
    pub code: String,
    /// Official name (`Phường Đông Hà`).
    pub name: String,
    /// Its province's official name (`Quảng Trị`, `Thành phố Hà Nội`).
    pub province: String,
}

/// What the builder found.
#[derive(Clone, Debug, Default)]
pub struct MappingReport {
    /// The communes matched.
    pub map: CommuneMap,
    /// Communes whose name GHN lists in more than one district of the province: code, name.
    pub ambiguous: Vec<(String, String)>,
    /// Communes GHN does not list under their province: code, name.
    pub unmatched: Vec<(String, String)>,
    /// Our provinces GHN lists under no matching name.
    pub provinces_unmatched: Vec<String>,
}

/// A name as matched: folded, single-spaced, without the punctuation GHN and the national map
/// write differently (`Văn Miếu - Quốc Tử Giám`).
pub fn normalise(name: &str) -> String {
    fold(name)
        .split(|c: char| c.is_whitespace() || c == '-' || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A province's name without its kind.
fn province_key(name: &str) -> String {
    let n = normalise(name);
    for kind in ["thanh pho ", "tinh ", "tp "] {
        if let Some(rest) = n.strip_prefix(kind) {
            return rest.to_owned();
        }
    }
    n
}

/// Reads GHN's master data with `token` and matches `communes` against it.
pub async fn build(
    ghn: &Ghn,
    token: &str,
    communes: &[OurCommune],
) -> Result<MappingReport, CarrierError> {
    let provinces: Vec<wire::Province> =
        call::<(), _>(ghn, None, token, "/master-data/province", None).await?;
    let mut ghn_provinces: HashMap<String, i64> = HashMap::new();
    for p in &provinces {
        ghn_provinces.insert(province_key(&p.province_name), p.province_id);
        for alias in &p.name_extension {
            ghn_provinces
                .entry(province_key(alias))
                .or_insert(p.province_id);
        }
    }
    let mut by_province: BTreeMap<String, Vec<&OurCommune>> = BTreeMap::new();
    for c in communes {
        by_province.entry(c.province.clone()).or_default().push(c);
    }
    let mut report = MappingReport::default();
    for (province, ours) in by_province {
        let Some(&province_id) = ghn_provinces.get(&province_key(&province)) else {
            report.provinces_unmatched.push(province);
            report
                .unmatched
                .extend(ours.iter().map(|c| (c.code.clone(), c.name.clone())));
            continue;
        };
        let wards = province_wards(ghn, token, province_id).await?;
        for c in ours {
            match wards.get(&normalise(&c.name)).map(Vec::as_slice) {
                Some([one]) => report.map.insert(c.code.clone(), one.clone()),
                Some([_, _, ..]) => report.ambiguous.push((c.code.clone(), c.name.clone())),
                _ => report.unmatched.push((c.code.clone(), c.name.clone())),
            }
        }
    }
    Ok(report)
}

/// Every ward of a GHN province, by normalised name.
async fn province_wards(
    ghn: &Ghn,
    token: &str,
    province_id: i64,
) -> Result<HashMap<String, Vec<GhnAddress>>, CarrierError> {
    let districts: Vec<wire::District> = call(
        ghn,
        None,
        token,
        "/master-data/district",
        Some(&serde_json::json!({ "province_id": province_id })),
    )
    .await?;
    let mut out: HashMap<String, Vec<GhnAddress>> = HashMap::new();
    for d in districts {
        let wards: Vec<wire::Ward> = call(
            ghn,
            None,
            token,
            "/master-data/ward",
            Some(&serde_json::json!({ "district_id": d.district_id })),
        )
        .await?;
        for w in wards {
            out.entry(normalise(&w.ward_name))
                .or_default()
                .push(GhnAddress {
                    province_id,
                    district_id: d.district_id,
                    ward_code: w.ward_code,
                });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_across_spellings() {
        assert_eq!(
            normalise("Phường Văn Miếu - Quốc Tử Giám"),
            "phuong van mieu quoc tu giam"
        );
        assert_eq!(
            normalise("Phường  Văn Miếu-Quốc Tử Giám"),
            "phuong van mieu quoc tu giam"
        );
        assert_eq!(province_key("Thành phố Hà Nội"), province_key("Hà Nội"));
        assert_eq!(province_key("Tỉnh Quảng Trị"), "quang tri");
        assert_ne!(normalise("Xã Khe Sanh"), normalise("Thị trấn Khe Sanh"));
    }
}
