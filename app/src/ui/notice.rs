//! Status messages: what a page says after a change went through.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message for a change that went through, shown while the address carries its flag
/// (`?saved=1`): server functions redirect there (see `backend::navigation`), which a form posted
/// without JavaScript follows, and the router follows for one posted with it. The paragraph stays
/// in the page while hidden, so screen readers announce it when it appears.
#[component]
pub fn Notice(flag: &'static str, children: Children) -> impl IntoView {
    let query = use_query_map();
    view! {
        <p class="notice" role="status" class:hidden=move || query.read().get(flag).is_none()>{children()}</p>
    }
}

/// Whether the address carries `flag`, for a page that words something differently after it.
pub fn has_flag(flag: &'static str) -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(flag).is_some())
}
