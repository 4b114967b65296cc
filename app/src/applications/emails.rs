//! Application emails, sent to every owner.

use crate::backend::entities::application;
use crate::backend::mail::OutgoingMail;
use crate::backend::settings::Settings;

pub fn credentials_ready(settings: &Settings, to: &str, app: &application::Model) -> OutgoingMail {
    OutgoingMail::compose(
        to,
        &format!("Credentials for {} are ready", app.name),
        &[
            &format!(
                "The credentials of {} have been provisioned. Environments that need the API provider's approval show as awaiting approval until an operator decides.",
                app.name
            ),
            "Reveal each secret on the application page. A secret is shown once; store it in your secrets manager.",
        ],
        Some((
            "Open the application",
            &settings.link(&format!("/apis/{}", app.public_id)),
        )),
    )
}
