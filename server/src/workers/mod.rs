//! Background work that every instance runs: mail delivery, credential provisioning, gateway
//! usage counts and housekeeping. Work is claimed in
//! the database, so instances sharing one never do the same piece twice.

pub mod housekeeping;
pub mod mail;
pub mod provisioning;
pub mod usage;
