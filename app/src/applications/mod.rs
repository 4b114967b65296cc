//! Applications ("My APIs"): registration with every rule of DESIGN.md, what members and owners
//! see, and the durable provisioning of their credentials.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod service;
