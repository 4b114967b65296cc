//! Credentials: one per application × API product × environment, with a public key and a secret
//! that is shown once and stored only as its SHA-256.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod clients;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod usage;
