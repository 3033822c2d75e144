//! The committed official SDKs (`sdks/<lang>`) must be exactly what `duplex generate`
//! writes today from `docs/connector.asyncapi.yaml`, so the spec, the generators and the
//! SDKs cannot drift apart. On failure, run `scripts/gen-sdks.sh` and commit the result.
//! The hand-written live tests beside each SDK (`test/`, `tests/`) and what building or
//! testing an SDK leaves behind ([`IGNORED`]) are not generated, so they are not compared.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each official SDK: its language flag, its folder under `sdks/`, its package name.
/// Its README walkthrough is `docs/sdk-walkthrough-<lang>.md`. Keep in step with
/// `scripts/gen-sdks.sh`.
const SDKS: [(&str, &str, &str); 3] = [
    ("typescript", "typescript", "@duplex/connector"),
    ("python", "python", "duplex-connector"),
    ("rust", "rust", "duplex-connector-sdk"),
];

/// Top-level entries of an SDK folder that are hand-written tests, not generated files.
const HAND_WRITTEN: &[&str] = &["test", "tests"];

/// Names, at any depth, of what builds and test runs leave in an SDK folder.
const IGNORED: &[&str] = &[
    "node_modules",
    "dist",
    "target",
    "Cargo.lock",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let top = dir == root;
            if IGNORED.contains(&name) || (top && HAND_WRITTEN.contains(&name)) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(relative.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out
}

/// The first differing line of two texts, as a small `-`/`+` excerpt.
fn first_difference(committed: &[u8], fresh: &[u8]) -> String {
    let committed = String::from_utf8_lossy(committed);
    let fresh = String::from_utf8_lossy(fresh);
    let (old, new): (Vec<&str>, Vec<&str>) = (committed.lines().collect(), fresh.lines().collect());
    let line = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let mut text = format!("    first difference at line {}:\n", line + 1);
    for l in old.iter().skip(line).take(3) {
        let _ = writeln!(text, "    - {l}");
    }
    for l in new.iter().skip(line).take(3) {
        let _ = writeln!(text, "    + {l}");
    }
    text
}

/// What differs between the committed and the fresh tree, empty when nothing.
fn compare(
    sdk: &str,
    committed: &BTreeMap<String, Vec<u8>>,
    fresh: &BTreeMap<String, Vec<u8>>,
) -> String {
    let mut report = String::new();
    for (path, bytes) in fresh {
        match committed.get(path) {
            None => {
                let _ = writeln!(
                    report,
                    "  sdks/{sdk}/{path}: missing (the generator writes it)"
                );
            }
            Some(old) if old != bytes => {
                let _ = writeln!(report, "  sdks/{sdk}/{path}: differs");
                report.push_str(&first_difference(old, bytes));
            }
            Some(_) => {}
        }
    }
    for path in committed.keys().filter(|p| !fresh.contains_key(*p)) {
        let _ = writeln!(
            report,
            "  sdks/{sdk}/{path}: stale (the generator no longer writes it)"
        );
    }
    report
}

#[test]
fn committed_sdks_match_the_generators() {
    let root = repo_root();
    let spec = root.join("docs/connector.asyncapi.yaml");
    let scratch = std::env::temp_dir().join(format!("duplex-sdk-freshness-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    let mut report = String::new();
    for (lang, dir, package) in SDKS {
        let out = scratch.join(dir);
        let run = Command::new(env!("CARGO_BIN_EXE_duplex"))
            .args([
                "generate",
                "--lang",
                lang,
                "--package-name",
                package,
                "--out",
            ])
            .arg(&out)
            .arg("--guide")
            .arg(root.join(format!("docs/sdk-walkthrough-{lang}.md")))
            .arg(&spec)
            .output()
            .expect("run duplex generate");
        assert!(
            run.status.success(),
            "duplex generate --lang {lang} failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        report.push_str(&compare(
            dir,
            &files(&root.join("sdks").join(dir)),
            &files(&out),
        ));
    }
    let _ = fs::remove_dir_all(&scratch);
    assert!(
        report.is_empty(),
        "the committed SDKs are not what the generators write from docs/connector.asyncapi.yaml:\n{report}\
         run `scripts/gen-sdks.sh` and commit sdks/"
    );
}

#[test]
fn a_changed_file_is_reported_with_its_first_differing_line() {
    let committed = BTreeMap::from([
        ("a.ts".to_owned(), b"one\ntwo\n".to_vec()),
        ("old.ts".to_owned(), b"x".to_vec()),
    ]);
    let fresh = BTreeMap::from([
        ("a.ts".to_owned(), b"one\nTWO\n".to_vec()),
        ("new.ts".to_owned(), b"y".to_vec()),
    ]);
    let report = compare("typescript", &committed, &fresh);
    assert!(report.contains("sdks/typescript/a.ts: differs"), "{report}");
    assert!(
        report.contains("line 2") && report.contains("- two") && report.contains("+ TWO"),
        "{report}"
    );
    assert!(
        report.contains("sdks/typescript/new.ts: missing"),
        "{report}"
    );
    assert!(report.contains("sdks/typescript/old.ts: stale"), "{report}");
    assert!(compare("typescript", &fresh, &fresh).is_empty());
}

#[test]
fn hand_written_tests_and_build_outputs_are_not_compared() {
    let dir =
        std::env::temp_dir().join(format!("duplex-sdk-freshness-walk-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for path in [
        "src/index.ts",
        "src/tests/kept.ts",
        "test/live.test.ts",
        "tests/test_live.py",
        "node_modules/ws/index.js",
        "src/pkg/__pycache__/x.pyc",
        "Cargo.lock",
    ] {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs::write(&path, "x").expect("write");
    }
    let found: Vec<String> = files(&dir).into_keys().collect();
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(found, ["src/index.ts", "src/tests/kept.ts"]);
}

#[test]
fn a_guide_that_cannot_be_read_is_a_clear_error() {
    let root = repo_root();
    let out = std::env::temp_dir().join(format!("duplex-sdk-guide-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["generate", "--lang", "typescript", "--out"])
        .arg(&out)
        .args(["--guide", "/nonexistent/walkthrough.md"])
        .arg(root.join("docs/connector.asyncapi.yaml"))
        .output()
        .expect("run duplex generate");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--guide /nonexistent/walkthrough.md: cannot read it"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");
}
