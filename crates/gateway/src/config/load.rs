//! Reading the layers: the built-in defaults, a file, the environment; secrets refused from
//! files, and every error naming its key and where its value came from.

use std::{ffi::OsStr, path::Path};

use figment::{
    Figment,
    providers::{Format, Toml},
};

use super::{Config, ConfigError, DEFAULT_TOML, ENV_PREFIX, SECRET_KEYS, env};

impl Config {
    /// Loads defaults, then `file` (if any), then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars_os())
    }

    /// [`Config::load`] with the environment given as variables.
    pub(super) fn load_with_env<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        Self::from_figment(Self::layers(file, vars)?)
    }

    /// The layers, each over the one before: the built-in defaults, `file`, the environment.
    pub(super) fn layers<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        Ok(figment.merge(env::EnvVars::new(vars)))
    }

    /// Extracts and validates a configuration from any figment (tests build their own).
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config = Self::read(&figment)?;
        // Built and dropped: a value that cannot be built stops start-up here, naming its key.
        config.build()?;
        Ok(config)
    }

    /// The typed settings of `figment`, secrets checked for where they came from, but values
    /// not yet checked against their ranges.
    pub(super) fn read(figment: &Figment) -> Result<Self, ConfigError> {
        for key in SECRET_KEYS {
            if let Some(meta) = figment.find_metadata(key)
                && !meta.name.contains("environment")
            {
                return Err(ConfigError::Invalid {
                    key,
                    message: format!(
                        "is a secret: set it in the environment ({ENV_PREFIX}{}), not in {}",
                        key.to_uppercase().replace('.', "__"),
                        meta.source
                            .as_ref()
                            .map_or_else(|| meta.name.to_string(), |s| s.to_string())
                    ),
                });
            }
        }
        // The environment gives every value as text: a number or a boolean is read from the
        // text where the setting is one (`extract` would refuse "20" for a pool size), and a
        // text setting takes the text as it is.
        figment.extract_lossy().map_err(describe)
    }

    /// The built-in defaults with `toml` merged over them, validated.
    pub fn with_overrides(toml: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(toml)))
    }
}

/// The environment variable an error at `key` came from, named whole: for an unknown field,
/// the variable(s) that spell it (`MARKETPLACE_FOO__BAR` for an unknown section `foo`).
fn env_variable(key: &str, kind: &figment::error::Kind) -> String {
    let name = format!("{ENV_PREFIX}{}", key.to_uppercase().replace('.', "__"));
    if matches!(kind, figment::error::Kind::UnknownField(..)) {
        let nested = format!("{name}__");
        let set: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| {
                let k = k.to_uppercase();
                k == name || k.starts_with(&nested)
            })
            .collect();
        if !set.is_empty() {
            return set.join(", ");
        }
    }
    name
}

/// One line per problem, each naming the dotted key and where the value came from.
fn describe(errors: figment::Error) -> ConfigError {
    let lines: Vec<String> = errors
        .into_iter()
        .map(|e| {
            let key = e.path.join(".").to_lowercase();
            let source = match &e.metadata {
                Some(m) if m.name.contains("environment") => {
                    format!(" (from {})", env_variable(&key, &e.kind))
                }
                Some(m) => format!(
                    " (from {})",
                    m.source
                        .as_ref()
                        .map_or_else(|| m.name.to_string(), |s| s.to_string())
                ),
                None => String::new(),
            };
            if key.is_empty() {
                format!("configuration: {}{source}", e.kind)
            } else {
                format!("configuration key `{key}`: {}{source}", e.kind)
            }
        })
        .collect();
    ConfigError::Load(lines.join("\n"))
}
