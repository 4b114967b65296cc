//! Links that carry a page's address: sending a signed-out visitor to sign in, and back to the
//! page they wanted afterwards.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// `value` made safe for a URL's query: letters, digits and `-._~/` stay, everything else is
/// percent-encoded (UTF-8 bytes).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// For a page that needs a signed-in user: sends the visitor to sign in, with this page as the
/// place to come back to. The sign-in server function checks that it is a path of this site.
#[component]
pub fn SignInRedirect() -> impl IntoView {
    let location = use_location();
    let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
    let here = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    view! { <Redirect path=format!("/signin?next={}", encode_query_value(&here))/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_keep_paths_readable_and_encode_the_rest() {
        assert_eq!(encode_query_value("/apis/app_X1"), "/apis/app_X1");
        assert_eq!(
            encode_query_value("/keys?application=app_1&environment=uat"),
            "/keys%3Fapplication%3Dapp_1%26environment%3Duat"
        );
        assert_eq!(encode_query_value("bücher.example"), "b%C3%BCcher.example");
    }
}
