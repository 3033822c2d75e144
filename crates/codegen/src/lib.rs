//! Generates client SDKs from the IR: one module per target language.
//!
//! # Layout
//! - [`writer`]: a small indenting code writer shared by every backend.
//! - one module per language, each exposing `generate(&Api, &Options) -> Vec<GeneratedFile>`.
//!
//! Generators read only the IR ([`duplex_spec::ir::Api`]): never a spec file. All
//! identifiers come from [`duplex_spec::naming::Name`]; generators do not re-derive names.
//! Each language's hand-written runtime lives under `runtime/<lang>/` as real source
//! files, tested in that language, and is embedded with `include_str!`.

use std::path::PathBuf;

#[cfg(test)]
mod fixtures;
pub mod guide;
pub mod python;
pub mod rust;
pub mod typescript;
pub mod writer;

/// Choices the user makes on the command line, common to every language.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the package name derived from the API title.
    pub package_name: Option<String>,
    /// Overrides the package version taken from the API version.
    pub package_version: Option<String>,
    /// Markdown (a usage walkthrough) that the README carries after its install section.
    pub guide: Option<String>,
}

/// One file of a generated SDK, with its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}
