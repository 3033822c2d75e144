//! Generates the seed Chat, Fern websocket and rooms SDKs into a temp folder, builds
//! each with its own `tsconfig.json` (as `npm run build` would), compiles
//! `tests/ts_live/live.test.ts` against their `dist/` output, and runs it with
//! `node --test` against a real `ws` server.

mod ts_support;

use std::fs;
use std::process::Command;

use ts_support::{
    fern_websocket, fixture, generate, load, load_checked, node_tool, node_workspace, run, write,
};

#[test]
fn generated_sdks_work_against_a_live_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    node_workspace(root);
    let sdks = [
        ("seed-chat", load(&fixture("seed-chat.asyncapi.yml"))),
        ("rooms", load(&fixture("rooms-auth.asyncapi.yml"))),
        // The folder's older realtime file refers to an undeclared type on purpose.
        ("fern-websocket", load_checked(&fern_websocket(), true)),
    ];
    let tsc = node_tool("tsc");
    for (name, api) in &sdks {
        let sdk = root.join("sdks").join(name);
        write(&sdk, &generate(api, name));
        run(Command::new(&tsc).arg("-p").arg(sdk.join("tsconfig.json")));
        assert!(
            sdk.join("dist/index.d.ts").is_file(),
            "{name}: no .d.ts emitted"
        );
    }
    fs::create_dir_all(root.join("test")).expect("mkdir test");
    let test = include_str!("ts_live/live.test.ts");
    fs::write(root.join("test/live.test.ts"), test).expect("write test");
    fs::write(
        root.join("tsconfig.json"),
        format!(
            "{{\n  \"compilerOptions\": {{\n    {},\n    \"types\": [\"node\"],\n    \"outDir\": \"build\"\n  }},\n  \"include\": [\"test\"]\n}}\n",
            ts_support::STRICT_OPTIONS
        ),
    )
    .expect("write tsconfig");
    run(Command::new(&tsc).arg("-p").arg(root.join("tsconfig.json")));
    run(Command::new("node")
        .arg("--test")
        .arg("--test-timeout=30000")
        .arg("build/live.test.js")
        .current_dir(root));
}
