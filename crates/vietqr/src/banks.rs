//! The banks that receive VietQR transfers, by BIN: data in `config/banks.toml`.

use std::collections::HashMap;

use serde::Deserialize;

/// The built-in list.
pub const BUILTIN: &str = include_str!("../../../config/banks.toml");

/// A bank.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// Its BIN, 6 digits.
    pub bin: String,
    /// The name people know it by (`Vietcombank`).
    pub short_name: String,
    /// Its full name.
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    banks: Vec<Bank>,
}

/// The list, looked up by BIN.
#[derive(Clone, Debug)]
pub struct Banks {
    banks: Vec<Bank>,
    by_bin: HashMap<String, usize>,
}

impl Banks {
    /// Parses and checks a list: BINs of 6 digits, each once, names given.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_bin = HashMap::new();
        for (i, b) in file.banks.iter().enumerate() {
            if b.bin.len() != 6 || !b.bin.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("bank {:?}: the BIN must be 6 digits", b.short_name));
            }
            if b.short_name.trim().is_empty() || b.name.trim().is_empty() {
                return Err(format!("bank {}: names must not be empty", b.bin));
            }
            if by_bin.insert(b.bin.clone(), i).is_some() {
                return Err(format!("BIN {} appears twice", b.bin));
            }
        }
        Ok(Self {
            banks: file.banks,
            by_bin,
        })
    }

    /// The built-in list.
    pub fn builtin() -> Self {
        // The file is part of the source tree and checked by a test.
        Self::from_toml(BUILTIN).unwrap_or_else(|e| panic!("built-in bank list: {e}"))
    }

    /// The bank with `bin`.
    pub fn get(&self, bin: &str) -> Option<&Bank> {
        self.by_bin.get(bin).map(|&i| &self.banks[i])
    }

    /// Every bank, in file order.
    pub fn all(&self) -> &[Bank] {
        &self.banks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_knows_the_big_banks() {
        let banks = Banks::builtin();
        assert_eq!(banks.get("970436").unwrap().short_name, "Vietcombank");
        assert_eq!(banks.get("970422").unwrap().short_name, "MB");
        assert!(banks.get("123456").is_none());
        assert!(banks.all().len() >= 20);
    }

    #[test]
    fn bad_lists_are_refused() {
        let twice = "[[banks]]\nbin = \"970436\"\nshort_name = \"A\"\nname = \"A\"\n[[banks]]\nbin = \"970436\"\nshort_name = \"B\"\nname = \"B\"\n";
        assert!(Banks::from_toml(twice).unwrap_err().contains("twice"));
        let short = "[[banks]]\nbin = \"9704\"\nshort_name = \"A\"\nname = \"A\"\n";
        assert!(Banks::from_toml(short).is_err());
    }
}
