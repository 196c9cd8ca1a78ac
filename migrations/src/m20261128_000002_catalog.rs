//! The catalogue: categories (seeded with the OCOP programme's six groups), stalls and their
//! members, products with their OCOP claim, the moderation audit log and the search outbox.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A seeded category: slug, name and its subcategories' slugs and names.
type Group = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The OCOP programme's six product groups and their usual subgroups.
const CATEGORIES: &[Group] = &[
    (
        "thuc-pham",
        "Thực phẩm",
        &[
            ("nong-san-tuoi", "Nông sản tươi"),
            ("gao-ngu-coc", "Gạo và ngũ cốc"),
            ("thuc-pham-che-bien", "Thực phẩm chế biến"),
            ("gia-vi-nuoc-cham", "Gia vị và nước chấm"),
            ("thuy-hai-san", "Thủy hải sản"),
            ("banh-keo-mut", "Bánh, kẹo, mứt"),
            ("mat-ong", "Mật ong"),
        ],
    ),
    (
        "do-uong",
        "Đồ uống",
        &[
            ("ca-phe", "Cà phê"),
            ("tra", "Trà"),
            ("ruou-do-uong-co-con", "Rượu và đồ uống có cồn"),
            ("nuoc-giai-khat", "Nước giải khát"),
        ],
    ),
    (
        "thao-duoc",
        "Thảo dược",
        &[
            ("tinh-dau", "Tinh dầu"),
            ("duoc-lieu", "Dược liệu"),
            ("thuc-pham-chuc-nang", "Thực phẩm chức năng"),
            ("my-pham-thao-duoc", "Mỹ phẩm thảo dược"),
        ],
    ),
    (
        "vai-may-mac",
        "Vải và may mặc",
        &[
            ("vai-det-thu-cong", "Vải dệt thủ công"),
            ("trang-phuc", "Trang phục"),
        ],
    ),
    (
        "luu-niem-noi-that-trang-tri",
        "Lưu niệm, nội thất, trang trí",
        &[
            ("may-tre-dan", "Mây tre đan"),
            ("go-my-nghe", "Gỗ mỹ nghệ"),
            ("gom-su", "Gốm sứ"),
            ("qua-luu-niem", "Quà lưu niệm"),
        ],
    ),
    (
        "dich-vu-du-lich-nong-thon",
        "Dịch vụ du lịch nông thôn",
        &[
            ("diem-du-lich", "Điểm du lịch cộng đồng"),
            ("trai-nghiem", "Trải nghiệm làng nghề"),
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("categories")
                    .col(pk_uuid("id"))
                    .col(uuid_null("parent_id"))
                    .col(string_len_uniq("slug", 120))
                    .col(string_len("name", 100))
                    .col(integer("position").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_categories_parent")
                            .from("categories", "parent_id")
                            .to("categories", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("stalls")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("slug", 120))
                    .col(string_len("name", 120))
                    .col(text("description"))
                    .col(string_len("commune_code", 10))
                    .col(string_len("address", 255))
                    .col(string_len("phone", 16))
                    .col(string_len("business_type", 32))
                    .col(string_len_null("registration_no", 32))
                    .col(string_len("status", 16))
                    .col(text_null("status_reason"))
                    .col(uuid("owner_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("approved_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stalls_owner")
                            .from("stalls", "owner_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_stalls_status_created", &["status", "created_at"][..]),
            ("idx_stalls_commune", &["commune_code"][..]),
        ] {
            let mut idx = Index::create().name(name).table("stalls").to_owned();
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("stall_members")
                    .col(uuid("stall_id"))
                    .col(uuid("user_id"))
                    .col(string_len("role", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("stall_id").col("user_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stall_members_stall")
                            .from("stall_members", "stall_id")
                            .to("stalls", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stall_members_user")
                            .from("stall_members", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stall_members_user")
                    .table("stall_members")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("products")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("slug", 160))
                    .col(uuid("stall_id"))
                    .col(uuid("category_id"))
                    .col(string_len("name", 150))
                    .col(text("description"))
                    .col(big_integer("price"))
                    .col(string_len("unit", 50))
                    .col(big_integer("stock"))
                    // A JSON array of image URLs.
                    .col(text("images"))
                    .col(string_len_null("origin_commune_code", 10))
                    .col(integer_null("weight_grams"))
                    .col(string_len("status", 16))
                    .col(boolean("hidden").default(false))
                    .col(text_null("hidden_reason"))
                    .col(big_integer("sales_count").default(0))
                    .col(integer("version"))
                    // The OCOP claim, if any: every ocop_* column is null together.
                    .col(small_integer_null("ocop_stars"))
                    .col(string_len_null("ocop_certificate_no", 64))
                    .col(string_len_null("ocop_issuer", 16))
                    .col(date_null("ocop_issued_on"))
                    .col(date_null("ocop_expires_on"))
                    .col(string_len_null("ocop_status", 16))
                    .col(text_null("ocop_status_reason"))
                    .col(timestamp_with_time_zone_null("ocop_reviewed_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_products_stall")
                            .from("products", "stall_id")
                            .to("stalls", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_products_category")
                            .from("products", "category_id")
                            .to("categories", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_products_stall_created",
                &["stall_id", "created_at"][..],
            ),
            (
                "idx_products_category_created",
                &["category_id", "created_at"][..],
            ),
            ("idx_products_status_hidden", &["status", "hidden"][..]),
        ] {
            let mut idx = Index::create().name(name).table("products").to_owned();
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_uuid("id"))
                    .col(uuid("actor_id"))
                    .col(string_len("action", 48))
                    .col(string_len("subject_type", 24))
                    .col(uuid("subject_id"))
                    .col(text_null("reason"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_subject", &["subject_type", "subject_id"][..]),
            ("idx_audit_actor", &["actor_id"][..]),
        ] {
            let mut idx = Index::create().name(name).table("audit_log").to_owned();
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("search_outbox")
                    .col(big_pk_auto("id"))
                    .col(string_len("entity", 16))
                    .col(uuid("entity_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;

        seed_categories(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "search_outbox",
            "audit_log",
            "products",
            "stall_members",
            "stalls",
            "categories",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn seed_categories(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let now = chrono_now();
    for (position, (slug, name, children)) in CATEGORIES.iter().enumerate() {
        let parent = Uuid::now_v7();
        insert_category(db, parent, None, slug, name, position, &now).await?;
        for (child_position, (child_slug, child_name)) in children.iter().enumerate() {
            insert_category(
                db,
                Uuid::now_v7(),
                Some(parent),
                child_slug,
                child_name,
                child_position,
                &now,
            )
            .await?;
        }
    }
    Ok(())
}

fn chrono_now() -> sea_orm_migration::sea_orm::prelude::DateTimeUtc {
    sea_orm_migration::sea_orm::prelude::DateTimeUtc::from(std::time::SystemTime::now())
}

async fn insert_category<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    parent: Option<Uuid>,
    slug: &str,
    name: &str,
    position: usize,
    now: &sea_orm_migration::sea_orm::prelude::DateTimeUtc,
) -> Result<(), DbErr> {
    let position = <i32 as TryFrom<usize>>::try_from(position).unwrap_or(i32::MAX);
    let stmt = Query::insert()
        .into_table("categories")
        .columns([
            "id",
            "parent_id",
            "slug",
            "name",
            "position",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            id.into(),
            parent.into(),
            slug.into(),
            name.into(),
            position.into(),
            (*now).into(),
            (*now).into(),
        ])
        .to_owned();
    db.execute(&stmt).await.map(|_| ())
}
