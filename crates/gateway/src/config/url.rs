//! Database and service URLs with their passwords: put in from a secret setting, kept out of
//! messages and logs. Depends on nothing else of the gateway.

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `url` (`postgres://user@host/db`) with `password` percent-encoded into it.
pub(super) fn with_password(url: &str, password: &str) -> String {
    let encoded =
        percent_encoding::utf8_percent_encode(password, percent_encoding::NON_ALPHANUMERIC);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            // The user ends at the first '@' before the host (an existing password is replaced).
            let (authority, tail) = rest
                .split_once('/')
                .map_or((rest, None), |(a, t)| (a, Some(t)));
            let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            let tail = tail.map(|t| format!("/{t}")).unwrap_or_default();
            format!("{scheme}://{user}:{encoded}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, with_password};

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://market:s3cret@db:5432/market"),
            "postgres://market:***@db:5432/market"
        );
        assert_eq!(
            redact("postgres://market@db/market"),
            "postgres://market@db/market"
        );
        assert_eq!(
            redact("sqlite://data/m.db?mode=rwc"),
            "sqlite://data/m.db?mode=rwc"
        );
    }

    #[test]
    fn a_password_is_encoded_into_the_url() {
        assert_eq!(
            with_password("postgres://marketplace@db:5432/marketplace", "p@ss:w/rd#1"),
            "postgres://marketplace:p%40ss%3Aw%2Frd%231@db:5432/marketplace"
        );
        assert_eq!(
            with_password("postgres://u:old@db/m?sslmode=disable", "n"),
            "postgres://u:n@db/m?sslmode=disable"
        );
    }
}
