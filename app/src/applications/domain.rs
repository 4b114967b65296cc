//! What an application registration may contain (DESIGN.md § Applications), parsed into types that
//! can only hold valid values.

use crate::error::FormErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    Desktop,
    Web,
    Mobile,
    Service,
}

impl AppType {
    pub const ALL: [AppType; 4] = [AppType::Web, AppType::Mobile, AppType::Desktop, AppType::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Web => "web",
            Self::Mobile => "mobile",
            Self::Service => "service",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == input)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    AuthorizationCode,
    ClientCredentials,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Self::AuthorizationCode, Self::ClientCredentials]
            .into_iter()
            .find(|m| m.as_str() == input)
    }
}

/// A redirect URL: https, or http only for the local machine; no fragment, no user name.
pub fn parse_redirect_url(input: &str) -> Result<String, String> {
    let url = url::Url::parse(input.trim()).map_err(|_| format!("{input} is not a complete URL."))?;
    let local = matches!(url.host_str(), Some("localhost") | Some("127.0.0.1") | Some("[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => return Err(format!("{input} must use https (http is allowed only for localhost).")),
        _ => return Err(format!("{input} must be an https address.")),
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() || url.host_str().is_none() {
        return Err(format!("{input} may not contain a #fragment or a user name."));
    }
    if input.len() > 2000 {
        return Err("A redirect URL is at most 2000 characters.".into());
    }
    Ok(url.to_string())
}

/// An optional site or download address, http or https.
pub fn parse_site_url(input: &str) -> Result<Option<String>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let url = url::Url::parse(input).map_err(|_| "Enter a full address such as https://acme.com/app.".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || input.len() > 2000 {
        return Err("Enter a full address such as https://acme.com/app.".into());
    }
    Ok(Some(url.to_string()))
}

/// The parts of an application its owners may change after registering: what it is called and
/// where it lives. Type and authentication are fixed; products and environments have their own
/// rules (credentials are issued and revoked with them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub name: String,
    pub description: String,
    pub site_url: Option<String>,
    pub redirect_urls: Vec<String>,
}

/// The raw details, as typed.
#[derive(Debug, Clone, Default)]
pub struct DetailsForm {
    pub name: String,
    pub description: String,
    pub site_url: String,
    /// One URL per line.
    pub redirect_urls: String,
}

impl DetailsForm {
    /// Checks the details of an application that authenticates with `auth_method` (unknown while
    /// a registration form has none chosen), adding every broken rule to `errors`.
    fn check(self, auth_method: Option<AuthMethod>, errors: &mut FormErrors) -> Details {
        let name = self.name.trim().to_owned();
        let name_chars = name.chars().count();
        if !(3..=80).contains(&name_chars) || name.chars().any(char::is_control) {
            errors.add_field("name", "Use 3 to 80 characters for the application name.");
        }
        let description = self.description.trim().to_owned();
        if description.chars().count() > 2000 {
            errors.add_field("description", "Use at most 2000 characters.");
        }
        let site_url = errors.check("site_url", parse_site_url(&self.site_url)).flatten();
        let mut redirect_urls = Vec::new();
        for line in self.redirect_urls.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match parse_redirect_url(line) {
                Ok(url) if !redirect_urls.contains(&url) => redirect_urls.push(url),
                Ok(_) => {}
                Err(message) => {
                    errors.add_field("redirect_urls", message);
                    break;
                }
            }
        }
        if redirect_urls.len() > 20 {
            errors.add_field("redirect_urls", "Use at most 20 redirect URLs.");
        }
        if auth_method == Some(AuthMethod::AuthorizationCode) && redirect_urls.is_empty() {
            errors.add_field(
                "redirect_urls",
                "Authorization code needs at least one redirect URL, one per line.",
            );
        }
        Details {
            name,
            description,
            site_url,
            redirect_urls,
        }
    }

    /// The details of an existing application that authenticates with `auth_method`.
    pub fn parse(self, auth_method: AuthMethod) -> Result<Details, FormErrors> {
        let mut errors = FormErrors::default();
        let details = self.check(Some(auth_method), &mut errors);
        if errors.is_empty() { Ok(details) } else { Err(errors) }
    }
}

/// A registration that satisfies every rule.
#[derive(Debug, Clone)]
pub struct Registration {
    pub details: Details,
    pub app_type: AppType,
    pub auth_method: AuthMethod,
    pub product_ids: Vec<i64>,
    pub environment_ids: Vec<i64>,
}

/// The raw form.
#[derive(Debug, Clone, Default)]
pub struct RegistrationForm {
    pub details: DetailsForm,
    pub app_type: String,
    pub auth_method: String,
    pub product_ids: Vec<i64>,
    pub environment_ids: Vec<i64>,
}

impl RegistrationForm {
    /// Checks every rule and reports every broken one against its field. Product and environment
    /// ids are checked against the catalogue by the caller.
    pub fn parse(self) -> Result<Registration, FormErrors> {
        let mut errors = FormErrors::default();
        let app_type = AppType::parse(&self.app_type);
        if app_type.is_none() {
            errors.add_field("app_type", "Choose the type of application.");
        }
        let auth_method = AuthMethod::parse(&self.auth_method);
        if auth_method.is_none() {
            errors.add_field("auth_method", "Choose how the application authenticates.");
        }
        if auth_method == Some(AuthMethod::ClientCredentials) && app_type.is_some_and(|t| t != AppType::Service) {
            errors.add_field(
                "auth_method",
                "Client credentials are for service applications only; choose authorization code, or make this a service application.",
            );
        }
        let details = self.details.check(auth_method, &mut errors);
        let mut product_ids = self.product_ids;
        product_ids.sort_unstable();
        product_ids.dedup();
        if product_ids.is_empty() {
            errors.add_field("products", "Choose at least one API product.");
        }
        let mut environment_ids = self.environment_ids;
        environment_ids.sort_unstable();
        environment_ids.dedup();
        if environment_ids.is_empty() {
            errors.add_field("environments", "Choose at least one environment.");
        }
        match (app_type, auth_method) {
            (Some(app_type), Some(auth_method)) if errors.is_empty() => Ok(Registration {
                details,
                app_type,
                auth_method,
                product_ids,
                environment_ids,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> DetailsForm {
        DetailsForm {
            name: "Payments Hub".into(),
            description: "Moves money".into(),
            site_url: "https://acme.example/app".into(),
            redirect_urls: "https://acme.example/callback\n\nhttp://localhost:8080/cb\n".into(),
        }
    }

    fn form() -> RegistrationForm {
        RegistrationForm {
            details: details(),
            app_type: "web".into(),
            auth_method: "authorization_code".into(),
            product_ids: vec![2, 1, 2],
            environment_ids: vec![1],
        }
    }

    #[test]
    fn a_complete_form_parses() {
        let registration = form().parse().unwrap();
        assert_eq!(
            registration.details.redirect_urls,
            ["https://acme.example/callback", "http://localhost:8080/cb"]
        );
        assert_eq!(registration.product_ids, [1, 2]);
    }

    #[test]
    fn redirect_urls_must_be_https_except_for_localhost() {
        assert!(parse_redirect_url("http://acme.example/cb").is_err());
        assert!(parse_redirect_url("http://127.0.0.1:3000/cb").is_ok());
        assert!(parse_redirect_url("https://acme.example/cb#x").is_err());
        assert!(parse_redirect_url("https://user@acme.example/cb").is_err());
        assert!(parse_redirect_url("javascript:alert(1)").is_err());
        assert!(parse_redirect_url("acme.example/cb").is_err());
    }

    #[test]
    fn authorization_code_needs_a_redirect_url() {
        let without_urls = || DetailsForm {
            redirect_urls: String::new(),
            ..details()
        };
        let errors = RegistrationForm {
            details: without_urls(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert!(errors.fields.contains_key("redirect_urls"));
        // The same rule holds when an owner edits the application later.
        let errors = without_urls().parse(AuthMethod::AuthorizationCode).unwrap_err();
        assert!(errors.fields.contains_key("redirect_urls"));
        let details = without_urls().parse(AuthMethod::ClientCredentials).unwrap();
        assert!(details.redirect_urls.is_empty());
    }

    #[test]
    fn edited_details_are_trimmed_and_every_broken_one_is_reported() {
        let details = DetailsForm {
            name: "  Payments Hub 2  ".into(),
            site_url: String::new(),
            ..details()
        }
        .parse(AuthMethod::AuthorizationCode)
        .unwrap();
        assert_eq!(details.name, "Payments Hub 2");
        assert_eq!(details.site_url, None);
        let errors = DetailsForm {
            name: "x".into(),
            description: "d".repeat(2001),
            site_url: "ftp://acme.example".into(),
            redirect_urls: "http://acme.example/cb".into(),
        }
        .parse(AuthMethod::AuthorizationCode)
        .unwrap_err();
        for field in ["name", "description", "site_url", "redirect_urls"] {
            assert!(errors.fields.contains_key(field), "{field}");
        }
    }

    #[test]
    fn client_credentials_are_for_service_applications_only() {
        let errors = RegistrationForm {
            auth_method: "client_credentials".into(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert!(errors.fields["auth_method"].contains("service applications only"));
        let service = RegistrationForm {
            app_type: "service".into(),
            auth_method: "client_credentials".into(),
            details: DetailsForm {
                redirect_urls: String::new(),
                ..details()
            },
            ..form()
        };
        assert!(service.parse().is_ok());
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let errors = RegistrationForm {
            details: DetailsForm {
                name: "x".into(),
                ..details()
            },
            app_type: "toaster".into(),
            product_ids: vec![],
            environment_ids: vec![],
            ..form()
        }
        .parse()
        .unwrap_err();
        for field in ["name", "app_type", "products", "environments"] {
            assert!(errors.fields.contains_key(field), "{field}");
        }
    }
}
