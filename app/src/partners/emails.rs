//! Partner emails: invitations and membership decisions. Links come from `PORTICO_BASE_URL`.

use crate::backend::mail::OutgoingMail;
use crate::backend::settings::Settings;

pub fn invitation(settings: &Settings, to: &str, partner: &str, inviter: &str, token: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        &format!("{inviter} invited you to {partner} on Portico"),
        &[
            &format!(
                "{inviter} invited you to join {partner} on Portico, where your team registers applications and manages its API credentials."
            ),
            "The invitation works once and expires in 7 days. If you did not expect it, you can ignore this email.",
        ],
        Some((
            "Accept the invitation",
            &settings.link(&format!("/invitations/accept?token={token}")),
        )),
    )
}

pub fn approval_requested(settings: &Settings, to: &str, partner: &str, who: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        &format!("{who} asks to join {partner} on Portico"),
        &[
            &format!("{who} verified an address at your company's domain and asks to join {partner}."),
            "Approve or decline the request on the Company page.",
        ],
        Some(("Review the request", &settings.link("/company"))),
    )
}

pub fn request_pending(settings: &Settings, to: &str, partner: &str) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        &format!("Your request to join {partner} is waiting for approval"),
        &[&format!(
            "{partner} approves new members before they join. An admin has been told; we will email you when they decide."
        )],
        Some(("See your company page", &settings.link("/company"))),
    )
}

pub fn membership_decided(settings: &Settings, to: &str, partner: &str, approved: bool) -> OutgoingMail {
    if approved {
        OutgoingMail::compose(
            to,
            &format!("You have joined {partner} on Portico"),
            &[&format!(
                "An admin approved your request: you are now a member of {partner}."
            )],
            Some(("Open the Company page", &settings.link("/company"))),
        )
    } else {
        OutgoingMail::compose(
            to,
            &format!("Your request to join {partner} was declined"),
            &[&format!(
                "An admin of {partner} declined your request to join. If you think this is a mistake, contact them directly."
            )],
            None,
        )
    }
}
