//! The environment layer: `MARKETPLACE_<SECTION>__<KEY>` variables, each value kept as the text
//! it is written.
//!
//! figment's own `Env` provider guesses a type from the text, so the account number
//! `0071000123456` became the number 71000123456 (its zeros lost, and a type error for a text
//! setting) and `true` a boolean. Here every value stays text; the extraction reads a number or
//! a boolean from it only where the setting is one.

use std::ffi::OsStr;

use figment::{
    Metadata, Profile, Provider,
    value::{Dict, Map, Value},
};

use super::ENV_PREFIX;

/// The configuration variables of an environment, by dotted key.
pub(super) struct EnvVars {
    vars: Vec<(String, String)>,
}

impl EnvVars {
    /// The configuration among `vars`; the others are left out.
    pub(super) fn new<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = vars
            .into_iter()
            .filter_map(|(name, value)| {
                let key = key(&name.as_ref().to_string_lossy())?;
                Some((key, value.as_ref().to_string_lossy().into_owned()))
            })
            .collect();
        Self { vars }
    }
}

/// The dotted key a variable sets, if it is configuration. Only `MARKETPLACE_<SECTION>__<KEY>`
/// is: platforms inject variables of their own under the same prefix (Kubernetes sets
/// `MARKETPLACE_PORT=tcp://…` for a Service named `marketplace`), and those must not stop
/// start-up.
fn key(name: &str) -> Option<String> {
    let name = name.trim();
    let prefix = name.get(..ENV_PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(ENV_PREFIX) {
        return None;
    }
    let parts: Vec<&str> = name[ENV_PREFIX.len()..].split("__").collect();
    if parts.len() < 2 || parts.iter().any(|part| part.is_empty()) {
        return None;
    }
    Some(parts.join(".").to_ascii_lowercase())
}

/// A variable's value as a setting's text, as written. One wrapped whole in double quotes is
/// unquoted (with figment's escapes), as it always was, so a value quoted to keep it text
/// (`"0071000123456"`) or quoted by an env file still reads the same.
fn text(value: &str) -> Value {
    if value.len() >= 2
        && value.starts_with('"')
        && value.ends_with('"')
        && let Ok(Value::String(_, unquoted)) = value.parse::<Value>()
    {
        return Value::from(unquoted);
    }
    Value::from(value)
}

/// Puts `value` at `path` in `dict`, making the sections on the way.
fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert((*last).to_owned(), value);
        }
        [section, rest @ ..] => {
            let entry = dict
                .entry((*section).to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        // "environment" in the name is how errors and the secrets check tell this layer.
        Metadata::named(format!("`{ENV_PREFIX}` environment variable(s)")).interpolater(
            |_: &Profile, keys: &[&str]| {
                format!("{ENV_PREFIX}{}", keys.join("__").to_ascii_uppercase())
            },
        )
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, value) in &self.vars {
            let path: Vec<&str> = key.split('.').collect();
            insert(&mut dict, &path, text(value));
        }
        Ok(Profile::Default.collect(dict))
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::RefCell, collections::BTreeMap};

    use figment::{
        Figment,
        providers::{Format, Toml},
    };
    use serde::{
        Deserialize, Deserializer,
        de::{DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor},
    };
    use serde_json::json;

    use super::*;
    use crate::config::{Config, ConfigError, DEFAULT_TOML, LogFormat};

    /// How a setting is read.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Read {
        /// From text: free text, a path, or an address parsed from text.
        Text,
        Number,
        Bool,
        /// One of a few words.
        Choice,
    }

    #[derive(Clone, Copy, Debug)]
    struct Setting {
        read: Read,
        optional: bool,
        list: bool,
    }

    impl Setting {
        /// What the setting holds when its variable is `value`: the text as written; for an
        /// optional setting a blank value is unset; a list of one text (none when blank).
        fn expected(self, value: &str) -> serde_json::Value {
            let blank = value.trim().is_empty();
            match (self.list, self.optional && blank) {
                (true, _) if blank => json!([]),
                (true, _) => json!([value]),
                (false, true) => serde_json::Value::Null,
                (false, false) => json!(value),
            }
        }
    }

    /// Every setting of [`Config`] by dotted key, found by letting `Config` deserialize itself
    /// from a probe that notes what each field asks for: a new setting is covered by the tests
    /// below without being listed anywhere.
    fn settings() -> BTreeMap<String, Setting> {
        let found = RefCell::new(BTreeMap::new());
        Config::deserialize(Probe {
            key: String::new(),
            optional: false,
            list: false,
            found: &found,
        })
        .expect("the probe answers every field");
        found.into_inner()
    }

    struct Probe<'a> {
        key: String,
        optional: bool,
        list: bool,
        found: &'a RefCell<BTreeMap<String, Setting>>,
    }

    impl Probe<'_> {
        fn note(&self, read: Read) {
            let setting = Setting {
                read,
                optional: self.optional,
                list: self.list,
            };
            self.found.borrow_mut().insert(self.key.clone(), setting);
        }
    }

    type ProbeError = serde::de::value::Error;

    macro_rules! numbers {
        ($($method:ident)*) => {$(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
                self.note(Read::Number);
                visitor.visit_u8(1)
            }
        )*};
    }

    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = ProbeError;

        /// Only a list read as "a list or one text" asks for any type.
        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            visitor.visit_seq(OneItem(Some(Probe { list: true, ..self })))
        }

        fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            self.note(Read::Text);
            // A sample that every type read from text takes, addresses included.
            visitor.visit_str("127.0.0.1:1")
        }

        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            self.deserialize_str(visitor)
        }

        numbers! {
            deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
            deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
            deserialize_f32 deserialize_f64
        }

        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            self.note(Read::Bool);
            visitor.visit_bool(false)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
            visitor.visit_some(Probe {
                optional: true,
                ..self
            })
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, ProbeError> {
            self.note(Read::Choice);
            visitor.visit_enum(variants[0].into_deserializer())
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, ProbeError> {
            visitor.visit_map(Fields {
                probe: &self,
                fields: fields.iter(),
                current: "",
            })
        }

        serde::forward_to_deserialize_any! {
            i128 u128 char bytes byte_buf unit unit_struct newtype_struct seq tuple
            tuple_struct map identifier ignored_any
        }
    }

    /// A struct's fields, each probed under its dotted key.
    struct Fields<'p, 'a> {
        probe: &'p Probe<'a>,
        fields: std::slice::Iter<'static, &'static str>,
        current: &'static str,
    }

    impl<'de> MapAccess<'de> for Fields<'_, '_> {
        type Error = ProbeError;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, ProbeError> {
            let Some(&field) = self.fields.next() else {
                return Ok(None);
            };
            self.current = field;
            seed.deserialize(field.into_deserializer()).map(Some)
        }

        fn next_value_seed<S: DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<S::Value, ProbeError> {
            let key = match self.probe.key.as_str() {
                "" => self.current.to_owned(),
                section => format!("{section}.{}", self.current),
            };
            seed.deserialize(Probe {
                key,
                optional: false,
                list: false,
                found: self.probe.found,
            })
        }
    }

    /// A list of one item, probed under the list's key.
    struct OneItem<'a>(Option<Probe<'a>>);

    impl<'de> SeqAccess<'de> for OneItem<'_> {
        type Error = ProbeError;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, ProbeError> {
            self.0
                .take()
                .map(|probe| seed.deserialize(probe))
                .transpose()
        }
    }

    /// The variable that sets `key`.
    fn variable(key: &str) -> String {
        format!("{ENV_PREFIX}{}", key.replace('.', "__").to_uppercase())
    }

    /// The value of the setting at dotted `key`.
    fn at(config: &Config, key: &str) -> serde_json::Value {
        let config = serde_json::to_value(config).expect("a configuration serializes");
        config
            .pointer(&format!("/{}", key.replace('.', "/")))
            .cloned()
            .unwrap_or_else(|| panic!("no setting {key}"))
    }

    /// The typed settings the binary reads from `vars` over the defaults, before range checks.
    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::read(&Config::layers(None, vars.iter().copied())?)
    }

    #[test]
    fn the_probe_finds_the_settings() {
        let settings = settings();
        for key in [
            "bank_transfer.account_no",
            "bank_transfer.bank_bin",
            "search.index_prefix",
            "notify.from",
            "data.dir",
            "http.cors_origins",
        ] {
            assert!(
                settings.get(key).is_some_and(|s| s.read == Read::Text),
                "{key}: {settings:#?}"
            );
        }
        assert!(settings["bank_transfer.account_no"].optional);
        assert!(settings["http.cors_origins"].list);
        assert_eq!(settings["http.max_connections"].read, Read::Number);
        assert_eq!(settings["demo.seed"].read, Read::Bool);
        assert_eq!(settings["log.format"].read, Read::Choice);
    }

    #[test]
    fn every_text_setting_keeps_its_text_from_the_environment() {
        let settings = settings();
        let mut wrong = Vec::new();
        let text = settings.iter().filter(|(_, s)| s.read == Read::Text);
        for (key, setting) in text {
            let var = variable(key);
            for value in ["0071000123456", "970436", "true", "false", "1.5", "-1", ""] {
                let vars = [(var.as_str(), value)];
                match read(&vars) {
                    Ok(config) if at(&config, key) == setting.expected(value) => {}
                    Ok(config) => wrong.push(format!("{var}={value:?}: {}", at(&config, key))),
                    // A setting parsed from its text (an address) refuses text it cannot
                    // parse, naming itself; a free text can only fail here for its type.
                    Err(e) => {
                        let e = e.to_string();
                        if !e.contains(key.as_str())
                            || !e.contains(&var)
                            || e.contains("invalid type")
                        {
                            wrong.push(format!("{var}={value:?}: {e}"));
                        }
                    }
                }
                // The whole start-up check: any refusal is about the value, never its type.
                if let Err(ConfigError::Load(e)) = Config::load_with_env(None, vars)
                    && e.contains("invalid type")
                {
                    wrong.push(format!("{var}={value:?} at start-up: {e}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn numbers_and_booleans_are_read_from_the_environment() {
        for (key, setting) in settings() {
            let (value, expected) = match setting.read {
                Read::Number => ("7", json!(7)),
                Read::Bool => ("true", json!(true)),
                Read::Text | Read::Choice => continue,
            };
            let var = variable(&key);
            let config = read(&[(&var, value)]).unwrap_or_else(|e| panic!("{var}={value}: {e}"));
            assert_eq!(at(&config, &key), expected, "{var}={value}");
        }

        // As docker-compose.yml sets them.
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_HTTP__LISTEN", "0.0.0.0:8080"),
                ("MARKETPLACE_HTTP__OPS_LISTEN", "0.0.0.0:9090"),
                ("MARKETPLACE_DATABASE__MAX_CONNECTIONS", "20"),
                ("MARKETPLACE_LOG__FORMAT", "json"),
                ("MARKETPLACE_DEMO__SEED", "false"),
                ("MARKETPLACE_HTTP__TRUST_FORWARDED_FOR", "true"),
                ("MARKETPLACE_LEDGER__PAYOUT_MINIMUM", "050000"),
            ],
        )
        .unwrap();
        assert_eq!(c.http.listen.port(), 8080);
        assert_eq!(c.http.ops_listen.map(|a| a.port()), Some(9090));
        assert_eq!(c.database.max_connections, 20);
        assert_eq!(c.log.format, LogFormat::Json);
        assert!(!c.demo.seed);
        assert!(c.http.trust_forwarded_for);
        assert_eq!(c.ledger.payout_minimum, 50_000);

        let e = Config::load_with_env(None, [("MARKETPLACE_DATABASE__MAX_CONNECTIONS", "twenty")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("database.max_connections")
                && e.contains("MARKETPLACE_DATABASE__MAX_CONNECTIONS"),
            "{e}"
        );
        let e = Config::load_with_env(None, [("MARKETPLACE_DEMO__SEED", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("demo.seed"), "{e}");
    }

    #[test]
    fn a_bank_account_from_compose_turns_bank_transfers_on() {
        let c = Config::load_with_env(
            None,
            [
                ("MARKETPLACE_BANK_TRANSFER__BANK_BIN", "970436"),
                ("MARKETPLACE_BANK_TRANSFER__ACCOUNT_NO", "0071000123456"),
                (
                    "MARKETPLACE_BANK_TRANSFER__ACCOUNT_NAME",
                    "CONG TY CHO OCOP",
                ),
                ("MARKETPLACE_BANK_TRANSFER__WEBHOOK_SECRET", "123456"),
                // Unset in compose's `.env`: `${STRIPE_SECRET_KEY:-}`.
                ("MARKETPLACE_STRIPE__SECRET_KEY", ""),
                ("MARKETPLACE_NOTIFY__SMTP_URL", ""),
            ],
        )
        .unwrap();
        let b = &c.bank_transfer;
        assert_eq!(b.bank_bin.as_deref(), Some("970436"));
        assert_eq!(b.account_no.as_deref(), Some("0071000123456"));
        assert_eq!(b.webhook_secrets(), ["123456"]);
        assert!(c.bank_provider().unwrap().is_some());
        assert!(c.card_provider().unwrap().is_none());
    }

    #[test]
    fn an_empty_variable_leaves_an_optional_setting_unset_and_empties_a_text() {
        let layers = |file: &str, vars: &[(&str, &str)]| {
            let figment = Figment::from(Toml::string(DEFAULT_TOML))
                .merge(Toml::string(file))
                .merge(EnvVars::new(vars.iter().copied()));
            Config::from_figment(figment)
        };
        let file = "[search]\nindex_prefix = \"tinh\"\nmeili_url = \"http://meili:7700\"";
        let c = layers(file, &[]).unwrap();
        assert_eq!(c.search.index_prefix, "tinh");
        let c = layers(
            file,
            &[
                ("MARKETPLACE_SEARCH__INDEX_PREFIX", "0071"),
                ("MARKETPLACE_SEARCH__MEILI_URL", ""),
            ],
        )
        .unwrap();
        assert_eq!(c.search.index_prefix, "0071");
        assert_eq!(
            c.search.meili_url, None,
            "empty: unset, the embedded engine"
        );
        let c = layers(file, &[("MARKETPLACE_SEARCH__INDEX_PREFIX", "")]).unwrap();
        assert_eq!(c.search.index_prefix, "", "empty: the empty text");
    }

    #[test]
    fn the_environment_layer_takes_only_configuration_as_written() {
        assert_eq!(
            key("MARKETPLACE_HTTP__LISTEN").as_deref(),
            Some("http.listen")
        );
        assert_eq!(
            key("marketplace_http__listen").as_deref(),
            Some("http.listen")
        );
        for platform in [
            "MARKETPLACE_PORT",
            "MARKETPLACE_SERVICE_HOST",
            "MARKETPLACE_CONFIG",
            "MARKETPLACE___X",
            "MARKETPLACE_HTTP__",
            "OTHER_HTTP__LISTEN",
            "MARKETPLAC",
        ] {
            assert_eq!(key(platform), None, "{platform}");
        }

        let c = Config::load_with_env(
            None,
            [
                // Quoted, as figment wanted before and as some env files write it.
                (
                    "MARKETPLACE_BANK_TRANSFER__ACCOUNT_NAME",
                    "\"CONG TY \\\"A\\\"\"",
                ),
                ("MARKETPLACE_BANK_TRANSFER__ACCOUNT_NO", "\"0071000123456\""),
                ("MARKETPLACE_BANK_TRANSFER__BANK_BIN", "970436"),
                ("MARKETPLACE_BANK_TRANSFER__WEBHOOK_SECRET", "new,old"),
                ("MARKETPLACE_NOTIFY__FROM", " Chợ, [OCOP] <a@b.vn> "),
                ("MARKETPLACE_PORT", "tcp://10.0.0.7:8080"),
            ],
        )
        .unwrap();
        let b = &c.bank_transfer;
        assert_eq!(b.account_name.as_deref(), Some("CONG TY \"A\""));
        assert_eq!(b.account_no.as_deref(), Some("0071000123456"));
        assert_eq!(b.webhook_secrets(), ["new", "old"]);
        assert_eq!(c.notify.from, " Chợ, [OCOP] <a@b.vn> ");

        for (value, origins) in [
            (
                r#"["https://a.vn", "https://b.vn"]"#,
                &["https://a.vn", "https://b.vn"][..],
            ),
            (
                "[https://a.vn, https://b.vn]",
                &["https://a.vn", "https://b.vn"],
            ),
            (
                "https://a.vn,https://b.vn",
                &["https://a.vn", "https://b.vn"],
            ),
            ("*", &["*"]),
            ("", &[]),
        ] {
            let c = Config::load_with_env(None, [("MARKETPLACE_HTTP__CORS_ORIGINS", value)])
                .unwrap_or_else(|e| panic!("{value}: {e}"));
            assert_eq!(c.http.cors_origins, origins, "{value}");
        }
    }
}
