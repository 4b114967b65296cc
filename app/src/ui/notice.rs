//! Status messages: what a page says after a change went through, or when it could not load.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message for a change that went through, shown while the address carries its flag
/// (`?saved=1`): server functions redirect there (see `backend::navigation`), which a form posted
/// without JavaScript follows, and the router follows for one posted with it. The paragraph stays
/// in the page while hidden, so screen readers announce it when it appears. When the button that
/// was pressed went away with the part of the page that was read again, the focus would fall to
/// the page itself; the message takes it instead, so the next Tab starts from there.
#[component]
pub fn Notice(flag: &'static str, children: Children) -> impl IntoView {
    let query = use_query_map();
    let shown = move || query.read().get(flag).is_some();
    let paragraph = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| {
        if shown() {
            take_focus_if_lost(paragraph);
        }
    });
    view! {
        <p class="notice" role="status" tabindex="-1" node_ref=paragraph class:hidden=move || !shown()>{children()}</p>
    }
}

/// How long after a notice appears it watches for the focus to be lost: the part of the page with
/// the pressed button is rebuilt only once its data has been read again, a round trip later.
const FOCUS_WATCH: std::time::Duration = std::time::Duration::from_secs(3);
const FOCUS_WATCH_STEP: std::time::Duration = std::time::Duration::from_millis(50);

/// Moves the focus to `paragraph` if, at any point in the next [`FOCUS_WATCH`], nothing on the
/// page has it; once moved, or once the notice is gone, the watch ends.
fn take_focus_if_lost(paragraph: NodeRef<leptos::html::P>) {
    let done = StoredValue::new(false);
    let steps = (FOCUS_WATCH.as_millis() / FOCUS_WATCH_STEP.as_millis()) as u32;
    for step in 0..=steps {
        set_timeout(
            move || {
                if done.try_get_value().unwrap_or(true) {
                    return;
                }
                let Some(paragraph) = paragraph.get_untracked() else {
                    done.try_set_value(true);
                    return;
                };
                if focus_was_lost() {
                    let _ = paragraph.focus();
                    done.try_set_value(true);
                }
            },
            FOCUS_WATCH_STEP * step,
        );
    }
}

/// Whether nothing in the page has the focus, e.g. because the focused button was removed.
fn focus_was_lost() -> bool {
    let document = document();
    match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => active == *body.as_ref(),
        (Some(_), None) => false,
    }
}

/// Whether the address carries `flag`, for a page that words something differently after it.
pub fn has_flag(flag: &'static str) -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(flag).is_some())
}

/// What a page or a part of one shows when its data could not be read. A page whose heading is
/// part of what failed passes it, so that the page still has one.
#[component]
pub fn LoadFailed(error: AppError, #[prop(optional)] heading: Option<&'static str>) -> impl IntoView {
    view! {
        {heading.map(|heading| view! { <h1>{heading}</h1> })}
        <p class="form-alert" role="alert">{error.to_string()}</p>
    }
}
