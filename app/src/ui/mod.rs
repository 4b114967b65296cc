//! Building blocks shared by every page: the layout, form fields that show their own errors, the
//! glue that lets a form show errors whether it was posted by JavaScript or as plain HTML, buttons
//! that cannot send their action twice, confirmation panels, status messages, and the way to
//! sign in and come back.

mod forms;
mod layout;
mod links;
mod notice;

pub use forms::{
    ActionAlert, ActionButton, Confirm, FormAlert, FormFlashLoader, SubmitButton, TextArea, TextField, action_error,
    answers_that_reload, initial_value, reload_total,
};
pub use layout::{Layout, NotFound};
pub use links::{SignInRedirect, encode_query_value};
pub use notice::{LoadFailed, Notice, has_flag};
