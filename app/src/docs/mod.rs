//! Public documentation: how an API provider's gateway asks Portico whether a consumer's credential is good.

pub mod pages;
