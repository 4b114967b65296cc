//! The one error a page ever sees. Backend errors are logged in full where they are mapped to this
//! type; what crosses the wire is only what a person can act on, never a database message.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What went wrong with a submitted form: messages by field name, and one for the whole form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormErrors {
    pub fields: BTreeMap<String, String>,
    pub form: Option<String>,
}

impl FormErrors {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::default().with_field(name, message)
    }

    pub fn form(message: impl Into<String>) -> Self {
        Self {
            form: Some(message.into()),
            ..Self::default()
        }
    }

    pub fn with_field(mut self, name: &str, message: impl Into<String>) -> Self {
        self.add_field(name, message);
        self
    }

    /// Records `message` against `name` unless that field already has one: the first problem
    /// found is the one to fix first.
    pub fn add_field(&mut self, name: &str, message: impl Into<String>) {
        self.fields.entry(name.to_owned()).or_insert_with(|| message.into());
    }

    /// Keeps the value of a parse, or records its error against `field`: lets a form report
    /// every wrong field at once instead of stopping at the first.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.fields.entry(field.to_owned()).or_insert_with(|| error.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please correct the highlighted fields.")]
    Invalid(FormErrors),
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("That page or item does not exist.")]
    NotFound,
    #[error("Too many attempts. Try again in {} minute(s).", ((retry_after_seconds + 59) / 60).max(1))]
    RateLimited { retry_after_seconds: i64 },
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request itself could not be read or sent (bad arguments, network trouble).
    #[error("The request could not be completed: {0}")]
    Request(String),
}

impl AppError {
    pub fn invalid_field(name: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FormErrors::field(name, message))
    }

    pub fn invalid_form(message: impl Into<String>) -> Self {
        Self::Invalid(FormErrors::form(message))
    }

    /// The message for one field, if this error names it.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid(errors) => errors.fields.get(name).cloned(),
            _ => None,
        }
    }

    /// Every field's message, for a summary above the form.
    pub fn field_messages(&self) -> Vec<String> {
        match self {
            Self::Invalid(errors) => errors.fields.values().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The message for the whole form: the form-level message of an `Invalid`, or this error's own.
    pub fn form_message(&self) -> Option<String> {
        match self {
            Self::Invalid(errors) if errors.form.is_some() => errors.form.clone(),
            Self::Invalid(errors) if !errors.fields.is_empty() => Some(self.to_string()),
            Self::Invalid(_) => None,
            other => Some(other.to_string()),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 422,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::RateLimited { .. } => 429,
            Self::Internal => 500,
            Self::Request(_) => 400,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::Request(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let errors = FormErrors::field("email", "first")
            .with_field("email", "second")
            .with_field("password", "p");
        assert_eq!(errors.fields["email"], "first");
        assert_eq!(errors.fields.len(), 2);
    }

    #[test]
    fn rate_limit_message_rounds_up_to_whole_minutes() {
        assert_eq!(
            AppError::RateLimited {
                retry_after_seconds: 61
            }
            .to_string(),
            "Too many attempts. Try again in 2 minute(s)."
        );
        assert_eq!(
            AppError::RateLimited { retry_after_seconds: 5 }.to_string(),
            "Too many attempts. Try again in 1 minute(s)."
        );
    }

    #[test]
    fn invalid_forms_point_at_the_fields() {
        let error = AppError::invalid_field("email", "Enter your email address.");
        assert_eq!(
            error.field_message("email").as_deref(),
            Some("Enter your email address.")
        );
        assert_eq!(
            error.form_message().as_deref(),
            Some("Please correct the highlighted fields.")
        );
        assert_eq!(error.status(), 422);
    }
}
