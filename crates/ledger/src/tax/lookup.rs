//! What the certificate endpoints answer: the certificate of a month or of a span of months
//! (the owner and administrators), and the reissue of either (administrators).

use common::{Actor, Error, FieldCode, Result, validate::Validator};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use super::{CertificateView, Month, Reissue, certificates, spans};
use crate::{Ledger, access};

impl Ledger {
    /// The stall's certificate for a closed month, or for a span of closed months
    /// (`yyyy-mm..yyyy-mm`, issued at the first request: see `spans`), the latest correction
    /// if any (the owner and administrators). A span of one month is that month. Errors:
    /// `period_open` (conflict) while the month (or one of the span's) is open; 404 when
    /// nothing was withheld from the stall that month (or in the span).
    pub async fn withholding_certificate<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        period: &str,
    ) -> Result<CertificateView> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing == access::Standing::Staff {
            return Err(Error::forbidden(
                "Only the owner and administrators see the stall's withholding certificates.",
            ));
        }
        let month = match spans::Span::parse(period)? {
            Some(span) if span.from != span.to => {
                let platform = &self.settings.tax.platform;
                return spans::certificate(db, stall.id, span, platform).await;
            }
            Some(span) => span.from,
            None => Month::parse(period, "month")?,
        };
        certificates::month_certificate(db, stall.id, month).await
    }

    /// Reissues a certificate, a month's or a span's (administrators): a new number, the same
    /// figures, the seller's and the platform's identities as they are now, naming the one it
    /// replaces. Errors: `certificate_replaced` (conflict) when it was replaced already.
    pub async fn reissue_certificate<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        number: &str,
        body: Reissue,
    ) -> Result<CertificateView> {
        let admin = access::admin(actor)?;
        let reason = body.reason.trim().to_owned();
        let mut v = Validator::new();
        v.check(
            !reason.is_empty(),
            "reason",
            FieldCode::Required,
            "must not be empty",
        );
        v.check(
            reason.chars().count() <= 500,
            "reason",
            FieldCode::TooLong,
            "must have at most 500 characters",
        );
        v.finish()?;
        if number.len() > 20 {
            return Err(Error::not_found("Withholding certificate"));
        }
        let platform = &self.settings.tax.platform;
        let txn = common::begin_write(db).await?;
        let new = match certificates::reissue_month(&txn, number, admin, &reason, platform).await? {
            Some(new) => new,
            None => spans::reissue(&txn, number, admin, reason, platform).await?,
        };
        txn.commit().await?;
        Ok(new)
    }
}
