//! The agent-chat WebSocket connector behind `duplex serve`.
//!
//! # Layout
//! - [`bench`]: `duplex bench`, a load generator that speaks the protocol.
//! - [`config`]: `duplex.toml`, checked before the server binds.
//! - [`protocol`]: the wire format: client messages, server events, error and close codes.
//! - [`server`]: the axum server: handshake, sessions, replies, drain on shutdown.
//! - [`agent`]: what answers a chat message (echo, local model, OpenAI-compatible, webhook).
//! - [`store`]: sessions and their history, in SQLite or PostgreSQL.
//! - [`metrics`]: the Prometheus metrics.
//! - [`usage`]: token usage as the protocol reports it.

pub mod agent;
pub mod bench;
pub mod config;
pub mod metrics;
pub mod protocol;
pub mod server;
pub mod store;
pub mod usage;
