//! The category tree: public reads, administrators' changes (audited).

use chrono::Utc;
use common::{Actor, FieldCode, text::slugify, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{Catalog, SlugTable, find_category, is_unique_violation, unique_slug};
use crate::{
    CatalogError,
    audit::{self, Action, Subject},
    category::{CategoryNode, CategoryPatch, NewCategory, descendants, tree},
    entity::{category, product},
    error::Result,
    outbox,
};

fn node(m: category::Model) -> CategoryNode {
    CategoryNode {
        id: m.id,
        slug: m.slug,
        name: m.name,
        parent_id: m.parent_id,
        position: m.position,
        children: Vec::new(),
    }
}

fn check_slug(v: &mut Validator, slug: &str) -> String {
    let s = slug.trim().to_owned();
    v.check(
        !s.is_empty() && s.len() <= 100 && slugify(&s, 100) == s,
        "slug",
        FieldCode::InvalidSlug,
        "must be lower-case ASCII letters and digits joined by single hyphens",
    );
    s
}

impl Catalog {
    /// The whole category tree.
    pub async fn categories<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<CategoryNode>> {
        Ok(tree(category::Entity::find().all(db).await?))
    }

    /// Adds a category (admins).
    pub async fn create_category<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        input: NewCategory,
    ) -> Result<CategoryNode> {
        let admin = actor.require_admin()?;
        let mut v = Validator::new();
        let name = v.text("name", &input.name, 2, 100);
        let slug = input.slug.as_deref().map(|s| check_slug(&mut v, s));
        if let Some(parent) = input.parent_id {
            let exists = category::Entity::find_by_id(parent)
                .one(db)
                .await?
                .is_some();
            v.check(
                exists,
                "parent_id",
                FieldCode::UnknownCategory,
                "is not a category",
            );
        }
        v.finish()?;

        let txn = common::begin_write(db).await?;
        let slug = match slug {
            Some(s) => s,
            None => unique_slug(&txn, SlugTable::Category, &name, "danh-muc").await?,
        };
        let now = Utc::now();
        let model = category::ActiveModel {
            id: Set(Uuid::now_v7()),
            parent_id: Set(input.parent_id),
            slug: Set(slug),
            name: Set(name),
            position: Set(input.position),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(slug_taken)?;
        audit::record(
            &txn,
            admin,
            Action::CategoryCreate,
            Subject::Category(model.id),
            None,
            None,
            Some(json!({"name": model.name, "slug": model.slug, "parent_id": model.parent_id})),
        )
        .await?;
        txn.commit().await?;
        Ok(node(model))
    }

    /// Renames, moves or reorders a category (admins). A category cannot move under itself.
    pub async fn update_category<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        patch: CategoryPatch,
    ) -> Result<CategoryNode> {
        let admin = actor.require_admin()?;
        let current = find_category(db, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Category"))?;
        let mut v = Validator::new();
        let name = patch.name.as_deref().map(|n| v.text("name", n, 2, 100));
        let slug = patch.slug.as_deref().map(|s| check_slug(&mut v, s));
        if let Some(Some(parent)) = patch.parent_id {
            let all = category::Entity::find().all(db).await?;
            if !all.iter().any(|c| c.id == parent) {
                v.add("parent_id", FieldCode::UnknownCategory, "is not a category");
            } else if descendants(&all, current.id).contains(&parent) {
                v.add(
                    "parent_id",
                    FieldCode::CategoryCycle,
                    "cannot be the category itself or one below it",
                );
            }
        }
        v.finish()?;

        let txn = common::begin_write(db).await?;
        let before = json!({"name": current.name, "slug": current.slug, "parent_id": current.parent_id, "position": current.position});
        let mut am = current.clone().into_active_model();
        if let Some(n) = name {
            am.name = Set(n);
        }
        if let Some(s) = slug {
            am.slug = Set(s);
        }
        if let Some(p) = patch.parent_id {
            am.parent_id = Set(p);
        }
        if let Some(p) = patch.position {
            am.position = Set(p);
        }
        am.updated_at = Set(Utc::now());
        let updated = am.update(&txn).await.map_err(slug_taken)?;
        audit::record(
            &txn,
            admin,
            Action::CategoryUpdate,
            Subject::Category(current.id),
            None,
            Some(before),
            Some(json!({"name": updated.name, "slug": updated.slug, "parent_id": updated.parent_id, "position": updated.position})),
        )
        .await?;
        outbox::enqueue(&txn, outbox::Entity::Category, current.id).await?;
        if updated.slug != current.slug || updated.parent_id != current.parent_id {
            self.recheck_category(&txn, current.id, Self::today())
                .await?;
        }
        txn.commit().await?;
        Ok(node(updated))
    }

    /// Deletes a category that has no products and no subcategories (admins).
    pub async fn delete_category<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
    ) -> Result<()> {
        let admin = actor.require_admin()?;
        let txn = common::begin_write(db).await?;
        let current = find_category(&txn, id_or_slug)
            .await?
            .ok_or(CatalogError::NotFound("Category"))?;
        let children = category::Entity::find()
            .filter(category::Column::ParentId.eq(current.id))
            .count(&txn)
            .await?;
        let products = product::Entity::find()
            .filter(product::Column::CategoryId.eq(current.id))
            .count(&txn)
            .await?;
        if children > 0 || products > 0 {
            return Err(CatalogError::InUse(format!(
                "The category still has {children} subcategories and {products} products; move them first."
            )));
        }
        category::Entity::delete_by_id(current.id)
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            admin,
            Action::CategoryDelete,
            Subject::Category(current.id),
            None,
            Some(json!({"name": current.name, "slug": current.slug})),
            None,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

fn slug_taken(e: sea_orm::DbErr) -> CatalogError {
    if is_unique_violation(&e) {
        common::Error::invalid_field("slug", FieldCode::Taken, "is taken by another category")
            .into()
    } else {
        e.into()
    }
}
