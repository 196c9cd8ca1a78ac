//! Reading: a product's or a stall's reviews (anyone; hidden ones to administrators only),
//! sorted and filtered by stars, and one review.

use common::{Actor, Page, PageRequest};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::{
    Result, Reviews,
    entity::review,
    review::{ListFilter, Review, Sort},
    store,
};

impl Reviews {
    /// The reviews of product `id_or_slug` (404 when `actor` may not see the product).
    pub async fn of_product<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        filter: ListFilter,
        page: PageRequest,
    ) -> Result<Page<Review>> {
        let p = self.catalog.product(db, actor, id_or_slug).await?;
        let select = review::Entity::find().filter(review::Column::ProductId.eq(p.id));
        self.list(db, actor, select, filter, page).await
    }

    /// The reviews of all the products of stall `id_or_slug` (404 when `actor` may not see
    /// the stall).
    pub async fn of_stall<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id_or_slug: &str,
        filter: ListFilter,
        page: PageRequest,
    ) -> Result<Page<Review>> {
        let s = self.catalog.stall(db, actor, id_or_slug).await?;
        let select = review::Entity::find().filter(review::Column::StallId.eq(s.id));
        self.list(db, actor, select, filter, page).await
    }

    /// Review `id` (a hidden one to administrators and its author only).
    pub async fn get<C: ConnectionTrait>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Review> {
        let m = store::find_seen(db, actor, id).await?;
        self.view(db, actor, m).await
    }

    async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        mut select: Select<review::Entity>,
        filter: ListFilter,
        page: PageRequest,
    ) -> Result<Page<Review>> {
        use review::Column as R;
        if !actor.is_admin() {
            select = select.filter(R::HiddenAt.is_null());
        }
        if let Some(stars) = filter.rating {
            select = select.filter(R::Rating.eq(i16::from(stars)));
        }
        select = match filter.sort {
            Sort::Newest => select,
            Sort::RatingDesc => select.order_by_desc(R::Rating),
            Sort::RatingAsc => select.order_by_asc(R::Rating),
        };
        let select = select.order_by_desc(R::CreatedAt).order_by_desc(R::Id);
        let rows = common::page::fetch(db, select, page).await?;
        let items = self.views(db, actor, rows.items).await?;
        Ok(Page::new(items, rows.total, page))
    }
}
