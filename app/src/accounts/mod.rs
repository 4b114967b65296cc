//! Accounts: sign-up with email verification, sign-in and sign-out, password reset and change,
//! and the profile that later features require to be complete.

pub mod api;
pub mod email;
pub mod pages;
pub mod password;
pub mod profile;

#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod service;
