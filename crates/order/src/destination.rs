//! Where an order goes: a shipping address as the buyer gives it, checked against the national
//! map into a [`Destination`], and the snapshot an order keeps (names as well as codes, so a
//! later edit or a change of the map never rewrites history).

use catalog::{
    nation::Nation,
    region::{Commune, ProvinceRef},
};
use common::{FieldCode, phone::normalize_vn_phone, validate::Validator};
use serde::{Deserialize, Serialize};

/// A shipping address as the buyer gives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Shipping {
    /// Who receives it, 2 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(example = "Trần Thị Mai"))]
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 100))]
    pub recipient: String,
    /// A Vietnamese phone number; stored as `0912345678`.
    #[cfg_attr(feature = "openapi", schema(example = "0912 345 678"))]
    pub phone: String,
    /// Province code (`01` Hà Nội); may be left out, the commune names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "01"))]
    pub province_code: Option<String>,
    /// Commune, ward or special zone code of the national map (`00070` Phường Hoàn Kiếm).
    #[cfg_attr(feature = "openapi", schema(example = "00070"))]
    pub commune_code: String,
    /// Street, house number, village: 3 to 255 characters.
    #[cfg_attr(feature = "openapi", schema(example = "12 Lê Thái Tổ"))]
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 255))]
    pub street: String,
}

/// The address an order keeps, as it was when it was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShippingAddress {
    /// Who receives it.
    pub recipient: String,
    /// Phone, normalised.
    pub phone: String,
    /// The province, named as it was then (absent on orders placed before addresses had
    /// provinces).
    pub province: Option<ProvinceRef>,
    /// The commune, named as it was then (orders placed before names were kept: as the map
    /// names it now, or by its code if the map no longer has it).
    pub commune: Commune,
    /// Street, house number, village.
    pub street: String,
}

/// A checked destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Who receives it.
    pub recipient: String,
    /// Phone, normalised.
    pub phone: String,
    /// Province code and name.
    pub province: (String, String),
    /// Commune code and name.
    pub commune: (String, String),
    /// Street, house number, village.
    pub street: String,
}

impl Destination {
    /// Checks an address against the national map; field errors are named under `prefix`
    /// (`shipping.` for a checkout). A commune of another province than the one named is
    /// refused, not silently moved.
    pub fn check(v: &mut Validator, prefix: &str, s: &Shipping, nation: &Nation) -> Option<Self> {
        let field = |name: &str| format!("{prefix}{name}");
        let recipient = v.text(&field("recipient"), &s.recipient, 2, 100);
        let phone = normalize_vn_phone(&s.phone);
        v.check(
            phone.is_some(),
            &field("phone"),
            FieldCode::InvalidPhone,
            "must be a Vietnamese phone number such as 0912 345 678",
        );
        let named_province = s.province_code.as_deref().map(str::trim);
        if let Some(code) = named_province {
            v.check(
                nation.province(code).is_some(),
                &field("province_code"),
                FieldCode::UnknownProvince,
                "is not a province code of Vietnam",
            );
        }
        let commune = nation.commune(s.commune_code.trim());
        v.check(
            commune.is_some(),
            &field("commune_code"),
            FieldCode::UnknownCommune,
            "is not a commune, ward or special zone code of Vietnam",
        );
        if let (Some(code), Some((_, p))) = (named_province, commune)
            && nation.province(code).is_some()
        {
            v.check(
                p.code == code,
                &field("commune_code"),
                FieldCode::CommuneOutsideProvince,
                "is not in the province named by province_code",
            );
        }
        let street = v.text(&field("street"), &s.street, 3, 255);
        let (unit, province) = commune?;
        Some(Self {
            recipient,
            phone: phone?,
            province: (province.code.clone(), province.name.clone()),
            commune: (unit.code.clone(), unit.name.clone()),
            street,
        })
        .filter(|_| v.is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipping(province: Option<&str>, commune: &str, phone: &str) -> Shipping {
        Shipping {
            recipient: "Trần Thị Mai".into(),
            phone: phone.into(),
            province_code: province.map(str::to_owned),
            commune_code: commune.into(),
            street: "12 Lê Thái Tổ".into(),
        }
    }

    fn fields(s: &Shipping) -> Vec<String> {
        let mut v = Validator::new();
        let d = Destination::check(&mut v, "shipping.", s, Nation::builtin());
        match v.finish() {
            Ok(()) => {
                assert!(d.is_some());
                Vec::new()
            }
            Err(e) => e.fields.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn a_ha_noi_address_resolves_with_names() {
        let mut v = Validator::new();
        let d = Destination::check(
            &mut v,
            "",
            &shipping(Some("01"), "00070", "0912 345 678"),
            Nation::builtin(),
        )
        .unwrap();
        assert_eq!(d.province, ("01".into(), "Thành phố Hà Nội".into()));
        assert_eq!(d.commune, ("00070".into(), "Phường Hoàn Kiếm".into()));
        assert_eq!(d.phone, "0912345678");
        // The province may be left out: the commune names it.
        assert!(fields(&shipping(None, "00070", "0912345678")).is_empty());
    }

    #[test]
    fn bad_parts_are_named() {
        assert_eq!(
            fields(&shipping(Some("99"), "00070", "0912345678")),
            ["shipping.province_code"]
        );
        assert_eq!(
            fields(&shipping(Some("01"), "99999", "0912345678")),
            ["shipping.commune_code"]
        );
        // Xã Cửa Tùng is in Quảng Trị, not Hà Nội.
        assert_eq!(
            fields(&shipping(Some("01"), "19414", "0912345678")),
            ["shipping.commune_code"]
        );
        assert_eq!(
            fields(&shipping(Some("01"), "00070", "12")),
            ["shipping.phone"]
        );
    }
}
