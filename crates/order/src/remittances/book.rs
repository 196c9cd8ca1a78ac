//! Uploading a statement: checked, claimed by its digest, each line matched to an order and
//! settled in the ledger, all in one transaction.

use chrono::Utc;
use common::{Actor, Error, FieldCode, Stored, calendar, validate::Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{LineInput, LineResult, MAX_LINES, StatementInput, Uploaded, read};
use crate::{
    Orders,
    entity::{cod_remittance, cod_remittance_line, order, shipment},
    error::Result,
};

/// The largest amount a line may state, đồng.
const MAX_AMOUNT: i64 = 1_000_000_000;

/// Checks a statement, trimming its texts; every problem is named at once. `ours` says
/// whether a carrier is one the marketplace ships with.
fn checked(mut s: StatementInput, ours: impl Fn(&str) -> bool) -> Result<StatementInput> {
    let mut v = Validator::new();
    s.carrier = s.carrier.trim().to_owned();
    let shaped = (1..=32).contains(&s.carrier.len())
        && s.carrier
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    v.check(
        shaped,
        "carrier",
        FieldCode::Invalid,
        "must be 1 to 32 lower-case letters, digits, _ or -",
    );
    // A statement of a carrier no parcel was booked with could only hold unknown orders.
    let values = crate::parcels::INTEGRATED.join(", ");
    v.check(
        !shaped || ours(&s.carrier),
        "carrier",
        FieldCode::NotOneOf,
        format!("must be one of {values}"),
    );
    s.reference = v.text("reference", &s.reference, 1, 64);
    let earliest = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    v.check(
        s.remitted_on >= earliest && s.remitted_on <= calendar::today(),
        "remitted_on",
        FieldCode::OutOfRange,
        "must be a day from 2020-01-01 to today",
    );
    v.check(
        (1..=MAX_LINES).contains(&s.lines.len()),
        "lines",
        FieldCode::OutOfRange,
        format!("must have 1 to {MAX_LINES} lines"),
    );
    for (i, l) in s.lines.iter_mut().enumerate() {
        let mut text = |name: &str, value: &mut Option<String>, max: usize| {
            if let Some(t) = value.as_deref() {
                let t = v.text(&format!("lines.{i}.{name}"), t, 0, max);
                *value = (!t.is_empty()).then_some(t);
            }
        };
        text("tracking_no", &mut l.tracking_no, 64);
        text("order_number", &mut l.order_number, 32);
        v.check(
            l.tracking_no.is_some() || l.order_number.is_some(),
            &format!("lines.{i}.tracking_no"),
            FieldCode::Required,
            "give tracking_no or order_number",
        );
        for (name, amount) in [("cod_amount", l.cod_amount), ("fee", l.fee)] {
            v.check(
                (0..=MAX_AMOUNT).contains(&amount),
                &format!("lines.{i}.{name}"),
                FieldCode::OutOfRange,
                format!("must be a whole number from 0 to {MAX_AMOUNT}"),
            );
        }
    }
    v.finish()?;
    Ok(s)
}

/// SHA-256 of the carrier, the reference, the day and the body as sent, in hex.
fn digest(s: &StatementInput, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        s.carrier.as_bytes(),
        s.reference.as_bytes(),
        s.remitted_on.to_string().as_bytes(),
    ] {
        h.update(part);
        h.update([0]);
    }
    h.update(raw);
    hex::encode(h.finalize())
}

/// The order a line names: by the carrier's waybill (with the statement's carrier) and by our
/// number; `None` when neither finds one, they find different orders, or the number's order
/// was shipped with another carrier.
async fn order_of<C: ConnectionTrait>(
    txn: &C,
    carrier: &str,
    l: &LineInput,
) -> Result<Option<order::Model>> {
    let by_waybill = match &l.tracking_no {
        None => None,
        Some(t) => {
            let s = shipment::Entity::find()
                .filter(shipment::Column::Carrier.eq(carrier))
                .filter(shipment::Column::TrackingNo.eq(t.as_str()))
                .one(txn)
                .await?;
            match s {
                None => return Ok(None),
                Some(s) => Some(s.order_id),
            }
        }
    };
    let o = match (&l.order_number, by_waybill) {
        (Some(n), _) => {
            order::Entity::find()
                .filter(order::Column::Number.eq(n.to_uppercase()))
                .one(txn)
                .await?
        }
        (None, Some(id)) => order::Entity::find_by_id(id).one(txn).await?,
        (None, None) => None,
    };
    let Some(o) = o else { return Ok(None) };
    if by_waybill.is_some_and(|id| id != o.id) {
        return Ok(None);
    }
    let shipped_by = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(o.id))
        .one(txn)
        .await?;
    Ok((shipped_by.is_none_or(|s| s.carrier == carrier)).then_some(o))
}

/// The statement already stored with this digest, as the answer to a replay.
async fn replay<C: ConnectionTrait>(db: &C, digest: &str) -> Result<Option<Uploaded>> {
    let found = cod_remittance::Entity::find()
        .filter(cod_remittance::Column::Digest.eq(digest))
        .one(db)
        .await?;
    Ok(match found {
        Some(m) => Some(Uploaded {
            statement: read(db, m).await?,
            replayed: true,
        }),
        None => None,
    })
}

impl Orders {
    /// Uploads a carrier's remittance statement (administrators): `raw` is the body as sent,
    /// whose digest makes a second upload of the same statement answer the first
    /// (`replayed`) and change nothing. Each line is matched to an order and settled in the
    /// ledger or held with its mismatch (the module's notes), in one transaction.
    ///
    /// Errors: `validation_failed` naming the field; `remittance_reference_taken` (conflict)
    /// when another statement of the carrier has this reference.
    pub async fn upload_remittance<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        input: StatementInput,
        raw: &[u8],
    ) -> Result<Uploaded> {
        let admin = actor.require_admin()?;
        let s = checked(input, |c| self.desk.integrated(c))?;
        let digest = digest(&s, raw);
        if let Some(done) = replay(db, &digest).await? {
            return Ok(done);
        }
        let txn = common::begin_write(db).await?;
        let now = Utc::now();
        let header = cod_remittance::ActiveModel {
            id: Set(Uuid::now_v7()),
            carrier: Set(s.carrier.clone()),
            reference: Set(s.reference.clone()),
            remitted_on: Set(s.remitted_on),
            uploaded_by: Set(admin),
            digest: Set(digest.clone()),
            line_count: Set(i32::try_from(s.lines.len()).unwrap_or(i32::MAX)),
            matched_count: Set(0),
            cod_total: Set(s.lines.iter().map(|l| l.cod_amount).sum()),
            fee_total: Set(s.lines.iter().map(|l| l.fee).sum()),
            booked_total: Set(0),
            created_at: Set(now),
        };
        // Claimed by its digest: the same statement sent at once waits here for the first
        // to commit, then finds it.
        let header = match header.insert(&txn).await {
            Ok(h) => h,
            Err(e) if common::db::is_unique_violation(&e) => {
                drop(txn);
                return match replay(db, &digest).await? {
                    Some(done) => Ok(done),
                    None => Err(Error::conflict(
                        "remittance_reference_taken",
                        "another statement of this carrier has this reference",
                    )
                    .into()),
                };
            }
            Err(e) => return Err(e.into()),
        };
        let (matched, booked) = self.settle(&txn, &header, &s.lines, Some(admin)).await?;
        let mut done: cod_remittance::ActiveModel = header.into();
        done.matched_count = Set(matched);
        done.booked_total = Set(booked);
        let header = done.update(&txn).await?;
        let statement = read(&txn, header).await?;
        txn.commit().await?;
        Ok(Uploaded {
            statement,
            replayed: false,
        })
    }

    /// Matches and settles each line, storing it with its result; returns how many were
    /// settled and the cash they remitted.
    async fn settle<C: ConnectionTrait>(
        &self,
        txn: &C,
        header: &cod_remittance::Model,
        lines: &[LineInput],
        actor_id: Option<Uuid>,
    ) -> Result<(i32, i64)> {
        let mut found = Vec::with_capacity(lines.len());
        for l in lines {
            found.push(order_of(txn, &header.carrier, l).await?);
        }
        let stalls: Vec<Uuid> = found.iter().flatten().map(|o| o.stall_id).collect();
        self.ledger.lock_stalls(txn, &stalls).await?;
        let (mut matched, mut booked) = (0, 0);
        for (i, (l, o)) in lines.iter().zip(found).enumerate() {
            let (result, expected) = match &o {
                None => (LineResult::UnknownOrder, None),
                Some(o) => {
                    let held = self.ledger.receivable(txn, o.id).await?;
                    let remittance = ledger::Remittance {
                        order_id: o.id,
                        carrier: header.carrier.clone(),
                        statement_id: header.id,
                        reference: header.reference.clone(),
                        cod_amount: l.cod_amount,
                        fee: l.fee,
                        actor_id,
                        at: header.created_at,
                    };
                    let result = match self.ledger.remit(txn, &remittance).await? {
                        ledger::Remitted::Booked(amount) => {
                            matched += 1;
                            booked += amount;
                            LineResult::Matched
                        }
                        ledger::Remitted::NotCarrierCod => LineResult::UnknownOrder,
                        ledger::Remitted::AlreadyRemitted => LineResult::AlreadyRemitted,
                        ledger::Remitted::AmountMismatch { .. } => LineResult::AmountMismatch,
                    };
                    (result, held.stall_id.map(|_| held.outstanding()))
                }
            };
            cod_remittance_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                remittance_id: Set(header.id),
                line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                tracking_no: Set(l.tracking_no.clone()),
                order_number: Set(l.order_number.clone()),
                cod_amount: Set(l.cod_amount),
                fee: Set(l.fee),
                order_id: Set(o.as_ref().map(|o| o.id)),
                stall_id: Set(o.as_ref().map(|o| o.stall_id)),
                expected: Set(expected),
                result: Set(result.as_str().to_owned()),
                created_at: Set(header.created_at),
            }
            .insert(txn)
            .await?;
        }
        Ok((matched, booked))
    }
}
