//! The crate's identity (name, version) and its `Cargo.toml`.
//!
//! The dependencies are fixed: tokio, tokio-tungstenite (rustls), serde, serde_json and
//! futures-util, plus rustls itself with the `ring` provider, which tokio-tungstenite's
//! rustls support needs before it can open a `wss://` connection.

use duplex_spec::ir::Api;

use crate::Options;

/// The name and version the crate is published under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The Cargo package name, e.g. `chat-api`.
    pub name: String,
    /// The library name, e.g. `chat_api`.
    pub lib: String,
    pub version: String,
}

impl Package {
    pub fn new(api: &Api, options: &Options) -> Package {
        let name = match &options.package_name {
            Some(name) => name.clone(),
            None => default_name(&api.name.snake),
        };
        let version = options
            .package_version
            .clone()
            .unwrap_or_else(|| semver_or_default(&api.version));
        Package {
            lib: name.replace('-', "_"),
            name,
            version,
        }
    }
}

/// Why `name` cannot be a Cargo package name, if it cannot.
pub fn check_package_name(name: &str) -> Result<(), String> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name.is_empty() || !valid_chars || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!(
            "`{name}` is not a valid Rust package name: use ASCII letters, digits, `-` and `_`, starting with a letter (e.g. `chat-api`)"
        ));
    }
    Ok(())
}

fn default_name(snake: &str) -> String {
    let name = snake.trim_matches('_').replace('_', "-");
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("api-{name}").trim_end_matches('-').to_owned()
    }
}

/// The API version when it is `MAJOR.MINOR.PATCH` (with an optional suffix), else `0.1.0`.
fn semver_or_default(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let suffix_ok = version[core.len()..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'));
    if numeric && suffix_ok {
        version.to_owned()
    } else {
        "0.1.0".to_owned()
    }
}

pub fn cargo_toml(api: &Api, package: &Package) -> String {
    let description = format!("A typed WebSocket client for {}.", api.title.trim());
    format!(
        r#"[package]
name = "{name}"
version = "{version}"
edition = "2024"
description = {description}
readme = "README.md"

# A workspace of its own, so the crate builds wherever it is generated, even inside the
# folder of another Cargo workspace. To make it a member of yours, delete this table.
[workspace]

[dependencies]
futures-util = {{ version = "0.3", default-features = false, features = ["sink", "std"] }}
rustls = {{ version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "net", "rt", "sync", "time"] }}
tokio-tungstenite = {{ version = "0.29", default-features = false, features = ["connect", "handshake", "rustls-tls-webpki-roots"] }}
"#,
        name = package.name,
        version = package.version,
        description = toml_string(&description),
    )
}

fn toml_string(text: &str) -> String {
    serde_json::Value::String(text.split_whitespace().collect::<Vec<_>>().join(" ")).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert_eq!(default_name("chat_api"), "chat-api");
        assert_eq!(default_name("_2fa"), "api-2fa");
        assert_eq!(semver_or_default("1.1.2"), "1.1.2");
        assert_eq!(semver_or_default("1.0.0-beta.1"), "1.0.0-beta.1");
        assert_eq!(semver_or_default("v2"), "0.1.0");
        assert_eq!(semver_or_default("2024-01-01"), "0.1.0");
        assert!(check_package_name("chat-api").is_ok());
        let error = check_package_name("9 lives").unwrap_err();
        assert!(error.starts_with("`9 lives` is not a valid Rust package name"));
    }
}
