//! Walks the shared corpus (`../shared/corpus`, next to the repository) and checks the
//! verdict on every API definition in it, so a document added later is tested too.
//!
//! - Every document loads with no error, except
//! - AsyncAPI TCK `invalid-*` documents, which must be rejected with an error that has
//!   a position in the document (those we cannot reject yet are listed, with a reason,
//!   in `tests/known-gaps.md` at the repository root; a listed one that is now rejected
//!   is taken off that list by this test, so the list only shrinks), and
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

fn known_gaps_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/known-gaps.md")
}

/// The document of a known-gaps line (`- \`path\`: reason`).
fn gap_of(line: &str) -> Option<&str> {
    line.strip_prefix("- `")?.split('`').next()
}

fn known_gaps() -> Vec<String> {
    let text = std::fs::read_to_string(known_gaps_file()).unwrap_or_default();
    text.lines().filter_map(gap_of).map(str::to_owned).collect()
}

/// Takes the documents in `fixed` off the known-gaps list.
fn remove_gaps(fixed: &[String]) {
    let path = known_gaps_file();
    let text = std::fs::read_to_string(&path).expect("known-gaps.md is readable");
    let kept: String = text
        .lines()
        .filter(|line| gap_of(line).is_none_or(|gap| !fixed.iter().any(|f| f == gap)))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&path, kept).expect("known-gaps.md is writable");
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

/// What loading one document showed.
enum Outcome {
    /// As expected.
    Expected,
    /// Not as expected: why.
    Complaint(String),
    /// A known gap that is now rejected: the list must lose it.
    Fixed,
}

/// Loads one document and says whether the verdict is the expected one.
fn check(path: &Path, relative: &str, verdict: &Verdict) -> Outcome {
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
    let complaint = match verdict {
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
        Verdict::KnownGap if !errors.is_empty() => return Outcome::Fixed,
        _ => None,
    };
    complaint.map_or(Outcome::Expected, Outcome::Complaint)
}

#[test]
fn corpus_verdicts() {
    let root = corpus();
    let gaps = known_gaps();
    let docs = documents(&root);
    assert!(docs.len() > 400, "corpus not found at {}", root.display());
    let mut complaints = Vec::new();
    let mut fixed = Vec::new();
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
        match check(&doc.path, &relative, &verdict) {
            Outcome::Expected => {}
            Outcome::Complaint(complaint) => complaints.push(complaint),
            Outcome::Fixed => fixed.push(relative),
        }
    }
    if !fixed.is_empty() {
        remove_gaps(&fixed);
        eprintln!(
            "now rejected, so taken off tests/known-gaps.md:\n  {}",
            fixed.join("\n  ")
        );
    }
    assert!(
        complaints.is_empty(),
        "{} of {} documents:\n{}",
        complaints.len(),
        docs.len(),
        complaints.join("\n")
    );
}
