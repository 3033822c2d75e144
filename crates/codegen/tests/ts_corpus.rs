//! Every corpus document with channels gets a TypeScript SDK, and all of them pass
//! `tsc --noEmit --strict` in ONE compiler run (one tsconfig listing every SDK's
//! `src`), so the walk stays fast as the corpus grows. Documents come from the corpus
//! walker, so new ones are covered without touching this test.

mod ts_support;

use std::fs;
use std::process::Command;

use ts_support::{corpus_root, generate, node_tool, write};

#[test]
fn every_corpus_sdk_type_checks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let mut generated = Vec::new();
    for (index, document) in duplex_spec::discover::documents(&corpus_root())
        .iter()
        .enumerate()
    {
        let loaded = duplex_spec::load(&document.path);
        let Some(api) = loaded.api else { continue };
        if api.channels.is_empty() {
            continue;
        }
        let name = format!("sdk-{index:03}");
        let files = generate(&api, &name);
        assert_eq!(
            files,
            generate(&api, &name),
            "{}: generation is not deterministic",
            document.path.display()
        );
        write(&root.join(&name), &files);
        generated.push((name, document.path.clone()));
    }
    assert!(
        generated.len() >= 20,
        "only {} corpus documents produced an SDK; is the corpus at {}?",
        generated.len(),
        corpus_root().display()
    );
    let include: Vec<String> = generated
        .iter()
        .map(|(name, _)| format!("\"{name}/src\""))
        .collect();
    fs::write(
        root.join("tsconfig.json"),
        format!(
            "{{\n  \"compilerOptions\": {{\n    {},\n    \"types\": [],\n    \"noEmit\": true\n  }},\n  \"include\": [{}]\n}}\n",
            ts_support::STRICT_OPTIONS,
            include.join(", ")
        ),
    )
    .expect("write tsconfig");
    let listing: Vec<String> = generated
        .iter()
        .map(|(name, path)| format!("{name}: {}", path.display()))
        .collect();
    fs::write(root.join("SDKS.txt"), listing.join("\n")).expect("write listing");
    let output = Command::new(node_tool("tsc"))
        .arg("-p")
        .arg(root.join("tsconfig.json"))
        .output()
        .expect("run tsc");
    assert!(
        output.status.success(),
        "tsc --strict failed on corpus SDKs:\n{}\nSDKs:\n{}",
        String::from_utf8_lossy(&output.stdout),
        listing.join("\n")
    );
}
