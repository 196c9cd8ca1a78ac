//! What the compliance office tells the catalogue about a stall's business documents, and how
//! the catalogue keeps each product's `missing_documents` (what [`crate::visibility`] hides a
//! product for) up to date: when the stall's documents change, when a product is listed or
//! moves category, and in the daily recheck that lets lapsed documents hide their products.
//! Every product whose answer changes gets a search outbox row in the same transaction.
//!
//! Each recheck also tells the stall's owner which documents its listed products wait on that
//! the stall never had verified (a `documents_missing` notice naming the kinds and how many
//! products), once per set of kinds: `stalls.missing_documents_told` keeps what was told. A
//! product listed or moved by the stall is not told at once (the answer names its
//! `missing_documents` to whoever listed it); the owner hears at the next daily recheck, once,
//! since a member other than the owner may have listed it. Lapsed documents are left to their
//! expiry notices.

use chrono::{NaiveDate, Utc};
use common::Stored;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::Catalog;
use crate::{
    category::descendants,
    documents::{self, HeldDocument},
    entity::{category, product, stall},
    error::Result,
    outbox,
    product::ProductStatus,
};

/// What a stall's listed products wait on that it never had verified.
#[derive(Default)]
struct Waiting {
    /// The kinds.
    kinds: Vec<String>,
    /// How many products lack at least one of them.
    products: i64,
}

impl Waiting {
    /// The kinds, borrowed.
    fn kinds(&self) -> Vec<&str> {
        self.kinds.iter().map(String::as_str).collect()
    }

    /// Counts a listed product lacking `missing` of a stall holding `held`.
    fn add(&mut self, missing: &[&str], held: &[HeldDocument]) {
        let never: Vec<&str> = missing
            .iter()
            .copied()
            .filter(|k| !held.iter().any(|h| h.kind == *k))
            .collect();
        if never.is_empty() {
            return;
        }
        self.products += 1;
        for k in never {
            if !self.kinds.iter().any(|w| w == k) {
                self.kinds.push(k.to_owned());
            }
        }
    }
}

/// How many stalls one step of the recheck of every stall reads at once.
const RECHECK_BATCH: u64 = 200;

impl Catalog {
    /// Records that stall `stall_id` holds `held` (its verified documents, with their last
    /// valid day), in the caller's transaction, and recomputes what its products lack on
    /// `today`; returns how many products changed. An unknown stall changes nothing.
    pub async fn set_documents_held<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall_id: Uuid,
        held: &[HeldDocument],
        today: NaiveDate,
    ) -> Result<u64> {
        let text = serde_json::to_string(held)
            .map_err(|e| common::Error::internal(format!("documents held: {e}")))?;
        stall::Entity::update_many()
            .col_expr(stall::Column::DocumentsHeld, Expr::value(text))
            .filter(stall::Column::Id.eq(stall_id))
            .exec(txn)
            .await?;
        self.recheck_documents(txn, stall_id, today).await
    }

    /// Recomputes what the products of stall `stall_id` lack on `today` from the documents it
    /// holds, in the caller's transaction, telling its owner of documents never verified that
    /// they newly wait on; returns how many products changed.
    pub async fn recheck_documents<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall_id: Uuid,
        today: NaiveDate,
    ) -> Result<u64> {
        let tree = category::Entity::find().all(txn).await?;
        self.recheck_with(txn, stall_id, &tree, today).await
    }

    /// [`Catalog::recheck_documents`] with the category tree `tree` read already.
    async fn recheck_with<C: ConnectionTrait>(
        &self,
        txn: &C,
        stall_id: Uuid,
        tree: &[category::Model],
        today: NaiveDate,
    ) -> Result<u64> {
        let Some(s) = stall::Entity::find_by_id(stall_id).one(txn).await? else {
            return Ok(0);
        };
        let held = documents::held_from_stored(&s.documents_held)?;
        let products = product::Entity::find()
            .filter(product::Column::StallId.eq(stall_id))
            // Rows are updated in one order by every instance, so two rechecks queue rather
            // than deadlock.
            .order_by_asc(product::Column::Id)
            .all(txn)
            .await?;
        let mut changed = 0;
        let mut waiting = Waiting::default();
        for p in products {
            let required = self.required_documents(tree, p.category_id);
            let missing = documents::missing(&required, &held, today);
            if p.status == ProductStatus::Active.as_str() {
                waiting.add(&missing, &held);
            }
            let lacking = documents::to_stored(&missing);
            if lacking == p.missing_documents {
                continue;
            }
            product::Entity::update_many()
                .col_expr(product::Column::MissingDocuments, Expr::value(lacking))
                .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(product::Column::Id.eq(p.id))
                .exec(txn)
                .await?;
            outbox::enqueue(txn, outbox::Entity::Product, p.id).await?;
            changed += 1;
        }
        self.tell_missing(txn, &s, &waiting).await?;
        Ok(changed)
    }

    /// Tells the owner of stall `s`, in the caller's transaction, which documents its listed
    /// products wait on that it never had verified (`waiting`), when that names a kind not told
    /// already (`stalls.missing_documents_told`); otherwise keeps the told kinds to those still
    /// missing, so a kind that goes missing again is told again. Documents that lapsed are not
    /// counted: their expiry has notices of its own. A conditional update claims each notice,
    /// so rechecks running at once send it once.
    async fn tell_missing<C: ConnectionTrait>(
        &self,
        txn: &C,
        s: &stall::Model,
        waiting: &Waiting,
    ) -> Result<()> {
        let told = documents::from_stored(s.missing_documents_told.as_deref())?;
        let kinds = self.document_rules.in_order(&waiting.kinds());
        if kinds.iter().eq(told.iter()) {
            return Ok(());
        }
        let claim = stall::Entity::update_many()
            .col_expr(
                stall::Column::MissingDocumentsTold,
                Expr::value(documents::to_stored(&kinds)),
            )
            .filter(stall::Column::Id.eq(s.id));
        let claim = match &s.missing_documents_told {
            Some(t) => claim.filter(stall::Column::MissingDocumentsTold.eq(t.clone())),
            None => claim.filter(stall::Column::MissingDocumentsTold.is_null()),
        };
        let news = kinds.iter().any(|k| !told.iter().any(|t| t == k));
        if claim.exec(txn).await?.rows_affected == 0 || !news {
            // Told by a recheck running at once, or fewer kinds missing than told.
            return Ok(());
        }
        let names: Vec<&str> = kinds.iter().map(|k| self.document_rules.name(k)).collect();
        let facts = notify::Facts::new()
            .text("stall", s.name.clone())
            .text("documents", names.join("; "))
            .number("products", waiting.products);
        let refs = notify::Refs {
            stall_id: Some(s.id),
            order_id: None,
        };
        self.notifier
            .to_users(
                txn,
                &[s.owner_id],
                notify::Event::DocumentsMissing,
                &facts,
                refs,
            )
            .await?;
        Ok(())
    }

    /// Recomputes what every stall's products lack on `today`, a few stalls per transaction
    /// (documents that lapsed, requirements changed since the last run); returns how many
    /// products changed. Safe to run on several instances at once: each writes the same
    /// answer.
    pub async fn recheck_all_documents<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        today: NaiveDate,
    ) -> Result<u64> {
        let mut after: Option<Uuid> = None;
        let mut changed = 0;
        loop {
            let mut q = stall::Entity::find()
                .select_only()
                .column(stall::Column::Id)
                .order_by_asc(stall::Column::Id)
                .limit(RECHECK_BATCH);
            if let Some(last) = after {
                q = q.filter(stall::Column::Id.gt(last));
            }
            let ids: Vec<Uuid> = q.into_tuple().all(db).await?;
            let Some(last) = ids.last().copied() else {
                break;
            };
            let txn = common::begin_write(db).await?;
            let tree = category::Entity::find().all(&txn).await?;
            for id in &ids {
                changed += self.recheck_with(&txn, *id, &tree, today).await?;
            }
            txn.commit().await?;
            after = Some(last);
        }
        Ok(changed)
    }

    /// Recomputes, in the caller's transaction, what the products of category `category_id`
    /// and its subcategories lack on `today`, after the category moved or changed slug (which
    /// categories need documents is written by slug); how many products changed.
    pub(crate) async fn recheck_category<C: ConnectionTrait>(
        &self,
        txn: &C,
        category_id: Uuid,
        today: NaiveDate,
    ) -> Result<u64> {
        if self.document_rules.is_empty() {
            return Ok(0);
        }
        let tree = category::Entity::find().all(txn).await?;
        let mut stalls: Vec<Uuid> = product::Entity::find()
            .select_only()
            .column(product::Column::StallId)
            .filter(product::Column::CategoryId.is_in(descendants(&tree, category_id)))
            .into_tuple()
            .all(txn)
            .await?;
        stalls.sort_unstable();
        stalls.dedup();
        let mut changed = 0;
        for stall_id in stalls {
            changed += self.recheck_with(txn, stall_id, &tree, today).await?;
        }
        Ok(changed)
    }

    /// What a product of category `category_id` on stall `s` lacks today, in its stored form.
    pub(crate) async fn missing_documents_of<C: ConnectionTrait>(
        &self,
        db: &C,
        s: &stall::Model,
        category_id: Uuid,
    ) -> Result<Option<String>> {
        if self.document_rules.is_empty() {
            return Ok(None);
        }
        let held = documents::held_from_stored(&s.documents_held)?;
        let tree = category::Entity::find().all(db).await?;
        let required = self.required_documents(&tree, category_id);
        Ok(documents::to_stored(&documents::missing(
            &required,
            &held,
            Self::today(),
        )))
    }
}
