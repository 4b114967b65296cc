//! The operators' Admin area: approvals for approval-gated environments and an overview of every
//! partner and application.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod service;
