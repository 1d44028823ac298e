//! Fetching a URL that a user gave, without letting it reach into this machine's
//! network (SSRF).
//!
//! Owns [`FetchPolicy`] and [`fetch`]: https only (plain http only when the policy
//! allows it), every address the host resolves to must be public (no loopback,
//! private, link-local, shared, multicast, documentation or unspecified ranges, in
//! IPv4 or any IPv6 form that embeds them) unless the policy allows private
//! addresses (tests do), the connection is pinned to the addresses that were
//! checked (a second DNS answer cannot rebind it), proxies are bypassed (a proxy
//! would resolve the name again), redirects are not followed, and the body is
//! capped in size and time.
//!
//! Used where the server itself must hold the bytes of a user's URL: `upload_image`
//! with a URL on a provider whose upload endpoint takes bytes only.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use futures_util::StreamExt;

/// What a fetch may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Accept `http://` too (tests only; real media are https).
    pub allow_http: bool,
    /// Accept loopback and private addresses (tests only).
    pub allow_private: bool,
    /// Most bytes read.
    pub max_bytes: u64,
    /// Whole fetch, DNS included.
    pub timeout: Duration,
}

impl FetchPolicy {
    /// For user images: public https only, `max_bytes`, 30 s.
    pub const fn public_https(max_bytes: u64) -> Self {
        Self {
            allow_http: false,
            allow_private: false,
            max_bytes,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a URL was not fetched. Messages name the URL's host, never its query.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not a URL, or no host.
    #[error("it is not a usable URL ({0}); pass a full https:// URL")]
    BadUrl(String),
    /// Not https.
    #[error("only https:// URLs are fetched, not {0}://; pass the https address of the file")]
    Scheme(String),
    /// `user:password@` in the URL.
    #[error("it carries a user name or password; pass a URL without credentials")]
    Credentials,
    /// The host is, or resolves to, an address inside a private network.
    #[error(
        "{host} is (or resolves to) {address}, a loopback, private or otherwise non-public address, \
         which this server never fetches; pass a public https URL"
    )]
    NotPublic {
        /// The host as written.
        host: String,
        /// The offending address.
        address: IpAddr,
    },
    /// DNS gave no usable answer.
    #[error("{host} could not be resolved ({why}); check the URL")]
    Resolve {
        /// The host.
        host: String,
        /// What the resolver said.
        why: String,
    },
    /// A 3xx answer.
    #[error(
        "{host} answered with a redirect (HTTP {status}), which is not followed; pass the final URL"
    )]
    Redirect {
        /// The host.
        host: String,
        /// The status.
        status: u16,
    },
    /// A non-2xx answer.
    #[error("{host} answered HTTP {status}; check that the URL is public and still valid")]
    Status {
        /// The host.
        host: String,
        /// The status.
        status: u16,
    },
    /// Longer than the policy allows.
    #[error("the file at {host} is larger than {limit} bytes; use a smaller file")]
    TooLarge {
        /// The host.
        host: String,
        /// The cap.
        limit: u64,
    },
    /// Slower than the policy allows.
    #[error("fetching from {host} took longer than {secs} s; try again or use a faster host")]
    TimedOut {
        /// The host.
        host: String,
        /// The cap.
        secs: u64,
    },
    /// The connection failed.
    #[error("fetching from {host} failed ({why})")]
    Transport {
        /// The host.
        host: String,
        /// What happened.
        why: String,
    },
}

/// Fetches `url` under `policy` and returns its bytes.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Vec<u8>, FetchError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| FetchError::BadUrl(e.to_string()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        other => return Err(FetchError::Scheme(other.to_owned())),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| FetchError::BadUrl("it has no host".to_owned()))?
        .to_owned();
    let secs = policy.timeout.as_secs();
    let work = fetch_checked(parsed, host.clone(), policy);
    tokio::time::timeout(policy.timeout, work)
        .await
        .map_err(|_| FetchError::TimedOut { host, secs })?
}

async fn fetch_checked(
    url: reqwest::Url,
    host: String,
    policy: &FetchPolicy,
) -> Result<Vec<u8>, FetchError> {
    let port = url.port_or_known_default().unwrap_or(443);
    // An IP literal is checked as written (IPv6 ones come bracketed); a name is resolved.
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    let addresses: Vec<SocketAddr> = match literal {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| FetchError::Resolve {
                host: host.clone(),
                why: e.to_string(),
            })?
            .collect(),
    };
    check_addresses(&host, &addresses, policy.allow_private)?;
    let transport = |e: reqwest::Error| FetchError::Transport {
        host: host.clone(),
        why: if e.is_connect() {
            "could not connect".to_owned()
        } else {
            "the connection broke".to_owned()
        },
    };
    // Pinned to the checked addresses and without proxies, so nothing resolves the
    // name a second time.
    let client = super::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(policy.timeout)
        .resolve_to_addrs(&host, &addresses)
        .build()
        .map_err(transport)?;
    let response = client.get(url).send().await.map_err(transport)?;
    let status = response.status();
    if status.is_redirection() {
        return Err(FetchError::Redirect {
            host,
            status: status.as_u16(),
        });
    }
    if !status.is_success() {
        return Err(FetchError::Status {
            host,
            status: status.as_u16(),
        });
    }
    let too_large = || FetchError::TooLarge {
        host: host.clone(),
        limit: policy.max_bytes,
    };
    if response
        .content_length()
        .is_some_and(|n| n > policy.max_bytes)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(transport)?;
        if (body.len() + chunk.len()) as u64 > policy.max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Refuses an answer holding any non-public address (one is enough to reach a
/// private service), or none at all.
pub fn check_addresses(
    host: &str,
    addresses: &[SocketAddr],
    allow_private: bool,
) -> Result<(), FetchError> {
    if addresses.is_empty() {
        return Err(FetchError::Resolve {
            host: host.to_owned(),
            why: "no addresses".to_owned(),
        });
    }
    match addresses.iter().find(|a| !is_public(a.ip())) {
        Some(bad) if !allow_private => Err(FetchError::NotPublic {
            host: host.to_owned(),
            address: bad.ip(),
        }),
        _ => Ok(()),
    }
}

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0                          // "this network"
        || a == 10                                  // private
        || a == 127                                 // loopback
        || (a == 100 && (64..128).contains(&b))     // shared (CGNAT)
        || (a == 169 && b == 254)                   // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))      // private
        || (a == 192 && b == 0 && c == 0)           // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)           // documentation
        || (a == 192 && b == 168)                   // private
        || (a == 198 && (b == 18 || b == 19))       // benchmarking
        || (a == 198 && b == 51 && c == 100)        // documentation
        || (a == 203 && b == 0 && c == 113)         // documentation
        || a >= 224; // multicast, reserved, broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Forms that carry an IPv4 address are judged by that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x0064 && s[1] == 0xff9b {
        return is_public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2])); // 6to4
    }
    if s[..6].iter().all(|&x| x == 0) {
        return false; // ::, ::1 and the old IPv4-compatible ::a.b.c.d
    }
    let reserved = (s[0] & 0xfe00) == 0xfc00       // unique local
        || (s[0] & 0xffc0) == 0xfe80               // link-local
        || (s[0] & 0xffc0) == 0xfec0               // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00               // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8)      // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]); // discard-only
    !reserved
}

#[cfg(test)]
mod tests;
