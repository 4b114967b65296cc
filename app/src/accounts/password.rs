//! The password policy: 12 to 128 characters, never trimmed or truncated, and not one of the common
//! passwords shipped with Portico. The length rule is checked in the browser too; the list only on
//! the server, which keeps it out of the wasm bundle.

use std::fmt;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 12 characters.")]
    TooShort,
    #[error("Use at most 128 characters.")]
    TooLong,
    #[error("This password is too common. Choose one that others are unlikely to use.")]
    Common,
}

/// A password that meets the policy. It cannot be printed, serialised or logged.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks the length rule only; `parse_new` on the server adds the common-password list.
    pub fn parse_length(input: &str) -> Result<Self, PasswordError> {
        // Characters, not bytes: a passphrase in any script gets the same allowance.
        let chars = input.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(feature = "ssr")]
mod common {
    use super::{Password, PasswordError};
    use std::collections::HashSet;
    use std::sync::OnceLock;

    static COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

    fn common_passwords() -> &'static HashSet<&'static str> {
        static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
        SET.get_or_init(|| {
            COMMON_PASSWORDS
                .lines()
                .filter(|line| !line.starts_with('#') && !line.is_empty())
                .collect()
        })
    }

    impl Password {
        /// The full policy, for a password being set.
        pub fn parse_new(input: &str) -> Result<Self, PasswordError> {
            let password = Self::parse_length(input)?;
            if common_passwords().contains(input.to_lowercase().as_str()) {
                return Err(PasswordError::Common);
            }
            Ok(password)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_bounds_are_inclusive() {
        assert_eq!(
            Password::parse_length("a".repeat(11).as_str()).unwrap_err(),
            PasswordError::TooShort
        );
        assert!(Password::parse_length("a".repeat(12).as_str()).is_ok());
        assert!(Password::parse_length("ü".repeat(12).as_str()).is_ok());
        assert!(Password::parse_length("a".repeat(128).as_str()).is_ok());
        assert_eq!(
            Password::parse_length("a".repeat(129).as_str()).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn passwords_are_never_trimmed() {
        let password = Password::parse_length("  spaced out phrase  ").unwrap();
        assert_eq!(password.expose(), "  spaced out phrase  ");
        // Eleven characters plus surrounding spaces is twelve or more, and counts as such.
        assert!(Password::parse_length(" abcdefghij ").is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let password = Password::parse_length("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(
            Password::parse_new("passwordpassword").unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(
            Password::parse_new("PasswordPassword").unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(Password::parse_new("123456789012").unwrap_err(), PasswordError::Common);
        assert!(Password::parse_new("violet-otter-carries-17-maps").is_ok());
    }
}
