//! Every Fern definition in the shared corpus loads, and the IR of the real-world ones
//! is pinned by snapshots. The corpus is walked, so a definition added later is
//! tested too.

#[allow(
    dead_code,
    reason = "each test binary uses a subset of the shared helpers"
)]
mod fern_support;

use duplex_spec::discover::{self, DocumentKind};
use fern_support::{corpus, load_rendered, rendered_diagnostics};

/// Definitions whose verdict is not "valid", with the diagnostics expected of them.
///
/// The Fern test definition's folder also holds `realtime.older-1c645a9.yml`, an older
/// revision of `realtime.yml` that the corpus keeps on purpose: it uses the type
/// `Model`, which no file defines. Fern reads every file of the folder, so the folder
/// as a whole is invalid, and saying so (with the place) is the right verdict.
const EXPECTED: &[(&str, &[&str])] = &[(
    "fern/test-definitions/fern/apis/websocket/definition",
    &[
        "realtime.older-1c645a9.yml:9:12: error[F0102]: unknown type `Model`\n  = hint: types of other files need an import and a prefix, such as `root.Foo`",
    ],
)];

#[test]
fn every_corpus_definition_loads() {
    let root = corpus();
    let definitions: Vec<_> = discover::documents(&root)
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Fern)
        .collect();
    assert!(definitions.len() >= 3, "found only {definitions:?}");
    for doc in definitions {
        let loaded = duplex_spec::load(&doc.path);
        let rel = doc.path.strip_prefix(&root).unwrap_or(&doc.path);
        let errors: Vec<String> = rendered_diagnostics(&loaded, &doc.path)
            .into_iter()
            .zip(&loaded.diagnostics)
            .filter(|(_, d)| d.is_error())
            .map(|(text, _)| text)
            .collect();
        let expected: Vec<String> = EXPECTED
            .iter()
            .find(|(path, _)| rel == std::path::Path::new(path))
            .map(|(_, diags)| diags.iter().map(|d| (*d).to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(errors, expected, "{}", rel.display());
        let api = loaded
            .api
            .expect("a definition with api.yml always yields an API");
        assert!(!api.channels.is_empty(), "{}: no channels", rel.display());
    }
}

#[test]
fn fern_websocket_test_definition() {
    let dir = corpus().join("fern/test-definitions/fern/apis/websocket/definition");
    insta::assert_json_snapshot!("fern-websocket", load_rendered(&dir));
}

#[test]
fn hume() {
    let dir = corpus().join("realworld/hume/fern-mock/definition");
    insta::assert_json_snapshot!("hume", load_rendered(&dir));
}

#[test]
fn the_fern_folder_is_accepted_too() {
    let fern = corpus().join("realworld/assemblyai/fern");
    let from_fern = duplex_spec::load(&fern).api;
    let from_definition = duplex_spec::load(&fern.join("definition")).api;
    assert!(from_fern.is_some());
    assert_eq!(from_fern, from_definition);
}

#[test]
fn loading_is_deterministic() {
    let dir = corpus().join("realworld/hume/fern-mock/definition");
    let first = serde_json::to_string(&duplex_spec::load(&dir).api).unwrap();
    let second = serde_json::to_string(&duplex_spec::load(&dir).api).unwrap();
    assert_eq!(first, second);
}
