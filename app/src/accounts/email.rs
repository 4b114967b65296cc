//! An email address as Portico compares it: the domain lower-cased and in punycode, the local part
//! kept as typed but compared without regard to case.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter your email address.")]
    Empty,
    #[error("An email address is at most 254 characters long.")]
    TooLong,
    #[error("Enter an email address like name@company.com.")]
    Malformed,
    #[error("The part after @ is not a valid domain name.")]
    BadDomain,
}

/// A syntactically valid email address in Portico's canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    local: String,
    domain: String,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = input.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_is_valid = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_is_valid {
            return Err(EmailError::Malformed);
        }
        let domain = canonical_domain(domain)?;
        Ok(Self {
            local: local.to_owned(),
            domain,
        })
    }

    /// The address as shown and as mail is sent to: local part as typed, canonical domain.
    pub fn as_address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }

    /// The form two addresses are compared in; unique in the database.
    pub fn canonical(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain)
    }

    /// The domain in lower-case punycode, e.g. `xn--bcher-kva.example`.
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Lower-cases a domain and converts it to punycode (UTS #46), refusing anything that is not a
/// dotted name of valid labels.
pub fn canonical_domain(input: &str) -> Result<String, EmailError> {
    let ascii = idna::domain_to_ascii_strict(input).map_err(|_| EmailError::BadDomain)?;
    let labels_are_valid = ascii.len() <= 253
        && ascii.split('.').count() >= 2
        && ascii.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !labels_are_valid {
        return Err(EmailError::BadDomain);
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_is_lower_cased_and_local_part_kept_as_typed() {
        let email = Email::parse("  Ada.Lovelace@ACME.Example ").unwrap();
        assert_eq!(email.as_address(), "Ada.Lovelace@acme.example");
        assert_eq!(email.canonical(), "ada.lovelace@acme.example");
        assert_eq!(email.domain(), "acme.example");
    }

    #[test]
    fn addresses_differing_only_in_case_share_a_canonical_form() {
        let a = Email::parse("Ada@Acme.com").unwrap();
        let b = Email::parse("ada@acme.COM").unwrap();
        assert_eq!(a.canonical(), b.canonical());
        assert_ne!(a.as_address(), b.as_address());
    }

    #[test]
    fn international_domains_are_stored_in_punycode() {
        let email = Email::parse("jo@Bücher.Example").unwrap();
        assert_eq!(email.domain(), "xn--bcher-kva.example");
    }

    #[test]
    fn a_cyrillic_look_alike_is_another_domain() {
        // "асme.com" with a Cyrillic "а" and "с".
        let look_alike = Email::parse("jo@\u{0430}\u{0441}me.com").unwrap();
        assert_ne!(look_alike.domain(), "acme.com");
        assert!(look_alike.domain().starts_with("xn--"));
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("no-at-sign"), Err(EmailError::Malformed));
        assert_eq!(Email::parse("@acme.com"), Err(EmailError::Malformed));
        assert_eq!(Email::parse("a..b@acme.com"), Err(EmailError::Malformed));
        assert_eq!(Email::parse("a b@acme.com"), Err(EmailError::Malformed));
        assert_eq!(Email::parse("jo@localhost"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("jo@-acme.com"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("jo@acme..com"), Err(EmailError::BadDomain));
        assert_eq!(
            Email::parse(&format!("{}@acme.com", "a".repeat(250))),
            Err(EmailError::TooLong)
        );
    }
}
