//! Loads WebSocket API definitions (AsyncAPI 2.x, AsyncAPI 3.0, Fern) into the IR.
//!
//! # Layout
//! - [`load`]: the one entry point; it picks the loader from what the path holds.
//! - [`ir`]: the language-neutral model every loader produces and every generator reads.
//! - [`naming`]: identifier forms and collision handling, decided once for all languages.
//!   `case` does their case conversions.
//! - [`diagnostics`]: faults with file, line and column.
//! - [`source`]: the spanned YAML/JSON tree both loaders read.
//! - `asyncapi`: the AsyncAPI 2.x/3.0 loader; `fern`: the Fern Definition loader.
//! - [`cycles`], [`recognize`]: language-neutral passes over a finished IR.
//! - [`discover`]: finds the documents in a folder tree (used by corpus tests).

mod case;
pub mod cycles;
pub mod diagnostics;
pub mod discover;
pub mod ir;
pub mod naming;
pub mod recognize;
pub mod source;

mod asyncapi;
mod fern;

use std::path::Path;

use diagnostics::{Diagnostic, Location};

/// The result of loading one API definition: the IR when the definition could be read
/// at all, and every diagnostic found. The definition is valid when no diagnostic is an
/// error (see [`Loaded::has_errors`]).
#[derive(Debug)]
pub struct Loaded {
    pub api: Option<ir::Api>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads the API definition at `path`: a Fern definition folder, or an AsyncAPI
/// document (a YAML or JSON file with a top-level `asyncapi` key).
pub fn load(path: &Path) -> Loaded {
    let start = Location {
        file: path.to_path_buf(),
        line: 1,
        column: 1,
    };
    if path.is_dir() {
        return fern::load_definition(path);
    }
    let parsed = source::parse_file(path);
    let Some(root) = parsed.root else {
        return Loaded {
            api: None,
            diagnostics: parsed.diagnostics,
        };
    };
    if root.get("asyncapi").is_none() {
        let mut diagnostics = parsed.diagnostics;
        diagnostics.push(
            Diagnostic::error(
                "E0101",
                "not an API definition: there is no top-level `asyncapi` field",
                start,
            )
            .with_hint(
                "an AsyncAPI document starts with `asyncapi: 3.0.0` (or 2.x); \
                 for a Fern definition pass its `definition` folder",
            ),
        );
        return Loaded {
            api: None,
            diagnostics,
        };
    }
    let mut loaded = asyncapi::load(path, root);
    let mut diagnostics = parsed.diagnostics;
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded
}
