//! The account emails. Every link is built from `PORTICO_BASE_URL` via [`Settings::link`], never
//! from anything in the request.

use crate::backend::mail::OutgoingMail;
use crate::backend::settings::Settings;

pub fn verify_email(settings: &Settings, to: &str, name: &str, token: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        "Verify your email address for Portico",
        &[
            &format!("Hello {name},"),
            "Confirm that this is your email address to finish creating your Portico account. The link works once and expires in 24 hours.",
            "If you did not sign up, ignore this email and no account will be activated.",
        ],
        Some((
            "Verify email address",
            &settings.link(&format!("/verify?token={token}")),
        )),
    )
}

pub fn sign_up_attempt_on_existing_account(settings: &Settings, to: &str, name: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        "Someone tried to sign up to Portico with your address",
        &[
            &format!("Hello {name},"),
            "Someone just tried to create a Portico account with this email address, which already has one. If it was you, sign in instead, or reset your password if you have forgotten it.",
            "If it was not you, you can ignore this email: your account has not changed.",
        ],
        Some(("Sign in", &settings.link("/signin"))),
    )
}

pub fn reset_password(settings: &Settings, to: &str, name: &str, token: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        "Reset your Portico password",
        &[
            &format!("Hello {name},"),
            "We received a request to reset your Portico password. The link works once and expires in 1 hour.",
            "If you did not ask for this, ignore this email: your password stays as it is.",
        ],
        Some((
            "Choose a new password",
            &settings.link(&format!("/reset-password?token={token}")),
        )),
    )
}

pub fn password_changed(settings: &Settings, to: &str, name: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        "Your Portico password was changed",
        &[
            &format!("Hello {name},"),
            "The password of your Portico account was just changed, and every other session of your account was signed out.",
            "If you did not do this, reset your password now and tell your portal operator.",
        ],
        Some(("Reset password", &settings.link("/forgot-password"))),
    )
}
