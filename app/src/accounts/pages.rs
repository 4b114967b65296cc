//! The account pages. Every form is an `ActionForm`: hydrated, it posts with fetch and shows errors
//! in place; with JavaScript off, it is a plain form post whose errors come back through the flash.

use super::api::*;
use crate::ui::{
    FormAlert, FormFlashLoader, LoadFailed, Notice, SignInRedirect, SubmitButton, TextField, action_error,
    answers_that_reload, has_flag, initial_value,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

const PASSWORD_HINT: &str = "12 to 128 characters. A few unrelated words make a strong, memorable password.";

fn query_value(name: &'static str) -> String {
    use_query_map().read_untracked().get(name).unwrap_or_default()
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    view! {
        <Title text="Create your account"/>
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"Use your work email: colleagues at the same company are grouped into one partner organisation."</p>
            <FormFlashLoader endpoint="sign_up" children=move |flash| {
                let error = action_error(action, &flash);
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <TextField label="Full name" name="full_name" autocomplete="name" required=true value=initial_value(&flash, "full_name", "") error=error/>
                        <TextField label="Email" name="email" input_type="email" autocomplete="email" required=true value=initial_value(&flash, "email", "") error=error/>
                        <TextField label="Password" name="password" input_type="password" autocomplete="new-password" required=true hint=PASSWORD_HINT error=error/>
                        <SubmitButton label="Create account" busy_label="Creating account…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
            <p>"Already have an account? "<A href="/signin">"Sign in"</A></p>
        </section>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let resent = has_flag("resent");
    view! {
        <Title text="Check your email"/>
        <section class="card narrow">
            <h1>"Check your email"</h1>
            <p role="status">
                {move || if resent.get() {
                    "If that address has an account waiting for verification, we have sent it a new link."
                } else {
                    "We have sent a link to the address you gave. Open it to verify your address, then sign in. The link works for 24 hours."
                }}
            </p>
            <ResendVerificationForm/>
        </section>
    }
}

#[component]
fn ResendVerificationForm() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    view! {
        <h2 class="subheading">"Didn't get it?"</h2>
        <p class="muted">"Check your spam folder, or ask for a new link."</p>
        <FormFlashLoader endpoint="resend_verification" children=move |flash| {
            let error = action_error(action, &flash);
            view! {
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert error=error/>
                    <TextField label="Email" name="email" input_type="email" autocomplete="email" required=true value=initial_value(&flash, "email", "") error=error/>
                    <SubmitButton label="Resend verification email" busy_label="Sending…" pending=action.pending().into()/>
                </ActionForm>
            }
        }/>
    }
}

#[component]
pub fn ResendVerificationPage() -> impl IntoView {
    view! {
        <Title text="Resend verification email"/>
        <section class="card narrow">
            <h1>"Resend verification email"</h1>
            <ResendVerificationForm/>
        </section>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let token = query_value("token");
    view! {
        <Title text="Verify your email address"/>
        <section class="card narrow">
            <h1>"Verify your email address"</h1>
            <p>"Confirm that this address is yours to activate your account."</p>
            <FormFlashLoader endpoint="verify_email" children=move |flash| {
                let error = action_error(action, &flash);
                let token = token.clone();
                view! {
                    <ActionForm action=action attr:class="form">
                        <FormAlert error=error/>
                        <input type="hidden" name="token" value=token/>
                        <SubmitButton label="Verify email address" busy_label="Verifying…" pending=action.pending().into()/>
                    </ActionForm>
                    <p class="muted">"Link expired? "<A href="/resend-verification">"Get a new verification link"</A></p>
                }
            }/>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    // Where to go once signed in: the page that sent the visitor here, if it did.
    let query = leptos_router::hooks::use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in to Portico"</h1>
            <Notice flag="verified">"Your email address is verified. Sign in to continue."</Notice>
            <Notice flag="reset">"Your password has been changed and every session was signed out. Sign in with your new password."</Notice>
            <Notice flag="signed_out">"You have signed out."</Notice>
            <FormFlashLoader endpoint="sign_in" children=move |flash| {
                let error = action_error(action, &flash);
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <TextField label="Email" name="email" input_type="email" autocomplete="username" required=true value=initial_value(&flash, "email", "") error=error/>
                        <TextField label="Password" name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                        <input type="hidden" name="next" value=initial_value(&flash, "next", next())/>
                        <SubmitButton label="Sign in" busy_label="Signing in…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
            <p><A href="/forgot-password">"Forgot password?"</A></p>
            <p class="muted">"New to Portico? "<A href="/signup">"Create an account"</A>". Didn't get your verification email? "<A href="/resend-verification">"Resend it"</A>"."</p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    view! {
        <Title text="Reset your password"/>
        <section class="card narrow">
            <h1>"Reset your password"</h1>
            <p class="muted">"Enter the address of your account and we will email you a link to choose a new password."</p>
            <FormFlashLoader endpoint="forgot_password" children=move |flash| {
                let error = action_error(action, &flash);
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <TextField label="Email" name="email" input_type="email" autocomplete="email" required=true value=initial_value(&flash, "email", "") error=error/>
                        <SubmitButton label="Send reset link" busy_label="Sending…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
            <p><A href="/signin">"Back to sign in"</A></p>
        </section>
    }
}

#[component]
pub fn ResetSentPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="card narrow">
            <h1>"Check your email"</h1>
            <p role="status">"If an account exists for that address, we have sent it a link to reset the password. The link works once, for 1 hour."</p>
            <p><A href="/signin">"Back to sign in"</A></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let token = query_value("token");
    let check = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        check_reset_token,
    );
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Checking your link…"</p> }>
                {move || check.get().map(|checked| match checked {
                    Err(error) => view! {
                        <p class="form-alert" role="alert">{error.form_message().unwrap_or_else(|| error.to_string())}</p>
                        <p><A href="/forgot-password">"Send a new reset link"</A></p>
                    }.into_any(),
                    Ok(()) => {
                        let token = token.clone();
                        view! {
                            <FormFlashLoader endpoint="reset_password" children=move |flash| {
                                let error = action_error(action, &flash);
                                let token = token.clone();
                                view! {
                                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                                        <FormAlert error=error/>
                                        <input type="hidden" name="token" value=token/>
                                        <TextField label="New password" name="new_password" input_type="password" autocomplete="new-password" required=true hint=PASSWORD_HINT error=error/>
                                        <SubmitButton label="Set new password" busy_label="Saving…" pending=action.pending().into()/>
                                    </ActionForm>
                                }
                            }/>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let save = ServerAction::<SaveProfile>::new();
    // Reloaded after each save that went through, so "complete your profile" goes away without a
    // reload; a refused save leaves the form as typed.
    let saved = answers_that_reload(save);
    let profile = Resource::new(move || saved.get(), |_| get_profile());
    view! {
        <Title text="Profile"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading your profile…"</p> }>
            {move || profile.get().map(|profile| match profile {
                Err(crate::error::AppError::Unauthenticated) => view! { <SignInRedirect/> }.into_any(),
                Err(error) => view! { <LoadFailed error heading="Your profile"/> }.into_any(),
                Ok(profile) => view! {
                    <h1>"Your profile"</h1>
                    <Notice flag="saved">"Profile saved."</Notice>
                    <Notice flag="password_changed">"Password changed. Your other sessions have been signed out."</Notice>
                    {(!profile.is_complete).then(|| view! {
                        <p class="notice warning">"Complete your profile (your name and acceptance of the terms) before you register applications."</p>
                    })}
                    <ProfileForm profile=profile.clone() action=save/>
                    <ChangePasswordForm/>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ProfileForm(profile: Profile, action: ServerAction<SaveProfile>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Details"</h2>
            <FormFlashLoader endpoint="save_profile" children=move |flash| {
                let error = action_error(action, &flash);
                let profile = profile.clone();
                let accepted = profile.terms_accepted_on.clone();
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <div class="field">
                            <label for="field-email">"Email"</label>
                            <input id="field-email" type="email" value=profile.email.clone() readonly=true aria-describedby="field-email-hint"/>
                            <p class="hint" id="field-email-hint">"Your sign-in address. It decides which partner organisation you belong to."</p>
                        </div>
                        <TextField label="Full name" name="full_name" autocomplete="name" required=true value=initial_value(&flash, "full_name", profile.full_name.clone()) error=error/>
                        <TextField label="Job title" name="job_title" autocomplete="organization-title" value=initial_value(&flash, "job_title", profile.job_title.clone()) error=error/>
                        <TextField label="Phone" name="phone" input_type="tel" autocomplete="tel" hint="Optional." value=initial_value(&flash, "phone", profile.phone.clone()) error=error/>
                        <div class="field checkbox">
                            <input id="field-accept_terms" type="checkbox" name="accept_terms" value="on" aria-describedby="field-accept_terms-hint"
                                checked=if flash.error.is_some() { flash.values.contains_key("accept_terms") } else { accepted.is_some() }/>
                            <label for="field-accept_terms">"I accept the terms and conditions"</label>
                            <p class="hint" id="field-accept_terms-hint">
                                {match accepted.clone() {
                                    Some(on) => format!("Accepted on {on} (version {}). ", profile.terms_version),
                                    None => format!("Version {}. ", profile.terms_version),
                                }}
                                // A new tab keeps what was typed here; the link says it opens one.
                                <a href="/terms" target="_blank" rel="noopener">"Read the terms (opens in a new tab)"</a>
                            </p>
                        </div>
                        <SubmitButton label="Save profile" busy_label="Saving…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            <p class="muted">"Changing your password signs out every other session of your account."</p>
            <FormFlashLoader endpoint="change_password" children=move |flash| {
                let error = action_error(action, &flash);
                view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormAlert error=error/>
                        <TextField label="Current password" name="current_password" input_type="password" autocomplete="current-password" required=true error=error/>
                        <TextField label="New password" name="new_password" input_type="password" autocomplete="new-password" required=true hint=PASSWORD_HINT error=error/>
                        <SubmitButton label="Change password" busy_label="Changing password…" pending=action.pending().into()/>
                    </ActionForm>
                }
            }/>
        </section>
    }
}

#[component]
pub fn TermsPage() -> impl IntoView {
    view! {
        <Title text="Terms and conditions"/>
        <article class="card prose">
            <h1>"Terms and conditions"</h1>
            <p class="muted">"Version 2026-11"</p>
            <p>"These terms govern your use of this developer portal and of the credentials it issues to you and your organisation."</p>
            <h2>"Your account"</h2>
            <p>"Keep your password to yourself and use an address at your own organisation. You are responsible for what is done with your account."</p>
            <h2>"Credentials"</h2>
            <p>"Secrets are shown once. Store them in a secrets manager, never in source code, and roll or revoke them at once if you suspect they have leaked."</p>
            <h2>"Acceptable use"</h2>
            <p>"Use the APIs only for the applications you register, within their rate limits, and in line with the API provider's policies and the law."</p>
            <h2>"Records"</h2>
            <p>"The portal records changes and secret reveals with their time and address, so that your organisation and the API provider can review them."</p>
        </article>
    }
}
