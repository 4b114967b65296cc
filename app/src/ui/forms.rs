use crate::accounts::api::{FormFlash, take_form_flash};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error to show for a form: the latest answer of its action when JavaScript posted it, or
/// what a plain post left in the session flash before redirecting back.
pub fn action_error<S>(action: ServerAction<S>, flash: &FormFlash) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let from_flash = flash.error.clone();
    Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => from_flash.clone(),
    })
}

/// What the user typed before a plain post failed, so they need not type it again.
pub fn initial_value(flash: &FormFlash, field: &str, fallback: impl Into<String>) -> String {
    flash.values.get(field).cloned().unwrap_or_else(|| fallback.into())
}

/// Loads the flash a failed plain post to `endpoint` left, then renders the form with it.
#[component]
pub fn FormFlashLoader<F, IV>(endpoint: &'static str, children: F) -> impl IntoView
where
    F: Fn(FormFlash) -> IV + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let flash = Resource::new(|| (), move |_| take_form_flash(endpoint.to_owned()));
    let children = std::sync::Arc::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                flash.get().map(move |flash| children(flash.ok().flatten().unwrap_or_default()))
            }}
        </Suspense>
    }
}

/// A labelled input whose error, when there is one, sits right under it and is announced.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(optional)] readonly: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.field_message(name));
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class=("field-invalid", move || message().is_some())>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                required=required
                readonly=readonly
                value=value
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id.clone() aria-live="polite">{message}</p>
        </div>
    }
}

/// The form-level message (e.g. "Email or password is incorrect"), announced to screen readers.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.form_message());
    view! {
        <div class="form-alert" role="alert" class:hidden=move || message().is_none()>
            {message}
        </div>
    }
}

/// A submit button that says what it is doing while the request runs.
#[component]
pub fn SubmitButton(label: &'static str, busy_label: &'static str, pending: Signal<bool>) -> impl IntoView {
    view! {
        <button type="submit" class="button primary" disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}
