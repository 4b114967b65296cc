//! Portico's application: pages, routes and server functions, compiled twice, once for the server
//! (`ssr`) and once for the browser (`hydrate`). Server-only code lives under [`backend`] and in the
//! `ssr`-gated parts of each feature.

#![recursion_limit = "256"]

pub mod accounts;
pub mod admin;
pub mod applications;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod credentials;
pub mod docs;
pub mod error;
pub mod partners;
pub mod ui;

use accounts::pages::*;
use admin::pages::{AdminPage, AdminPartnerPage};
use applications::pages::{ApplicationPage, MyApisPage, RegisterApplicationPage};
use credentials::pages::ApiKeysPage;
use docs::pages::DocsPage;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};
use partners::pages::{AcceptInvitationPage, CompanyActivityPage, CompanyPage};

/// The document around the app. On the server it also sets the Content-Security-Policy, whose
/// nonce is the one Leptos puts on its hydration scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Pages render completely on the server before anything is sent, so that every page and its
    // errors are there for a browser without JavaScript.
    let ssr = SsrMode::Async;
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Portico".to_owned() } else { format!("{text} · Portico") }/>
        <Router>
            <ui::Layout>
                <Routes fallback=ui::NotFound>
                    <Route path=path!("/") view=HomePage ssr=ssr.clone()/>
                    <Route path=path!("/signup") view=SignUpPage ssr=ssr.clone()/>
                    <Route path=path!("/signup/check-email") view=CheckEmailPage ssr=ssr.clone()/>
                    <Route path=path!("/resend-verification") view=ResendVerificationPage ssr=ssr.clone()/>
                    <Route path=path!("/verify") view=VerifyEmailPage ssr=ssr.clone()/>
                    <Route path=path!("/signin") view=SignInPage ssr=ssr.clone()/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=ssr.clone()/>
                    <Route path=path!("/forgot-password/sent") view=ResetSentPage ssr=ssr.clone()/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=ssr.clone()/>
                    <Route path=path!("/profile") view=ProfilePage ssr=ssr.clone()/>
                    <Route path=path!("/terms") view=TermsPage ssr=ssr.clone()/>
                    <Route path=path!("/docs") view=DocsPage ssr=ssr.clone()/>
                    <Route path=path!("/company") view=CompanyPage ssr=ssr.clone()/>
                    <Route path=path!("/company/activity") view=CompanyActivityPage ssr=ssr.clone()/>
                    <Route path=path!("/invitations/accept") view=AcceptInvitationPage ssr=ssr.clone()/>
                    <Route path=path!("/apis") view=MyApisPage ssr=ssr.clone()/>
                    <Route path=path!("/apis/new") view=RegisterApplicationPage ssr=ssr.clone()/>
                    <Route path=path!("/apis/:id") view=ApplicationPage ssr=ssr.clone()/>
                    <Route path=path!("/keys") view=ApiKeysPage ssr=ssr.clone()/>
                    <Route path=path!("/admin") view=AdminPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/partners/:domain") view=AdminPartnerPage ssr=ssr.clone()/>
                </Routes>
            </ui::Layout>
        </Router>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Build on our APIs"</h1>
            <p class="lead">
                "Create an account with your work email, verify it, and complete your profile. Colleagues at the same company "
                "share one partner organisation, where you register applications and receive credentials for each API and environment."
            </p>
            <p class="actions">
                <A href="/signup" attr:class="button primary">"Create an account"</A>
                <A href="/signin" attr:class="button">"Sign in"</A>
            </p>
        </section>
    }
}

/// The browser entry point, called by the `frontend` crate's wasm bundle.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
