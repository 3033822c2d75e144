//! Walks the shared corpus (`../shared/corpus`, next to the repository) and checks the
//! verdict on every API definition in it, so a document added later is tested too.
//!
//! - Every document loads with no error, except
//! - AsyncAPI TCK `invalid-*` documents, which must be rejected with an error that has
//!   a position in the document (those we cannot reject yet are listed, with a reason,
//!   in `tests/known-gaps.md` at the repository root, and must stay unreached), and
//! - documents the corpus MANIFEST calls invalid in a real-world way
//!   (AssemblyAI `usm-streaming*.yml`), which must produce warnings only.

use std::path::{Path, PathBuf};

use duplex_spec::diagnostics::Diagnostic;
use duplex_spec::discover::{DocumentKind, documents};

/// What the corpus says about a document.
#[derive(Debug, PartialEq)]
enum Verdict {
    Valid,
    /// Loads, but with at least one warning and no error.
    WarningsOnly,
    Invalid,
    /// An invalid TCK case listed in `tests/known-gaps.md`: not rejected yet.
    KnownGap,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn known_gaps() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/known-gaps.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

fn expected(relative: &str, gaps: &[String]) -> Verdict {
    let file = relative.rsplit('/').next().unwrap_or("");
    if relative.starts_with("asyncapi-tck/") && file.starts_with("invalid") {
        if gaps.iter().any(|g| g == relative) {
            Verdict::KnownGap
        } else {
            Verdict::Invalid
        }
    } else if relative.starts_with("realworld/assemblyai/usm-streaming") {
        Verdict::WarningsOnly
    } else {
        Verdict::Valid
    }
}

/// Loads one document and returns a complaint when the verdict is not the expected one.
fn check(path: &Path, relative: &str, verdict: &Verdict) -> Option<String> {
    let loaded = duplex_spec::load(path);
    let errors: Vec<&Diagnostic> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    let shown = || {
        loaded
            .diagnostics
            .iter()
            .take(5)
            .map(|d| format!("\n    {d}"))
            .collect::<String>()
    };
    match verdict {
        Verdict::Valid if !errors.is_empty() => {
            Some(format!("{relative}: expected valid, got:{}", shown()))
        }
        Verdict::Valid if loaded.api.is_none() => Some(format!("{relative}: expected an IR")),
        Verdict::WarningsOnly if !errors.is_empty() || loaded.diagnostics.is_empty() => Some(
            format!("{relative}: expected warnings only, got:{}", shown()),
        ),
        Verdict::Invalid if errors.is_empty() => Some(format!(
            "{relative}: expected an error, got none{}",
            shown()
        )),
        Verdict::Invalid
            if !errors
                .iter()
                .any(|d| d.location.line >= 1 && !d.message.is_empty()) =>
        {
            Some(format!("{relative}: the error has no position:{}", shown()))
        }
        Verdict::KnownGap if !errors.is_empty() => Some(format!(
            "{relative}: now rejected ({}); remove it from tests/known-gaps.md",
            errors[0]
        )),
        _ => None,
    }
}

#[test]
fn corpus_verdicts() {
    let root = corpus();
    let gaps = known_gaps();
    let docs = documents(&root);
    assert!(docs.len() > 400, "corpus not found at {}", root.display());
    let mut complaints = Vec::new();
    for doc in &docs {
        let relative = doc
            .path
            .strip_prefix(&root)
            .unwrap_or(&doc.path)
            .to_string_lossy()
            .replace('\\', "/");
        let verdict = match doc.kind {
            DocumentKind::AsyncApi => expected(&relative, &gaps),
            // The MANIFEST: `realtime.older-1c645a9.yml` uses the undefined type `Model`.
            DocumentKind::Fern if relative.starts_with("fern/test-definitions/") => {
                Verdict::Invalid
            }
            DocumentKind::Fern => Verdict::Valid,
        };
        complaints.extend(check(&doc.path, &relative, &verdict));
    }
    assert!(
        complaints.is_empty(),
        "{} of {} documents:\n{}",
        complaints.len(),
        docs.len(),
        complaints.join("\n")
    );
}
