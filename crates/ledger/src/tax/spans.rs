//! Withholding certificates of a span of months, on request: what a household needs to claim a
//! refund when its year's revenue turns out under the threshold is the year's withholding on
//! one document. A span is `yyyy-mm..yyyy-mm`, consecutive months, at most
//! [`MAX_SPAN_MONTHS`], every one of them closed: an open month's figures still change (a
//! refund nets in it) while a certificate never does, so a span reaching into an open month is
//! refused (409 `period_open`, naming the month) rather than certified short; and it is not
//! cut to its closed months, since the same span would then certify other figures later.
//!
//! The certificate sums the months' figures as declared when each closed (the monthly
//! certificates' figures), lists the months, and carries both identities as they are when it
//! is issued. It is issued at the first request, numbered from the monthly certificates'
//! counter, and stored: asking again answers the same certificate (one original per stall and
//! span, by a partial unique index, so two first requests at once issue one). A correction
//! is a new certificate that `replaces` it, as for a month.

use chrono::{SubsecRound, Utc};
use common::{Error, FieldCode, Result, Stored, calendar, stored};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    CertificateMonth, CertificateView, DeclaredSeller, Month, Platform, PlatformIdentity, Seller,
    certificates,
};
use crate::entity::{tax_period, tax_period_seller, withholding_span_certificate as span_cert};

/// The most months a span certificate covers: a tax year.
pub const MAX_SPAN_MONTHS: u32 = 12;

/// Consecutive months, `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub from: Month,
    pub to: Month,
}

impl Span {
    /// Reads `yyyy-mm..yyyy-mm`; `None` when `s` is no span (a month, say). Field errors name
    /// `period`: not two months, the end before the start, more than [`MAX_SPAN_MONTHS`].
    pub(crate) fn parse(s: &str) -> Result<Option<Self>> {
        let Some((a, b)) = s.split_once("..") else {
            return Ok(None);
        };
        let bad = || {
            Error::invalid_field(
                "period",
                FieldCode::InvalidMonth,
                "must be yyyy-mm..yyyy-mm, e.g. 2026-01..2026-12",
            )
        };
        let from = Month::parse(a, "period").map_err(|_| bad())?;
        let to = Month::parse(b, "period").map_err(|_| bad())?;
        if to < from {
            return Err(Error::invalid_field(
                "period",
                FieldCode::BeforeOther,
                "must not end before it starts",
            ));
        }
        if from.count_to(to) > MAX_SPAN_MONTHS {
            return Err(Error::invalid_field(
                "period",
                FieldCode::WindowTooLong,
                "must span at most 12 months",
            ));
        }
        Ok(Some(Self { from, to }))
    }

    /// Its months, in order.
    fn months(self) -> Vec<Month> {
        let mut out = vec![self.from];
        while let Some(&last) = out.last().filter(|m| **m < self.to) {
            out.push(last.next());
        }
        out
    }

    fn keys(self) -> Vec<String> {
        self.months().into_iter().map(Month::key).collect()
    }
}

/// The view of a stored span certificate, with its months as declared.
async fn view<C: ConnectionTrait>(db: &C, c: span_cert::Model) -> Result<CertificateView> {
    let span = Span {
        from: Month::parse(&c.from_month, "from_month")?,
        to: Month::parse(&c.to_month, "to_month")?,
    };
    let rows = declared(db, c.stall_id, span).await?;
    let months = span
        .keys()
        .into_iter()
        .map(|month| {
            let r = rows.iter().find(|r| r.month == month);
            CertificateMonth {
                revenue: r.map_or(0, |r| r.revenue),
                vat: r.map_or(0, |r| r.vat),
                pit: r.map_or(0, |r| r.pit),
                month,
            }
        })
        .collect();
    Ok(CertificateView {
        number: c.number,
        stall_id: c.stall_id,
        period: format!("{}..{}", c.from_month, c.to_month),
        revenue: c.revenue,
        vat: c.vat,
        pit: c.pit,
        issued_at: c.issued_at,
        replaces: c.replaces,
        reason: c.reason,
        platform: Platform {
            name: c.platform_name,
            tax_code: c.platform_tax_code,
            address: c.platform_address,
        },
        seller: Seller {
            name: c.seller_name,
            business_type: c.business_type,
            tax_code: c.tax_code,
            citizen_id: c.citizen_id,
            resident: c.resident,
            address: c.seller_address,
        },
        months,
    })
}

/// The stall's declared months of the span, in order.
async fn declared<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    span: Span,
) -> Result<Vec<tax_period_seller::Model>> {
    Ok(tax_period_seller::Entity::find()
        .filter(tax_period_seller::Column::StallId.eq(stall))
        .filter(tax_period_seller::Column::Month.is_in(span.keys()))
        .order_by_asc(tax_period_seller::Column::Month)
        .all(db)
        .await?)
}

/// The span certificate of the stall in force: the original no other replaces, or the last
/// of its corrections.
async fn current<C: ConnectionTrait>(
    db: &C,
    stall: Uuid,
    span: Span,
) -> Result<Option<span_cert::Model>> {
    let all = span_cert::Entity::find()
        .filter(span_cert::Column::StallId.eq(stall))
        .filter(span_cert::Column::FromMonth.eq(span.from.key()))
        .filter(span_cert::Column::ToMonth.eq(span.to.key()))
        .all(db)
        .await?;
    Ok(all
        .iter()
        .find(|c| {
            !all.iter()
                .any(|o| o.replaces.as_deref() == Some(c.number.as_str()))
        })
        .cloned())
}

/// The first month of the span not closed, if any.
async fn first_open<C: ConnectionTrait>(db: &C, span: Span) -> Result<Option<String>> {
    let closed: Vec<String> = tax_period::Entity::find()
        .filter(tax_period::Column::Month.is_in(span.keys()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.month)
        .collect();
    Ok(span.keys().into_iter().find(|k| !closed.contains(k)))
}

/// The stall's certificate of `span` (more than one month): the one in force, or issued now.
pub(super) async fn certificate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    stall: Uuid,
    span: Span,
    platform: &PlatformIdentity,
) -> Result<CertificateView> {
    if let Some(month) = first_open(db, span).await? {
        let mut e = Error::conflict(
            "period_open",
            format!("{month} is not closed yet; a span's certificate covers closed months only"),
        );
        e.details = Some(serde_json::json!({ "month": month }));
        return Err(e);
    }
    if let Some(c) = current(db, stall, span).await? {
        return view(db, c).await;
    }
    let rows = declared(db, stall, span).await?;
    let Some(last) = rows.last() else {
        return Err(Error::not_found("Withholding certificate"));
    };
    let (vat, pit) = (
        rows.iter().map(|r| r.vat).sum::<i64>(),
        rows.iter().map(|r| r.pit).sum::<i64>(),
    );
    if vat == 0 && pit == 0 {
        return Err(Error::not_found("Withholding certificate"));
    }
    let was = DeclaredSeller {
        stall_id: stall,
        name: last.name.clone(),
        business_type: stored(&last.business_type)?,
        tax_code: last.tax_code.clone(),
        citizen_id: last.citizen_id.clone(),
        resident: last.resident,
        address: last.address.clone(),
        revenue: rows.iter().map(|r| r.revenue).sum(),
        vat,
        pit,
        carry_revenue: 0,
        carry_vat: 0,
        carry_pit: 0,
    };
    let txn = common::begin_write(db).await?;
    // Issued meanwhile (SQLite's writers take turns): answered as issued.
    if let Some(c) = current(&txn, stall, span).await? {
        txn.rollback().await?;
        return view(db, c).await;
    }
    let seller = certificates::identity_now(&txn, was).await?;
    match insert(&txn, span, &seller, platform, None).await {
        Ok(c) => {
            txn.commit().await?;
            view(db, c).await
        }
        // Another request issued the span's certificate first (PostgreSQL): answer it.
        Err(e) if e.code == "certificate_replaced" => {
            txn.rollback().await?;
            let c = current(db, stall, span).await?;
            let c = c.ok_or_else(|| Error::internal("an issued span certificate vanished"))?;
            view(db, c).await
        }
        Err(e) => Err(e),
    }
}

/// Who issues a correction, why, and what it replaces.
pub(super) struct Correction {
    by: Uuid,
    reason: String,
    replaces: String,
}

/// Stores a span certificate with a new number. A duplicate (the span's original issued by
/// another request, or the certificate replaced already) is `certificate_replaced`.
async fn insert<C: ConnectionTrait>(
    txn: &C,
    span: Span,
    s: &DeclaredSeller,
    platform: &PlatformIdentity,
    correction: Option<Correction>,
) -> Result<span_cert::Model> {
    use chrono::Datelike;
    let at = Utc::now().trunc_subsecs(6);
    let number = certificates::next_number(txn, calendar::day_of(at).year()).await?;
    let (by, reason, replaces) = match correction {
        Some(c) => (Some(c.by), Some(c.reason), Some(c.replaces)),
        None => (None, None, None),
    };
    let model = span_cert::Model {
        id: Uuid::now_v7(),
        number,
        stall_id: s.stall_id,
        from_month: span.from.key(),
        to_month: span.to.key(),
        months: i32::try_from(span.from.count_to(span.to)).unwrap_or(i32::MAX),
        revenue: s.revenue,
        vat: s.vat,
        pit: s.pit,
        seller_name: s.name.clone(),
        business_type: s.business_type.as_str().to_owned(),
        tax_code: s.tax_code.clone(),
        citizen_id: s.citizen_id.clone(),
        resident: s.resident,
        seller_address: s.address.clone(),
        platform_name: platform.name.clone(),
        platform_tax_code: platform.tax_code.clone(),
        platform_address: platform.address.clone(),
        issued_at: at,
        issued_by: by,
        replaces,
        reason,
    };
    span_cert::Entity::insert(span_cert::ActiveModel::from(model.clone()).reset_all())
        .exec_without_returning(txn)
        .await
        .map_err(|e| {
            if common::db::is_unique_violation(&e) {
                Error::conflict(
                    "certificate_replaced",
                    "the certificate was already replaced",
                )
            } else {
                e.into()
            }
        })?;
    Ok(model)
}

/// Reissues the span certificate `number` in the caller's transaction (administrators, checked
/// by the caller): the same figures, today's identities, naming the one it replaces. 404 when
/// no certificate has the number; `certificate_replaced` when it was replaced already.
pub(super) async fn reissue<C: ConnectionTrait>(
    txn: &C,
    number: &str,
    by: Uuid,
    reason: String,
    platform: &PlatformIdentity,
) -> Result<CertificateView> {
    let old = span_cert::Entity::find()
        .filter(span_cert::Column::Number.eq(number))
        .one(txn)
        .await?
        .ok_or_else(|| Error::not_found("Withholding certificate"))?;
    let replaced = span_cert::Entity::find()
        .filter(span_cert::Column::Replaces.eq(number))
        .one(txn)
        .await?;
    if replaced.is_some() {
        return Err(Error::conflict(
            "certificate_replaced",
            "the certificate was already replaced",
        ));
    }
    let span = Span {
        from: Month::parse(&old.from_month, "from_month")?,
        to: Month::parse(&old.to_month, "to_month")?,
    };
    let was = DeclaredSeller {
        stall_id: old.stall_id,
        name: old.seller_name.clone(),
        business_type: stored(&old.business_type)?,
        tax_code: old.tax_code.clone(),
        citizen_id: old.citizen_id.clone(),
        resident: old.resident,
        address: old.seller_address.clone(),
        revenue: old.revenue,
        vat: old.vat,
        pit: old.pit,
        carry_revenue: 0,
        carry_vat: 0,
        carry_pit: 0,
    };
    let seller = certificates::identity_now(txn, was).await?;
    let correction = Correction {
        by,
        reason,
        replaces: old.number.clone(),
    };
    let new = insert(txn, span, &seller, platform, Some(correction)).await?;
    view(txn, new).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: &Error) -> (String, FieldCode) {
        let f = &e.fields[0];
        (f.field.clone(), f.code)
    }

    #[test]
    fn spans_are_read_bounded_and_listed() {
        assert_eq!(Span::parse("2026-03").unwrap(), None);
        let s = Span::parse("2025-11..2026-02").unwrap().unwrap();
        assert_eq!(s.keys(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        let year = Span::parse("2026-01..2026-12").unwrap().unwrap();
        assert_eq!(year.months().len(), 12);
        let one = Span::parse("2026-05..2026-05").unwrap().unwrap();
        assert_eq!(one.keys(), ["2026-05"]);
        for bad in [
            "2026-01..",
            "..2026-02",
            "2026-01..2026-13",
            "2026-1..2026-02",
            "a..b",
        ] {
            let e = Span::parse(bad).unwrap_err();
            assert_eq!(
                field(&e),
                ("period".into(), FieldCode::InvalidMonth),
                "{bad}"
            );
        }
        let e = Span::parse("2026-03..2026-02").unwrap_err();
        assert_eq!(field(&e), ("period".into(), FieldCode::BeforeOther));
        let e = Span::parse("2026-01..2027-01").unwrap_err();
        assert_eq!(field(&e), ("period".into(), FieldCode::WindowTooLong));
        assert!(Span::parse("2025-02..2026-01").is_ok());
    }
}
