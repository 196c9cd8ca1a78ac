//! What a stall's owner tells the marketplace about being paid: the bank account payouts go
//! to (every change audited and followed by a cooling-off period before any payout uses it,
//! so a stolen session cannot redirect money at once) and, for Decree 117's declaration, the
//! seller's tax code or citizen id. Both are the owner's and the administrators' to see.

use chrono::{DateTime, Utc};
use common::{Actor, Error, FieldCode, Result, validate::Validator};
use sea_orm::{
    ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Ledger,
    access::{self, Standing},
    entity::{bank_account, tax_profile},
};

/// The account a stall's payouts go to.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccountView {
    /// The bank's BIN.
    pub bank_bin: String,
    /// The bank's short name.
    pub bank_name: String,
    /// The account number.
    pub account_no: String,
    /// The holder, as the bank shows it (upper case, no diacritics).
    pub account_name: String,
    /// Last changed at.
    pub changed_at: DateTime<Utc>,
    /// No payout goes to it before then (the cooling-off after a change).
    pub usable_from: DateTime<Utc>,
}

/// A bank account to register.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BankAccountInput {
    /// A BIN of the bank list (`config/banks.toml`).
    #[cfg_attr(feature = "openapi", schema(example = "970405"))]
    pub bank_bin: String,
    /// 4 to 19 digits or capital letters.
    #[cfg_attr(feature = "openapi", schema(example = "3900205123456"))]
    pub account_no: String,
    /// The holder's name; diacritics are removed and it is upper-cased, as banks show it.
    #[cfg_attr(feature = "openapi", schema(example = "HTX NUOC MAM CUA TUNG"))]
    pub account_name: String,
}

/// The seller's identity for the tax declaration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaxProfile {
    /// The tax code: 10 digits, or 10 digits, a hyphen and 3 digits for a branch.
    #[cfg_attr(feature = "openapi", schema(example = "3200123456"))]
    pub tax_code: Option<String>,
    /// The citizen id number (căn cước): 12 digits.
    #[cfg_attr(feature = "openapi", schema(example = "045190001234"))]
    pub citizen_id: Option<String>,
    /// Whether the seller is resident in Viet Nam for personal income tax (default `true`); a
    /// non-resident individual is withheld at the non-residents' PIT rates (Decree
    /// 117/2025/NĐ-CP, Article 5, clause 2).
    #[serde(default = "resident_by_default")]
    #[cfg_attr(feature = "openapi", schema(example = true, default = true))]
    pub resident: bool,
}

fn resident_by_default() -> bool {
    true
}

impl Default for TaxProfile {
    fn default() -> Self {
        Self {
            tax_code: None,
            citizen_id: None,
            resident: true,
        }
    }
}

/// A holder's name as banks print it: no diacritics, upper case, single spaces.
pub fn bank_name_form(name: &str) -> String {
    common::text::fold(name)
        .to_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tax_code_ok(s: &str) -> bool {
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    match s.split_once('-') {
        None => s.len() == 10 && digits(s),
        Some((main, branch)) => {
            main.len() == 10 && digits(main) && branch.len() == 3 && digits(branch)
        }
    }
}

/// A bank account as checked: a bank of the list, and the number and holder as banks take them.
struct CheckedAccount {
    bank_bin: String,
    account_no: String,
    account_name: String,
}

impl Ledger {
    /// Registers or changes the stall's payout account (its owner). Audited; no payout goes to
    /// it until the cooling-off period has passed.
    pub async fn set_bank_account<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: BankAccountInput,
    ) -> Result<BankAccountView> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing != Standing::Owner {
            return Err(Error::forbidden(
                "Only the stall's owner sets its bank account.",
            ));
        }
        let user = actor.require_user()?;
        let account = self.check_account(&input)?;
        let now = Utc::now();
        let txn = common::begin_write(db).await?;
        let before = bank_account::Entity::find_by_id(stall.id).one(&txn).await?;
        let after = bank_account::ActiveModel {
            stall_id: Set(stall.id),
            bank_bin: Set(account.bank_bin),
            account_no: Set(account.account_no),
            account_name: Set(account.account_name),
            changed_by: Set(user),
            changed_at: Set(now),
            usable_from: Set(now + self.settings.cooling_off),
        };
        let after = save_account(&txn, stall.id, after).await?;
        audit_account_change(&txn, user, before.as_ref(), &after).await?;
        txn.commit().await?;
        Ok(self.account_view(after))
    }

    /// The account checked field by field, every bad field named.
    fn check_account(&self, input: &BankAccountInput) -> Result<CheckedAccount> {
        let mut v = Validator::new();
        let bank = self.banks.get(input.bank_bin.trim());
        v.check(
            bank.is_some(),
            "bank_bin",
            FieldCode::UnknownBank,
            "is not a bank of the list",
        );
        let account_no = input.account_no.trim().to_owned();
        v.check(
            (4..=19).contains(&account_no.len())
                && account_no
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "account_no",
            FieldCode::InvalidAccountNo,
            "must be 4 to 19 digits or capital letters",
        );
        let account_name = bank_name_form(&input.account_name);
        v.check(
            (2..=100).contains(&account_name.len())
                && account_name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == ' '),
            "account_name",
            FieldCode::InvalidName,
            "must be 2 to 100 letters and spaces",
        );
        v.finish()?;
        let Some(bank) = bank else {
            return Err(Error::invalid_field(
                "bank_bin",
                FieldCode::UnknownBank,
                "is not a bank of the list",
            ));
        };
        Ok(CheckedAccount {
            bank_bin: bank.bin.clone(),
            account_no,
            account_name,
        })
    }

    /// The stall's payout account (its owner and administrators); `None` when none is set.
    pub async fn bank_account<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<Option<BankAccountView>> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing == Standing::Staff {
            return Err(Error::forbidden(
                "Only the owner and administrators see the bank account.",
            ));
        }
        Ok(bank_account::Entity::find_by_id(stall.id)
            .one(db)
            .await?
            .map(|a| self.account_view(a)))
    }

    fn account_view(&self, a: bank_account::Model) -> BankAccountView {
        let bank_name = self
            .banks
            .get(&a.bank_bin)
            .map_or_else(|| a.bank_bin.clone(), |b| b.short_name.clone());
        BankAccountView {
            bank_bin: a.bank_bin,
            bank_name,
            account_no: a.account_no,
            account_name: a.account_name,
            changed_at: a.changed_at,
            usable_from: a.usable_from,
        }
    }

    /// Sets the seller's tax code and/or citizen id (the owner), checked for shape; at least
    /// one is needed for the declaration.
    pub async fn set_tax_profile<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
        input: TaxProfile,
    ) -> Result<TaxProfile> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing != Standing::Owner {
            return Err(Error::forbidden(
                "Only the stall's owner sets its tax profile.",
            ));
        }
        let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let tax_code = clean(input.tax_code);
        let citizen_id = clean(input.citizen_id);
        let mut v = Validator::new();
        if let Some(t) = &tax_code {
            v.check(
                tax_code_ok(t),
                "tax_code",
                FieldCode::InvalidTaxCode,
                "must be 10 digits, or 10 digits, '-' and 3 digits",
            );
        }
        if let Some(c) = &citizen_id {
            v.check(
                c.len() == 12 && c.chars().all(|c| c.is_ascii_digit()),
                "citizen_id",
                FieldCode::InvalidCitizenId,
                "must be 12 digits",
            );
        }
        v.check(
            tax_code.is_some() || citizen_id.is_some(),
            "tax_code",
            FieldCode::Required,
            "give a tax code or a citizen id",
        );
        v.finish()?;
        let txn = common::begin_write(db).await?;
        tax_profile::Entity::insert(tax_profile::ActiveModel {
            stall_id: Set(stall.id),
            tax_code: Set(tax_code.clone()),
            citizen_id: Set(citizen_id.clone()),
            resident: Set(input.resident),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(tax_profile::Column::StallId)
                .update_columns([
                    tax_profile::Column::TaxCode,
                    tax_profile::Column::CitizenId,
                    tax_profile::Column::Resident,
                    tax_profile::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(TaxProfile {
            tax_code,
            citizen_id,
            resident: input.resident,
        })
    }

    /// The seller's tax profile (the owner and administrators).
    pub async fn tax_profile<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        stall: &str,
    ) -> Result<TaxProfile> {
        let (stall, standing) = access::stall_for(&self.catalog, db, actor, stall).await?;
        if standing == Standing::Staff {
            return Err(Error::forbidden(
                "Only the owner and administrators see the tax profile.",
            ));
        }
        Ok(tax_profile::Entity::find_by_id(stall.id)
            .one(db)
            .await?
            .map(|t| TaxProfile {
                tax_code: t.tax_code,
                citizen_id: t.citizen_id,
                resident: t.resident,
            })
            .unwrap_or_default())
    }
}

/// Writes the stall's account, replacing the one it had; returns it as stored.
async fn save_account<C: ConnectionTrait>(
    txn: &C,
    stall_id: Uuid,
    row: bank_account::ActiveModel,
) -> Result<bank_account::Model> {
    bank_account::Entity::insert(row)
        .on_conflict(
            OnConflict::column(bank_account::Column::StallId)
                .update_columns([
                    bank_account::Column::BankBin,
                    bank_account::Column::AccountNo,
                    bank_account::Column::AccountName,
                    bank_account::Column::ChangedBy,
                    bank_account::Column::ChangedAt,
                    bank_account::Column::UsableFrom,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    bank_account::Entity::find_by_id(stall_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::internal("the bank account just written is missing"))
}

/// Puts a change of payout account on the stall's audit log, with the account before and
/// after.
async fn audit_account_change<C: ConnectionTrait>(
    txn: &C,
    user: Uuid,
    before: Option<&bank_account::Model>,
    after: &bank_account::Model,
) -> Result<()> {
    let shape = |a: &bank_account::Model| {
        serde_json::json!({
            "bank_bin": a.bank_bin,
            "account_no": a.account_no,
            "account_name": a.account_name,
        })
    };
    catalog::audit::record(
        txn,
        user,
        catalog::audit::Action::StallBankAccount,
        catalog::audit::Subject::Stall(after.stall_id),
        None,
        before.map(shape),
        Some(shape(after)),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_names_take_the_banks_form() {
        assert_eq!(
            bank_name_form("  Hợp tác xã  Nước mắm Cửa Tùng "),
            "HOP TAC XA NUOC MAM CUA TUNG"
        );
        assert_eq!(bank_name_form("Đặng Thị Hà"), "DANG THI HA");
    }

    #[test]
    fn tax_codes_have_their_shape() {
        assert!(tax_code_ok("3200123456"));
        assert!(tax_code_ok("3200123456-001"));
        assert!(!tax_code_ok("320012345"));
        assert!(!tax_code_ok("3200123456-01"));
        assert!(!tax_code_ok("32001234AB"));
    }
}
