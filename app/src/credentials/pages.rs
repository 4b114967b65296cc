//! Credential screens: the actions on one credential (reveal, roll, revoke), the one-time secret
//! box with copy buttons, and the API Keys page that lists every credential a developer owns.

use super::api::*;
use crate::applications::api::OwnedCredential;
use crate::error::AppError;
use crate::ui::{
    ActionAlert, ActionButton, Confirm, FormFlashLoader, LoadFailed, Notice, SignInRedirect, answers_that_reload,
    reload_total,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CredentialActions(
    owned: OwnedCredential,
    label: String,
    reveal: ServerAction<RevealSecret>,
    roll: ServerAction<RollSecret>,
    revoke: ServerAction<RevokeCredential>,
    /// An OAuth client's secret rather than an API key's: revealed and rolled the same way, and
    /// revoked with its environment rather than on its own.
    #[prop(optional)]
    oauth_client: bool,
    /// The application is deactivated: the server refuses to reveal or roll until it is restored,
    /// so those are not offered.
    #[prop(optional)]
    deactivated: bool,
) -> impl IntoView {
    let kind = if oauth_client { OAUTH_CLIENT } else { "" };
    let id = owned.id.to_string();
    let id_prefix = if oauth_client { "client-" } else { "" };
    let password_hint = "Not needed if you entered it in the last 15 minutes.";
    let (reveal_id, roll_id, revoke_id) = (id.clone(), id.clone(), id);
    let reveal_field = format!("reveal-password-{id_prefix}{}", owned.id);
    let roll_field = format!("roll-password-{id_prefix}{}", owned.id);
    let grace_field = format!("roll-grace-{id_prefix}{}", owned.id);
    let (reveal_hint, roll_hint) = (format!("{reveal_field}-hint"), format!("{roll_field}-hint"));
    if deactivated {
        let note = "Restore the application to reveal or roll its secrets.";
        return view! {
            <span class="muted small">{note}</span>
            {(!oauth_client).then(|| view! { <RevokeAction label revoke_id revoke/> })}
        }
        .into_any();
    }
    view! {
        {(!owned.revealed).then(|| view! {
            <Confirm summary="Reveal secret" label=format!("Reveal secret: {label}") class="button small" neutral=true>
                <ActionForm action=reveal attr:class="form compact">
                    <input type="hidden" name="credential_id" value=reveal_id/>
                    <input type="hidden" name="kind" value=kind/>
                    <label for=reveal_field.clone()>"Your password"</label>
                    <input id=reveal_field type="password" name="password" autocomplete="current-password" aria-describedby=reveal_hint.clone()/>
                    <p class="hint" id=reveal_hint>{password_hint}</p>
                    <ActionButton pending=reveal.pending() class="button small primary">"Reveal secret"</ActionButton>
                </ActionForm>
            </Confirm>
        })}
        <Confirm summary="Roll" label=format!("Roll secret: {label}") class="button small" neutral=true>
            <ActionForm action=roll attr:class="form compact">
                <input type="hidden" name="credential_id" value=roll_id/>
                <input type="hidden" name="kind" value=kind/>
                <label for=grace_field.clone()>"Old secret keeps working for"</label>
                <select id=grace_field name="grace">
                    <option value="none">"No time: stop it now"</option>
                    <option value="1h" selected=true>"1 hour"</option>
                    <option value="24h">"24 hours"</option>
                    <option value="7d">"7 days"</option>
                </select>
                <label for=roll_field.clone()>"Your password"</label>
                <input id=roll_field type="password" name="password" autocomplete="current-password" aria-describedby=roll_hint.clone()/>
                <p class="hint" id=roll_hint>{password_hint}</p>
                <ActionButton pending=roll.pending() class="button small primary">"Roll secret"</ActionButton>
            </ActionForm>
        </Confirm>
        {(!oauth_client).then(|| view! { <RevokeAction label revoke_id revoke/> })}
    }
    .into_any()
}

#[component]
fn RevokeAction(label: String, revoke_id: String, revoke: ServerAction<RevokeCredential>) -> impl IntoView {
    view! {
        <Confirm summary="Revoke" label=format!("Revoke: {label}")>
            <p>"Revoking stops this credential at once, everywhere. It cannot be undone."</p>
            <ActionForm action=revoke attr:class="inline-form">
                <input type="hidden" name="credential_id" value=revoke_id/>
                <ActionButton pending=revoke.pending() class="button small danger">{format!("Revoke {label}")}</ActionButton>
            </ActionForm>
        </Confirm>
    }
}

/// The secret last revealed or rolled on a page, and the error of the last attempt that failed.
/// A secret stays until the next one replaces it: a later failure (a credential revoked in another
/// tab, a wrong password) shows beside it and never takes away the only copy. It belongs to the
/// page rather than to the panel that shows it, so a panel rebuilt with fresh data keeps it.
#[derive(Clone, Copy)]
pub struct RevealOutcome {
    secret: RwSignal<Option<RevealedSecret>>,
    failure: RwSignal<Option<AppError>>,
    /// A secret has arrived that the panel has not yet moved the focus to.
    unannounced: RwSignal<bool>,
    /// Likewise a refusal: one the panel has shown before is not announced again when the panel
    /// is rebuilt.
    failure_unannounced: RwSignal<bool>,
}

impl RevealOutcome {
    /// Follows the page's reveal and roll actions.
    pub fn follow(reveal: ServerAction<RevealSecret>, roll: ServerAction<RollSecret>) -> Self {
        let outcome = Self {
            secret: RwSignal::new(None),
            failure: RwSignal::new(None),
            unannounced: RwSignal::new(false),
            failure_unannounced: RwSignal::new(false),
        };
        let record = move |answer: Result<RevealedSecret, AppError>| match answer {
            Ok(revealed) => {
                outcome.failure.set(None);
                outcome.secret.set(Some(revealed));
                outcome.unannounced.set(true);
            }
            Err(error) => {
                outcome.failure.set(Some(error));
                outcome.failure_unannounced.set(true);
            }
        };
        Effect::new(move |_| reveal.value().get().map(record));
        Effect::new(move |_| roll.value().get().map(record));
        outcome
    }
}

/// Shows a page's [`RevealOutcome`]. A new secret takes the keyboard focus, so that a screen
/// reader reads it out wherever on the page the button was.
#[component]
pub fn RevealedPanel(outcome: RevealOutcome) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if outcome.unannounced.get()
            && let Some(heading) = heading.get()
        {
            // The heading may be built before it is in the document, where focusing it would do
            // nothing: focus it once the browser has laid the new box out.
            request_animation_frame(move || {
                let _ = heading.focus();
            });
            outcome.unannounced.set(false);
        }
    });
    let message = |error: &AppError| {
        error
            .field_message("password")
            .or_else(|| error.form_message())
            .unwrap_or_else(|| error.to_string())
    };
    let alert = move |error: AppError| view! { <p class="form-alert" role="alert">{message(&error)}</p> };
    // A refusal takes the focus like a form's alert does, so it is read out and scrolled into
    // view even when the panel that asked is far down a long table.
    let failure_alert = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| {
        if outcome.failure_unannounced.get() {
            request_animation_frame(move || {
                if let Some(alert) = failure_alert.get_untracked() {
                    let _ = alert.focus();
                }
            });
            outcome.failure_unannounced.set(false);
        }
    });
    view! {
        {move || outcome.failure.get().map(|error| view! {
            <p class="form-alert" role="alert" tabindex="-1" node_ref=failure_alert>{message(&error)}</p>
        })}
        // Without JavaScript a refused reveal or roll (a wrong password) comes back to the page
        // as a flash.
        <FormFlashLoader endpoint="reveal_secret" children=move |flash| flash.error.map(alert)/>
        <FormFlashLoader endpoint="roll_secret" children=move |flash| flash.error.map(alert)/>
        {move || outcome.secret.get().map(|revealed| view! { <SecretBox revealed heading/> })}
    }
}

#[component]
pub fn SecretBox(
    revealed: RevealedSecret,
    /// Lets the page move the focus to the box when it appears.
    #[prop(optional)]
    heading: Option<NodeRef<leptos::html::H2>>,
) -> impl IntoView {
    let secret = revealed.secret.0.clone();
    let public_key = revealed.public_key.clone();
    let identifier_label = revealed.identifier_label.clone();
    let copy_identifier = match identifier_label.as_str() {
        "Client ID" => "Copy client ID",
        "Gateway" => "Copy gateway name",
        _ => "Copy public key",
    };
    view! {
        <section class="card secret-box" aria-labelledby="secret-heading">
            <h2 id="secret-heading" tabindex="-1" node_ref=heading.unwrap_or_default()>"Copy your secret now"</h2>
            <p class="notice warning">{revealed.keeping_advice()}</p>
            <div class="field">
                <label for="revealed-public-key">{identifier_label}</label>
                <div class="copy-row">
                    <input id="revealed-public-key" type="text" readonly=true value=public_key.clone()/>
                    <CopyButton text=public_key label=copy_identifier/>
                </div>
            </div>
            <div class="field">
                <label for="revealed-secret">"Secret"</label>
                <div class="copy-row">
                    // A text area, so that a phone shows the whole secret over two lines.
                    <textarea id="revealed-secret" class="secret" rows="2" readonly=true autocomplete="off" spellcheck="false">{secret.clone()}</textarea>
                    <CopyButton text=secret label="Copy secret"/>
                </div>
            </div>
        </section>
    }
}

/// Requests per day over the last 30 days as a small bar chart, with the same facts in words for
/// screen readers and as a tooltip.
#[component]
pub fn UsageChart(usage: UsageSummary, last_used: Option<String>) -> impl IntoView {
    const WIDTH: u64 = 120;
    const HEIGHT: u64 = 28;
    let summary = if usage.total == 0 {
        "No requests in the last 30 days".to_owned()
    } else {
        let failures = if usage.failures == 0 {
            String::new()
        } else {
            let codes: Vec<String> = usage
                .failures_by_code
                .iter()
                .map(|(code, count)| format!("{count} {code}"))
                .collect();
            format!(", {} failed ({})", usage.failures, codes.join(", "))
        };
        format!("{} requests in the last 30 days{failures}", usage.total)
    };
    let peak = usage.daily.iter().copied().max().unwrap_or(0).max(1);
    let bar_width = WIDTH / 30;
    let bars = usage
        .daily
        .iter()
        .enumerate()
        .map(|(day, &count)| {
            // Any use at all shows as at least one pixel.
            let height = if count == 0 {
                0
            } else {
                (count * HEIGHT).div_ceil(peak).max(1)
            };
            view! {
                <rect x=(day as u64 * bar_width).to_string() y=(HEIGHT - height).to_string()
                    width=(bar_width - 1).to_string() height=height.to_string()/>
            }
        })
        .collect_view();
    // An empty chart is a blank box that says nothing to someone who can see it: say it in words.
    let chart = if usage.total == 0 {
        view! { <span class="muted small">{summary}</span> }.into_any()
    } else {
        view! {
            <svg class="usage-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH.to_string() height=HEIGHT.to_string()
                role="img" aria-label=summary.clone()>
                <title>{summary.clone()}</title>
                <line class="baseline" x1="0" x2=WIDTH.to_string() y1=HEIGHT.to_string() y2=HEIGHT.to_string()/>
                {bars}
            </svg>
        }
        .into_any()
    };
    view! {
        <div class="usage">
            {chart}
            <span class="muted small">{format!("Last used: {}", last_used.unwrap_or_else(|| "never".into()))}</span>
        </div>
    }
}

/// Copies `text` to the clipboard. `label` names what it copies, row by row ("Copy public key:
/// Digital Banking · Sandbox"), for screen readers. The button says "Copied" for a few seconds
/// once the browser has confirmed the copy; when it refuses (no permission, no secure context), it
/// says so, and the text stays on the page to be selected by hand.
#[component]
pub fn CopyButton(text: String, #[prop(into)] label: String) -> impl IntoView {
    // Only the browser build sets the other states.
    #[derive(Clone, Copy, PartialEq)]
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    enum CopyState {
        Ready,
        Copied,
        Refused,
    }
    let state = RwSignal::new(CopyState::Ready);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let written = leptos::prelude::window().navigator().clipboard().write_text(&text);
            leptos::task::spawn_local(async move {
                let outcome = wasm_bindgen_futures::JsFuture::from(written).await;
                state.set(if outcome.is_ok() {
                    CopyState::Copied
                } else {
                    CopyState::Refused
                });
                set_timeout(move || state.set(CopyState::Ready), std::time::Duration::from_secs(3));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, state);
    };
    view! {
        <button type="button" class="button small" on:click=copy aria-label=label>
            {move || match state.get() {
                CopyState::Ready => "Copy",
                CopyState::Copied => "Copied",
                CopyState::Refused => "Copy failed",
            }}
        </button>
        <span class="sr-only" aria-live="polite">{move || match state.get() {
            CopyState::Ready => "",
            CopyState::Copied => "Copied to the clipboard",
            CopyState::Refused => "The browser did not allow copying: select the text and copy it yourself",
        }}</span>
    }
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let query = query.read();
        (
            query.get("application").unwrap_or_default(),
            query.get("environment").unwrap_or_default(),
        )
    };
    let reveal = ServerAction::<RevealSecret>::new();
    let roll = ServerAction::<RollSecret>::new();
    let revoke = ServerAction::<RevokeCredential>::new();
    let describe = ServerAction::<DescribeCredential>::new();
    let toggle = ServerAction::<SetCredentialEnabled>::new();
    // Read again after each change that went through; a refused one leaves its panel open with
    // what was typed.
    let changes = reload_total([
        answers_that_reload(reveal),
        answers_that_reload(roll),
        answers_that_reload(revoke),
        answers_that_reload(describe),
        answers_that_reload(toggle),
    ]);
    let keys = Resource::new(
        move || (filter(), changes.get()),
        |((application, environment), _)| api_keys(application, environment),
    );
    let outcome = RevealOutcome::follow(reveal, roll);
    view! {
        <Title text="API Keys"/>
        <h1>"API Keys"</h1>
        <p class="muted">"Every credential of the applications you own. Public keys are not secret; secrets are shown once."</p>
        <Notice flag="saved">"Key saved."</Notice>
        <Notice flag="switched_on">"Key switched on: it works again."</Notice>
        <Notice flag="switched_off">"Key switched off: gateways refuse it until you switch it back on."</Notice>
        <Notice flag="revoked">"Credential revoked: it stopped working at once."</Notice>
        <RevealedPanel outcome/>
        <ActionAlert action=describe/>
        <ActionAlert action=revoke/>
        <ActionAlert action=toggle/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading keys…"</p> }>
            {move || keys.get().map(|keys| match keys {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(error) => view! { <LoadFailed error/> }.into_any(),
                Ok(list) => {
                    let (selected_app, selected_env) = filter();
                    view! {
                        <form method="get" action="/keys" class="filters card" aria-label="Filter keys">
                            <div class="field">
                                <label for="filter-application">"Application"</label>
                                <select id="filter-application" name="application">
                                    <option value="">"All applications"</option>
                                    {list.applications.iter().map(|(id, name)| view! {
                                        <option value=id.clone() selected=*id == selected_app>{name.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="filter-environment">"Environment"</label>
                                <select id="filter-environment" name="environment">
                                    <option value="">"All environments"</option>
                                    {list.environments.iter().map(|(slug, name)| view! {
                                        <option value=slug.clone() selected=*slug == selected_env>{name.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <button type="submit" class="button">"Filter"</button>
                        </form>
                        {if list.keys.is_empty() && (!selected_app.is_empty() || !selected_env.is_empty()) {
                            view! { <section class="card"><p>"No keys match these filters. "<a href="/keys">"Show all keys"</a></p></section> }.into_any()
                        } else if list.keys.is_empty() {
                            view! { <section class="card"><p>"You own no keys yet. Register an application on "<A href="/apis">"My APIs"</A>" to receive credentials."</p></section> }.into_any()
                        } else {
                            view! {
                                <section class="card wide-table">
                                    <div class="table-scroll">
                                        <table class="stack" aria-label="API keys">
                                            <thead><tr>
                                                <th scope="col">"Credential"</th><th scope="col">"Application"</th>
                                                <th scope="col">"Environment"</th><th scope="col">"Enabled"</th><th scope="col">"Created"</th>
                                                <th scope="col">"Use, 30 days"</th><th scope="col">"Actions"</th>
                                            </tr></thead>
                                            <tbody>
                                                {list.keys.into_iter().map(|key| view! { <KeyRowView key reveal roll revoke describe toggle/> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </section>
                            }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn KeyRowView(
    key: KeyRow,
    reveal: ServerAction<RevealSecret>,
    roll: ServerAction<RollSecret>,
    revoke: ServerAction<RevokeCredential>,
    describe: ServerAction<DescribeCredential>,
    toggle: ServerAction<SetCredentialEnabled>,
) -> impl IntoView {
    let label = format!("{} · {}", key.product, key.environment);
    let id = key.credential_id.to_string();
    let (rename_id, toggle_id) = (id.clone(), id);
    let name_field = format!("rename-{}", key.credential_id);
    let description_field = format!("describe-{}", key.credential_id);
    let issued = key.state == "issued";
    let actions = issued.then(|| {
        let owned = OwnedCredential {
            id: key.credential_id,
            public_key: key.public_key.clone(),
            revealed: key.revealed,
            created_on: key.created_on.clone(),
            last_used: key.last_used.clone(),
            usage: key.usage.clone(),
        };
        view! { <CredentialActions owned label=label.clone() reveal roll revoke deactivated=!key.application_active/> }
    });
    // A switch's name stays the same; `aria-checked` says whether it is on.
    let toggle_label = format!("Enabled: {}", key.name);
    view! {
        <tr>
            // The name, then the public key whole beneath it (as on the application page).
            <td data-label="Credential">
                <strong>{key.name.clone()}</strong>
                {(!key.description.is_empty()).then(|| view! { <br/><span class="muted">{key.description.clone()}</span> })}
                <div class="key-line">
                    {key.public_key.clone().map(|pk| view! { <code class="key">{pk.clone()}</code><CopyButton text=pk label=format!("Copy public key: {label}")/> })}
                    {key.public_key.is_none().then(|| view! { <span class=format!("chip state-{}", key.state)>{crate::applications::pages::state_label(&key.state)}</span> })}
                </div>
            </td>
            <td data-label="Application">
                <A href=format!("/apis/{}", key.application_id)>{key.application.clone()}</A>
                {(!key.application_active).then(|| view! { " "<span class="chip state-revoked">"Deactivated"</span> })}
                <br/><span class="muted">{key.product.clone()}</span>
            </td>
            <td data-label="Environment">{key.environment.clone()}</td>
            // Only an issued key has something to switch: one waiting for approval shows none.
            <td data-label="Enabled">
                {issued.then(|| view! {
                    <ActionForm action=toggle attr:class="inline-form">
                        <input type="hidden" name="credential_id" value=toggle_id/>
                        <input type="hidden" name="enabled" value=if key.enabled { "false" } else { "true" }/>
                        <ActionButton pending=toggle.pending() class="switch" attr:role="switch" attr:aria-checked=if key.enabled { "true" } else { "false" } attr:aria-label=toggle_label>
                            {if key.enabled { "On" } else { "Off" }}
                        </ActionButton>
                    </ActionForm>
                })}
            </td>
            <td data-label="Created" class="date">{key.created_on.clone()}</td>
            <td data-label="Use, 30 days"><UsageChart usage=key.usage.clone() last_used=key.last_used.clone()/></td>
            <td data-label="Actions" class="actions">
                {actions}
                <Confirm summary="Rename" label=format!("Rename: {label}") class="button small" neutral=true>
                    <ActionForm action=describe attr:class="form compact">
                        <input type="hidden" name="credential_id" value=rename_id/>
                        <label for=name_field.clone()>"Name"</label>
                        <input id=name_field type="text" name="name" value=key.name.clone() required=true/>
                        <label for=description_field.clone()>"Description"</label>
                        <input id=description_field type="text" name="description" value=key.description.clone()/>
                        <ActionButton pending=describe.pending() class="button small primary">"Save"</ActionButton>
                    </ActionForm>
                </Confirm>
            </td>
        </tr>
    }
}
