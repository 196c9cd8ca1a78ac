//! Use cases of the catalogue. Each public method takes the acting user, checks what that user
//! may do, and runs its writes in one transaction together with their audit entries and search
//! outbox rows.

mod categories;
mod documents;
mod members;
mod moderation;
mod owners;
mod products;
pub mod queues;
mod sellers;
mod stalls;
mod takedowns;
pub mod variants;

use std::{collections::HashMap, sync::Arc};

use chrono::NaiveDate;
use common::{Actor, stored, text::slugify};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

pub use moderation::AuditQuery;
pub use owners::OWNER_DISABLED;
pub use products::ProductSort;
pub use sellers::UnverifiedSeller;

use crate::{
    Regions,
    documents::DocumentRequirements,
    entity::{category, product, stall, stall_member},
    error::Result,
    facts::FactRules,
    stall::Role,
};

/// The catalogue service.
#[derive(Clone, Debug)]
pub struct Catalog {
    regions: Arc<Regions>,
    fact_rules: Arc<FactRules>,
    document_rules: Arc<DocumentRequirements>,
    notifier: notify::Notifier,
    /// The photos stalls hold, for products' `images` named by id.
    photos: Option<Arc<dyn crate::photos::Photos>>,
    /// What a stall may set on a sale.
    sale_rules: crate::sale::SaleRules,
}

/// How much of a stall (and its products) the caller may see and do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Viewer {
    /// Anyone: approved stalls and visible products only.
    Public,
    /// A member of the stall.
    Member(Role),
    /// An administrator.
    Admin,
}

impl Viewer {
    fn privileged(self) -> bool {
        !matches!(self, Viewer::Public)
    }
}

impl Catalog {
    /// A catalogue over the province's communes.
    pub fn new(regions: Regions) -> Self {
        Self {
            regions: Arc::new(regions),
            fact_rules: Arc::new(FactRules::builtin()),
            document_rules: Arc::new(DocumentRequirements::default()),
            notifier: notify::Notifier::default(),
            photos: None,
            sale_rules: crate::sale::SaleRules::default(),
        }
    }

    /// The same catalogue allowing sales by `rules` (`promotions.max_sale_days`).
    pub fn with_sale_rules(mut self, rules: crate::sale::SaleRules) -> Self {
        self.sale_rules = rules;
        self
    }

    /// The sale rules, and the instant a sale given now is checked at.
    pub(crate) fn sale_rules_now(&self) -> (crate::sale::SaleRules, chrono::DateTime<chrono::Utc>) {
        (self.sale_rules, chrono::Utc::now())
    }

    /// The same catalogue requiring the product facts of `rules` (by default the shipped
    /// config/compliance/facts.toml).
    pub fn with_fact_rules(mut self, rules: FactRules) -> Self {
        self.fact_rules = Arc::new(rules);
        self
    }

    /// The facts a product of category `category_id` must state, among `all` categories (its
    /// own slug and its ancestors' decide).
    pub(crate) fn required_facts(
        &self,
        all: &[category::Model],
        category_id: Uuid,
    ) -> Vec<&'static str> {
        self.fact_rules.required(&lineage(all, category_id))
    }

    /// The same catalogue showing a product only while its stall holds the documents its
    /// category requires by `requirements` (none by default; the gateway gives the compliance
    /// office's).
    pub fn with_document_requirements(mut self, requirements: DocumentRequirements) -> Self {
        self.document_rules = Arc::new(requirements);
        self
    }

    /// The kinds of documents a product of category `category_id` needs its stall to hold,
    /// among `all` categories.
    pub(crate) fn required_documents<'a>(
        &'a self,
        all: &[category::Model],
        category_id: Uuid,
    ) -> Vec<&'a str> {
        self.document_rules.required(&lineage(all, category_id))
    }

    /// The same catalogue checking the photos products name by id with `photos`.
    pub fn with_photos(mut self, photos: Arc<dyn crate::photos::Photos>) -> Self {
        self.photos = Some(photos);
        self
    }

    /// Refuses (422, naming `{field}[N]`) each of `ids` that is no photo `stall_id` holds: the
    /// evidence another crate's record names by id (a business document's `media_ids`).
    pub async fn check_photos(&self, stall_id: Uuid, field: &str, ids: &[Uuid]) -> Result<()> {
        let entries: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let mut v = common::validate::Validator::new();
        crate::photos::check_named(self.photos.as_ref(), &mut v, stall_id, field, &entries).await?;
        Ok(v.finish()?)
    }

    /// The same catalogue writing notifications with `notifier`.
    pub fn with_notifier(mut self, notifier: notify::Notifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// The notifier that the catalogue and the crates built on it write notifications with.
    pub fn notifier(&self) -> &notify::Notifier {
        &self.notifier
    }

    /// Tells the members of `stall_id` (and its webhooks) of `event`, in the caller's
    /// transaction; see [`crate::tell_stall`].
    pub async fn tell_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        event: notify::Event,
        facts: notify::Facts,
        order_id: Option<Uuid>,
    ) -> Result<()> {
        crate::tell_stall(db, &self.notifier, stall_id, event, facts, order_id).await
    }

    /// Tells `owner_id`, the owner of stall `stall_id`, of `event`, in the caller's transaction:
    /// the notices about the stall's seller (identity, documents), which its staff do not get.
    pub async fn tell_owner<C: ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        owner_id: Uuid,
        event: notify::Event,
        facts: &notify::Facts,
    ) -> Result<()> {
        let refs = notify::Refs {
            stall_id: Some(stall_id),
            order_id: None,
        };
        self.notifier
            .to_users(db, &[owner_id], event, facts, refs)
            .await?;
        Ok(())
    }

    /// The province's communes.
    pub fn regions(&self) -> &Regions {
        &self.regions
    }

    /// Today in Vietnam (UTC+7), the date certificates expire by.
    pub fn today() -> NaiveDate {
        common::calendar::today()
    }

    /// What `actor` is to the stall `stall_id`.
    pub(crate) async fn viewer<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall_id: Uuid,
    ) -> Result<Viewer> {
        let Some(user_id) = actor.user_id() else {
            return Ok(Viewer::Public);
        };
        let member = stall_member::Entity::find_by_id((stall_id, user_id))
            .one(db)
            .await?;
        Ok(match member.map(|m| stored::<Role>(&m.role)).transpose()? {
            Some(role) => Viewer::Member(role),
            None if actor.is_admin() => Viewer::Admin,
            None => Viewer::Public,
        })
    }
}

/// The slugs of category `category_id` and its ancestors among `all`, the category first.
fn lineage(all: &[category::Model], category_id: Uuid) -> Vec<&str> {
    let mut lineage: Vec<&str> = Vec::new();
    let mut next = Some(category_id);
    while let Some(id) = next {
        let Some(c) = all.iter().find(|c| c.id == id) else {
            break;
        };
        if lineage.contains(&c.slug.as_str()) {
            break; // a cycle in bad data; stop rather than loop
        }
        lineage.push(&c.slug);
        next = c.parent_id;
    }
    lineage
}

/// Finds a stall by UUID or slug.
pub async fn find_stall<C: ConnectionTrait>(
    db: &C,
    id_or_slug: &str,
) -> Result<Option<stall::Model>> {
    Ok(match Uuid::parse_str(id_or_slug) {
        Ok(id) => stall::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            stall::Entity::find()
                .filter(stall::Column::Slug.eq(id_or_slug))
                .one(db)
                .await?
        }
    })
}

/// Finds a product by UUID or slug.
pub(crate) async fn find_product<C: ConnectionTrait>(
    db: &C,
    id_or_slug: &str,
) -> Result<Option<product::Model>> {
    Ok(match Uuid::parse_str(id_or_slug) {
        Ok(id) => product::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            product::Entity::find()
                .filter(product::Column::Slug.eq(id_or_slug))
                .one(db)
                .await?
        }
    })
}

/// Finds a category by UUID or slug.
pub async fn find_category<C: ConnectionTrait>(
    db: &C,
    id_or_slug: &str,
) -> Result<Option<category::Model>> {
    Ok(match Uuid::parse_str(id_or_slug) {
        Ok(id) => category::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            category::Entity::find()
                .filter(category::Column::Slug.eq(id_or_slug))
                .one(db)
                .await?
        }
    })
}

/// The products the public sees (the one rule, in [`crate::visibility`]).
pub(crate) fn visible_products() -> Select<product::Entity> {
    crate::visibility::public_products()
}

/// How many products the public can see now (what a complete search index holds).
pub async fn public_product_count<C: ConnectionTrait>(db: &C) -> Result<u64> {
    Ok(visible_products().count(db).await?)
}

/// Which table a slug must be unique in.
#[derive(Clone, Copy)]
pub(crate) enum SlugTable {
    Stall,
    Product,
    Category,
}

/// A slug made from `name` that no row of `table` uses yet: the plain form, then `-2`, `-3`...
/// The unique index still has the last word if two writers race for the same one.
pub(crate) async fn unique_slug<C: ConnectionTrait>(
    db: &C,
    table: SlugTable,
    name: &str,
    fallback: &str,
) -> Result<String> {
    let mut base = slugify(name, 100);
    if base.is_empty() {
        base = fallback.to_owned();
    }
    for n in 1..=50u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = match table {
            SlugTable::Stall => {
                stall::Entity::find()
                    .filter(stall::Column::Slug.eq(&candidate))
                    .count(db)
                    .await?
            }
            SlugTable::Product => {
                product::Entity::find()
                    .filter(product::Column::Slug.eq(&candidate))
                    .count(db)
                    .await?
            }
            SlugTable::Category => {
                category::Entity::find()
                    .filter(category::Column::Slug.eq(&candidate))
                    .count(db)
                    .await?
            }
        };
        if taken == 0 {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{base}-{}",
        &Uuid::now_v7().simple().to_string()[20..]
    ))
}

/// Whether a database error is a unique-constraint violation.
pub(crate) use common::db::is_unique_violation;

/// Loads the stalls and categories a list of products refers to, by id.
pub(crate) async fn product_refs<C: ConnectionTrait>(
    db: &C,
    products: &[product::Model],
) -> Result<(HashMap<Uuid, stall::Model>, HashMap<Uuid, category::Model>)> {
    let stall_ids: Vec<Uuid> = products.iter().map(|p| p.stall_id).collect();
    let category_ids: Vec<Uuid> = products.iter().map(|p| p.category_id).collect();
    let stalls = stall::Entity::find()
        .filter(stall::Column::Id.is_in(stall_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let categories = category::Entity::find()
        .filter(category::Column::Id.is_in(category_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok((stalls, categories))
}

/// A reason a moderator must give: trimmed, 3 to 1000 characters.
pub(crate) fn required_reason(reason: Option<&str>) -> Result<String> {
    Ok(common::validate::required_reason(reason)?)
}

/// The name and members of each stall of `ids` that exists, read at once: whom a batch of
/// notices to those stalls tells ([`notify::Batch::to_stall`]).
pub async fn stall_audiences<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, (String, Vec<Uuid>)>> {
    let mut out: std::collections::HashMap<Uuid, (String, Vec<Uuid>)> = stall::Entity::find()
        .filter(stall::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, (s.name, Vec::new())))
        .collect();
    let members = stall_member::Entity::find()
        .filter(stall_member::Column::StallId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for m in members {
        if let Some((_, users)) = out.get_mut(&m.stall_id) {
            users.push(m.user_id);
        }
    }
    Ok(out)
}

/// Tells the members of `stall_id` (and its webhooks) of `event` with `notifier`, in the
/// caller's transaction. The stall's name is added to the facts as `stall`.
pub async fn tell_stall<C: ConnectionTrait>(
    db: &C,
    notifier: &notify::Notifier,
    stall_id: Uuid,
    event: notify::Event,
    facts: notify::Facts,
    order_id: Option<Uuid>,
) -> Result<()> {
    let Some(s) = stall::Entity::find_by_id(stall_id).one(db).await? else {
        return Ok(());
    };
    let members: Vec<Uuid> = stall_member::Entity::find()
        .filter(stall_member::Column::StallId.eq(stall_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let facts = facts.text("stall", s.name);
    notifier
        .to_stall(
            db,
            stall_id,
            &members,
            event,
            &facts,
            notify::Refs {
                stall_id: Some(stall_id),
                order_id,
            },
        )
        .await?;
    Ok(())
}
