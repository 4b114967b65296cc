//! The Company page (details, members, invitations, settings), its Activity tab, and the page an
//! invitation link opens. Destructive actions sit behind a `<details>` disclosure that asks for
//! confirmation, which works with and without JavaScript.

use super::api::*;
use crate::error::AppError;
use crate::ui::{
    ActionAlert, ActionButton, Confirm, FormAlert, FormFlashLoader, LoadFailed, Notice, SignInRedirect, SubmitButton,
    TextField, action_error, answers_that_reload, initial_value, reload_total,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Every action of the Company page. The page reloads its data whenever one of them completes, so
/// the page shows the outcome without a manual reload.
#[derive(Clone, Copy)]
struct CompanyActions {
    save: ServerAction<SaveCompany>,
    join: ServerAction<JoinCompany>,
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
    decide: ServerAction<DecideMemberRequest>,
    send: ServerAction<SendInvitation>,
    resend: ServerAction<ResendInvitation>,
    cancel: ServerAction<CancelInvitation>,
    approval: ServerAction<SetMemberApproval>,
}

impl CompanyActions {
    fn new() -> Self {
        Self {
            save: ServerAction::new(),
            join: ServerAction::new(),
            change_role: ServerAction::new(),
            remove: ServerAction::new(),
            decide: ServerAction::new(),
            send: ServerAction::new(),
            resend: ServerAction::new(),
            cancel: ServerAction::new(),
            approval: ServerAction::new(),
        }
    }

    /// How many of these actions have gone through: the page reads the company again after each,
    /// and not after a refused one, whose form keeps what was typed. Call once per page.
    fn succeeded(&self) -> Signal<usize> {
        reload_total([
            answers_that_reload(self.save),
            answers_that_reload(self.join),
            answers_that_reload(self.change_role),
            answers_that_reload(self.remove),
            answers_that_reload(self.decide),
            answers_that_reload(self.send),
            answers_that_reload(self.resend),
            answers_that_reload(self.cancel),
            answers_that_reload(self.approval),
        ])
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    let actions = CompanyActions::new();
    provide_context(actions);
    let succeeded = actions.succeeded();
    let overview = Resource::new(move || succeeded.get(), |_| company_overview());
    view! {
        <Title text="Company"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading your company…"</p> }>
            {move || overview.get().map(|overview| match overview {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(error) => view! { <LoadFailed error heading="Company"/> }.into_any(),
                Ok(CompanyState::PublicDomain { domain }) => view! {
                    <h1>"Company"</h1>
                    <section class="card">
                        <h2>"Use your work address to join a company"</h2>
                        <p>{format!("Your account uses {domain}, a public email provider. Companies on Portico are formed by their work email domain, so addresses at public providers cannot set up or join one.")}</p>
                        <p>"You can keep using your account, but to register applications, sign up again with your company address (for example you@yourcompany.com)."</p>
                    </section>
                }.into_any(),
                Ok(CompanyState::NoPartner { domain }) => view! {
                    <h1>"Set up your company"</h1>
                    <p class="muted">{format!("Nobody from {domain} has set up a company yet. Save the details below to create it: you become its admin, and colleagues who verify an address at {domain} join it.")}</p>
                    <CompanyForm details=CompanyDetails {
                        domain, name: String::new(), website: String::new(), address: String::new(),
                        country: String::new(), phone: String::new(), description: String::new(),
                    }/>
                }.into_any(),
                Ok(CompanyState::Joinable { name }) => view! { <JoinCompany name/> }.into_any(),
                Ok(CompanyState::Pending { name }) => view! {
                    <h1>{name.clone()}</h1>
                    <p class="notice warning" role="status">{format!("{name} approves new members. Your request is waiting for an admin; we will email you when they decide.")}</p>
                }.into_any(),
                Ok(CompanyState::Member(company)) => view! { <CompanyView company=*company/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn JoinCompany(name: String) -> impl IntoView {
    let action = expect_context::<CompanyActions>().join;
    view! {
        <h1>{name.clone()}</h1>
        <section class="card">
            <p>{format!("{name} is already on Portico for your email domain.")}</p>
            <FormFlashLoader endpoint="join_company" children=move |flash| {
                let error = action_error(action, &flash);
                view! {
                    <ActionForm action=action attr:class="form">
                        <FormAlert error=error/>
                        <SubmitButton label="Join company" busy_label="Joining…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
        </section>
    }
}

#[component]
fn CompanyView(company: Company) -> impl IntoView {
    let Company {
        details,
        is_admin,
        members,
        pending,
        invitations,
        new_members_need_approval,
    } = company;
    let name = details.name.clone();
    view! {
        <div class="page-heading">
            <h1>{name.clone()}</h1>
            {is_admin.then(|| view! { <CompanyTabs/> })}
        </div>
        <Notice flag="welcome">{format!("Welcome to {name}.")}</Notice>
        <Notice flag="saved">"Company saved."</Notice>
        <Notice flag="invited">"Invitation sent."</Notice>
        <Notice flag="resent">"Invitation sent again with a new link; the old link no longer works."</Notice>
        <Notice flag="cancelled">"Invitation cancelled: its link no longer works."</Notice>
        <Notice flag="removed">"Member removed."</Notice>
        <Notice flag="role_changed">"Role changed."</Notice>
        <Notice flag="approved">"Request approved: they are a member now."</Notice>
        <Notice flag="declined">"Request declined."</Notice>
        {if is_admin {
            view! { <CompanyForm details=details.clone()/> }.into_any()
        } else {
            view! { <CompanyCard details=details.clone()/> }.into_any()
        }}
        <MembersCard members is_admin/>
        {is_admin.then(|| view! {
            {(!pending.is_empty()).then(|| view! { <PendingCard pending=pending.clone()/> })}
            <InvitationsCard invitations=invitations.clone() domain=details.domain.clone()/>
            <ApprovalSettingCard required=new_members_need_approval/>
        })}
    }
}

#[component]
fn CompanyCard(details: CompanyDetails) -> impl IntoView {
    let row =
        |label: &'static str, value: String| (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> });
    view! {
        <section class="card">
            <h2>"Company details"</h2>
            <dl class="details">
                <dt>"Domain"</dt><dd>{details.domain.clone()}</dd>
                {row("Website", details.website.clone())}
                {row("Address", details.address.clone())}
                {row("Country", details.country.clone())}
                {row("Phone", details.phone.clone())}
                {row("Description", details.description.clone())}
            </dl>
            <p class="muted">"Only company admins can change these details."</p>
        </section>
    }
}

#[component]
fn CompanyForm(details: CompanyDetails) -> impl IntoView {
    let action = expect_context::<CompanyActions>().save;
    view! {
        <section class="card">
            <h2>"Company details"</h2>
            <FormFlashLoader endpoint="save_company" children=move |flash| {
                let error = action_error(action, &flash);
                let d = details.clone();
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <div class="field">
                            <label for="field-domain">"Email domain"</label>
                            <input id="field-domain" type="text" value=d.domain.clone() readonly=true aria-describedby="field-domain-hint"/>
                            <p class="hint" id="field-domain-hint">"Developers who verify an address at this domain join the company."</p>
                        </div>
                        <TextField label="Company name" name="name" autocomplete="organization" required=true value=initial_value(&flash, "name", d.name.clone()) error=error/>
                        <TextField label="Website" name="website" input_type="url" autocomplete="url" value=initial_value(&flash, "website", d.website.clone()) error=error/>
                        <TextField label="Address" name="address" autocomplete="street-address" value=initial_value(&flash, "address", d.address.clone()) error=error/>
                        <TextField label="Country" name="country" autocomplete="country-name" value=initial_value(&flash, "country", d.country.clone()) error=error/>
                        <TextField label="Phone" name="phone" input_type="tel" autocomplete="tel" value=initial_value(&flash, "phone", d.phone.clone()) error=error/>
                        <TextField label="Description" name="description" hint="What your company does, in a sentence or two." value=initial_value(&flash, "description", d.description.clone()) error=error/>
                        <SubmitButton label="Save company" busy_label="Saving…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
        </section>
    }
}

#[component]
fn MembersCard(members: Vec<MemberRow>, is_admin: bool) -> impl IntoView {
    let CompanyActions {
        change_role, remove, ..
    } = expect_context();
    // The last admin can be neither demoted nor removed (the server refuses both), so neither is
    // offered; the row says why.
    let sole_admin = members.iter().filter(|m| m.is_admin).count() == 1;
    view! {
        <section class="card">
            <h2 id="members-heading">"Members"</h2>
            <ActionAlert action=remove/>
            <ActionAlert action=change_role/>
            <div class="table-scroll">
                <table class="stack" aria-labelledby="members-heading">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th>{is_admin.then(|| view! { <th scope="col">"Actions"</th> })}</tr></thead>
                    <tbody>
                        {members.into_iter().map(|m| {
                            let role = if m.is_admin { "Admin" } else { "Member" };
                            let label = if m.is_you { format!("{} (you)", m.name) } else { m.name.clone() };
                            let (next_role, next_label) = if m.is_admin { ("member", "Make member") } else { ("admin", "Make admin") };
                            let actions = is_admin.then(|| {
                                if m.is_admin && sole_admin {
                                    let note = if m.is_you { "You are the only admin: make someone else an admin before you step down or leave." } else { "The only admin: make someone else an admin first." };
                                    return view! { <td data-label="Actions" class="actions"><span class="muted small">{note}</span></td> }.into_any();
                                }
                                let (role_id, remove_id) = (m.id.to_string(), m.id.to_string());
                                let role_aria = format!("{next_label}: {}", m.name);
                                let remove_aria = format!("Remove {}", m.name);
                                let remove_button = remove_aria.clone();
                                let question = if m.is_you {
                                    "Leave the company? You lose access to its applications at once.".to_owned()
                                } else {
                                    format!("Remove {} from the company? They lose access at once.", m.name)
                                };
                                view! {
                                    <td class="actions">
                                        {role_change(change_role, role_id, next_role, next_label, role_aria, m.is_admin.then(|| {
                                            let whose = if m.is_you { "your".to_owned() } else { format!("{}'s", m.name) };
                                            format!("This takes away {whose} admin rights: editing the company page and managing members.")
                                        }))}
                                        <Confirm summary="Remove" label=remove_aria>
                                            <p>{question}</p>
                                            <ActionForm action=remove attr:class="inline-form">
                                                <input type="hidden" name="member_id" value=remove_id/>
                                                <ActionButton pending=remove.pending() class="button small danger">{remove_button}</ActionButton>
                                            </ActionForm>
                                        </Confirm>
                                    </td>
                                }
                                .into_any()
                            });
                            view! {
                                <tr>
                                    <td data-label="Name">{label}</td>
                                    <td data-label="Email">{m.email.clone()}</td>
                                    <td data-label="Role">{role}</td>
                                    <td data-label="Joined" class="date">{m.joined_on.clone().unwrap_or_default()}</td>
                                    {actions}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A member's role button. Making someone an admin takes nothing away and happens at once; taking
/// admin rights away (`warning` says whose and what) asks first.
fn role_change(
    change_role: ServerAction<ChangeMemberRole>,
    member_id: String,
    next_role: &'static str,
    next_label: &'static str,
    aria_label: String,
    warning: Option<String>,
) -> impl IntoView {
    let form = move |label: String| {
        view! {
            <ActionForm action=change_role attr:class="inline-form">
                <input type="hidden" name="member_id" value=member_id/>
                <input type="hidden" name="role" value=next_role/>
                <ActionButton pending=change_role.pending() attr:aria-label=label>{next_label}</ActionButton>
            </ActionForm>
        }
    };
    match warning {
        None => form(aria_label).into_any(),
        Some(warning) => view! {
            <Confirm summary=next_label label=aria_label.clone() class="button small">
                <p>{warning}</p>
                {form(format!("Confirm: {aria_label}"))}
            </Confirm>
        }
        .into_any(),
    }
}

#[component]
fn PendingCard(pending: Vec<MemberRow>) -> impl IntoView {
    let decide = expect_context::<CompanyActions>().decide;
    view! {
        <section class="card">
            <h2>"Waiting for approval"</h2>
            <ActionAlert action=decide/>
            <ul class="plain-list">
                {pending.into_iter().map(|m| {
                    let (approve_id, decline_id) = (m.id.to_string(), m.id.to_string());
                    let who = format!("{} ({})", m.name, m.email);
                    let (approve_aria, decline_aria) = (format!("Approve {}", m.name), format!("Decline {}", m.name));
                    view! {
                        <li>
                            <span>{who}</span>
                            <ActionForm action=decide attr:class="inline-form">
                                <input type="hidden" name="member_id" value=approve_id/>
                                <input type="hidden" name="decision" value="approve"/>
                                <ActionButton pending=decide.pending() attr:aria-label=approve_aria>"Approve"</ActionButton>
                            </ActionForm>
                            <Confirm summary="Decline" label=decline_aria.clone()>
                                <p>{format!("{} will not join the company. They can ask again.", m.name)}</p>
                                <ActionForm action=decide attr:class="inline-form">
                                    <input type="hidden" name="member_id" value=decline_id/>
                                    <input type="hidden" name="decision" value="decline"/>
                                    <ActionButton pending=decide.pending() class="button small danger">{decline_aria}</ActionButton>
                                </ActionForm>
                            </Confirm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn InvitationsCard(invitations: Vec<InvitationRow>, domain: String) -> impl IntoView {
    let CompanyActions {
        send, resend, cancel, ..
    } = expect_context();
    let hint: &'static str = "Colleagues only: the address must be at your company's domain.";
    view! {
        <section class="card">
            <h2>"Invite a colleague"</h2>
            <p class="muted">{format!("Invitations go to addresses at {domain}. The link works once and expires after 7 days.")}</p>
            <FormFlashLoader endpoint="send_invitation" children=move |flash| {
                let error = action_error(send, &flash);
                view! {
                    <ActionForm action=send attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <TextField label="Email" name="email" input_type="email" autocomplete="off" required=true hint=hint value=initial_value(&flash, "email", "") error=error/>
                        <SubmitButton label="Send invitation" busy_label="Sending…" pending=send.pending().into()/>
                    </ActionForm>
                }
            }/>
            {(!invitations.is_empty()).then(|| view! {
                <h3>"Pending invitations"</h3>
                <PendingInvitations invitations=invitations.clone() resend cancel/>
            })}
        </section>
    }
}

/// Open invitations, each with what accepting it gives, and buttons to send it again or withdraw
/// it. On the Company page (admins, every invitation) and on an application's page (the
/// invitations to become its co-owner).
#[component]
pub fn PendingInvitations(
    invitations: Vec<InvitationRow>,
    resend: ServerAction<ResendInvitation>,
    cancel: ServerAction<CancelInvitation>,
) -> impl IntoView {
    view! {
        <ActionAlert action=resend/>
        <ActionAlert action=cancel/>
        <ul class="plain-list">
            {invitations.into_iter().map(|i| {
                let (resend_id, cancel_id) = (i.id.to_string(), i.id.to_string());
                let status = if i.expired { format!("expired (sent {})", i.sent_on) } else { format!("sent {}", i.sent_on) };
                let role = (!i.applications.is_empty()).then(|| format!(" · co-owner of {}", i.applications.join(", ")));
                let resend_aria = format!("Resend invitation to {}", i.email);
                let cancel_aria = format!("Cancel invitation to {}", i.email);
                view! {
                    <li>
                        <span>{i.email.clone()}{role}" · "<span class="muted nowrap">{status}</span></span>
                        <ActionForm action=resend attr:class="inline-form">
                            <input type="hidden" name="invitation_id" value=resend_id/>
                            <ActionButton pending=resend.pending() attr:aria-label=resend_aria>"Resend"</ActionButton>
                        </ActionForm>
                        <Confirm summary="Cancel" label=cancel_aria.clone()>
                            <p>"The link in the invitation stops working at once."</p>
                            <ActionForm action=cancel attr:class="inline-form">
                                <input type="hidden" name="invitation_id" value=cancel_id/>
                                <ActionButton pending=cancel.pending() class="button small danger">{cancel_aria}</ActionButton>
                            </ActionForm>
                        </Confirm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn ApprovalSettingCard(required: bool) -> impl IntoView {
    let action = expect_context::<CompanyActions>().approval;
    view! {
        <section class="card">
            <h2>"Joining"</h2>
            <Notice flag="settings_saved">"Setting saved."</Notice>
            <ActionAlert action/>
            <ActionForm action=action attr:class="form">
                <div class="field checkbox">
                    <input id="field-required" type="checkbox" name="required" value="on" checked=required aria-describedby="field-required-hint"/>
                    <label for="field-required">"New members need approval"</label>
                    <p class="hint" id="field-required-hint">"When on, colleagues who verify an address at your domain wait until an admin approves them. Invited colleagues join at once."</p>
                </div>
                <SubmitButton label="Save setting" busy_label="Saving…" pending=action.pending().into()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn CompanyActivityPage() -> impl IntoView {
    let query = use_query_map();
    let page = Signal::derive(move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let activity = Resource::new(move || page.get(), company_activity);
    view! {
        <Title text="Company activity"/>
        <div class="page-heading">
            <h1>"Activity"</h1>
            <CompanyTabs/>
        </div>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading activity…"</p> }>
            {move || activity.get().map(|activity| match activity {
                Err(AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(AppError::Forbidden) | Err(AppError::NotFound) => view! {
                    <p class="form-alert" role="alert">"Only company admins can see the activity log."</p>
                }.into_any(),
                Err(error) => view! { <LoadFailed error/> }.into_any(),
                Ok(activity) => view! {
                    <section class="card wide-table">
                        <ActivityTable rows=activity.rows.clone()/>
                        <nav class="pager" aria-label="Pages">
                            {(activity.page > 0).then(|| view! { <A href=format!("/company/activity?page={}", activity.page - 1)>"Newer"</A> })}
                            {activity.has_next.then(|| view! { <A href=format!("/company/activity?page={}", activity.page + 1)>"Older"</A> })}
                        </nav>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    let invitation = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        get_invitation,
    );
    view! {
        <Title text="Invitation"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Checking your invitation…"</p> }>
                {move || invitation.get().map(|invitation| match invitation {
                    Err(error) => view! {
                        <h1>"Invitation"</h1>
                        <p class="form-alert" role="alert">{error.form_message().unwrap_or_else(|| error.to_string())}</p>
                    }.into_any(),
                    Ok(view) => view! { <InvitationDetails view token=token.clone()/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn InvitationDetails(view: InvitationView, token: String) -> impl IntoView {
    let heading = format!("Join {} on Portico", view.partner_name);
    let intro = format!(
        "{} invited {} to join {}.",
        view.inviter_name, view.email, view.partner_name
    );
    let body = match (&view.signed_in_as, view.account_exists) {
        (Some(signed_in), _) if signed_in.eq_ignore_ascii_case(&view.email) => view! { <AcceptAsSignedIn token/> }.into_any(),
        (Some(signed_in), _) => view! {
            <p class="form-alert" role="alert">{format!("You are signed in as {signed_in}, but this invitation is for {}. Sign out, then sign in with the invited address.", view.email)}</p>
        }.into_any(),
        (None, true) => view! {
            <p>"You already have an account with this address. Sign in, then open the invitation link again to accept it."</p>
            <p><A href="/signin" attr:class="button primary">"Sign in"</A></p>
        }.into_any(),
        (None, false) => view! { <AcceptWithSignUp token email=view.email.clone()/> }.into_any(),
    };
    view! {
        <h1>{heading}</h1>
        <p>{intro}</p>
        {body}
    }
}

#[component]
fn AcceptAsSignedIn(token: String) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    view! {
        <FormFlashLoader endpoint="accept_invitation" children=move |flash| {
            let error = action_error(action, &flash);
            let token = token.clone();
            view! {
                <ActionForm action=action attr:class="form">
                    <FormAlert error=error/>
                    <input type="hidden" name="token" value=token/>
                    <SubmitButton label="Accept invitation" busy_label="Joining…" pending=action.pending().into()/>
                </ActionForm>
            }
        }/>
    }
}

#[component]
fn AcceptWithSignUp(token: String, email: String) -> impl IntoView {
    let action = ServerAction::<AcceptInvitationSignUp>::new();
    view! {
        <p class="muted">"Create your account to accept. Following the invitation link has proved your address, so there is nothing else to verify."</p>
        <FormFlashLoader endpoint="accept_invitation_sign_up" children=move |flash| {
            let error = action_error(action, &flash);
            let (token, email) = (token.clone(), email.clone());
            view! {
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert error=error/>
                    <input type="hidden" name="token" value=token/>
                    <div class="field">
                        <label for="field-invited-email">"Email"</label>
                        <input id="field-invited-email" type="email" value=email readonly=true/>
                    </div>
                    <TextField label="Full name" name="full_name" autocomplete="name" required=true value=initial_value(&flash, "full_name", "") error=error/>
                    <TextField label="Password" name="password" input_type="password" autocomplete="new-password" required=true hint="12 to 128 characters." error=error/>
                    <SubmitButton label="Create account and join" busy_label="Creating account…" pending=action.pending().into()/>
                </ActionForm>
            }
        }/>
    }
}

/// An audit action (`credential.rolled`) as a person reads it ("Credential rolled"). The page keeps
/// the code beside it: it is what the audit log stores and what operators search for.
pub fn action_label(action: &str) -> String {
    let (subject, verb) = action.split_once('.').unwrap_or(("", action));
    let subject = match subject {
        "partner" => "Company",
        "member" => "Member",
        "invitation" => "Invitation",
        "account" => "Account",
        "application" => "Application",
        "credential" => "Credential",
        "oauth_client" => "OAuth client",
        "gateway_token" => "Gateway token",
        "rate_limit" => "Rate limit",
        "catalogue" => "Catalogue",
        _ => "",
    };
    let verb = verb.replace('_', " ");
    match (subject.is_empty(), verb.is_empty()) {
        (true, _) => verb,
        (false, true) => subject.to_owned(),
        (false, false) => format!("{subject} {verb}"),
    }
}

/// The Company page's two tabs. "Details" is the current page only at `/company` itself: the
/// router marks a link current for every path under it, which would mark both on the Activity tab.
#[component]
fn CompanyTabs() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Company">
            <A href="/company" exact=true>"Details"</A>
            <A href="/company/activity">"Activity"</A>
        </nav>
    }
}

/// Audit events, newest first: when, who, what, on which object, from where.
#[component]
pub fn ActivityTable(rows: Vec<ActivityRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Nothing has happened here yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="stack" aria-label="Activity">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Object"</th><th scope="col">"From"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            <td data-label="When" class="date">{row.when}</td>
                            <td data-label="Who">{row.actor}</td>
                            <td data-label="What">{action_label(&row.action)}<br/><code class="muted small event-code">{row.action}</code></td>
                            <td data-label="Object">
                                {row.object_name.map(|name| view! { {name}<br/> })}
                                <code class="muted small">{row.object}</code>
                            </td>
                            <td data-label="From">{row.client_ip}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::action_label;

    #[test]
    fn audit_actions_read_as_sentences() {
        assert_eq!(action_label("credential.rolled"), "Credential rolled");
        assert_eq!(action_label("partner.created"), "Company created");
        assert_eq!(action_label("gateway_token.revoked"), "Gateway token revoked");
        assert_eq!(action_label("oauth_client.rolled"), "OAuth client rolled");
        assert_eq!(action_label("account.signed_in"), "Account signed in");
        assert_eq!(action_label("application.scope_changed"), "Application scope changed");
        assert_eq!(action_label("something_new"), "something new");
    }
}
