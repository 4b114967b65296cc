//! Integration tests: each starts the real server on a free port against a fresh database (SQLite
//! and PostgreSQL) with a real SMTP listener, and talks HTTP to it like a browser.

mod support;

mod accounts;
mod applications;
mod gateway;
mod mail;
mod migrations;
mod nginx;
mod partners;
mod requests;
mod sessions;
