use crate::accounts::api::{SignOut, current_user};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// The frame of every page: product name, navigation for who is signed in, and the page itself.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let location = use_location();
    // Re-read on every navigation, so sign-in and sign-out show at once in the header.
    let viewer = Resource::new(move || location.pathname.get(), |_| current_user());
    let sign_out = ServerAction::<SignOut>::new();
    // After a navigation in the page (not the first load) the focus goes to the new page's
    // content, as a full page load would put it at the start; otherwise it stays on the link that
    // was followed, in a header that did not change.
    let main = NodeRef::<leptos::html::Main>::new();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path)
            && let Some(main) = main.get_untracked()
        {
            let _ = main.focus();
        }
        path
    });
    view! {
        // `rel="external"` leaves the link to the browser, which moves the focus to the target; the
        // router would only scroll there and leave the next Tab in the header.
        <a class="skip-link" href="#main" rel="external">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">"Portico"</a>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || viewer.get().map(|viewer| match viewer.ok().flatten() {
                        Some(viewer) => view! {
                            <ul class="nav-links">
                                <li><A href="/profile">"Profile"</A></li>
                                <li><A href="/apis">"My APIs"</A></li>
                                <li><A href="/keys">"API Keys"</A></li>
                                <li><A href="/company">"Company"</A></li>
                                <li><A href="/docs">"Docs"</A></li>
                                {viewer.is_operator.then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
                                <li class="viewer">
                                    <span class="viewer-name">{viewer.full_name.clone()}</span>
                                    {viewer.is_operator.then(|| view! { <span class="badge" title="Portal operator">"Operator"</span> })}
                                </li>
                                <li>
                                    <ActionForm action=sign_out attr:class="inline-form">
                                        <button type="submit" class="link-button">"Sign out"</button>
                                    </ActionForm>
                                </li>
                            </ul>
                        }.into_any(),
                        None => view! {
                            <ul class="nav-links">
                                <li><A href="/docs">"Docs"</A></li>
                                <li><A href="/signin">"Sign in"</A></li>
                                <li><A href="/signup">"Sign up"</A></li>
                            </ul>
                        }.into_any(),
                    })}
                </Transition>
            </nav>
        </header>
        <main id="main" class="page" tabindex="-1" node_ref=main>{children()}</main>
        <footer class="site-footer">
            <a href="/terms">"Terms and conditions"</a>
        </footer>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. "<a href="/">"Go to the start page"</a>"."</p>
    }
}
