//! Public webmail and disposable domains. An address at one of them proves nothing about an
//! organisation, so it never forms or joins a partner.

use std::collections::HashSet;
use std::sync::OnceLock;

static PUBLIC_DOMAINS: &str = include_str!("../../data/public-email-domains.txt");

fn public_domains() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        PUBLIC_DOMAINS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// `domain` must be canonical (lower-case punycode), as [`crate::accounts::email::Email::domain`] gives.
/// Matching is exact: a company's own subdomain of a public provider is not public.
pub fn is_public(domain: &str) -> bool {
    public_domains().contains(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_webmail_and_disposable_domains_are_public() {
        for domain in ["gmail.com", "outlook.com", "proton.me", "yahoo.com", "mailinator.com"] {
            assert!(is_public(domain), "{domain}");
        }
        assert!(public_domains().len() > 5000);
    }

    #[test]
    fn company_domains_and_look_alikes_are_not_public() {
        assert!(!is_public("acme.example"));
        assert!(!is_public("gmail.com.acme.example"));
        assert!(!is_public("GMAIL.COM"), "callers pass canonical lower-case domains");
    }
}
