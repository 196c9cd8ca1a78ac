//! Demo and synthetic data. The demo is a small, realistic catalogue of the province's local
//! products, read from `config/demo/quang-tri.toml` (built into the binary) and made through the
//! same services a user's requests go through; the synthetic set is many deterministic products
//! for benchmarks, written in bulk (the `synthetic` feature). The demo products' photos are
//! drawn by [`pictures`] and stored through the media service as a vendor's upload is.

pub mod pictures;

use std::io::Write;

use accounts::{Accounts, NewUser, User};
use catalog::{
    Catalog,
    facts::ProductFacts,
    product::{NewProduct, OcopInput},
    stall::{BusinessType, NewStall, StallAction},
    variant::VariantInput,
};
use common::Actor;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde::Deserialize;

/// Password of every demo account (printed at seeding; this is demo data, not a secret).
pub const DEMO_PASSWORD: &str = "cho-ocop-demo-2026";
/// The demo administrator.
pub const DEMO_ADMIN: &str = "quantri@demo.cho-ocop.test";
/// The demo buyer.
pub const DEMO_BUYER: &str = "khachhang@demo.cho-ocop.test";

/// The demo catalogue, as data.
const DEMO_FILE: &str = include_str!("../../../config/demo/quang-tri.toml");

/// `config/demo/*.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoData {
    /// What the label of a packaged product of each category states, by category slug.
    #[serde(default)]
    label: std::collections::HashMap<String, ProductFacts>,
    stall: Vec<DemoStall>,
}

/// One demo stall and its owner.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoStall {
    owner: String,
    owner_name: String,
    name: String,
    description: String,
    commune: String,
    address: String,
    phone: String,
    business_type: BusinessType,
    approved: bool,
    #[serde(default)]
    product: Vec<DemoProduct>,
}

/// One demo product: `price` and `stock` make its one variant, or it has `variant`s.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoProduct {
    name: String,
    category: String,
    price: Option<i64>,
    unit: String,
    stock: Option<i64>,
    description: String,
    ocop_stars: Option<u8>,
    #[serde(default)]
    ocop_verified: bool,
    #[serde(default)]
    variant: Vec<DemoVariant>,
}

/// One pack size of a demo product.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoVariant {
    name: String,
    sku: Option<String>,
    barcode: Option<String>,
    price: i64,
    compare_at_price: Option<i64>,
    stock: i64,
    weight_grams: Option<i32>,
}

impl DemoVariant {
    fn input(&self) -> VariantInput {
        VariantInput {
            id: None,
            name: self.name.clone(),
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            price: self.price,
            compare_at_price: self.compare_at_price,
            sale_price: None,
            sale_starts_at: None,
            sale_ends_at: None,
            stock: self.stock,
            weight_grams: self.weight_grams,
            images: Vec::new(),
        }
    }
}

/// Where the demo products' photos are stored: the media service, until it fails once (then
/// the rest of the demo is listed without photos, and seeding says so).
struct DemoPhotos<'a> {
    media: Option<&'a media::Media>,
    failure: Option<String>,
}

impl DemoPhotos<'_> {
    /// The photo id of each of `s`'s products, drawn ([`pictures`]) and stored for the stall
    /// as an upload of its owner is (renditions, the stall's quota, one photo per content);
    /// `None` for a product whose photo could not be stored.
    async fn of_stall(
        &mut self,
        db: &DatabaseConnection,
        owner: uuid::Uuid,
        stall_id: uuid::Uuid,
        index: usize,
        s: &DemoStall,
    ) -> Vec<Option<String>> {
        let Some(media) = self.media else {
            return vec![None; s.product.len()];
        };
        let uploads = s.product.iter().enumerate().map(|(i, p)| {
            let kind = pictures::Kind::of(&p.category, &p.unit);
            let category = p.category.clone();
            async move {
                let file =
                    tokio::task::spawn_blocking(move || pictures::png(kind, &category, i, index))
                        .await??;
                let stored = media
                    .upload(db, owner, stall_id, file)
                    .await
                    .map_err(common::Error::from)?;
                anyhow::Ok(stored.media.id.to_string())
            }
        });
        let mut ids = Vec::with_capacity(s.product.len());
        for stored in futures_util::future::join_all(uploads).await {
            match stored {
                Ok(id) => ids.push(Some(id)),
                Err(e) => {
                    self.media = None;
                    self.failure.get_or_insert_with(|| e.to_string());
                    ids.push(None);
                }
            }
        }
        ids
    }
}

/// The built-in demo catalogue.
fn demo_data() -> anyhow::Result<DemoData> {
    toml::from_str(DEMO_FILE).map_err(|e| anyhow::anyhow!("config/demo/quang-tri.toml: {e}"))
}

/// Whether the database has no stalls yet (the trigger for seeding on first start).
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(catalog::entity::stall::Entity::find().count(db).await? == 0)
}

async fn account(
    accounts: &Accounts,
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    admin: bool,
) -> anyhow::Result<User> {
    if let Some(u) = accounts
        .find_by_email(db, email)
        .await
        .map_err(common::Error::from)?
    {
        return Ok(u);
    }
    let made = accounts
        .create(
            db,
            NewUser {
                email: email.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                full_name: name.to_owned(),
                phone: None,
            },
            admin,
        )
        .await
        .map_err(common::Error::from);
    match made {
        Ok(u) => Ok(u),
        // Made meanwhile by another seeding (another process on the same SQLite file): use it.
        Err(e) if e.code == "email_taken" => accounts
            .find_by_email(db, email)
            .await
            .map_err(common::Error::from)?
            .ok_or_else(|| anyhow::anyhow!(e)),
        Err(e) => Err(anyhow::anyhow!(e)),
    }
}

/// The PostgreSQL advisory lock a seeding holds, so instances started together on an empty
/// database seed once: the first seeds, the others wait, then find the demo there.
const SEED_LOCK: i64 = 0x6d61_726b_6564_656d; // "markedem"

/// Holds [`SEED_LOCK`] for as long as the returned transaction lives (on PostgreSQL; `None`
/// elsewhere). The seeding itself runs on other connections of the pool.
async fn seed_lock(
    db: &DatabaseConnection,
) -> anyhow::Result<Option<sea_orm::DatabaseTransaction>> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(None);
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SEED_LOCK})"))
        .await?;
    Ok(Some(txn))
}

/// Seeds the demo catalogue unless it is already there; prints the demo accounts. Idempotent:
/// a second run finds the demo stalls and changes nothing. A stall whose commune is not in the
/// configured region list (`catalog.regions_file` names another province) is skipped, saying so.
/// The products' photos are drawn and stored through `media`; without it (or when it fails)
/// the products are listed without photos.
pub async fn demo(
    db: &DatabaseConnection,
    accounts: &Accounts,
    catalog: &Catalog,
    media: Option<&media::Media>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let data = demo_data()?;
    let mut photos = DemoPhotos {
        media,
        failure: None,
    };
    let lock = seed_lock(db).await?;
    let admin = account(accounts, db, DEMO_ADMIN, "Quản trị viên tỉnh", true)
        .await?
        .actor();
    account(accounts, db, DEMO_BUYER, "Nguyễn Văn Khách", false).await?;
    let mut created = 0;
    let mut skipped = 0;
    for (index, s) in data.stall.iter().enumerate() {
        if catalog.regions().get(&s.commune).is_none() {
            writeln!(
                out,
                "skipping demo stall {:?}: its commune {} is not in the configured region list",
                s.name, s.commune
            )?;
            skipped += 1;
            continue;
        }
        if demo_stall(
            db,
            accounts,
            catalog,
            &mut photos,
            &admin,
            index,
            s,
            &data.label,
        )
        .await?
        {
            created += 1;
        }
    }
    if let Some(failure) = &photos.failure {
        writeln!(
            out,
            "demo photos could not be stored ({failure}); the products are listed without them"
        )?;
    }
    if created == 0 && skipped == 0 {
        writeln!(out, "demo data already present; nothing changed")?;
    } else {
        writeln!(
            out,
            "seeded {created} demo stalls with their products ({} approved, the rest waiting for review)",
            data.stall.iter().filter(|s| s.approved).count()
        )?;
    }
    if let Some(lock) = lock {
        lock.commit().await?;
    }
    writeln!(out, "demo accounts (password {DEMO_PASSWORD}):")?;
    writeln!(out, "  administrator  {DEMO_ADMIN}")?;
    writeln!(out, "  buyer          {DEMO_BUYER}")?;
    for s in &data.stall {
        writeln!(out, "  vendor         {:<36} {}", s.owner, s.name)?;
    }
    Ok(())
}

/// Makes one demo stall with its products and their photos, approved if the data says so;
/// `false` when it is already there.
#[expect(
    clippy::too_many_arguments,
    reason = "plain data passed down one level"
)]
async fn demo_stall(
    db: &DatabaseConnection,
    accounts: &Accounts,
    catalog: &Catalog,
    photos: &mut DemoPhotos<'_>,
    admin: &Actor,
    index: usize,
    s: &DemoStall,
    labels: &std::collections::HashMap<String, ProductFacts>,
) -> anyhow::Result<bool> {
    let owner = account(accounts, db, &s.owner, &s.owner_name, false).await?;
    let owner_actor = owner.actor();
    let mine = catalog
        .my_stalls(db, &owner_actor)
        .await
        .map_err(common::Error::from)?;
    if mine.iter().any(|m| m.name == s.name) {
        return Ok(false);
    }
    let stall = catalog
        .apply(
            db,
            &owner_actor,
            NewStall {
                name: s.name.clone(),
                description: s.description.clone(),
                commune_code: s.commune.clone(),
                address: s.address.clone(),
                phone: s.phone.clone(),
                business_type: s.business_type,
                registration_no: None,
                logo: None,
                banner: None,
            },
        )
        .await
        .map_err(common::Error::from)?;
    let stall_id = stall.id.to_string();
    let images = photos.of_stall(db, owner.id, stall.id, index, s).await;
    for (p, image) in s.product.iter().zip(images) {
        let label = labels.get(&p.category);
        let listed = DemoListing {
            index,
            stall: s,
            product: p,
            label,
            image,
        };
        demo_product(db, catalog, &owner_actor, admin, &stall_id, listed).await?;
    }
    if s.approved {
        demo_identity(db, catalog, &owner_actor, admin, index, s, &stall_id).await?;
        demo_documents(db, catalog, &owner_actor, admin, index, &stall_id).await?;
        catalog
            .moderate_stall(db, admin, &stall_id, StallAction::Approve, None)
            .await
            .map_err(common::Error::from)?;
    }
    Ok(true)
}

/// The seller identity of an approved demo stall, submitted by its owner and verified by the
/// administrator, as a real stall's is before approval. The numbers are made up: province 045
/// (Quảng Trị), born 1980, then the stall's place in the file.
async fn demo_identity(
    db: &DatabaseConnection,
    catalog: &Catalog,
    owner: &Actor,
    admin: &Actor,
    index: usize,
    s: &DemoStall,
    stall_id: &str,
) -> anyhow::Result<()> {
    let identities = compliance::Identities::new(catalog.clone());
    let now = chrono::Utc::now();
    let input = compliance::identity::NewIdentity {
        method: compliance::identity::IdentityMethod::CitizenIdCard,
        full_name: s.owner_name.clone(),
        id_number: format!("045080{:06}", 100 + index),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 15).unwrap_or_default(),
        document_urls: Vec::new(),
        document_media_ids: Vec::new(),
    };
    identities
        .submit(db, owner, stall_id, input, now)
        .await
        .map_err(common::Error::from)?;
    identities
        .verify(db, admin, stall_id, now)
        .await
        .map_err(common::Error::from)?;
    Ok(())
}

/// The business documents an approved demo stall's products wait on (a food-safety
/// certificate, an alcohol licence), submitted by its owner and verified by the administrator,
/// so that its products show. Numbers and dates are made up: issued 200 days ago, valid three
/// years.
async fn demo_documents(
    db: &DatabaseConnection,
    catalog: &Catalog,
    owner: &Actor,
    admin: &Actor,
    index: usize,
    stall_id: &str,
) -> anyhow::Result<()> {
    let documents = compliance::Documents::new(
        catalog.clone(),
        compliance::documents::DocumentRules::builtin(),
    );
    let page = common::PageRequest::new(Some(1), Some(100))?;
    let products = catalog
        .stall_products(db, owner, stall_id, None, Default::default(), page)
        .await
        .map_err(common::Error::from)?;
    let mut kinds: Vec<String> = Vec::new();
    for kind in products
        .items
        .iter()
        .flat_map(|p| p.missing_documents.iter().flatten())
    {
        if !kinds.contains(kind) {
            kinds.push(kind.clone());
        }
    }
    let now = chrono::Utc::now();
    let issued_on = common::calendar::day_of(now) - chrono::Duration::days(200);
    for kind in kinds {
        let (issuer, suffix) = match kind.as_str() {
            "alcohol_licence" => ("Sở Công Thương tỉnh Quảng Trị", "GP-BLR"),
            _ => ("Sở Y tế tỉnh Quảng Trị", "ATTP-CNĐK"),
        };
        let input = compliance::documents::NewDocument {
            kind,
            number: format!("{:03}/{}/{suffix}", index + 1, issued_on.format("%Y")),
            issued_by: issuer.to_owned(),
            issued_on,
            expires_on: issued_on.checked_add_months(chrono::Months::new(36)),
            evidence_urls: Vec::new(),
            media_ids: Vec::new(),
        };
        let document = documents
            .submit(db, owner, stall_id, input, now)
            .await
            .map_err(common::Error::from)?;
        documents
            .verify(db, admin, document.id, now)
            .await
            .map_err(common::Error::from)?;
    }
    Ok(())
}

/// A demo product as it is listed: the stall's place in the file, the stall, the product, its
/// category's label and its photo's id.
struct DemoListing<'a> {
    index: usize,
    stall: &'a DemoStall,
    product: &'a DemoProduct,
    label: Option<&'a ProductFacts>,
    image: Option<String>,
}

/// Lists one demo product, its OCOP claim verified if the data says so.
async fn demo_product(
    db: &DatabaseConnection,
    catalog: &Catalog,
    owner: &Actor,
    admin: &Actor,
    stall_id: &str,
    listed: DemoListing<'_>,
) -> anyhow::Result<()> {
    let DemoListing {
        index,
        stall: s,
        product: p,
        label,
        image,
    } = listed;
    let variants = (!p.variant.is_empty())
        .then(|| p.variant.iter().map(DemoVariant::input).collect::<Vec<_>>());
    let category_id = catalog::service::find_category(db, &p.category)
        .await
        .map_err(common::Error::from)?
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("demo category {} is missing", p.category))?;
    let product = catalog
        .create_product(
            db,
            owner,
            stall_id,
            NewProduct {
                name: p.name.clone(),
                description: p.description.clone(),
                category_id,
                price: p.price,
                sale_price: None,
                sale_starts_at: None,
                sale_ends_at: None,
                unit: p.unit.clone(),
                stock: p.stock,
                variants,
                images: image.into_iter().collect(),
                origin_commune_code: Some(s.commune.clone()),
                weight_grams: None,
                facts: label.map(|l| demo_facts(catalog, l, s, p)),
                ocop: p.ocop_stars.map(|stars| OcopInput {
                    stars,
                    certificate_no: format!("{}/QĐ-UBND", 100 + index * 7),
                    issuer: None,
                    issued_on: Catalog::today() - chrono::Duration::days(400),
                    expires_on: None,
                }),
            },
        )
        .await
        .map_err(common::Error::from)?;
    if p.ocop_verified {
        catalog
            .verify_ocop(db, admin, &product.id.to_string())
            .await
            .map_err(common::Error::from)?;
    }
    Ok(())
}

/// The facts of demo product `p` of stall `s`: its category's `label`, made where the stall is,
/// by the stall, in the quantity of its unit.
fn demo_facts(
    catalog: &Catalog,
    label: &ProductFacts,
    s: &DemoStall,
    p: &DemoProduct,
) -> ProductFacts {
    let commune = catalog
        .regions()
        .get(&s.commune)
        .map_or_else(|| s.commune.clone(), |c| c.name.clone());
    ProductFacts {
        origin: Some(format!(
            "{commune}, tỉnh {}, Việt Nam",
            catalog.regions().province()
        )),
        producer: Some(format!("{}, {}", s.name, s.address)),
        net_quantity: Some(p.unit.clone()),
        ..label.clone()
    }
}

#[cfg(feature = "synthetic")]
/// Makes sure `n` synthetic products exist (deterministic; re-running tops up, never
/// duplicates), reporting progress to stderr.
pub async fn synthetic(
    db: &DatabaseConnection,
    accounts: &Accounts,
    catalog: &Catalog,
    n: u64,
) -> anyhow::Result<u64> {
    let owner = account(
        accounts,
        db,
        "synthetic@demo.cho-ocop.test",
        "Người bán tổng hợp",
        false,
    )
    .await?;
    let mut stderr = std::io::stderr();
    let added = catalog
        .seed_synthetic(db, owner.id, n, |done, total| {
            let percent = (done * 100).checked_div(total).unwrap_or(100);
            let _ = write!(stderr, "\rsynthetic products: {done}/{total} ({percent}%)");
            let _ = stderr.flush();
        })
        .await
        .map_err(common::Error::from)?;
    let _ = writeln!(stderr);
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_reads_into_the_catalogue_types() {
        let data = demo_data().expect("the demo file parses");
        assert_eq!(data.stall.len(), 11);
        assert_eq!(
            data.stall.iter().map(|s| s.product.len()).sum::<usize>(),
            62
        );
        assert!(
            data.stall.iter().any(|s| !s.approved),
            "one stall waits for review"
        );
        let with_variants = data
            .stall
            .iter()
            .flat_map(|s| &s.product)
            .filter(|p| !p.variant.is_empty())
            .count();
        assert_eq!(with_variants, 3, "three products come in pack sizes");
        let regions = catalog::Regions::builtin();
        for s in &data.stall {
            assert!(
                regions.get(&s.commune).is_some(),
                "{}: {}",
                s.name,
                s.commune
            );
            for p in &s.product {
                if p.variant.is_empty() {
                    assert!(
                        p.price.is_some_and(|n| n > 0) && p.stock.is_some_and(|n| n >= 0),
                        "{}",
                        p.name
                    );
                } else {
                    assert!(p.price.is_none() && p.stock.is_none(), "{}", p.name);
                    for v in &p.variant {
                        assert!(v.price > 0 && v.stock >= 0, "{}: {}", p.name, v.name);
                        assert!(
                            v.barcode.as_deref().is_none_or(catalog::variant::gtin_ok),
                            "{}: {}",
                            p.name,
                            v.name
                        );
                    }
                }
                assert!(
                    p.ocop_stars.is_none_or(|n| (3..=5).contains(&n)),
                    "{}",
                    p.name
                );
            }
        }
    }
}
