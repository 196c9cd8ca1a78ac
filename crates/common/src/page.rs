//! Pagination: `?page=1&per_page=20` in, `{items,total,page,per_page}` out.

use serde::Serialize;

use crate::{Error, FieldError};

/// The largest page a client may ask for.
pub const MAX_PER_PAGE: u64 = 100;
/// The page size when the client names none.
pub const DEFAULT_PER_PAGE: u64 = 20;

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
    /// Validates what the client sent; absent values take the defaults.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        // The upper bound on `page` keeps `offset()` far from overflow.
        if !(1..=1_000_000).contains(&page) {
            errors.push(FieldError::new(
                "page",
                "must be a whole number from 1 to 1000000",
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
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
}
