//! Operator decisions, emailed to every owner of the application.

use crate::backend::entities::application;
use crate::backend::mail::OutgoingMail;
use crate::backend::settings::Settings;

pub fn decision(
    settings: &Settings,
    to: &str,
    app: &application::Model,
    what: &str,
    approved: bool,
    reason: Option<&str>,
) -> OutgoingMail {
    let link = settings.link(&format!("/apis/{}", app.public_id));
    if approved {
        OutgoingMail::compose(
            to,
            &format!("Access to {what} approved for {}", app.name),
            &[&format!(
                "The API provider approved {} for {what}. Its credential is issued: reveal the secret on the application page.",
                app.name
            )],
            Some(("Open the application", &link)),
        )
    } else {
        let reason = reason
            .map(|r| format!("Reason given: {r}"))
            .unwrap_or_else(|| "No reason was given.".into());
        OutgoingMail::compose(
            to,
            &format!("Access to {what} rejected for {}", app.name),
            &[&format!("The API provider rejected {} for {what}.", app.name), &reason],
            Some(("Open the application", &link)),
        )
    }
}
