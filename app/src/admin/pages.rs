//! The operator's Admin page: the approvals queue and every partner.

use super::api::*;
use crate::error::AppError;
use crate::ui::{FormAlert, FormFlashLoader, action_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AdminPage() -> impl IntoView {
    let decide = ServerAction::<DecideApproval>::new();
    let overview = Resource::new(move || decide.version().get(), |_| admin_overview());
    view! {
        <Title text="Admin"/>
        <h1>"Admin"</h1>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || overview.get().map(|overview| match overview {
                Err(AppError::Unauthenticated) => view! { <Redirect path="/signin"/> }.into_any(),
                Err(AppError::NotFound) => view! { <p>"There is nothing here for your account."</p> }.into_any(),
                Err(error) => view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any(),
                Ok(overview) => view! {
                    <section class="card">
                        <h2>"Waiting for approval"</h2>
                        <FormFlashLoader endpoint="decide_approval" children=move |flash| {
                            let error = action_error(decide, &flash);
                            view! { <FormAlert error=error/> }
                        }/>
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
                                                    <button type="submit" class="button small" aria-label=approve_label>"Approve"</button>
                                                </ActionForm>
                                                <details class="confirm">
                                                    <summary class="button small danger" aria-label=reject_label>"Reject"</summary>
                                                    <div class="confirm-body">
                                                        <ActionForm action=decide attr:class="form compact">
                                                            <input type="hidden" name="credential_id" value=reject_id/>
                                                            <input type="hidden" name="decision" value="reject"/>
                                                            <label for=reason_id.clone()>"Reason (sent to the owners)"</label>
                                                            <input id=reason_id type="text" name="reason" required=true/>
                                                            <button type="submit" class="button small danger">"Reject"</button>
                                                        </ActionForm>
                                                    </div>
                                                </details>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <AuditLogCard/>
                    <section class="card">
                        <h2>"Partners"</h2>
                        <div class="table-scroll">
                            <table class="stack">
                                <thead><tr><th scope="col">"Company"</th><th scope="col">"Domain"</th><th scope="col">"Members"</th><th scope="col">"Applications"</th></tr></thead>
                                <tbody>
                                    {overview.partners.into_iter().map(|p| view! {
                                        <tr>
                                            <td data-label="Company">{p.name}</td>
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

#[component]
fn AuditLogCard() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let page = Signal::derive(move || {
        query
            .read()
            .get("log_page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let log = Resource::new(move || page.get(), audit_log);
    view! {
        <section class="card">
            <h2>"Audit log"</h2>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || log.get().map(|log| match log {
                    Err(error) => view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any(),
                    Ok(log) => view! {
                        <crate::partners::pages::ActivityTable rows=log.rows.clone()/>
                        <nav class="pager" aria-label="Audit log pages">
                            {(log.page > 0).then(|| view! { <a href=format!("/admin?log_page={}", log.page - 1)>"Newer"</a> })}
                            {log.has_next.then(|| view! { <a href=format!("/admin?log_page={}", log.page + 1)>"Older"</a> })}
                        </nav>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
