//! Synthetic catalogue for benchmarks: `n` deterministic products spread over many approved
//! stalls, written in bulk. Re-running with the same or a larger `n` only adds what is missing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::Stored;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    Catalog,
    entity::{category, product, product_variant, search_outbox, stall, stall_member},
    error::Result,
    outbox,
    product::{OcopIssuer, OcopStatus, ProductStatus},
    region::Commune,
    stall::{BusinessType, Role, StallStatus},
};

/// Products per synthetic stall.
const PER_STALL: u64 = 250;
/// Rows per bulk insert (well under SQLite's bound-variable limit).
const CHUNK: u64 = 400;

const GOODS: &[&str] = &[
    "Nước mắm",
    "Hồ tiêu",
    "Cà phê",
    "Mật ong",
    "Dầu tràm",
    "Gạo",
    "Bánh ít",
    "Trà",
    "Chè vằng",
    "Cà gai leo",
    "Khoai deo",
    "Mực khô",
    "Ruốc",
    "Rượu men lá",
    "Tinh dầu sả",
    "Đậu xanh",
    "Bánh tráng",
    "Mè xửng",
    "Nấm hương",
    "Măng khô",
    "Miến dong",
    "Bột sắn dây",
    "Chuối sấy",
    "Gừng",
    "Nghệ",
    "Lạc rang",
    "Mứt gừng",
    "Trà hoa vàng",
    "Sâm cau",
    "Thổ cẩm",
];
const PLACES: &[&str] = &[
    "Cửa Tùng",
    "Khe Sanh",
    "Vĩnh Linh",
    "Gio Linh",
    "Triệu Phong",
    "Hải Lăng",
    "Đakrông",
    "Hướng Hóa",
    "Cam Lộ",
    "Đông Hà",
    "Đồng Hới",
    "Phong Nha",
    "Lệ Thủy",
    "Ba Đồn",
    "Minh Hóa",
    "Tuyên Hóa",
    "Quảng Ninh",
    "Bố Trạch",
    "Lao Bảo",
    "Cồn Tiên",
];
const GRADES: &[&str] = &[
    "loại 1",
    "đặc biệt",
    "truyền thống",
    "hữu cơ",
    "thượng hạng",
    "gia truyền",
    "nguyên chất",
    "sấy lạnh",
    "túi quà",
    "xuất khẩu",
];
const UNITS: &[&str] = &[
    "chai 500 ml",
    "túi 500 g",
    "hộp 250 g",
    "hũ 300 g",
    "gói 1 kg",
];

/// A cheap, fixed pseudo-random sequence (SplitMix64), so every run makes the same catalogue.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// What every synthetic product draws on: categories, communes, stalls, and the clock.
struct Draw<'a> {
    categories: &'a [category::Model],
    communes: &'a [Commune],
    stall_ids: &'a [Uuid],
    now: DateTime<Utc>,
    today: NaiveDate,
    /// How many products there will be (the newest is created `now`).
    n: u64,
}

impl Draw<'_> {
    /// Product `k` with `id`, the same on every run but its id and times; one in seven has an
    /// OCOP certificate, and one certificate in ten has lapsed, to exercise expiry.
    fn product(&self, k: u64, id: Uuid) -> product::ActiveModel {
        let r = mix(k);
        let g = GOODS[(k % GOODS.len() as u64) as usize];
        let p = PLACES[((k / GOODS.len() as u64) % PLACES.len() as u64) as usize];
        let q = GRADES[((r >> 8) % GRADES.len() as u64) as usize];
        let category = &self.categories[((r >> 16) % self.categories.len() as u64) as usize];
        let commune = &self.communes[((r >> 24) % self.communes.len() as u64) as usize];
        let stars = match k % 7 {
            0 => Some(3 + (r % 3) as i16),
            _ => None,
        };
        let expired = stars.is_some() && (r >> 40).is_multiple_of(10);
        let issued = self.today - Duration::days(if expired { 1200 } else { 200 });
        let issuer = |s: i16| match s {
            5 => OcopIssuer::National,
            _ => OcopIssuer::Province,
        };
        let price = 10_000 + ((r >> 32) % 990) as i64 * 1_000;
        product::ActiveModel {
            id: Set(id),
            slug: Set(format!("synthetic-{k:07}")),
            stall_id: Set(self.stall_ids[(k % self.stall_ids.len() as u64) as usize]),
            category_id: Set(category.id),
            name: Set(format!("{g} {p} {q}")),
            description: Set(format!("{g} {q} của vùng {p}, sản phẩm địa phương số {k}.")),
            price: Set(price),
            price_max: Set(price),
            price_now: Set(price),
            price_now_max: Set(price),
            unit: Set(UNITS[((r >> 4) % UNITS.len() as u64) as usize].to_owned()),
            stock: Set(((r >> 12) % 500) as i64),
            images: Set("[]".to_owned()),
            origin_commune_code: Set(Some(commune.code.clone())),
            weight_grams: Set(Some(250 + ((r >> 20) % 8) as i32 * 250)),
            status: Set(ProductStatus::Active.as_str().to_owned()),
            hidden: Set(false),
            hidden_reason: Set(None),
            sales_count: Set(((r >> 44) % 1000) as i64),
            version: Set(1),
            ocop_stars: Set(stars),
            ocop_certificate_no: Set(stars.map(|_| format!("{}/QĐ-UBND", 1000 + k))),
            ocop_issuer: Set(stars.map(|s| issuer(s).as_str().to_owned())),
            ocop_issued_on: Set(stars.map(|_| issued)),
            ocop_expires_on: Set(stars.map(|_| crate::product::default_expiry(issued))),
            ocop_status: Set(stars.map(|_| OcopStatus::Verified.as_str().to_owned())),
            ocop_status_reason: Set(None),
            ocop_reviewed_at: Set(stars.map(|_| self.now)),
            // Benchmark rows load and search like listings made before facts were required.
            facts: Set(None),
            missing_documents: Set(None),
            rating_count: Set(0),
            rating_sum: Set(0),
            rating_1: Set(0),
            rating_2: Set(0),
            rating_3: Set(0),
            rating_4: Set(0),
            rating_5: Set(0),
            created_at: Set(self.now - Duration::seconds((self.n - k) as i64)),
            updated_at: Set(self.now),
        }
    }

    /// Product `p`'s one variant, of its id, price, stock and weight.
    fn variant_row(p: &product::ActiveModel) -> product_variant::ActiveModel {
        let unit = p.unit.clone().unwrap();
        product_variant::ActiveModel {
            id: Set(p.id.clone().unwrap()),
            product_id: Set(p.id.clone().unwrap()),
            position: Set(0),
            name: Set(unit),
            sku: Set(None),
            barcode: Set(None),
            price: Set(p.price.clone().unwrap()),
            compare_at_price: Set(None),
            sale_price: Set(None),
            sale_starts_at: Set(None),
            sale_ends_at: Set(None),
            stock: Set(p.stock.clone().unwrap()),
            weight_grams: Set(p.weight_grams.clone().unwrap()),
            images: Set("[]".to_owned()),
            sales_count: Set(p.sales_count.clone().unwrap()),
            created_at: Set(p.created_at.clone().unwrap()),
            updated_at: Set(p.updated_at.clone().unwrap()),
        }
    }

    /// The outbox row that has product `id` indexed.
    fn outbox_row(&self, id: Uuid) -> search_outbox::ActiveModel {
        search_outbox::ActiveModel {
            id: NotSet,
            entity: Set(outbox::Entity::Product.as_str().to_owned()),
            entity_id: Set(id),
            created_at: Set(self.now),
            claimed_until: Set(None),
            attempts: Set(0),
        }
    }
}

/// The categories synthetic products go in: the subcategories, by slug, or every category if
/// there are none.
async fn synthetic_categories<C: ConnectionTrait>(db: &C) -> Result<Vec<category::Model>> {
    let mut categories: Vec<category::Model> = category::Entity::find()
        .filter(category::Column::ParentId.is_not_null())
        .all(db)
        .await?;
    categories.sort_by(|a, b| a.slug.cmp(&b.slug));
    if categories.is_empty() {
        categories = category::Entity::find().all(db).await?;
    }
    Ok(categories)
}

impl Catalog {
    /// Ensures products `synthetic-0000000` to `synthetic-{n-1}` exist; returns how many were
    /// added. `progress(done, n)` is called after every batch.
    pub async fn seed_synthetic<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        owner: Uuid,
        n: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        let existing = product::Entity::find()
            .filter(product::Column::Slug.starts_with("synthetic-"))
            .count(db)
            .await?;
        let categories = synthetic_categories(db).await?;
        let stall_count = n.div_ceil(PER_STALL).max(1);
        let stall_ids = self.synthetic_stalls(db, owner, stall_count).await?;
        let draw = Draw {
            categories: &categories,
            communes: self.regions().all(),
            stall_ids: &stall_ids,
            now: Utc::now(),
            today: Self::today(),
            n,
        };
        let mut done = existing.min(n);
        progress(done, n);
        while done < n {
            let end = (done + CHUNK).min(n);
            let (products, outbox): (Vec<_>, Vec<_>) = (done..end)
                .map(|k| {
                    let id = Uuid::now_v7();
                    (draw.product(k, id), draw.outbox_row(id))
                })
                .unzip();
            let variants: Vec<_> = products.iter().map(Draw::variant_row).collect();
            let txn = common::begin_write(db).await?;
            product::Entity::insert_many(products).exec(&txn).await?;
            product_variant::Entity::insert_many(variants)
                .exec(&txn)
                .await?;
            search_outbox::Entity::insert_many(outbox)
                .exec(&txn)
                .await?;
            txn.commit().await?;
            done = end;
            progress(done, n);
        }
        Ok(n.saturating_sub(existing))
    }

    async fn synthetic_stalls<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        owner: Uuid,
        count: u64,
    ) -> Result<Vec<Uuid>> {
        let communes = self.regions().all();
        let mut ids = Vec::with_capacity(count as usize);
        let txn = common::begin_write(db).await?;
        for i in 0..count {
            let slug = format!("synthetic-stall-{i:05}");
            if let Some(s) = stall::Entity::find()
                .filter(stall::Column::Slug.eq(&slug))
                .one(&txn)
                .await?
            {
                ids.push(s.id);
                continue;
            }
            let id = Uuid::now_v7();
            let now = Utc::now();
            let commune = &communes[(mix(i) % communes.len() as u64) as usize];
            stall::Entity::insert(stall::ActiveModel {
                id: Set(id),
                slug: Set(slug),
                name: Set(format!(
                    "Gian hàng {} số {}",
                    PLACES[(i % PLACES.len() as u64) as usize],
                    i + 1
                )),
                description: Set("Gian hàng tổng hợp dùng để đo hiệu năng.".to_owned()),
                commune_code: Set(commune.code.clone()),
                address: Set(format!("Số {} đường chính", i + 1)),
                phone: Set("0912345678".to_owned()),
                business_type: Set(BusinessType::HouseholdBusiness.as_str().to_owned()),
                registration_no: Set(None),
                status: Set(StallStatus::Approved.as_str().to_owned()),
                status_reason: Set(None),
                suspension_cause: Set(None),
                owner_id: Set(owner),
                created_at: Set(now),
                updated_at: Set(now),
                approved_at: Set(Some(now)),
                delivery_free_above: Set(None),
                delivery_flat_fee: Set(None),
                delivery_own_in_province: Set(false),
                delivery_own_fee: Set(0),
                // Benchmark data, no person behind it: counted as identified, so the grace
                // period's job leaves it alone.
                seller_verified: Set(true),
                // And holding the documents the shipped requirements name, for good.
                documents_held: Set(
                    r#"[{"kind":"food_safety","valid_through":null},{"kind":"alcohol_licence","valid_through":null}]"#
                        .to_owned(),
                ),
                missing_documents_told: Set(None),
                logo: Set(None),
                banner: Set(None),
                rating_count: Set(0),
                rating_sum: Set(0),
            })
            .exec(&txn)
            .await?;
            stall_member::Entity::insert(stall_member::ActiveModel {
                stall_id: Set(id),
                user_id: Set(owner),
                role: Set(Role::Owner.as_str().to_owned()),
                created_at: Set(now),
            })
            .exec(&txn)
            .await?;
            ids.push(id);
        }
        txn.commit().await?;
        Ok(ids)
    }
}
