//! The agent-chat WebSocket connector behind `duplex serve`.
//!
//! # Layout
//! - [`agent`]: what answers a chat message (echo, local model, OpenAI-compatible, webhook).
//! - [`usage`]: token usage as the protocol reports it.

pub mod agent;
pub mod usage;
