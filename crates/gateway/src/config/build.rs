//! The pieces the configuration names, built in one place: the region list, the delivery
//! rates, the synonyms, the payment providers, the mail server and the durations. Loading
//! builds them once to refuse a configuration they cannot be built from, naming the setting;
//! [`Config::build`] builds them for the application state, which then takes them as they are.

use std::{path::Path, sync::Arc};

use order::{provider::PaymentProvider, shipping::ShippingRates};

use super::{Config, ConfigError};

/// What [`Config::build`] makes of a configuration.
#[derive(Clone)]
pub struct Built {
    /// The province's communes (`catalog.regions_file`).
    pub regions: catalog::Regions,
    /// Delivery fees (`shipping.rates_file`).
    pub rates: Arc<ShippingRates>,
    /// Card payments through Stripe, when `stripe.secret_key` is set.
    pub card: Option<Arc<dyn PaymentProvider>>,
    /// Bank transfers by VietQR, when `bank_transfer.*` names the receiving account.
    pub bank: Option<Arc<dyn PaymentProvider>>,
    /// The mail server, when `notify.smtp_url` is set.
    pub email: Option<Arc<dyn notify::channel::Channel>>,
    /// How long a session lasts (`auth.session_ttl_hours`).
    pub session_ttl: chrono::Duration,
    /// How long a card checkout may stay unpaid (`payments.checkout_ttl_minutes`).
    pub card_checkout_ttl: chrono::Duration,
    /// How long a bank-transfer checkout may stay unpaid (`bank_transfer.checkout_ttl_minutes`).
    pub bank_checkout_ttl: chrono::Duration,
    /// How old a bank notification may be (`bank_transfer.max_age_hours`).
    pub bank_max_age: chrono::Duration,
    /// Where uploaded photos are stored (`media.store`).
    pub media_store: Arc<dyn media::MediaStore>,
    /// The parcel carriers set up (`carriers.ghn.*`).
    pub carriers: carriers::Carriers,
    /// The key sealing stalls' carrier tokens (`carriers.secret_key`).
    pub carrier_sealer: Option<carriers::Sealer>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("card", &self.card.is_some())
            .field("bank", &self.bank.is_some())
            .field("email", &self.email.is_some())
            .field("session_ttl", &self.session_ttl)
            .field("card_checkout_ttl", &self.card_checkout_ttl)
            .field("bank_checkout_ttl", &self.bank_checkout_ttl)
            .field("bank_max_age", &self.bank_max_age)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Checks every setting and builds the pieces they name; an error names the setting.
    pub fn build(&self) -> Result<Built, ConfigError> {
        self.validate()?;
        // Read here so a bad synonym file stops start-up; the engine reads it when it opens.
        self.synonyms()?;
        let email = self
            .notify
            .email_channel()?
            .map(|smtp| Arc::new(smtp) as Arc<dyn notify::channel::Channel>);
        Ok(Built {
            regions: self.regions()?,
            rates: Arc::new(self.shipping_rates()?),
            card: self.card_provider()?,
            bank: self.bank_provider()?,
            email,
            session_ttl: span(
                "auth.session_ttl_hours",
                self.auth.session_ttl_hours,
                chrono::Duration::try_hours,
            )?,
            card_checkout_ttl: span(
                "payments.checkout_ttl_minutes",
                self.payments.checkout_ttl_minutes,
                chrono::Duration::try_minutes,
            )?,
            bank_checkout_ttl: span(
                "bank_transfer.checkout_ttl_minutes",
                self.bank_transfer.checkout_ttl_minutes,
                chrono::Duration::try_minutes,
            )?,
            bank_max_age: span(
                "bank_transfer.max_age_hours",
                self.bank_transfer.max_age_hours,
                chrono::Duration::try_hours,
            )?,
            media_store: self.media.store(&self.data.dir)?,
            carriers: self.carriers.carriers()?,
            carrier_sealer: self.carriers.sealer()?,
        })
    }

    /// The province's communes: the configured file, or the built-in list.
    pub fn regions(&self) -> Result<catalog::Regions, ConfigError> {
        read_table(
            "catalog.regions_file",
            &self.catalog.regions_file,
            catalog::Regions::builtin,
            catalog::Regions::from_toml,
        )
    }

    /// The regional synonyms search applies: the configured file, or the built-in one.
    pub fn synonyms(&self) -> Result<search::synonyms::Synonyms, ConfigError> {
        read_table(
            "search.synonyms_file",
            &self.search.synonyms_file,
            search::synonyms::Synonyms::builtin,
            search::synonyms::Synonyms::from_toml,
        )
    }

    /// The delivery rate table: the configured file, or the built-in one.
    pub fn shipping_rates(&self) -> Result<ShippingRates, ConfigError> {
        read_table(
            "shipping.rates_file",
            &self.shipping.rates_file,
            ShippingRates::builtin,
            ShippingRates::from_toml,
        )
    }

    /// The search engine this configuration names: Meilisearch when `search.meili_url` is set,
    /// otherwise the embedded index under `data.dir/search`.
    pub fn search_engine(&self) -> Result<Arc<dyn search::SearchEngine>, search::EngineError> {
        let synonyms = self
            .synonyms()
            .map_err(|e| search::EngineError::Internal(e.to_string()))?;
        Ok(match &self.search.meili_url {
            Some(url) => Arc::new(
                search::meili::Meili::new(
                    url,
                    self.search.meili_key.as_deref(),
                    &self.search.index_prefix,
                )?
                .with_synonyms(synonyms),
            ),
            None => Arc::new(
                search::embedded::Embedded::open(self.data.dir.join("search"))?
                    .with_synonyms(synonyms),
            ),
        })
    }

    /// The card payment provider, when Stripe keys are configured.
    pub fn card_provider(&self) -> Result<Option<Arc<dyn PaymentProvider>>, ConfigError> {
        let Some(key) = &self.stripe.secret_key else {
            return Ok(None);
        };
        let stripe = order::provider::stripe::Stripe::new(key, self.stripe.api_base.as_deref())
            .map_err(|e| ConfigError::Invalid {
                key: "stripe.api_base",
                message: e.to_string(),
            })?;
        Ok(Some(Arc::new(stripe)))
    }

    /// The bank-transfer provider when the receiving account is configured (all of bank BIN,
    /// a bank the list knows, account number and holder, and a notification secret).
    pub fn bank_provider(&self) -> Result<Option<Arc<dyn PaymentProvider>>, ConfigError> {
        let b = &self.bank_transfer;
        let (Some(bin), Some(account_no), Some(account_name)) =
            (&b.bank_bin, &b.account_no, &b.account_name)
        else {
            if b.bank_bin.is_some() || b.account_no.is_some() || b.account_name.is_some() {
                return Err(ConfigError::Invalid {
                    key: "bank_transfer.bank_bin",
                    message: "bank_bin, account_no and account_name go together".into(),
                });
            }
            return Ok(None);
        };
        let bank =
            vietqr::Banks::builtin()
                .get(bin)
                .cloned()
                .ok_or_else(|| ConfigError::Invalid {
                    key: "bank_transfer.bank_bin",
                    message: format!("{bin} is not a bank BIN of config/banks.toml"),
                })?;
        if b.webhook_secrets().is_empty() {
            return Err(ConfigError::Invalid {
                key: "bank_transfer.webhook_secret",
                message:
                    "is required with a receiving account, or transfers could never be matched"
                        .into(),
            });
        }
        // The payload checks the account number's form.
        vietqr::encode(&vietqr::Transfer {
            bank_bin: bin,
            account_no,
            amount: None,
            purpose: None,
            service: vietqr::Service::Account,
        })
        .map_err(|e| ConfigError::Invalid {
            key: "bank_transfer.account_no",
            message: e.to_string(),
        })?;
        Ok(Some(Arc::new(order::provider::vietqr::BankTransfer {
            bank_bin: bin.clone(),
            bank_name: bank.short_name,
            account_no: account_no.clone(),
            account_name: account_name.clone(),
        })))
    }
}

/// The table in the file at `path` (the setting `key`), or the built-in one when `path` is
/// empty.
fn read_table<T, E: std::fmt::Display>(
    key: &'static str,
    path: &Path,
    builtin: impl FnOnce() -> T,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ConfigError> {
    if path.as_os_str().is_empty() {
        return Ok(builtin());
    }
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
        key,
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    parse(&text).map_err(|e| ConfigError::Invalid {
        key,
        message: format!("{}: {e}", path.display()),
    })
}

/// `value` hours or minutes (as `unit` counts them) as a duration, or an error naming `key`
/// when it is too long to be one.
fn span(
    key: &'static str,
    value: u64,
    unit: fn(i64) -> Option<chrono::Duration>,
) -> Result<chrono::Duration, ConfigError> {
    i64::try_from(value)
        .ok()
        .and_then(unit)
        .ok_or_else(|| ConfigError::Invalid {
            key,
            message: format!("{value} is too long"),
        })
}
