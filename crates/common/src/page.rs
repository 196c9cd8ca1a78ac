//! Pagination: `?page=1&per_page=20` in, `{items,total,page,per_page}` out, and the one way
//! a list reads its page from the database ([`fetch`]).

use sea_orm::{
    ConnectionTrait, DbErr, FromQueryResult, PaginatorTrait, SelectorTrait,
    sea_query::{Expr, SelectStatement},
};
use serde::Serialize;

use crate::{Error, FieldCode, FieldError};

/// The largest page a client may ask for.
pub const MAX_PER_PAGE: u64 = 100;
/// The page size when the client names none.
pub const DEFAULT_PER_PAGE: u64 = 20;
/// How deep a list may be paged: `page × per_page` at most this. Deeper pages would make the
/// database skip that many rows for each request; a client filters instead.
pub const MAX_LIST_WINDOW: u64 = 100_000;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Items per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Validates what the client sent; absent values take the defaults. Pages go up to
    /// [`MAX_LIST_WINDOW`] / [`MAX_PER_PAGE`] whatever their size.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, Error> {
        Self::within(page, per_page, MAX_LIST_WINDOW)
    }

    /// Like [`PageRequest::new`], for a list whose first `window` items only can be paged
    /// (search engines stop at a window; Meilisearch's default is 1 000 hits).
    pub fn within(page: Option<u64>, per_page: Option<u64>, window: u64) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        let per_page_ok = (1..=MAX_PER_PAGE).contains(&per_page);
        // The last page does not depend on the page size, so the document can state both
        // bounds on their own: at the largest size, pages reach the first `window` items.
        let last = (window / MAX_PER_PAGE).max(1);
        if !(1..=last).contains(&page) {
            errors.push(FieldError::new(
                "page",
                FieldCode::OutOfRange,
                format!(
                    "must be a whole number from 1 to {last} (with per_page {MAX_PER_PAGE}, \
                     pages reach the first {window} items; narrow the list with filters)"
                ),
            ));
        }
        if !per_page_ok {
            errors.push(FieldError::new(
                "per_page",
                FieldCode::OutOfRange,
                format!("must be a whole number from 1 to {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(Error::validation(errors))
        }
    }

    /// How many items precede this page.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    /// This page's number.
    pub page: u64,
    /// The page size asked for.
    pub per_page: u64,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        Self {
            items,
            total,
            page: request.page,
            per_page: request.per_page,
        }
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// The same page with each item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        })
    }
}

/// The page `request` names of the rows `select` reads, and how many rows it reads in all.
///
/// The caller orders `select`, ending on a unique column (the id) so that rows with equal
/// sort keys keep their place from one page to the next. The total is counted without the
/// order. `select` is anything sea-orm pages: a `Select`, a `SelectTwo`, or a `Selector` made
/// by `into_model` or `into_tuple`.
pub async fn fetch<'db, C, S>(
    db: &'db C,
    select: S,
    request: PageRequest,
) -> Result<Page<<S::Selector as SelectorTrait>::Item>, DbErr>
where
    C: ConnectionTrait,
    S: PaginatorTrait<'db, C>,
{
    // `paginate` refuses a page size of 0, which a validated request never has.
    let paginator = select.paginate(db, request.per_page.max(1));
    let total = paginator.num_items().await?;
    let items = window_of(&paginator, request).await?;
    Ok(Page::new(items, total, request))
}

/// Only the rows of the page `request` names, for a list whose total is known otherwise
/// (counted by kind, say). The caller orders `select` as for [`fetch`].
pub async fn window<'db, C, S>(
    db: &'db C,
    select: S,
    request: PageRequest,
) -> Result<Vec<<S::Selector as SelectorTrait>::Item>, DbErr>
where
    C: ConnectionTrait,
    S: PaginatorTrait<'db, C>,
{
    window_of(&select.paginate(db, request.per_page.max(1)), request).await
}

async fn window_of<C, S>(
    paginator: &sea_orm::Paginator<'_, C, S>,
    request: PageRequest,
) -> Result<Vec<S::Item>, DbErr>
where
    C: ConnectionTrait,
    S: SelectorTrait,
{
    if request.per_page == 0 {
        return Ok(Vec::new());
    }
    paginator.fetch_page(request.page.saturating_sub(1)).await
}

/// [`fetch`] for a statement built with sea-query (a grouped report, say), each row read as
/// an `M`: the total counts the rows the statement yields, groups and all.
pub async fn fetch_statement<C, M>(
    db: &C,
    statement: SelectStatement,
    request: PageRequest,
) -> Result<Page<M>, DbErr>
where
    C: ConnectionTrait,
    M: FromQueryResult,
{
    let backend = db.get_database_backend();
    let count = SelectStatement::new()
        .expr(Expr::cust("COUNT(*) AS num_items"))
        .from_subquery(statement.clone().clear_order_by().to_owned(), "sub_query")
        .to_owned();
    let total: i64 = match db.query_one(&count).await? {
        Some(row) => row.try_get("", "num_items")?,
        None => 0,
    };
    let rows = statement
        .clone()
        .limit(request.per_page)
        .offset(request.offset())
        .to_owned();
    let items = M::find_by_statement(backend.build(&rows)).all(db).await?;
    Ok(Page::new(items, total.unsigned_abs(), request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_offsets() {
        let p = PageRequest::new(None, None).unwrap();
        assert_eq!((p.page, p.per_page, p.offset()), (1, 20, 0));
        let p = PageRequest::new(Some(3), Some(50)).unwrap();
        assert_eq!(p.offset(), 100);
    }

    #[test]
    fn rejects_out_of_range_values_naming_each_field() {
        let e = PageRequest::new(Some(0), Some(101)).unwrap_err();
        assert_eq!(e.code, "validation_failed");
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["page", "per_page"]);
        assert!(PageRequest::new(Some(1), Some(0)).is_err());
        assert!(PageRequest::new(Some(1), Some(100)).is_ok());
    }

    #[test]
    fn pages_reach_only_the_window() {
        assert!(PageRequest::new(Some(1000), Some(100)).is_ok());
        let e = PageRequest::new(Some(1001), Some(100)).unwrap_err();
        assert_eq!(e.fields[0].field, "page");
        assert!(
            e.fields[0].message.contains("1 to 1000 "),
            "{}",
            e.fields[0].message
        );
        assert!(PageRequest::new(Some(u64::MAX), Some(1)).is_err());
        // A search window of 1 000 hits.
        assert!(PageRequest::within(Some(10), Some(100), 1000).is_ok());
        assert!(PageRequest::within(Some(11), Some(100), 1000).is_err());
        // The same last page at any size, so the document can say it.
        assert!(PageRequest::within(Some(10), Some(20), 1000).is_ok());
        assert!(PageRequest::within(Some(11), Some(20), 1000).is_err());
        assert!(PageRequest::new(Some(1001), Some(20)).is_err());
        // A window smaller than a page still allows the first page.
        assert!(PageRequest::within(Some(1), Some(100), 50).is_ok());
    }
}
