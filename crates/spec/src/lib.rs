//! Loads WebSocket API definitions (AsyncAPI 2.x, AsyncAPI 3.0, Fern) into the IR.
//!
//! # Layout
//! - [`ir`]: the language-neutral model every loader produces and every generator reads.
//! - [`naming`]: identifier forms and collision handling, decided once for all languages.
//! - [`diagnostics`]: faults with file, line and column.
//! - [`discover`]: finds the documents in a folder tree (used by corpus tests).

pub mod diagnostics;
pub mod discover;
pub mod ir;
pub mod naming;
