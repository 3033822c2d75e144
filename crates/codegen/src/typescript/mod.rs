//! The TypeScript backend: turns an [`Api`] into a publishable npm package (ESM with
//! `.d.ts` types) around the hand-written runtime in `runtime/typescript/`.
//!
//! # Layout
//! - [`names`]: every exported identifier of the package, decided once up front.
//! - [`types`]: `src/types.ts`, one interface or alias per IR type.
//! - [`channel`]: `src/channels/<channel>.ts`, the typed socket, connect args and classifier.
//! - [`client`]: `src/client.ts` and `src/connection.ts`: the client class, its options,
//!   environments and auth schemes.
//! - [`package`]: `package.json`, `tsconfig.json`, `README.md`, `src/index.ts`.
//! - [`tsdoc`]: doc comments and string literals.
//!
//! The runtime's source files are copied verbatim into `src/runtime/`, so the package
//! depends on nothing but `ws` (in Node) at run time.

mod channel;
mod client;
mod names;
mod package;
mod tsdoc;
mod types;

use std::path::PathBuf;

use duplex_spec::ir::Api;

use crate::{GeneratedFile, Options};

/// The runtime's files, embedded so the SDK carries them without any Duplex dependency.
const RUNTIME: &[(&str, &str)] = &[
    (
        "src/runtime/classify.ts",
        include_str!("../../runtime/typescript/src/classify.ts"),
    ),
    (
        "src/runtime/index.ts",
        include_str!("../../runtime/typescript/src/index.ts"),
    ),
    (
        "src/runtime/socket.ts",
        include_str!("../../runtime/typescript/src/socket.ts"),
    ),
    (
        "src/runtime/target.ts",
        include_str!("../../runtime/typescript/src/target.ts"),
    ),
    (
        "src/runtime/transport.ts",
        include_str!("../../runtime/typescript/src/transport.ts"),
    ),
];

/// Generates the whole package. Deterministic: the same `api` and `options` always
/// give byte-identical files, in the same order.
pub fn generate(api: &Api, options: &Options) -> Vec<GeneratedFile> {
    let names = names::Names::new(api);
    let mut files = vec![
        file("package.json", package::package_json(api, options)),
        file("tsconfig.json", package::tsconfig().to_owned()),
        file(
            "README.md",
            crate::guide::insert(
                package::readme(api, &names, options),
                options.guide.as_deref(),
            ),
        ),
        file(".gitignore", "node_modules/\ndist/\n".to_owned()),
        file("src/index.ts", package::index(api, &names)),
        file("src/types.ts", types::file(api, &names)),
        file("src/connection.ts", client::connection(api, &names)),
        file("src/client.ts", client::client(api, &names)),
    ];
    for (index, channel) in api.channels.iter().enumerate() {
        files.push(file(
            &format!("src/channels/{}.ts", names.channels[index].file),
            channel::file(api, channel, &names, &names.channels[index]),
        ));
    }
    files.extend(
        RUNTIME
            .iter()
            .map(|(path, contents)| file(path, (*contents).to_owned())),
    );
    files
}

fn file(path: &str, contents: String) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from(path),
        contents,
    }
}
