//! Profile fields: a person's name, job title and phone number, each parsed into a type that can
//! only hold an acceptable value.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("Enter your full name.")]
    NameMissing,
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("Remove control characters such as line breaks.")]
    ControlCharacters,
    #[error("Enter a phone number using digits, spaces and + ( ) - only, e.g. +44 20 7946 0000.")]
    PhoneMalformed,
    #[error("Enter a web address like https://acme.com.")]
    WebsiteMalformed,
}

fn clean(input: &str, max_chars: usize) -> Result<String, ProfileError> {
    let trimmed = input.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(ProfileError::ControlCharacters);
    }
    if trimmed.chars().count() > max_chars {
        return Err(ProfileError::TooLong(max_chars));
    }
    Ok(trimmed.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(input: &str) -> Result<Self, ProfileError> {
        let name = clean(input, 200)?;
        if name.is_empty() {
            return Err(ProfileError::NameMissing);
        }
        Ok(Self(name))
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An optional free-text field such as a job title: empty means "not given".
pub fn optional_text(input: &str, max_chars: usize) -> Result<Option<String>, ProfileError> {
    let value = clean(input, max_chars)?;
    Ok((!value.is_empty()).then_some(value))
}

/// An optional phone number: digits with the usual punctuation, 5 to 20 digits.
pub fn optional_phone(input: &str) -> Result<Option<String>, ProfileError> {
    let Some(phone) = optional_text(input, 40)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +()-.".contains(c));
    let plus_only_first = phone.rfind('+').is_none_or(|at| at == 0);
    if !allowed || !plus_only_first || !(5..=20).contains(&digits) {
        return Err(ProfileError::PhoneMalformed);
    }
    Ok(Some(phone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(FullName::parse("  Ada Lovelace ").unwrap().into_inner(), "Ada Lovelace");
        assert_eq!(FullName::parse("   "), Err(ProfileError::NameMissing));
        assert_eq!(FullName::parse("Ada\nLovelace"), Err(ProfileError::ControlCharacters));
        assert_eq!(FullName::parse(&"x".repeat(201)), Err(ProfileError::TooLong(200)));
    }

    #[test]
    fn phone_numbers_allow_common_punctuation_only() {
        assert_eq!(optional_phone("").unwrap(), None);
        assert_eq!(
            optional_phone(" +44 (20) 7946-0000 ").unwrap().as_deref(),
            Some("+44 (20) 7946-0000")
        );
        assert_eq!(optional_phone("call me"), Err(ProfileError::PhoneMalformed));
        assert_eq!(optional_phone("12-34"), Err(ProfileError::PhoneMalformed));
        assert_eq!(optional_phone("44+207946000"), Err(ProfileError::PhoneMalformed));
    }

    #[test]
    fn optional_text_is_none_when_blank() {
        assert_eq!(optional_text("  ", 10).unwrap(), None);
        assert_eq!(optional_text(" CTO ", 10).unwrap().as_deref(), Some("CTO"));
    }
}
