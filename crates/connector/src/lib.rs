//! The agent-chat WebSocket connector behind `duplex serve`.
//!
//! # Layout
//! - [`agent`]: what answers a chat message (echo, local model, OpenAI-compatible, webhook).
//! - [`store`]: sessions and their history, in SQLite or PostgreSQL.
//! - [`usage`]: token usage as the protocol reports it.

pub mod agent;
pub mod store;
pub mod usage;
