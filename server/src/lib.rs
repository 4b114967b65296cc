//! The Portico server: configuration, the HTTP router and its middleware, and the background
//! workers. The binary in `main.rs` only reads the environment and calls [`startup`].

pub mod gateway;
pub mod middleware;
pub mod server_fns;
pub mod startup;
pub mod telemetry;
pub mod workers;
