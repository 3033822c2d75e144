//! The Python backend: turns an [`Api`] into a publishable package (PEP 621, `src/`
//! layout, `py.typed`) of pydantic v2 models and async + sync sockets around the
//! hand-written runtime in `runtime/python/_runtime/`.
//!
//! # Layout
//! - [`names`]: every Python identifier of the package, decided once up front.
//! - [`types`]: type expressions, and `types.py` (models and aliases).
//! - [`channels`]: `channels.py`, the typed sockets, routes and `connect(...)`.
//! - [`client`]: `client.py`, the environments and the two client classes.
//! - [`package`]: `pyproject.toml`, `README.md`, `__init__.py`.
//! - [`imports`], [`pystr`]: import blocks as ruff orders them; literals and docstrings.
//!
//! The runtime's files are copied verbatim into `src/<package>/_runtime/`, so the SDK
//! depends on nothing but `websockets` and `pydantic`.

mod channels;
mod client;
mod imports;
mod names;
mod package;
mod pystr;
mod types;

use std::path::PathBuf;

use duplex_spec::ir::Api;

use crate::{GeneratedFile, Options};

/// The runtime's files, embedded so the SDK carries them without any Duplex dependency.
const RUNTIME: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../../runtime/python/_runtime/__init__.py"),
    ),
    (
        "async_socket.py",
        include_str!("../../runtime/python/_runtime/async_socket.py"),
    ),
    (
        "backoff.py",
        include_str!("../../runtime/python/_runtime/backoff.py"),
    ),
    (
        "closing.py",
        include_str!("../../runtime/python/_runtime/closing.py"),
    ),
    (
        "dispatch.py",
        include_str!("../../runtime/python/_runtime/dispatch.py"),
    ),
    (
        "errors.py",
        include_str!("../../runtime/python/_runtime/errors.py"),
    ),
    (
        "events.py",
        include_str!("../../runtime/python/_runtime/events.py"),
    ),
    (
        "handshake.py",
        include_str!("../../runtime/python/_runtime/handshake.py"),
    ),
    (
        "models.py",
        include_str!("../../runtime/python/_runtime/models.py"),
    ),
    (
        "sync_socket.py",
        include_str!("../../runtime/python/_runtime/sync_socket.py"),
    ),
];

/// Generates the whole package. Deterministic: the same `api` and `options` always give
/// byte-identical files, in the same order.
pub fn generate(api: &Api, options: &Options) -> Vec<GeneratedFile> {
    let names = names::Names::new(api, options.package_name.as_deref());
    let src = format!("src/{}", names.module);
    let mut files = vec![
        file("pyproject.toml", package::pyproject(api, &names, options)),
        file(
            "README.md",
            crate::guide::insert(package::readme(api, &names), options.guide.as_deref()),
        ),
        file(
            ".gitignore",
            "__pycache__/\n*.egg-info/\ndist/\n".to_owned(),
        ),
        file(&format!("{src}/__init__.py"), package::init(api, &names)),
        file(&format!("{src}/py.typed"), String::new()),
        file(&format!("{src}/client.py"), client::file(api, &names)),
        file(&format!("{src}/channels.py"), channels::file(api, &names)),
        file(&format!("{src}/types.py"), types::file(api, &names)),
    ];
    files.extend(
        RUNTIME.iter().map(|(name, contents)| {
            file(&format!("{src}/_runtime/{name}"), (*contents).to_owned())
        }),
    );
    files
}

/// Checks a `--package-name` against PEP 508: ASCII letters and digits, with `.`, `_`
/// or `-` inside. The import name is derived from it (`my-sdk` imports as `my_sdk`).
pub fn check_package_name(name: &str) -> Result<(), String> {
    let inner_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let ends_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if inner_ok && ends_ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid Python package name: use ASCII letters and digits, \
             with `.`, `_` or `-` between them (for example `chat-sdk`)"
        ))
    }
}

fn file(path: &str, contents: String) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from(path),
        contents,
    }
}

#[cfg(test)]
mod tests {
    use super::check_package_name;

    #[test]
    fn package_names_follow_pep_508() {
        assert!(check_package_name("chat-sdk").is_ok());
        assert!(check_package_name("Chat.SDK_2").is_ok());
        for bad in ["", "-chat", "chat-", "chat sdk", "chät"] {
            let message = check_package_name(bad).expect_err(bad);
            assert!(
                message.contains("not a valid Python package name"),
                "{message}"
            );
        }
    }
}
