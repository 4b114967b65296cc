//! Which address a request comes from, for rate limits and the audit log.
//!
//! Behind a reverse proxy every connection comes from the proxy, so one person hammering sign-in
//! would use up everyone's per-client budget. The proxy says who it is forwarding in
//! `X-Forwarded-For`, but anyone can write that header, so Portico believes it only from the
//! proxies an operator lists in `PORTICO_TRUSTED_PROXIES`, and only the entries those proxies
//! added: it reads the list from the right, past trusted hops, and stops at the first address
//! that is not one of them.

use std::net::IpAddr;

/// An address or network of proxies whose `X-Forwarded-For` Portico believes: `10.0.0.5`,
/// `10.0.0.0/8` or `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyNetwork {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/8)")]
pub struct ProxyNetworkError(String);

impl ProxyNetwork {
    pub fn parse(input: &str) -> Result<Self, ProxyNetworkError> {
        let invalid = || ProxyNetworkError(input.to_owned());
        let (address, prefix) = match input.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (input.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| invalid())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix.parse::<u8>().ok().filter(|p| *p <= bits).ok_or_else(invalid)?,
        };
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let leading = |bits: u32| -> u128 {
            if self.prefix == 0 {
                0
            } else {
                u128::MAX << (bits - u32::from(self.prefix))
            }
        };
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = leading(32) as u32;
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = leading(128);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// The address a request comes from, as [`client_address`] found it; a request extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client behind `peer`: `peer` itself, unless it is a trusted proxy; then the rightmost
/// address in `forwarded_for` (the `X-Forwarded-For` values in order) that is not a trusted proxy,
/// or the last trusted hop when an entry is not an address.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[ProxyNetwork],
) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|proxy| proxy.contains(address));
    let mut client = peer.to_canonical();
    let hops = forwarded_for.flat_map(|value| value.split(',')).rev();
    for hop in hops {
        if !is_trusted(client) {
            break;
        }
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = address.to_canonical();
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(address: &str) -> IpAddr {
        address.parse().unwrap()
    }

    #[test]
    fn networks_parse_as_addresses_or_prefixes() {
        let network = ProxyNetwork::parse("10.0.0.0/8").unwrap();
        assert!(network.contains(ip("10.200.3.4")));
        assert!(!network.contains(ip("11.0.0.1")));
        let single = ProxyNetwork::parse(" 192.0.2.7 ").unwrap();
        assert!(single.contains(ip("192.0.2.7")) && !single.contains(ip("192.0.2.8")));
        let v6 = ProxyNetwork::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(ProxyNetwork::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        // An IPv4 client seen through an IPv6 socket is still that IPv4 client.
        assert!(network.contains(ip("::ffff:10.1.2.3")));
        for bad in ["", "10.0.0.0/33", "10.0.0/8", "proxy.internal", "10.0.0.0/-1", "::/129"] {
            assert!(ProxyNetwork::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = [ProxyNetwork::parse("10.0.0.0/8").unwrap()];
        let client = |peer: &str, header: &[&str]| client_address(ip(peer), header.iter().copied(), &trusted);
        // Anyone else's header is ignored.
        assert_eq!(client("203.0.113.9", &["198.51.100.1"]), ip("203.0.113.9"));
        // Through a trusted proxy: the address it saw.
        assert_eq!(client("10.0.0.2", &["198.51.100.1"]), ip("198.51.100.1"));
        // A client that writes its own entry cannot hide behind it: the proxy appends the real one.
        assert_eq!(client("10.0.0.2", &["192.0.2.66, 198.51.100.1"]), ip("198.51.100.1"));
        // Two trusted hops, in one header or two.
        assert_eq!(client("10.0.0.2", &["198.51.100.1, 10.0.0.3"]), ip("198.51.100.1"));
        assert_eq!(client("10.0.0.2", &["198.51.100.1", "10.0.0.3"]), ip("198.51.100.1"));
        // No header, or garbage where an address should be: the last trusted hop.
        assert_eq!(client("10.0.0.2", &[]), ip("10.0.0.2"));
        assert_eq!(client("10.0.0.2", &["198.51.100.1, not-an-address"]), ip("10.0.0.2"));
        // Nothing trusted: always the peer.
        assert_eq!(
            client_address(ip("10.0.0.2"), ["198.51.100.1"].into_iter(), &[]),
            ip("10.0.0.2")
        );
    }
}
