//! `marketplace carriers map-ghn`: builds the commune mapping GHN is addressed through
//! (`carriers.ghn.communes_file`) from GHN's master data, matching the national map's names,
//! and says what it could not match.

use std::path::Path;

use anyhow::Context;
use carriers::ghn::{
    CommuneMap, Ghn, GhnConfig,
    mapping::{MappingReport, OurCommune, build},
};

/// Reads GHN's master data at `url` with `token`, writes the mapping to `out` and returns the
/// report (what was matched, what was ambiguous or not found).
pub async fn map_ghn(url: &str, token: &str, out: &Path) -> anyhow::Result<MappingReport> {
    let nation = catalog::nation::Nation::builtin();
    let communes: Vec<OurCommune> = nation
        .provinces()
        .iter()
        .flat_map(|p| {
            nation
                .communes_of(&p.code)
                .unwrap_or_default()
                .into_iter()
                .map(|c| OurCommune {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    province: p.name.clone(),
                })
        })
        .collect();
    let ghn = Ghn::new(GhnConfig {
        base_url: url.trim_end_matches('/').to_owned(),
        timeout: std::time::Duration::from_secs(30),
        webhook_secret: None,
        communes: std::sync::Arc::new(CommuneMap::default()),
    })?;
    let report = build(&ghn, token, &communes)
        .await
        .with_context(|| format!("cannot read GHN's master data at {url}"))?;
    let comment = format!(
        "The national map's communes (config/regions/vietnam.toml) as GHN addresses them:\n\
         GHN's ProvinceID, DistrictID and WardCode, from GHN's master-data API at {url}\n\
         (/master-data/province, /master-data/district, /master-data/ward), matched by name by\n\
         `marketplace carriers map-ghn` on {}: {} of {} communes; {} ambiguous, {} not found.",
        chrono::Utc::now().format("%Y-%m-%d"),
        report.map.len(),
        communes.len(),
        report.ambiguous.len(),
        report.unmatched.len(),
    );
    std::fs::write(out, report.map.to_csv(&comment))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(report)
}

/// The report for the operator: the counts, then every commune left out.
pub fn describe(report: &MappingReport) -> String {
    let mut text = format!(
        "{} communes mapped; {} ambiguous; {} not found",
        report.map.len(),
        report.ambiguous.len(),
        report.unmatched.len()
    );
    if !report.provinces_unmatched.is_empty() {
        text.push_str(&format!(
            "\nprovinces GHN lists under no matching name: {}",
            report.provinces_unmatched.join(", ")
        ));
    }
    for (code, name) in &report.ambiguous {
        text.push_str(&format!(
            "\nambiguous (in several GHN districts): {code} {name}"
        ));
    }
    for (code, name) in &report.unmatched {
        text.push_str(&format!("\nnot found at GHN: {code} {name}"));
    }
    text
}
