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

/// The error of an action whose form has no field to mark (a button, a switch, a one-field
/// form): what the last attempt answered, with JavaScript, or what a plain post left in the
/// flash, without. The flash is looked up under the server function's endpoint name.
#[component]
pub fn ActionAlert<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let endpoint = S::PATH.rsplit('/').next().unwrap_or(S::PATH);
    view! { <FormFlashLoader endpoint children=move |flash| view! { <FormAlert error=action_error(action, &flash)/> }/> }
}

/// What ties a field's label, hint and error together: their ids, the error message for the
/// field, and the `aria-describedby` list that names whichever of hint and error are showing.
#[derive(Clone)]
struct FieldWiring {
    id: String,
    hint_id: String,
    error_id: String,
    name: &'static str,
    has_hint: bool,
    error: Signal<Option<AppError>>,
}

impl FieldWiring {
    fn new(name: &'static str, hint: Option<&'static str>, error: Signal<Option<AppError>>) -> Self {
        let id = format!("field-{name}");
        Self {
            hint_id: format!("{id}-hint"),
            error_id: format!("{id}-error"),
            id,
            name,
            has_hint: hint.is_some(),
            error,
        }
    }

    fn message(&self) -> impl Fn() -> Option<String> + Clone + Send + Sync + use<> {
        let (error, name) = (self.error, self.name);
        move || error.get().and_then(|e| e.field_message(name))
    }

    fn described_by(&self) -> impl Fn() -> Option<String> + Send + Sync + use<> {
        let (message, wiring) = (self.message(), self.clone());
        move || {
            let mut ids = Vec::new();
            if wiring.has_hint {
                ids.push(wiring.hint_id.clone());
            }
            if message().is_some() {
                ids.push(wiring.error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }

    /// The field's wrapper, marked invalid while it has an error, around its label, hint, control
    /// and error.
    fn wrap(self, label: &'static str, hint: Option<&'static str>, control: impl IntoView) -> impl IntoView {
        let message = self.message();
        let invalid = self.message();
        view! {
            <div class="field" class=("field-invalid", move || invalid().is_some())>
                <label for=self.id>{label}</label>
                {hint.map(|hint| view! { <p class="hint" id=self.hint_id>{hint}</p> })}
                {control}
                <p class="field-error" id=self.error_id>{message}</p>
            </div>
        }
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
    let wiring = FieldWiring::new(name, hint, error);
    let invalid = wiring.message();
    let control = view! {
        <input
            id=wiring.id.clone()
            name=name
            type=input_type
            autocomplete=autocomplete
            required=required
            readonly=readonly
            value=value
            aria-invalid=move || invalid().is_some().then_some("true")
            aria-describedby=wiring.described_by()
        />
    };
    wiring.wrap(label, hint, control)
}

/// A labelled multi-line input, wired like [`TextField`].
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(default = 3)] rows: u32,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let wiring = FieldWiring::new(name, hint, error);
    let invalid = wiring.message();
    let control = view! {
        <textarea
            id=wiring.id.clone()
            name=name
            rows=rows.to_string()
            aria-invalid=move || invalid().is_some().then_some("true")
            aria-describedby=wiring.described_by()
        >
            {value}
        </textarea>
    };
    wiring.wrap(label, hint, control)
}

/// The form-level message (e.g. "Email or password is incorrect"), announced to screen readers,
/// with every field's problem listed under it: the fields show theirs too, but a form whose field
/// has no place for its message (a compact row form) still says what is wrong, and the fields'
/// own messages stay quiet so that nothing is read out twice. When an answer arrives the alert
/// takes the keyboard focus, so the next Tab leads into the form to fix it.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.form_message());
    let alert = NodeRef::<leptos::html::Div>::new();
    // Only an answer that arrives while the alert is on the page moves the focus: an alert built
    // again with an earlier answer (its part of the page read again after another form's change)
    // leaves the focus where the person is working.
    Effect::new(move |earlier: Option<()>| {
        if error.with(Option::is_some)
            && earlier.is_some()
            && let Some(alert) = alert.get_untracked()
        {
            let _ = alert.focus();
        }
    });
    let problems = move || {
        error
            .get()
            .map(|e| e.field_messages())
            .unwrap_or_default()
            .into_iter()
            .map(|problem| view! { <li>{problem}</li> })
            .collect_view()
    };
    view! {
        <div class="form-alert" role="alert" tabindex="-1" node_ref=alert class:hidden=move || message().is_none()>
            {message}
            <ul>{problems}</ul>
        </div>
    }
}

/// A submit button that says what it is doing while the request runs.
#[component]
pub fn SubmitButton(label: &'static str, busy_label: &'static str, pending: Signal<bool>) -> impl IntoView {
    view! {
        <ActionButton pending class="button primary">
            {move || if pending.get() { busy_label } else { label }}
        </ActionButton>
    }
}

/// The submit button of an action that changes something (reveal, revoke, remove…): disabled and
/// marked busy while the action runs, so that a second click cannot send it again. A second
/// reveal would answer "already revealed", a second roll would replace the secret just shown.
/// Other attributes (`attr:aria-label`, `attr:role`…) pass through to the button.
#[component]
pub fn ActionButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "button small")] class: &'static str,
    /// Disabled for another reason than a request in flight (a name not yet typed): not busy.
    #[prop(optional, into)]
    blocked: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() || blocked.get() aria-busy=move || pending.get().then_some("true")>
            {children()}
        </button>
    }
}

/// How many answers of `action` mean that the page's data should be read again: each change
/// that went through, and each refusal because the thing acted on is gone (someone changed it
/// elsewhere, so the page is out of date). Any other refusal leaves the page, and what was typed
/// into it, as it was.
pub fn answers_that_reload<S>(action: ServerAction<S>) -> Signal<usize>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let count = RwSignal::new(0);
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_) | Err(AppError::NotFound))) {
            count.update(|n| *n += 1);
        }
    });
    count.into()
}

/// The sum of several [`answers_that_reload`] counts: what a page whose data several actions
/// change reads its data again on.
pub fn reload_total<const N: usize>(counts: [Signal<usize>; N]) -> Signal<usize> {
    Signal::derive(move || counts.iter().map(|count| count.get()).sum())
}

/// A button that opens a panel asking for confirmation (or a password) before the action inside
/// it can run. A native `<details>`, so it opens from the keyboard and without JavaScript.
#[component]
pub fn Confirm(
    /// The button's text.
    summary: &'static str,
    /// What a screen reader says for the button, where its text alone repeats down a list.
    #[prop(optional, into)]
    label: Option<String>,
    #[prop(default = "button small danger")] class: &'static str,
    /// For a panel that holds a form rather than a warning (reveal, roll, rename).
    #[prop(optional)]
    neutral: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <details class="confirm">
            <summary class=class aria-label=label>{summary}</summary>
            <div class="confirm-body" class:neutral=neutral>{children()}</div>
        </details>
    }
}
