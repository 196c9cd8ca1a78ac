//! Closed sets kept as text in the database (a status, a role, a kind): each is an enum whose
//! members have one stored form, written and compared only through [`Stored::as_str`]. A stored
//! value that is none of them is corrupt data, an internal error ([`stored`]), never read as a
//! default.

use crate::Error;

/// A closed set stored as text.
pub trait Stored: Sized + Copy + 'static {
    /// What the set is called in errors (`order status`).
    const WHAT: &'static str;
    /// Every member.
    const ALL: &'static [Self];
    /// The stored form.
    fn as_str(self) -> &'static str;
    /// Parses the stored form.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// A stored value that is no member of its set: the set's name and the value found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not known")]
pub struct Corrupt {
    /// The set ([`Stored::WHAT`]).
    pub what: &'static str,
    /// The value found.
    pub value: String,
}

/// Reads a stored value, or says what is wrong with it (for crates with their own error type).
pub fn read<T: Stored>(s: &str) -> Result<T, Corrupt> {
    T::parse(s).ok_or_else(|| Corrupt {
        what: T::WHAT,
        value: s.to_owned(),
    })
}

/// Reads a stored value; anything else in the row is corrupt data, an internal error naming
/// the set and the value (logged, never shown).
pub fn stored<T: Stored>(s: &str) -> Result<T, Error> {
    read(s).map_err(Error::internal)
}

/// Reads an optional stored value: `None` stays `None`, anything else as [`stored`].
pub fn stored_opt<T: Stored>(s: Option<&str>) -> Result<Option<T>, Error> {
    s.map(stored).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Light {
        Red,
        Green,
    }

    impl Stored for Light {
        const WHAT: &'static str = "light";
        const ALL: &'static [Self] = &[Self::Red, Self::Green];
        fn as_str(self) -> &'static str {
            match self {
                Self::Red => "red",
                Self::Green => "green",
            }
        }
    }

    #[test]
    fn every_member_reads_back() {
        for l in Light::ALL {
            assert_eq!(stored::<Light>(l.as_str()).unwrap(), *l);
        }
        assert_eq!(stored_opt::<Light>(None).unwrap(), None);
        assert_eq!(stored_opt::<Light>(Some("red")).unwrap(), Some(Light::Red));
    }

    #[test]
    fn an_unknown_value_is_an_internal_error_naming_the_set_and_the_value() {
        for bad in ["", "Red", "red ", "amber"] {
            let e = stored::<Light>(bad).unwrap_err();
            assert_eq!(
                (e.kind, e.code),
                (ErrorKind::Internal, "internal"),
                "{bad:?}"
            );
            let source = e.source.map(|s| s.to_string()).unwrap_or_default();
            assert_eq!(source, format!("light {bad:?} is not known"));
            assert!(stored_opt::<Light>(Some(bad)).is_err());
        }
        assert_eq!(
            read::<Light>("amber"),
            Err(Corrupt {
                what: "light",
                value: "amber".into()
            })
        );
    }
}
