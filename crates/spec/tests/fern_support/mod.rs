//! Helpers shared by the Fern tests: where the fixtures and the corpus are, and a
//! JSON rendering of a load that holds no absolute paths.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The shared corpus: `$DUPLEX_CORPUS`, or `../shared/corpus` beside the repository.
pub fn corpus() -> PathBuf {
    let path = std::env::var_os("DUPLEX_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        path.is_dir(),
        "the corpus is missing at {}; set DUPLEX_CORPUS",
        path.display()
    );
    path
}

/// Diagnostics as printed, with `root` cut from their paths.
pub fn rendered_diagnostics(loaded: &duplex_spec::Loaded, root: &Path) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    loaded
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .collect()
}

/// Loads `dir` and renders `{diagnostics, api}` for a snapshot.
pub fn load_rendered(dir: &Path) -> Value {
    let loaded = duplex_spec::load(dir);
    json!({
        "diagnostics": rendered_diagnostics(&loaded, dir),
        "api": loaded.api,
    })
}
