//! My APIs: the partner's applications, the registration form, and one application's page with
//! its credential matrix. Owners reveal, roll and revoke secrets here; a revealed secret is shown
//! once, with copy buttons and a clear warning.

use super::api::*;
use crate::accounts::api::FormFlash;
use crate::credentials::api::{RevealSecret, RevokeCredential, RollSecret};
use crate::credentials::pages::{CopyButton, CredentialActions, RevealOutcome, RevealedPanel, UsageChart};
use crate::error::AppError;
use crate::partners::api::{CancelInvitation, InvitationRow, ResendInvitation};
use crate::partners::pages::PendingInvitations;
use crate::ui::{
    ActionAlert, ActionButton, Confirm, FormAlert, FormFlashLoader, LoadFailed, Notice, SignInRedirect, SubmitButton,
    TextArea, TextField, action_error, answers_that_reload, initial_value, reload_total,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// A credential's state as the pages name it.
pub(crate) fn state_label(state: &str) -> &'static str {
    match state {
        "queued" => "Queued",
        "awaiting_approval" => "Awaiting approval",
        "issued" => "Issued",
        "rejected" => "Rejected",
        "revoked" => "Revoked",
        _ => "Unknown",
    }
}

fn type_label(app_type: &str) -> &'static str {
    match app_type {
        "web" => "Web",
        "mobile" => "Mobile",
        "desktop" => "Desktop",
        "service" => "Service",
        _ => "Other",
    }
}

#[component]
pub fn MyApisPage() -> impl IntoView {
    let apis = Resource::new(|| (), |_| my_apis());
    view! {
        <Title text="My APIs"/>
        <div class="page-heading">
            <h1>"My APIs"</h1>
            <A href="/apis/new" attr:class="button primary">"Register application"</A>
        </div>
        <Notice flag="deleted">"Application deleted. Its credentials were revoked."</Notice>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading applications…"</p> }>
            {move || apis.get().map(|apis| match apis {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(error) => view! { <LoadFailed error/> }.into_any(),
                Ok(apis) => view! {
                    {apis.blocker.clone().map(|blocker| view! { <p class="notice warning" role="status">{blocker}</p> })}
                    {if apis.apps.is_empty() {
                        view! { <section class="card"><p>"Your company has no applications yet. Register one to receive API credentials."</p></section> }.into_any()
                    } else {
                        view! {
                            <section class="card"><ApplicationTable apps=apis.apps linked=true/></section>
                        }.into_any()
                    }}
                }.into_any(),
            })}
        </Suspense>
    }
}

/// A partner's applications: type, environments with their states, owners, status. Members
/// follow a link to each application's page (`linked`); operators, who are not members, see the
/// list only.
#[component]
pub fn ApplicationTable(apps: Vec<AppSummary>, linked: bool) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="stack" aria-label="Applications">
                <thead><tr><th scope="col">"Application"</th><th scope="col">"Type"</th><th scope="col">"Environments"</th><th scope="col">"Owners"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>
                    {apps.into_iter().map(|app| view! {
                        <tr>
                            <td data-label="Application">
                                {if linked {
                                    view! { <a href=format!("/apis/{}", app.public_id)>{app.name.clone()}</a> }.into_any()
                                } else {
                                    view! { {app.name.clone()} }.into_any()
                                }}
                            </td>
                            <td data-label="Type">{type_label(&app.app_type)}</td>
                            <td data-label="Environments">
                                <ul class="chips">
                                    {app.environments.into_iter().map(|env| view! {
                                        <li class=format!("chip state-{}", env.state)>{format!("{}: {}", env.environment, state_label(&env.state))}</li>
                                    }).collect_view()}
                                </ul>
                            </td>
                            <td data-label="Owners">{app.owners.join(", ")}</td>
                            <td data-label="Status">{if app.status == "active" { "Active" } else { "Deactivated" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn RegisterApplicationPage() -> impl IntoView {
    let context = Resource::new(|| (), |_| registration_context());
    view! {
        <Title text="Register application"/>
        <h1>"Register application"</h1>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || context.get().map(|context| match context {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(error) => view! { <LoadFailed error/> }.into_any(),
                Ok(context) => match context.blocker.clone() {
                    Some(blocker) => view! {
                        <section class="card">
                            <p class="notice warning" role="status">{blocker}</p>
                            <p><A href="/profile">"Profile"</A>" · "<A href="/company">"Company"</A></p>
                        </section>
                    }.into_any(),
                    None => view! { <RegistrationForm context/> }.into_any(),
                },
            })}
        </Suspense>
    }
}

const DESCRIPTION_HINT: &str = "What the application does and why it needs these APIs.";
const SITE_URL_HINT: &str = "Optional: where the application or its download lives.";
const REDIRECT_URLS_HINT: &str = "One per line. https, or http for localhost only.";

#[component]
fn RegistrationForm(context: RegistrationOptions) -> impl IntoView {
    let action = ServerAction::<RegisterApplication>::new();
    view! {
        <FormFlashLoader endpoint="register_application" children=move |flash| {
            let error = action_error(action, &flash);
            let message = move |field: &'static str| move || error.get().and_then(|e| e.field_message(field));
            let (chosen_products, chosen_environments) =
                (flashed_ids(&flash, "products").unwrap_or_default(), flashed_ids(&flash, "environments").unwrap_or_default());
            let value = |field: &str| initial_value(&flash, field, "");
            let selected_type = value("app_type");
            let selected_auth = value("auth_method");
            let (name, description, site_url, redirect_urls) =
                (value("name"), value("description"), value("site_url"), value("redirect_urls"));
            let context = context.clone();
            view! {
                <ActionForm action=action attr:class="form card" attr:novalidate=true>
                    <FormAlert error=error/>
                    <TextField label="Application name" name="name" required=true hint="Unique within your company, 3 to 80 characters." value=name error=error/>
                    <div class="field">
                        <label for="field-app_type">"Application type"</label>
                        <select id="field-app_type" name="app_type" aria-describedby="field-app_type-error"
                            aria-invalid=move || message("app_type")().is_some().then_some("true")>
                            {[("web", "Web"), ("mobile", "Mobile"), ("desktop", "Desktop"), ("service", "Service (server to server)")].into_iter().map(|(v, label)| {
                                view! { <option value=v selected=selected_type == v>{label}</option> }
                            }).collect_view()}
                        </select>
                        <p class="field-error" id="field-app_type-error">{message("app_type")}</p>
                    </div>
                    <div class="field">
                        <label for="field-auth_method">"Authentication"</label>
                        <select id="field-auth_method" name="auth_method" aria-describedby="field-auth_method-hint field-auth_method-error"
                            aria-invalid=move || message("auth_method")().is_some().then_some("true")>
                            <option value="authorization_code" selected=selected_auth != "client_credentials">"Authorization code (users sign in)"</option>
                            <option value="client_credentials" selected=selected_auth == "client_credentials">"Client credentials (service applications only)"</option>
                        </select>
                        <p class="hint" id="field-auth_method-hint">"Authorization code needs at least one redirect URL."</p>
                        <p class="field-error" id="field-auth_method-error">{message("auth_method")}</p>
                    </div>
                    <TextArea label="Description" name="description" hint=DESCRIPTION_HINT value=description error=error/>
                    <TextField label="Site URL" name="site_url" input_type="url" hint=SITE_URL_HINT value=site_url error=error/>
                    <TextArea label="Redirect URLs" name="redirect_urls" hint=REDIRECT_URLS_HINT value=redirect_urls error=error/>
                    <CatalogueChoices legend="API products" field="products" id_prefix="product" choices=ticked(&context.products, &chosen_products) error/>
                    <CatalogueChoices legend="Environments" field="environments" id_prefix="environment" choices=ticked(&context.environments, &chosen_environments) error/>
                    <SubmitButton label="Register application" busy_label="Registering…" pending=action.pending().into()/>
                </ActionForm>
            }
        }/>
    }
}

/// The ids a plain post that came back with an error had ticked in a checkbox group, which the
/// flash holds as one comma-separated value; `None` when the post had no such group.
fn flashed_ids(flash: &FormFlash, field: &str) -> Option<Vec<i64>> {
    flash.error.as_ref()?;
    let ticked = flash.values.get(&format!("{field}[]"));
    Some(
        ticked
            .map(|v| v.split(',').filter_map(|id| id.parse().ok()).collect())
            .unwrap_or_default(),
    )
}

fn ticked(entries: &[CatalogueEntry], ids: &[i64]) -> Vec<(CatalogueEntry, bool)> {
    entries
        .iter()
        .map(|entry| (entry.clone(), ids.contains(&entry.id)))
        .collect()
}

/// A group of catalogue checkboxes (API products or environments), each with its description,
/// and the group's error. Posted as `<field>[]`.
#[component]
fn CatalogueChoices(
    legend: &'static str,
    field: &'static str,
    /// Starts the checkboxes' ids, which must be unique on the page.
    id_prefix: &'static str,
    choices: Vec<(CatalogueEntry, bool)>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_id = format!("field-{field}-error");
    let described_by = error_id.clone();
    let message = move || error.get().and_then(|e| e.field_message(field));
    view! {
        <fieldset class="field choices" class=("field-invalid", move || message().is_some()) aria-describedby=described_by>
            <legend>{legend}</legend>
            {choices.into_iter().map(|(entry, checked)| {
                let id = format!("{id_prefix}-{}", entry.id);
                let hint_id = format!("{id}-hint");
                view! {
                    <div class="choice">
                        <input type="checkbox" id=id.clone() name=format!("{field}[]") value=entry.id.to_string() checked=checked aria-describedby=hint_id.clone()/>
                        // The catalogue's own description often says why approval is needed, so
                        // the flag is a badge beside the name rather than another sentence.
                        <label for=id>
                            {entry.name.clone()}
                            {entry.needs_approval.then(|| view! { " "<span class="chip state-awaiting_approval">"Needs approval"</span> })}
                        </label>
                        <p class="hint" id=hint_id>{entry.description.clone()}</p>
                    </div>
                }
            }).collect_view()}
            <p class="field-error" id=error_id>{message}</p>
        </fieldset>
    }
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let public_id = move || params.read().get("id").unwrap_or_default();
    let reveal = ServerAction::<RevealSecret>::new();
    let roll = ServerAction::<RollSecret>::new();
    let revoke = ServerAction::<RevokeCredential>::new();
    let actions = LifecycleActions::new();
    let revoked = answers_that_reload(revoke);
    let key_actions = reload_total([answers_that_reload(reveal), answers_that_reload(roll), revoked]);
    // Each part of the page is read again only when something it shows may have changed, and is
    // rebuilt only then, so that a form being filled in elsewhere on the page stays as it is.
    // Revoking can leave a product or an environment without credentials, which the scope form's
    // ticks show, so the details are read again after it too.
    let details = Resource::new(
        move || (public_id(), actions.succeeded.get() + revoked.get()),
        |(id, _)| application_details(id),
    );
    // The credentials also every two seconds while provisioning runs.
    let tick = RwSignal::new(0u32);
    let credentials = Resource::new(
        move || (public_id(), tick.get(), key_actions.get() + actions.succeeded.get()),
        |(id, ..)| application_credentials(id),
    );
    Effect::new(move |_| {
        if credentials.get().and_then(|c| c.ok()).is_some_and(|c| c.provisioning) {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_secs(2));
        }
    });
    let history_changes = Signal::derive(move || key_actions.get() + actions.succeeded.get());
    let outcome = RevealOutcome::follow(reveal, roll);
    view! {
        <Title text="Application"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the application…"</p> }>
            {move || details.get().map(|details| match details {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <h1>"Application not found"</h1>
                    <p>"There is no such application in your company. "<A href="/apis">"Back to My APIs"</A></p>
                }.into_any(),
                Err(error) => view! { <LoadFailed error heading="Application"/> }.into_any(),
                Ok(app) => view! {
                    <Title text=app.name.clone()/>
                    <div class="page-heading">
                        <h1>{app.name.clone()}</h1>
                        <A href="/apis">"All applications"</A>
                    </div>
                    <Notice flag="registered">"Application registered. Its credentials appear below as they are issued; environments that need approval wait for the API provider."</Notice>
                    <Notice flag="revoked">"Credential revoked: it stopped working at once."</Notice>
                    <Notice flag="deactivated">"Application deactivated: every one of its credentials is refused."</Notice>
                    <Notice flag="restored">"Application restored: its credentials work again."</Notice>
                    // Under the page's heading. Reveals and rolls read the credentials again, not
                    // these details, so nothing here is rebuilt when a secret arrives and takes the
                    // focus; the secret itself belongs to the page (`RevealOutcome`) and outlives a
                    // rebuild.
                    <RevealedPanel outcome/>
                    <ActionAlert action=revoke/>
                    <CredentialCards credentials reveal roll revoke/>
                    <section class="card">
                        <h2>"Details"</h2>
                        <dl class="details">
                            <dt>"Type"</dt><dd>{type_label(&app.app_type)}</dd>
                            <dt>"Authentication"</dt><dd>{if app.auth_method == "client_credentials" { "Client credentials" } else { "Authorization code" }}</dd>
                            <dt>"Status"</dt><dd>{if app.status == "active" { "Active" } else { "Deactivated" }}</dd>
                            {(!app.description.is_empty()).then(|| view! { <dt>"Description"</dt><dd>{app.description.clone()}</dd> })}
                            {app.site_url.clone().map(|url| view! { <dt>"Site URL"</dt><dd>{url}</dd> })}
                            {(!app.redirect_urls.is_empty()).then(|| view! { <dt>"Redirect URLs"</dt><dd>{app.redirect_urls.join(" · ")}</dd> })}
                        </dl>
                        {app.is_owner.then(|| view! { <EditDetails app=app.clone() action=actions.details/> })}
                    </section>
                    <OwnersCard public_id=app.public_id.clone() owners=app.owners.clone() invitations=app.invitations.clone() can_manage=app.can_manage_owners actions/>
                    {app.is_owner.then(|| view! { <ScopeCard public_id=app.public_id.clone() products=app.product_choices.clone() environments=app.environment_choices.clone() actions/> })}
                    {app.is_owner.then(|| view! { <LifecycleCard public_id=app.public_id.clone() name=app.name.clone() active=app.status == "active" actions/> })}
                    // Last: fifty rows of history would push the forms above far down on a phone.
                    {app.is_owner.then(|| view! { <ApplicationActivity public_id=app.public_id.clone() changes=history_changes/> })}
                }.into_any(),
            })}
        </Transition>
    }
}

/// The Credentials card and, for service applications, the OAuth clients card: rebuilt when the
/// credentials are read again, apart from the rest of the page.
#[component]
fn CredentialCards(
    credentials: Resource<Result<AppCredentials, AppError>>,
    reveal: ServerAction<RevealSecret>,
    roll: ServerAction<RollSecret>,
    revoke: ServerAction<RevokeCredential>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <section class="card"><h2>"Credentials"</h2><p class="muted" role="status">"Loading…"</p></section> }>
            {move || credentials.get().map(|credentials| match credentials {
                Err(error) => view! {
                    <section class="card">
                        <h2>"Credentials"</h2>
                        <p class="form-alert" role="alert">{error.to_string()}</p>
                    </section>
                }.into_any(),
                Ok(credentials) => view! {
                    <section class="card">
                        <h2 id="credentials-heading">"Credentials"</h2>
                        {(!credentials.is_owner).then(|| view! { <p class="muted">"Only the application's owners see its credentials."</p> })}
                        {(credentials.is_owner && !credentials.active).then(|| view! {
                            <p class="muted">"The application is deactivated: gateways refuse these credentials, and their secrets cannot be revealed or rolled until you restore it."</p>
                        })}
                        <CredentialTable cells=credentials.credentials active=credentials.active reveal roll revoke/>
                    </section>
                    {(!credentials.oauth_clients.is_empty()).then(|| view! { <OAuthClientsCard clients=credentials.oauth_clients.clone() active=credentials.active reveal roll revoke/> })}
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn CredentialTable(
    cells: Vec<CredentialCell>,
    active: bool,
    reveal: ServerAction<RevealSecret>,
    roll: ServerAction<RollSecret>,
    revoke: ServerAction<RevokeCredential>,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="stack credential-table" aria-labelledby="credentials-heading">
                <thead><tr><th scope="col">"Credential"</th><th scope="col">"State"</th><th scope="col">"Use, 30 days"</th><th scope="col">"Actions"</th></tr></thead>
                <tbody>
                    {cells.into_iter().map(|cell| {
                        let label = format!("{} · {}", cell.product, cell.environment);
                        let actions = cell.credential.clone().filter(|_| cell.state == "issued").map(|owned| view! {
                            <CredentialActions owned label=label.clone() reveal roll revoke deactivated=!active/>
                        });
                        view! {
                            <tr>
                                // The public key sits under the credential's name, whole, so that
                                // the table fits the page without cutting the key into pieces.
                                <td data-label="Credential">
                                    {label.clone()}
                                    {cell.credential.as_ref().and_then(|c| c.public_key.clone()).map(|key| view! {
                                        <div class="key-line">
                                            <code class="key">{key.clone()}</code>
                                            <CopyButton text=key label=format!("Copy public key: {label}")/>
                                        </div>
                                    })}
                                </td>
                                <td data-label="State">
                                    <span class=format!("chip state-{}", cell.state)>{state_label(&cell.state)}</span>
                                    {cell.rejection_reason.clone().map(|reason| view! {
                                        <p class="muted small">{format!("Reason: {reason}")}</p>
                                    })}
                                </td>
                                <td data-label="Use, 30 days">{cell.credential.as_ref().filter(|c| c.public_key.is_some()).map(|c| view! {
                                    <UsageChart usage=c.usage.clone() last_used=c.last_used.clone()/>
                                })}</td>
                                <td data-label="Actions" class="actions">{actions}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A service application's OAuth clients: one client id and secret per environment, which obtain
/// bearer tokens from `/oauth/token`.
#[component]
fn OAuthClientsCard(
    clients: Vec<OAuthClientRow>,
    active: bool,
    reveal: ServerAction<RevealSecret>,
    roll: ServerAction<RollSecret>,
    revoke: ServerAction<RevokeCredential>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="oauth-clients-heading">
            <h2 id="oauth-clients-heading">"OAuth clients"</h2>
            <p class="muted">
                "Exchange a client ID and secret for a one-hour bearer token at "<code>"/oauth/token"</code>
                " (client credentials grant). See "<a href="/docs#client-credentials">"OAuth client credentials in Docs"</a>"."
            </p>
            <div class="table-scroll">
                <table class="stack" aria-labelledby="oauth-clients-heading">
                    <thead><tr><th scope="col">"Environment"</th><th scope="col">"Client ID"</th><th scope="col">"Use, 30 days"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {clients.into_iter().map(|client| {
                            let label = format!("OAuth client · {}", client.environment);
                            let actions = (!client.revoked).then(|| {
                                let owned = OwnedCredential {
                                    id: client.id,
                                    public_key: Some(client.client_id.clone()),
                                    revealed: client.revealed,
                                    created_on: client.created_on.clone(),
                                    last_used: client.last_used.clone(),
                                    usage: client.usage.clone(),
                                };
                                view! { <CredentialActions owned label=label.clone() reveal roll revoke oauth_client=true deactivated=!active/> }
                            });
                            view! {
                                <tr>
                                    <td data-label="Environment">
                                        {client.environment.clone()}
                                        {client.revoked.then(|| view! { " "<span class="chip state-revoked">"Revoked"</span> })}
                                    </td>
                                    <td data-label="Client ID">
                                        <div class="key-line">
                                            <code class="key">{client.client_id.clone()}</code>
                                            <CopyButton text=client.client_id.clone() label=format!("Copy client ID: {}", client.environment)/>
                                        </div>
                                    </td>
                                    <td data-label="Use, 30 days"><UsageChart usage=client.usage.clone() last_used=client.last_used.clone()/></td>
                                    <td data-label="Actions" class="actions">{actions}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The application page's actions on the application itself.
#[derive(Clone, Copy)]
struct LifecycleActions {
    set_active: ServerAction<SetApplicationActive>,
    delete: ServerAction<DeleteApplication>,
    add_owner: ServerAction<AddCoOwner>,
    remove_owner: ServerAction<RemoveCoOwner>,
    scope: ServerAction<UpdateScope>,
    details: ServerAction<UpdateApplication>,
    resend_invitation: ServerAction<ResendInvitation>,
    cancel_invitation: ServerAction<CancelInvitation>,
    /// How many of these actions have gone through: the page reads the application again after
    /// each, and not after a refused one, whose form keeps what was typed.
    succeeded: Signal<usize>,
}

impl LifecycleActions {
    fn new() -> Self {
        let (set_active, delete, add_owner, remove_owner, scope, details) = (
            ServerAction::new(),
            ServerAction::new(),
            ServerAction::new(),
            ServerAction::new(),
            ServerAction::new(),
            ServerAction::new(),
        );
        let (resend_invitation, cancel_invitation) = (ServerAction::new(), ServerAction::new());
        let succeeded = reload_total([
            answers_that_reload(set_active),
            answers_that_reload(delete),
            answers_that_reload(add_owner),
            answers_that_reload(remove_owner),
            answers_that_reload(scope),
            answers_that_reload(details),
            answers_that_reload(resend_invitation),
            answers_that_reload(cancel_invitation),
        ]);
        Self {
            set_active,
            delete,
            add_owner,
            remove_owner,
            scope,
            details,
            resend_invitation,
            cancel_invitation,
            succeeded,
        }
    }
}

/// The owners' form for what an application is called and where it lives. Opened from the
/// Details card; it opens by itself when a plain post came back with an error.
#[component]
fn EditDetails(app: AppDetails, action: ServerAction<UpdateApplication>) -> impl IntoView {
    view! {
        <Notice flag="updated">"Details saved."</Notice>
        <FormFlashLoader endpoint="update_application" children=move |flash| {
            let error = action_error(action, &flash);
            let failed = flash.error.is_some();
            let value = |field: &str, saved: String| initial_value(&flash, field, saved);
            let name = value("name", app.name.clone());
            let description = value("description", app.description.clone());
            let site_url = value("site_url", app.site_url.clone().unwrap_or_default());
            let redirect_urls = value("redirect_urls", app.redirect_urls.join("\n"));
            // Client-credentials applications have no use for redirect URLs, but keep any they were given.
            let uses_redirects = app.auth_method == "authorization_code" || !app.redirect_urls.is_empty();
            let public_id = app.public_id.clone();
            view! {
                <details class="edit" open=failed>
                    <summary class="button small">"Edit details"</summary>
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <input type="hidden" name="public_id" value=public_id/>
                        <TextField label="Application name" name="name" required=true hint="Unique within your company, 3 to 80 characters." value=name error=error/>
                        <TextArea label="Description" name="description" hint=DESCRIPTION_HINT value=description error=error/>
                        <TextField label="Site URL" name="site_url" input_type="url" hint=SITE_URL_HINT value=site_url error=error/>
                        {uses_redirects.then(|| view! {
                            <TextArea label="Redirect URLs" name="redirect_urls" hint=REDIRECT_URLS_HINT value=redirect_urls error=error/>
                        })}
                        <SubmitButton label="Save details" busy_label="Saving…" pending=action.pending().into()/>
                    </ActionForm>
                </details>
            }
        }/>
    }
}

#[component]
fn OwnersCard(
    public_id: String,
    owners: Vec<OwnerRow>,
    invitations: Vec<InvitationRow>,
    can_manage: bool,
    actions: LifecycleActions,
) -> impl IntoView {
    let LifecycleActions {
        add_owner,
        remove_owner,
        resend_invitation,
        cancel_invitation,
        ..
    } = actions;
    // An application keeps at least one owner (the server refuses to remove the last), so the
    // only owner has no Remove button.
    let sole_owner = owners.len() == 1;
    let rows = owners
        .into_iter()
        .map(|owner| {
            let remove = (can_manage && !sole_owner).then(|| {
                let (public_id, user_id) = (public_id.clone(), owner.user_id.to_string());
                let label = format!("Remove {} as owner", owner.name);
                let consequence = format!("{} will no longer see or manage this application's credentials.", owner.name);
                view! {
                    <Confirm summary="Remove" label=label.clone()>
                        <p>{consequence}</p>
                        <ActionForm action=remove_owner attr:class="inline-form">
                            <input type="hidden" name="public_id" value=public_id/>
                            <input type="hidden" name="user_id" value=user_id/>
                            <ActionButton pending=remove_owner.pending() class="button small danger">{label}</ActionButton>
                        </ActionForm>
                    </Confirm>
                }
            });
            view! { <li><span>{format!("{} ({})", owner.name, owner.email)}</span>{remove}</li> }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Owners"</h2>
            <Notice flag="invited">"Invitation sent: they become a co-owner when they accept."</Notice>
            <Notice flag="owner_added">"Co-owner added."</Notice>
            <Notice flag="owner_removed">"Owner removed."</Notice>
            <Notice flag="resent">"Invitation sent again with a new link; the old link no longer works."</Notice>
            <Notice flag="cancelled">"Invitation cancelled: its link no longer works."</Notice>
            <ActionAlert action=remove_owner/>
            <ul class="plain-list">{rows}</ul>
            {(can_manage && sole_owner).then(|| view! { <p class="muted small">"An application needs at least one owner: add another before removing this one."</p> })}
            {(!invitations.is_empty()).then(|| view! {
                <h3>"Invited co-owners"</h3>
                <p class="muted">"They become co-owners when they accept. An invitation expires after 7 days."</p>
                <PendingInvitations invitations resend=resend_invitation cancel=cancel_invitation/>
            })}
            {can_manage.then(|| view! {
                <FormFlashLoader endpoint="add_co_owner" children=move |flash| {
                    let error = action_error(add_owner, &flash);
                    let public_id = public_id.clone();
                    view! {
                        <ActionForm action=add_owner attr:class="form" attr:novalidate=true>
                            <FormAlert error=error/>
                            <input type="hidden" name="public_id" value=public_id/>
                            <TextField label="Co-owner email" name="email" input_type="email" hint="A colleague at your company's domain. Members are added at once; others are invited." value=initial_value(&flash, "email", "") error=error/>
                            <SubmitButton label="Invite co-owner" busy_label="Adding…" pending=add_owner.pending().into()/>
                        </ActionForm>
                    }
                }/>
            })}
        </section>
    }
}

#[component]
fn LifecycleCard(public_id: String, name: String, active: bool, actions: LifecycleActions) -> impl IntoView {
    let LifecycleActions { set_active, delete, .. } = actions;
    let (toggle_id, delete_id) = (public_id.clone(), public_id);
    let (button, note) = if active {
        (
            "Deactivate",
            "Deactivating stops every credential of this application at once. You can restore it later.",
        )
    } else {
        (
            "Restore",
            "This application is deactivated: none of its credentials work. Restoring brings them back.",
        )
    };
    // The delete button waits for the name to be typed, as GitHub's does; only once hydrated, so
    // that a plain post without JavaScript can still be sent (the server checks the name anyway).
    let typed = RwSignal::new(String::new());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let name_to_type = name.clone();
    let not_yet_typed = move || hydrated.get() && typed.with(|typed| typed.trim() != name_to_type);
    let confirm_name = name.clone();
    view! {
        <section class="card">
            <h2>"Application status"</h2>
            <p>{note}</p>
            <ActionAlert action=set_active/>
            {
                let form = view! {
                    <ActionForm action=set_active attr:class="inline-form">
                        <input type="hidden" name="public_id" value=toggle_id/>
                        <input type="hidden" name="active" value=if active { "false" } else { "true" }/>
                        <ActionButton pending=set_active.pending() class=if active { "button danger" } else { "button" }>
                            {format!("{button} {name}")}
                        </ActionButton>
                    </ActionForm>
                };
                // Restoring takes nothing away; deactivating stops live traffic, so it asks first.
                if active {
                    view! {
                        <Confirm summary=button class="button danger">
                            <p>"Every request with these credentials will be refused until you restore the application."</p>
                            {form}
                        </Confirm>
                    }
                    .into_any()
                } else {
                    form.into_any()
                }
            }
            // Opens by itself when a plain post came back refused, so the reason is in view.
            <FormFlashLoader endpoint="delete_application" children=move |flash| {
                let error = action_error(delete, &flash);
                let (delete_id, confirm_name, not_yet_typed) = (delete_id.clone(), confirm_name.clone(), not_yet_typed.clone());
                let message = move || error.get().and_then(|e| e.field_message("confirm_name"));
                view! {
                    <details class="confirm danger-zone" open=flash.error.is_some()>
                        <summary class="button danger">"Delete application"</summary>
                        <div class="confirm-body">
                            <p>"Deleting is permanent: every credential is revoked at once and the application cannot be restored. The audit log keeps a record."</p>
                            <ActionForm action=delete attr:class="form compact" attr:novalidate=true>
                                <FormAlert error=error/>
                                <input type="hidden" name="public_id" value=delete_id/>
                                <label for="field-confirm_name">"Type "<code class="confirm-name">{confirm_name}</code>" to confirm"</label>
                                <input id="field-confirm_name" type="text" name="confirm_name" autocomplete="off" spellcheck="false"
                                    aria-describedby="field-confirm_name-error"
                                    aria-invalid=move || if message().is_some() { "true" } else { "false" }
                                    on:input=move |event| typed.set(event_target_value(&event))/>
                                <p class="field-error" id="field-confirm_name-error">{message}</p>
                                <ActionButton pending=delete.pending() blocked=Signal::derive(not_yet_typed) class="button danger">"Delete forever"</ActionButton>
                            </ActionForm>
                        </div>
                    </details>
                }
            }/>
        </section>
    }
}

/// The owners' form for the application's scope: which API products it uses, in which
/// environments.
#[component]
fn ScopeCard(
    public_id: String,
    products: Vec<(CatalogueEntry, bool)>,
    environments: Vec<(CatalogueEntry, bool)>,
    actions: LifecycleActions,
) -> impl IntoView {
    let action = actions.scope;
    view! {
        <section class="card" aria-labelledby="scope-heading">
            <h2 id="scope-heading">"API products and environments"</h2>
            <p class="muted">"Each product gets credentials in each environment. Adding one provisions new credentials; removing one revokes its credentials at once."</p>
            <Notice flag="scope_saved">"API products and environments saved."</Notice>
            <FormFlashLoader endpoint="update_scope" children=move |flash| {
                let error = action_error(action, &flash);
                let message = move || error.get().and_then(|e| e.field_message("confirm_removal"));
                // After a refused plain post, show what the owner had ticked, not what is saved.
                let keep = |field: &str, saved: &[(CatalogueEntry, bool)]| match flashed_ids(&flash, field) {
                    Some(ids) => saved.iter().map(|(entry, _)| (entry.clone(), ids.contains(&entry.id))).collect(),
                    None => saved.to_vec(),
                };
                let (products, environments) = (keep("products", &products), keep("environments", &environments));
                let public_id = public_id.clone();
                view! {
                    <ActionForm action=action attr:class="form">
                        <FormAlert error=error/>
                        <input type="hidden" name="public_id" value=public_id/>
                        <CatalogueChoices legend="API products this application uses" field="products" id_prefix="app-product" choices=products error/>
                        <CatalogueChoices legend="Environments it is used in" field="environments" id_prefix="app-environment" choices=environments error/>
                        // Removing revokes live credentials: the server refuses it unless this is
                        // ticked, and names what would be revoked.
                        <div class="choice" class=("field-invalid", move || message().is_some())>
                            <input type="checkbox" id="field-confirm_removal" name="confirm_removal" value="yes"
                                aria-describedby="field-confirm_removal-hint field-confirm_removal-error"/>
                            <label for="field-confirm_removal">"Revoke the credentials of what I remove"</label>
                            <p class="hint" id="field-confirm_removal-hint">"Needed only when you untick a product or an environment: its credentials stop working at once."</p>
                            <p class="field-error" id="field-confirm_removal-error">{message}</p>
                        </div>
                        <SubmitButton label="Save products and environments" busy_label="Saving…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
        </section>
    }
}

#[component]
fn ApplicationActivity(
    public_id: String,
    /// Counts the changes made on the page, each of which adds to the history.
    changes: Signal<usize>,
) -> impl IntoView {
    // Older pages are `?activity=2`, `?activity=3`…; the first has no parameter, so no value
    // here is ever `1`, which the portal's redirects read as a status flag (`with_flag`).
    let query = leptos_router::hooks::use_query_map();
    let page = Memo::new(move |_| {
        let number = query
            .read()
            .get("activity")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(1);
        number.max(1) - 1
    });
    let activity = Resource::new(
        move || (public_id.clone(), page.get(), changes.get()),
        |(public_id, page, _)| application_activity(public_id, page),
    );
    let link = |page: u64| {
        if page == 0 {
            "?#activity".to_owned()
        } else {
            format!("?activity={}#activity", page + 1)
        }
    };
    view! {
        <section class="card" id="activity" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || activity.get().map(|activity| match activity {
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                    Ok(activity) => view! {
                        <crate::partners::pages::ActivityTable rows=activity.rows/>
                        <nav class="pager" aria-label="Activity pages">
                            {(activity.page > 0).then(|| view! { <a href=link(activity.page - 1)>"Newer"</a> })}
                            {activity.has_next.then(|| view! { <a href=link(activity.page + 1)>"Older"</a> })}
                        </nav>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
