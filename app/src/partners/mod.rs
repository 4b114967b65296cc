//! Partners: organisations formed by the verified email domain of their developers, with a company
//! page, members and roles, invitations, and the partner's activity log.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod domains;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod service;
