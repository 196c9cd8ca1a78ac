//! Which addresses a stall's webhook may reach, and the one lookup of its host whose checked
//! answer the HTTP client connects to.
//!
//! Refused: every block of the IANA IPv4 and IPv6 special-purpose address registries
//! (loopback, private, link-local, shared, documentation, benchmarking, translation and
//! transition prefixes…), multicast, the reserved space (in IPv6, everything outside global
//! unicast `2000::/3`), and names of local-only domains (`localhost`, `*.local`,
//! `*.internal`, `*.home.arpa`). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is judged by
//! the IPv4 address it carries.
//!
//! The URL parser (WHATWG rules) reads every numeric spelling of an IPv4 host in an http(s)
//! URL as the address it means (`2130706433`, `0x7f000001`, `017700000001`, `127.1`,
//! `0x7f.0.0.1`, percent-encoded or full-width digits all become `127.0.0.1`) and hands IPv6
//! hosts without their brackets, so an address literal is checked as the address the
//! connection uses. A name is looked up once per connection, by [`Resolver`] acting as the HTTP
//! client's resolver: the addresses it checked are the ones connected to, so a name that
//! answers differently the second time (DNS rebinding) gains nothing. Whatever spelling the
//! system's resolver still reads as a number is caught there too, as the address it yields.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use async_trait::async_trait;
use url::{Host, Url};

/// How long a lookup may take before the host counts as unresolved.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A block of addresses (`start/prefix`) and its name in the registry.
struct Block<A> {
    start: A,
    prefix: u32,
    name: &'static str,
}

/// The IANA IPv4 special-purpose address registry, with multicast. The narrower block comes
/// first where two overlap, so it names the address.
#[rustfmt::skip]
const V4_BLOCKS: &[Block<Ipv4Addr>] = &[
    Block { start: Ipv4Addr::new(0, 0, 0, 0), prefix: 8, name: "\"this network\" (0.0.0.0/8)" },
    Block { start: Ipv4Addr::new(10, 0, 0, 0), prefix: 8, name: "private-use (10.0.0.0/8)" },
    Block { start: Ipv4Addr::new(100, 64, 0, 0), prefix: 10, name: "shared address space (100.64.0.0/10)" },
    Block { start: Ipv4Addr::new(127, 0, 0, 0), prefix: 8, name: "loopback (127.0.0.0/8)" },
    Block { start: Ipv4Addr::new(169, 254, 0, 0), prefix: 16, name: "link-local (169.254.0.0/16)" },
    Block { start: Ipv4Addr::new(172, 16, 0, 0), prefix: 12, name: "private-use (172.16.0.0/12)" },
    Block { start: Ipv4Addr::new(192, 0, 0, 0), prefix: 24, name: "IETF protocol assignments (192.0.0.0/24)" },
    Block { start: Ipv4Addr::new(192, 0, 2, 0), prefix: 24, name: "documentation (192.0.2.0/24)" },
    Block { start: Ipv4Addr::new(192, 31, 196, 0), prefix: 24, name: "AS112-v4 (192.31.196.0/24)" },
    Block { start: Ipv4Addr::new(192, 52, 193, 0), prefix: 24, name: "AMT (192.52.193.0/24)" },
    Block { start: Ipv4Addr::new(192, 88, 99, 0), prefix: 24, name: "6to4 relay anycast (192.88.99.0/24)" },
    Block { start: Ipv4Addr::new(192, 168, 0, 0), prefix: 16, name: "private-use (192.168.0.0/16)" },
    Block { start: Ipv4Addr::new(192, 175, 48, 0), prefix: 24, name: "AS112 direct delegation (192.175.48.0/24)" },
    Block { start: Ipv4Addr::new(198, 18, 0, 0), prefix: 15, name: "benchmarking (198.18.0.0/15)" },
    Block { start: Ipv4Addr::new(198, 51, 100, 0), prefix: 24, name: "documentation (198.51.100.0/24)" },
    Block { start: Ipv4Addr::new(203, 0, 113, 0), prefix: 24, name: "documentation (203.0.113.0/24)" },
    Block { start: Ipv4Addr::new(224, 0, 0, 0), prefix: 4, name: "multicast (224.0.0.0/4)" },
    Block { start: Ipv4Addr::new(255, 255, 255, 255), prefix: 32, name: "limited broadcast (255.255.255.255/32)" },
    Block { start: Ipv4Addr::new(240, 0, 0, 0), prefix: 4, name: "reserved (240.0.0.0/4)" },
];

/// The IANA IPv6 special-purpose address registry, with multicast and the deprecated
/// site-local block. Outside these, an address must be global unicast (`2000::/3`).
#[rustfmt::skip]
const V6_BLOCKS: &[Block<Ipv6Addr>] = &[
    Block { start: Ipv6Addr::UNSPECIFIED, prefix: 128, name: "unspecified (::/128)" },
    Block { start: Ipv6Addr::LOCALHOST, prefix: 128, name: "loopback (::1/128)" },
    Block { start: Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), prefix: 96, name: "IPv4-compatible (::/96)" },
    Block { start: Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), prefix: 96, name: "IPv4-translated (::ffff:0:0:0/96)" },
    Block { start: Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), prefix: 96, name: "IPv4/IPv6 translation (64:ff9b::/96)" },
    Block { start: Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), prefix: 48, name: "local-use IPv4/IPv6 translation (64:ff9b:1::/48)" },
    Block { start: Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), prefix: 64, name: "discard-only (100::/64)" },
    Block { start: Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), prefix: 64, name: "dummy prefix (100:0:0:1::/64)" },
    Block { start: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), prefix: 32, name: "documentation (2001:db8::/32)" },
    Block { start: Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), prefix: 23, name: "IETF protocol assignments (2001::/23)" },
    Block { start: Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), prefix: 16, name: "6to4 (2002::/16)" },
    Block { start: Ipv6Addr::new(0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0), prefix: 48, name: "AS112 direct delegation (2620:4f:8000::/48)" },
    Block { start: Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), prefix: 20, name: "documentation (3fff::/20)" },
    Block { start: Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), prefix: 16, name: "segment routing (5f00::/16)" },
    Block { start: Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), prefix: 7, name: "unique local (fc00::/7)" },
    Block { start: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), prefix: 10, name: "link-local (fe80::/10)" },
    Block { start: Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), prefix: 10, name: "site-local (fec0::/10)" },
    Block { start: Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), prefix: 8, name: "multicast (ff00::/8)" },
];

/// The name of what lies outside the blocks and outside `2000::/3`.
const V6_RESERVED: &str = "reserved (outside 2000::/3)";

/// Names that only ever mean a machine of the local network (RFC 6761, 6762, 8375, and the
/// `.internal` top-level domain kept for private use).
const LOCAL_DOMAINS: &[&str] = &["localhost", "local", "internal", "home.arpa"];

fn v4_in(ip: Ipv4Addr, b: &Block<Ipv4Addr>) -> bool {
    let mask = u32::MAX.checked_shl(32 - b.prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(b.start)
}

fn v6_in(ip: Ipv6Addr, b: &Block<Ipv6Addr>) -> bool {
    let mask = u128::MAX.checked_shl(128 - b.prefix).unwrap_or(0);
    u128::from(ip) & mask == u128::from(b.start)
}

/// The special-purpose block `ip` lies in, by its registry name; `None` for a public address.
pub fn special_block(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => V4_BLOCKS.iter().find(|b| v4_in(v4, b)).map(|b| b.name),
        IpAddr::V6(v6) => V6_BLOCKS
            .iter()
            .find(|b| v6_in(v6, b))
            .map(|b| b.name)
            .or_else(|| (v6.segments()[0] & 0xe000 != 0x2000).then_some(V6_RESERVED)),
    }
}

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    special_block(ip).is_none()
}

/// Whether `name` belongs to a local-only domain (`localhost`, `x.local`, …).
pub fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    LOCAL_DOMAINS
        .iter()
        .any(|d| name == *d || name.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
}

/// Why a webhook's host is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The URL names no host.
    #[error("the URL has no host")]
    NoHost,
    /// A name of a local-only domain.
    #[error("{host} is a local name, not a public one")]
    LocalName {
        /// The name.
        host: String,
    },
    /// The host is, or resolves to, a special-purpose address.
    #[error(
        "{}{ip} is in the {block} block, not a public address",
        .name.as_ref().map(|n| format!("{n}: ")).unwrap_or_default()
    )]
    NotPublic {
        /// The name that resolved to it; none for an address literal.
        name: Option<String>,
        /// The address.
        ip: IpAddr,
        /// The block's registry name.
        block: &'static str,
    },
    /// The name did not resolve (possibly for a while: the resolver may be down).
    #[error("cannot resolve {host}: {reason}")]
    Unresolved {
        /// The name.
        host: String,
        /// What the resolver said.
        reason: String,
    },
}

/// Looks names up: the system's resolver, or a stand-in in tests.
#[async_trait]
pub trait Lookup: Send + Sync {
    /// The addresses of `host`.
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`).
pub struct SystemLookup;

#[async_trait]
impl Lookup for SystemLookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, 0))
            .await?
            .map(|a| a.ip())
            .collect())
    }
}

/// Looks a webhook's host up once and refuses special-purpose addresses. It is the delivery
/// client's DNS resolver, so the addresses it checked are the ones the client connects to;
/// registration checks through it too. With `allow_private` (development and tests) every
/// address is allowed and registration looks nothing up.
#[derive(Clone)]
pub struct Resolver {
    allow_private: bool,
    lookup: Arc<dyn Lookup>,
}

impl Resolver {
    /// A resolver over the system's.
    pub fn new(allow_private: bool) -> Self {
        Self::with_lookup(allow_private, Arc::new(SystemLookup))
    }

    /// A resolver over `lookup`.
    pub fn with_lookup(allow_private: bool, lookup: Arc<dyn Lookup>) -> Self {
        Self {
            allow_private,
            lookup,
        }
    }

    /// Registration's check of `url`: an address literal must be public; a name must not be
    /// local and must resolve, to public addresses only. A name that does not resolve is
    /// refused too: it is a typo or a name only some private network knows, and it can be
    /// registered once it resolves.
    pub async fn admit(&self, url: &Url) -> Result<(), Refused> {
        if let Some(name) = self.precheck(url)? {
            self.addresses(name).await?;
        }
        Ok(())
    }

    /// What can be checked of `url` without a lookup: an address literal, and whether a name
    /// is local. Returns the name that remains to be looked up, if any (none when private
    /// addresses are allowed).
    pub fn precheck<'u>(&self, url: &'u Url) -> Result<Option<&'u str>, Refused> {
        let host = url.host().ok_or(Refused::NoHost)?;
        if self.allow_private {
            return Ok(None);
        }
        let ip = match host {
            Host::Domain(name) if is_local_name(name) => {
                return Err(Refused::LocalName {
                    host: name.to_owned(),
                });
            }
            Host::Domain(name) => return Ok(Some(name)),
            Host::Ipv4(v4) => IpAddr::V4(v4),
            Host::Ipv6(v6) => IpAddr::V6(v6),
        };
        checked(None, ip)?;
        Ok(None)
    }

    /// The addresses of `host`, looked up once; refused if the name is local, if it does not
    /// resolve, or if any of its addresses is special-purpose (unless private ones are
    /// allowed).
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, Refused> {
        let unresolved = |reason: String| Refused::Unresolved {
            host: host.to_owned(),
            reason,
        };
        if !self.allow_private && is_local_name(host) {
            return Err(Refused::LocalName {
                host: host.to_owned(),
            });
        }
        let ips = tokio::time::timeout(LOOKUP_TIMEOUT, self.lookup.lookup(host))
            .await
            .map_err(|_| unresolved(format!("no answer in {}s", LOOKUP_TIMEOUT.as_secs())))?
            .map_err(|e| unresolved(e.to_string()))?;
        if ips.is_empty() {
            return Err(unresolved("no addresses".into()));
        }
        if !self.allow_private {
            for ip in &ips {
                checked(Some(host), *ip)?;
            }
        }
        Ok(ips)
    }
}

/// Refuses `ip` unless it is public; `name` is the name it was found for.
fn checked(name: Option<&str>, ip: IpAddr) -> Result<(), Refused> {
    match special_block(ip) {
        None => Ok(()),
        Some(block) => Err(Refused::NotPublic {
            name: name.map(str::to_owned),
            ip,
            block,
        }),
    }
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.clone();
        Box::pin(async move {
            let ips = resolver.addresses(name.as_str()).await?;
            // Port 0: the client puts the URL's port in.
            let addrs: reqwest::dns::Addrs =
                Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup that answers from a table and fails for any other name.
    struct Table(Vec<(&'static str, Vec<IpAddr>)>);

    #[async_trait]
    impl Lookup for Table {
        async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
            self.0
                .iter()
                .find(|(name, _)| *name == host)
                .map(|(_, ips)| ips.clone())
                .ok_or_else(|| std::io::Error::other("unknown name"))
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_special_purpose_block_is_refused() {
        for special in [
            // IPv4
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.168.1.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.254",
            "255.255.255.255",
            // IPv6
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:0:4136:e378::1",
            "2001:2::1",
            "2001:1ff::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:808:808::1",
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "feff::1",
            "ff02::1",
            "ff0e::1",
            "4000::1",
            "1::1",
        ] {
            assert!(!is_public(ip(special)), "{special} passed as public");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "203.113.131.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "::ffff:8.8.8.8",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2606:4700:4700::1111",
            "2620:4f:8001::1",
            "3ffe::1",
        ] {
            assert!(is_public(ip(public)), "{public} refused");
        }
    }

    #[test]
    fn local_names_are_local() {
        for local in [
            "localhost",
            "localhost.",
            "api.localhost",
            "printer.local",
            "metadata.google.internal",
            "METADATA.GOOGLE.INTERNAL.",
            "nas.home.arpa",
        ] {
            assert!(is_local_name(local), "{local}");
        }
        for name in [
            "ketoan.example.vn",
            "notlocalhost.vn",
            "internal.vn",
            "local",
        ] {
            assert_eq!(is_local_name(name), name == "local", "{name}");
        }
    }

    /// Every spelling of a special-purpose address, as a URL, is refused as that address
    /// without a lookup (the lookup here knows no name at all).
    #[tokio::test]
    async fn every_spelling_of_an_address_is_checked_as_that_address() {
        let r = Resolver::with_lookup(false, Arc::new(Table(Vec::new())));
        for (url, address) in [
            (
                "https://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
            ),
            ("https://[::1]/", "::1"),
            ("https://2130706433/", "127.0.0.1"),
            ("https://0x7f000001/", "127.0.0.1"),
            ("https://0X7F000001/", "127.0.0.1"),
            ("https://017700000001/", "127.0.0.1"),
            ("https://127.1/", "127.0.0.1"),
            ("https://127.0.1/", "127.0.0.1"),
            ("https://0x7f.0.0.1/", "127.0.0.1"),
            ("https://0177.0.0.01/", "127.0.0.1"),
            ("https://0x7f.1/", "127.0.0.1"),
            ("https://127.0.0.1./", "127.0.0.1"),
            ("https://%31%32%37.0.0.1/", "127.0.0.1"),
            ("https://１２７.０.０.１/", "127.0.0.1"),
            ("https://0/", "0.0.0.0"),
            ("https://0xa9fea9fe/", "169.254.169.254"),
            ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            ("https://[::ffff:7f00:1]/", "::ffff:127.0.0.1"),
            (
                "https://[0:0:0:0:0:ffff:a9fe:a9fe]/",
                "::ffff:169.254.169.254",
            ),
            ("https://[::127.0.0.1]/", "::127.0.0.1"),
            ("https://[64:ff9b::127.0.0.1]/", "64:ff9b::7f00:1"),
            ("https://[2002:7f00:1::]/", "2002:7f00:1::"),
            ("https://[fec0::1]/", "fec0::1"),
            ("https://[fe80::1%25eth0]/", "fe80::1"),
            ("https://198.18.0.1/", "198.18.0.1"),
            ("https://240.0.0.1/", "240.0.0.1"),
            ("https://224.0.0.1/", "224.0.0.1"),
            ("https://255.255.255.255/", "255.255.255.255"),
            ("https://192.0.0.1/", "192.0.0.1"),
            ("https://100.64.0.1:8443/", "100.64.0.1"),
        ] {
            // The zone id is not URL syntax: such a URL does not even parse.
            let Ok(parsed) = Url::parse(url) else {
                assert!(url.contains("%25"), "{url} does not parse");
                continue;
            };
            match r.admit(&parsed).await {
                Err(Refused::NotPublic { ip: got, .. }) => assert_eq!(got, ip(address), "{url}"),
                other => panic!("{url}: {other:?}"),
            }
            assert!(
                matches!(r.precheck(&parsed), Err(Refused::NotPublic { .. })),
                "{url}"
            );
        }
        // Spellings that are no address at all do not parse.
        for url in [
            "https://1.2.3.4.5/",
            "https://4294967296/",
            "https://0x100000000/",
            "https://08.0.0.1/",
        ] {
            assert!(Url::parse(url).is_err(), "{url}");
        }
    }

    #[tokio::test]
    async fn public_literals_need_no_lookup() {
        let r = Resolver::with_lookup(false, Arc::new(Table(Vec::new())));
        for url in [
            "https://8.8.8.8/hook",
            "https://1.1.1.1:8443/hook",
            "https://[2001:4860:4860::8888]/hook",
            "https://[::ffff:8.8.8.8]/hook",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert_eq!(r.admit(&parsed).await, Ok(()), "{url}");
            assert_eq!(r.precheck(&parsed), Ok(None), "{url}");
        }
    }

    #[tokio::test]
    async fn a_name_is_admitted_only_if_all_its_addresses_are_public() {
        let r = Resolver::with_lookup(
            false,
            Arc::new(Table(vec![
                (
                    "hooks.example.vn",
                    vec![ip("8.8.8.8"), ip("2001:4860:4860::8888")],
                ),
                ("mixed.example.vn", vec![ip("8.8.8.8"), ip("10.0.0.7")]),
                ("rebind.example.vn", vec![ip("169.254.169.254")]),
                ("nat64.example.vn", vec![ip("64:ff9b::a00:1")]),
                ("localhost", vec![ip("8.8.8.8")]),
                ("empty.example.vn", Vec::new()),
            ])),
        );
        let admit = |u: &str| {
            let u = Url::parse(u).unwrap();
            let r = r.clone();
            async move { r.admit(&u).await }
        };
        assert_eq!(admit("https://hooks.example.vn/h").await, Ok(()));
        for url in [
            "https://mixed.example.vn/h",
            "https://rebind.example.vn/h",
            "https://nat64.example.vn/h",
        ] {
            assert!(
                matches!(admit(url).await, Err(Refused::NotPublic { .. })),
                "{url}"
            );
        }
        // Local names are refused by name, whatever they resolve to.
        for url in [
            "https://localhost/h",
            "https://metadata.google.internal/h",
            "https://x.local./h",
        ] {
            assert!(
                matches!(admit(url).await, Err(Refused::LocalName { .. })),
                "{url}"
            );
        }
        for url in ["https://empty.example.vn/h", "https://unknown.example.vn/h"] {
            assert!(
                matches!(admit(url).await, Err(Refused::Unresolved { .. })),
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn allowing_private_addresses_allows_everything_and_looks_nothing_up() {
        let r = Resolver::with_lookup(
            true,
            Arc::new(Table(vec![("box.local", vec![ip("10.0.0.7")])])),
        );
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/hook",
            "https://localhost/hook",
            "https://nowhere.test/hook",
        ] {
            assert_eq!(r.admit(&Url::parse(url).unwrap()).await, Ok(()), "{url}");
        }
        assert_eq!(r.addresses("box.local").await, Ok(vec![ip("10.0.0.7")]));
    }
}
