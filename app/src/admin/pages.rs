//! The operator's Admin page: the approvals queue and every partner.

use super::api::*;
use crate::credentials::pages::SecretBox;
use crate::error::AppError;
use crate::ui::{
    ActionAlert, ActionButton, Confirm, LoadFailed, Notice, SignInRedirect, SubmitButton, answers_that_reload,
    encode_query_value, reload_total,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPage() -> impl IntoView {
    let decide = ServerAction::<DecideApproval>::new();
    let save_environment = ServerAction::<SaveEnvironment>::new();
    let save_product = ServerAction::<SaveProduct>::new();
    let create_token = ServerAction::<CreateGatewayToken>::new();
    let revoke_token = ServerAction::<RevokeGatewayToken>::new();
    let save_limit = ServerAction::<SaveRateLimit>::new();
    // Read again after each change that went through (see `answers_that_reload`); a refused one
    // leaves its form as typed.
    let changes = reload_total([
        answers_that_reload(decide),
        answers_that_reload(save_environment),
        answers_that_reload(save_product),
        answers_that_reload(create_token),
        answers_that_reload(revoke_token),
        answers_that_reload(save_limit),
    ]);
    // A new gateway token appears at the top of the page, far from the form that asked for it:
    // its heading takes the focus, so that it is read out and scrolled to.
    let token_heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if matches!(create_token.value().get(), Some(Ok(_))) {
            request_animation_frame(move || {
                if let Some(heading) = token_heading.get_untracked() {
                    let _ = heading.focus();
                }
            });
        }
    });
    let overview = Resource::new(move || changes.get(), |_| admin_overview());
    view! {
        <Title text="Admin"/>
        <h1>"Admin"</h1>
        <Notice flag="decided">"Decision saved; the owners have been emailed."</Notice>
        <Notice flag="token_revoked">"Gateway token revoked: gateways using it are refused from their next request."</Notice>
        <Notice flag="rate_limit_saved">"Rate limit saved."</Notice>
        <Notice flag="catalogue_saved">"Saved."</Notice>
        {move || create_token.value().get().and_then(Result::ok).map(|revealed| view! { <SecretBox revealed heading=token_heading/> })}
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || overview.get().map(|overview| match overview {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(AppError::NotFound) => view! { <p>"There is nothing here for your account."</p> }.into_any(),
                Err(error) => view! { <LoadFailed error/> }.into_any(),
                Ok(overview) => view! {
                    <section class="card">
                        <h2>"Waiting for approval"</h2>
                        <ActionAlert action=decide/>
                        {if overview.approvals.is_empty() {
                            view! { <p class="muted">"Nothing is waiting."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {overview.approvals.into_iter().map(|request| {
                                        let what = format!("{} · {} for {} ({}, {})", request.product, request.environment, request.application, request.partner, request.domain);
                                        let (approve_id, reject_id) = (request.credential_id.to_string(), request.credential_id.to_string());
                                        let reason_id = format!("reason-{}", request.credential_id);
                                        let approve_label = format!("Approve {what}");
                                        let reject_label = format!("Reject {what}");
                                        view! {
                                            <li>
                                                <span>{what.clone()}<br/><span class="muted">{format!("requested {}", request.requested_on)}</span></span>
                                                <ActionForm action=decide attr:class="inline-form">
                                                    <input type="hidden" name="credential_id" value=approve_id/>
                                                    <input type="hidden" name="decision" value="approve"/>
                                                    <ActionButton pending=decide.pending() attr:aria-label=approve_label>"Approve"</ActionButton>
                                                </ActionForm>
                                                <Confirm summary="Reject" label=reject_label>
                                                    <ActionForm action=decide attr:class="form compact">
                                                        <input type="hidden" name="credential_id" value=reject_id/>
                                                        <input type="hidden" name="decision" value="reject"/>
                                                        <label for=reason_id.clone()>"Reason (sent to the owners)"</label>
                                                        <input id=reason_id type="text" name="reason" required=true/>
                                                        <ActionButton pending=decide.pending() class="button small danger">"Reject"</ActionButton>
                                                    </ActionForm>
                                                </Confirm>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <CatalogueCard environments=overview.environments.clone() products=overview.products.clone() save_environment save_product/>
                    <GatewayTokensCard tokens=overview.gateway_tokens.clone() environments=overview.environments.clone() create=create_token revoke=revoke_token/>
                    <RateLimitsCard limits=overview.rate_limits.clone() save=save_limit/>
                    <AuditLogCard partners=overview.partners.clone()/>
                    <section class="card">
                        <h2 id="partners-heading">"Partners"</h2>
                        <div class="table-scroll">
                            <table class="stack" aria-labelledby="partners-heading">
                                <thead><tr><th scope="col">"Company"</th><th scope="col">"Domain"</th><th scope="col">"Members"</th><th scope="col">"Applications"</th></tr></thead>
                                <tbody>
                                    {overview.partners.into_iter().map(|p| view! {
                                        <tr>
                                            <td data-label="Company">
                                                <a href=format!("/admin/partners/{}", encode_query_value(&p.domain))>{p.name.clone()}</a><br/>
                                                <a class="small" href=format!("/admin?log_partner={}#audit-log", encode_query_value(&p.domain)) aria-label=format!("Audit log of {}", p.name)>"Audit log"</a>
                                            </td>
                                            <td data-label="Domain">{p.domain}</td>
                                            <td data-label="Members">{p.members}</td>
                                            <td data-label="Applications">{p.applications.join(", ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }.into_any(),
            })}
        </Transition>
    }
}

/// One partner for operators: who they are, who belongs to them, what they have registered, and
/// a way into their audit log. Reached from the Admin page's partner list.
#[component]
pub fn AdminPartnerPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let partner = Resource::new(move || params.read().get("domain").unwrap_or_default(), partner_detail);
    view! {
        <Title text="Partner"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || partner.get().map(|partner| match partner {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <h1>"Partner not found"</h1>
                    <p>"There is no company with this domain, or nothing here for your account. "<a href="/admin">"Back to Admin"</a></p>
                }.into_any(),
                Err(error) => view! { <LoadFailed error heading="Partner"/> }.into_any(),
                Ok(partner) => {
                    let PartnerView { details, created_on, members, applications } = partner;
                    let row = |label: &'static str, value: String| (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> });
                    let audit_link = format!("/admin?log_partner={}#audit-log", encode_query_value(&details.domain));
                    view! {
                        <Title text=details.name.clone()/>
                        <div class="page-heading">
                            <h1>{details.name.clone()}</h1>
                            <a href="/admin">"Admin"</a>
                        </div>
                        <section class="card">
                            <h2>"Company"</h2>
                            <dl class="details">
                                <dt>"Domain"</dt><dd>{details.domain.clone()}</dd>
                                <dt>"On Portico since"</dt><dd>{created_on}</dd>
                                {row("Website", details.website)}
                                {row("Address", details.address)}
                                {row("Country", details.country)}
                                {row("Phone", details.phone)}
                                {row("About", details.description)}
                            </dl>
                            <p><a href=audit_link>"Their audit log"</a></p>
                        </section>
                        <section class="card">
                            <h2 id="members-heading">"Members"</h2>
                            <div class="table-scroll">
                                <table class="stack" aria-labelledby="members-heading">
                                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th></tr></thead>
                                    <tbody>
                                        {members.into_iter().map(|m| view! {
                                            <tr>
                                                <td data-label="Name">{m.name}</td>
                                                <td data-label="Email">{m.email}</td>
                                                <td data-label="Role">{if m.is_admin { "Admin" } else { "Member" }}</td>
                                                <td data-label="Joined">{m.joined_on.unwrap_or_else(|| "Waiting for approval".to_owned())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                        <section class="card">
                            <h2>"Applications"</h2>
                            {if applications.is_empty() {
                                view! { <p class="muted">"No applications yet."</p> }.into_any()
                            } else {
                                view! { <crate::applications::pages::ApplicationTable apps=applications linked=false/> }.into_any()
                            }}
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The audit log, fifty events a page, narrowed by company and by kind of event with a plain GET
/// form, so that filtered views work without JavaScript and can be bookmarked.
#[component]
fn AuditLogCard(partners: Vec<PartnerOverview>) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let filter = Memo::new(move |_| {
        let query = query.read();
        // Pages count from 1 in the address and the first has none, so no value there is ever
        // `1`, which the portal's redirects read as a status flag (`with_flag`).
        let number = query.get("log_page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1);
        let page = number.max(1) - 1;
        (
            page,
            query.get("log_partner").unwrap_or_default(),
            query.get("log_kind").unwrap_or_default(),
        )
    });
    let log = Resource::new(
        move || filter.get(),
        |(page, partner, kind)| audit_log(page, partner, kind),
    );
    // The options' `selected` attributes serve the first render, with or without JavaScript; the
    // selects' values follow the address afterwards, when a link (a partner's "Audit log", "Show
    // everything") changes the filter without a new page.
    let (chosen_partner, chosen_kind) = (filter.get_untracked().1, filter.get_untracked().2);
    // Pager links keep the filters.
    let page_link = move |page: u64| {
        let (_, partner, kind) = filter.get();
        let number = if page > 0 {
            (page + 1).to_string()
        } else {
            String::new()
        };
        let pairs: Vec<String> = [("log_page", number), ("log_partner", partner), ("log_kind", kind)]
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", encode_query_value(&value)))
            .collect();
        format!("/admin?{}#audit-log", pairs.join("&"))
    };
    view! {
        <section class="card wide-table" id="audit-log" aria-labelledby="audit-log-heading">
            <h2 id="audit-log-heading">"Audit log"</h2>
            <form method="get" action="/admin#audit-log" class="filters" aria-label="Filter the audit log">
                <div class="field">
                    <label for="log-partner">"Company"</label>
                    <select id="log-partner" name="log_partner" prop:value=move || filter.get().1>
                        <option value="" selected=chosen_partner.is_empty()>"Every company and the operators"</option>
                        {partners.into_iter().map(|p| {
                            let selected = p.domain == chosen_partner;
                            view! { <option value=p.domain.clone() selected=selected>{format!("{} ({})", p.name, p.domain)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="log-kind">"Events"</label>
                    <select id="log-kind" name="log_kind" prop:value=move || filter.get().2>
                        <option value="" selected=chosen_kind.is_empty()>"Every kind"</option>
                        {AUDIT_KINDS.iter().map(|(value, label, _)| view! {
                            <option value=*value selected=chosen_kind == *value>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button small">"Show events"</button>
                {move || {
                    let (_, partner, kind) = filter.get();
                    (!partner.is_empty() || !kind.is_empty()).then(|| view! { <a href="/admin#audit-log">"Show everything"</a> })
                }}
            </form>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || log.get().map(|log| match log {
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                    Ok(log) => view! {
                        <crate::partners::pages::ActivityTable rows=log.rows.clone()/>
                        <nav class="pager" aria-label="Audit log pages">
                            {(log.page > 0).then(|| view! { <a href=page_link(log.page - 1)>"Newer"</a> })}
                            {log.has_next.then(|| view! { <a href=page_link(log.page + 1)>"Older"</a> })}
                        </nav>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Gateway tokens: what the provider's gateways present to verify credentials. The token is shown
/// once, right after it is created.
#[component]
fn GatewayTokensCard(
    tokens: Vec<GatewayTokenRow>,
    environments: Vec<CatalogueItem>,
    create: ServerAction<CreateGatewayToken>,
    revoke: ServerAction<RevokeGatewayToken>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="gateway-tokens-heading">
            <h2 id="gateway-tokens-heading">"Gateway tokens"</h2>
            <p class="muted">
                "Each gateway sends its token as "<code>"X-Portico-Gateway-Token"</code>" and verifies credentials of its environment only. "
                "See "<a href="/docs#nginx">"the nginx set-up in Docs"</a>"."
            </p>
            <ActionAlert action=create/>
            <ActionAlert action=revoke/>
            <ActionForm action=create attr:class="form inline-fields">
                <div class="field">
                    <label for="gateway-token-environment">"Environment"</label>
                    <select id="gateway-token-environment" name="environment_id">
                        {environments.into_iter().map(|e| view! { <option value=e.id.to_string()>{e.name}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="gateway-token-name">"Gateway name"</label>
                    <input id="gateway-token-name" type="text" name="name" required=true maxlength="100" placeholder="Production nginx"/>
                </div>
                <SubmitButton label="Create gateway token" busy_label="Creating…" pending=create.pending().into()/>
            </ActionForm>
            {(!tokens.is_empty()).then(|| view! {
                <div class="table-scroll">
                    <table class="stack" aria-labelledby="gateway-tokens-heading">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Environment"</th><th scope="col">"Token"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>
                            {tokens.into_iter().map(|token| {
                                let label = format!("Revoke gateway token {}", token.name);
                                view! {
                                    <tr>
                                        <td data-label="Name">{token.name.clone()}</td>
                                        <td data-label="Environment">{token.environment.clone()}</td>
                                        <td data-label="Token"><code>{token.hint.clone()}</code></td>
                                        <td data-label="Created">{token.created_on.clone()}</td>
                                        <td data-label="Last used">{token.last_used.clone().unwrap_or_else(|| "Never".into())}</td>
                                        <td data-label="Actions" class="actions">
                                            {if token.revoked {
                                                view! { <span class="chip state-revoked">"Revoked"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <Confirm summary="Revoke" label=label.clone()>
                                                        <p>"Gateways using this token are refused from their next request."</p>
                                                        <ActionForm action=revoke attr:class="inline-form">
                                                            <input type="hidden" name="id" value=token.id.to_string()/>
                                                            <ActionButton pending=revoke.pending() class="button small danger">{label.clone()}</ActionButton>
                                                        </ActionForm>
                                                    </Confirm>
                                                }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}

/// Requests per minute that each credential of a product gets in an environment, across every
/// Portico instance.
#[component]
fn RateLimitsCard(limits: Vec<RateLimitRow>, save: ServerAction<SaveRateLimit>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="rate-limits-heading">
            <h2 id="rate-limits-heading">"Rate limits"</h2>
            <p class="muted">"Requests per minute for each credential. Over the limit, gateways answer 429 with Retry-After."</p>
            <ActionAlert action=save/>
            <div class="table-scroll">
                <table class="stack" aria-labelledby="rate-limits-heading">
                    <thead><tr><th scope="col">"Product"</th><th scope="col">"Environment"</th><th scope="col">"Requests per minute"</th></tr></thead>
                    <tbody>
                        {limits.into_iter().map(|limit| {
                            let field = format!("rate-limit-{}-{}", limit.product_id, limit.environment_id);
                            let label = format!("Requests per minute for {} in {}", limit.product, limit.environment);
                            view! {
                                <tr>
                                    <td data-label="Product">{limit.product.clone()}</td>
                                    <td data-label="Environment">{limit.environment.clone()}</td>
                                    <td data-label="Requests per minute">
                                        <ActionForm action=save attr:class="limit-form">
                                            <input type="hidden" name="product_id" value=limit.product_id.to_string()/>
                                            <input type="hidden" name="environment_id" value=limit.environment_id.to_string()/>
                                            <label for=field.clone() class="sr-only">{label.clone()}</label>
                                            <input id=field type="number" name="requests_per_minute" min="1" max="1000000" required=true
                                                value=limit.requests_per_minute.to_string() inputmode="numeric"/>
                                            {limit.is_default.then(|| view! { <span class="muted small">"default"</span> })}
                                            <ActionButton pending=save.pending() attr:aria-label=format!("Save: {label}")>"Save"</ActionButton>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn CatalogueCard(
    environments: Vec<CatalogueItem>,
    products: Vec<CatalogueItem>,
    save_environment: ServerAction<SaveEnvironment>,
    save_product: ServerAction<SaveProduct>,
) -> impl IntoView {
    let new_environment = CatalogueItem {
        id: 0,
        slug: String::new(),
        name: String::new(),
        description: String::new(),
        needs_approval: false,
        enabled: true,
        includes: Vec::new(),
    };
    let new_product = new_environment.clone();
    let all_products = products.clone();
    view! {
        <section class="card">
            <h2>"Environments"</h2>
            <ActionAlert action=save_environment/>
            <ul class="plain-list">
                {environments.into_iter().map(|env| view! { <li><EnvironmentEditor item=env action=save_environment/></li> }).collect_view()}
                <li><EnvironmentEditor item=new_environment action=save_environment/></li>
            </ul>
            <h2>"API products"</h2>
            <ActionAlert action=save_product/>
            <ul class="plain-list">
                {products.into_iter().map(|product| view! { <li><ProductEditor item=product all=all_products.clone() action=save_product/></li> }).collect_view()}
                <li><ProductEditor item=new_product all=all_products.clone() action=save_product/></li>
            </ul>
        </section>
    }
}

#[component]
fn EnvironmentEditor(item: CatalogueItem, action: ServerAction<SaveEnvironment>) -> impl IntoView {
    let is_new = item.id == 0;
    let key = if is_new {
        "new-environment".to_owned()
    } else {
        format!("environment-{}", item.id)
    };
    let summary = if is_new {
        "Add environment".to_owned()
    } else {
        let mut flags = Vec::new();
        if item.needs_approval {
            flags.push("needs approval")
        }
        if !item.enabled {
            flags.push("disabled")
        }
        format!(
            "{} ({}){}",
            item.name,
            item.slug,
            if flags.is_empty() {
                String::new()
            } else {
                format!(" · {}", flags.join(", "))
            }
        )
    };
    let [slug_id, name_id, description_id, approval_id, enabled_id] =
        ["slug", "name", "description", "approval", "enabled"].map(|field| format!("{key}-{field}"));
    view! {
        <details class="editor">
            <summary>{summary}</summary>
            <ActionForm action=action attr:class="form compact">
                <input type="hidden" name="id" value=item.id.to_string()/>
                <label for=slug_id.clone()>"Slug"</label>
                <input id=slug_id.clone() type="text" name="slug" value=item.slug.clone() required=true/>
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id.clone() type="text" name="name" value=item.name.clone() required=true/>
                <label for=description_id.clone()>"Description"</label>
                <input id=description_id.clone() type="text" name="description" value=item.description.clone()/>
                <div class="choice">
                    <input id=approval_id.clone() type="checkbox" name="needs_approval" value="on" checked=item.needs_approval/>
                    <label for=approval_id.clone()>"Needs approval"</label>
                </div>
                <div class="choice">
                    <input id=enabled_id.clone() type="checkbox" name="enabled" value="on" checked=item.enabled/>
                    <label for=enabled_id.clone()>"Enabled"</label>
                </div>
                <ActionButton pending=action.pending() class="button small primary">{if is_new { "Add environment" } else { "Save environment" }}</ActionButton>
            </ActionForm>
        </details>
    }
}

#[component]
fn ProductEditor(item: CatalogueItem, all: Vec<CatalogueItem>, action: ServerAction<SaveProduct>) -> impl IntoView {
    let is_new = item.id == 0;
    let key = if is_new {
        "new-product".to_owned()
    } else {
        format!("product-{}", item.id)
    };
    let included: Vec<String> = all
        .iter()
        .filter(|p| item.includes.contains(&p.id))
        .map(|p| p.name.clone())
        .collect();
    let summary = if is_new {
        "Add product".to_owned()
    } else {
        let mut text = format!("{} ({})", item.name, item.slug);
        if !included.is_empty() {
            text.push_str(&format!(" · includes {}", included.join(", ")))
        }
        if !item.enabled {
            text.push_str(" · disabled")
        }
        text
    };
    let [slug_id, name_id, description_id, enabled_id] =
        ["slug", "name", "description", "enabled"].map(|field| format!("{key}-{field}"));
    let others: Vec<CatalogueItem> = all.into_iter().filter(|p| p.id != item.id).collect();
    view! {
        <details class="editor">
            <summary>{summary}</summary>
            <ActionForm action=action attr:class="form compact">
                <input type="hidden" name="id" value=item.id.to_string()/>
                <label for=slug_id.clone()>"Slug"</label>
                <input id=slug_id.clone() type="text" name="slug" value=item.slug.clone() required=true/>
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id.clone() type="text" name="name" value=item.name.clone() required=true/>
                <label for=description_id.clone()>"Description"</label>
                <input id=description_id.clone() type="text" name="description" value=item.description.clone()/>
                <div class="choice">
                    <input id=enabled_id.clone() type="checkbox" name="enabled" value="on" checked=item.enabled/>
                    <label for=enabled_id.clone()>"Enabled"</label>
                </div>
                {(!others.is_empty()).then(|| view! {
                    <fieldset class="choices">
                        <legend>"Includes"</legend>
                        {others.iter().map(|other| {
                            let id = format!("{key}-includes-{}", other.id);
                            view! {
                                <div class="choice">
                                    <input id=id.clone() type="checkbox" name="includes[]" value=other.id.to_string() checked=item.includes.contains(&other.id)/>
                                    <label for=id>{other.name.clone()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <ActionButton pending=action.pending() class="button small primary">{if is_new { "Add product" } else { "Save product" }}</ActionButton>
            </ActionForm>
        </details>
    }
}
