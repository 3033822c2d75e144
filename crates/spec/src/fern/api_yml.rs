//! `api.yml`: the API's name and docs, its auth schemes, its environments and the
//! headers every channel sends.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::ir::{AuthCarrier, AuthKind, AuthScheme, Name, Server};
use crate::source::Node;

/// What `api.yml` declares, in IR terms.
pub struct ApiYml<'a> {
    pub name: String,
    pub title: String,
    pub docs: Option<String>,
    /// The default environment first, then the others in declaration order.
    pub servers: Vec<Server>,
    /// Every URL name of the environments (`urls:` keys), for checking `channel.url`.
    pub url_names: Vec<String>,
    pub auth: Vec<AuthScheme>,
    /// The schemes `auth:` applies to every channel with `auth: true`.
    pub default_auth: Vec<String>,
    /// The `headers:` node, read once every type is known (see `mod.rs`).
    pub headers: Option<&'a Node>,
}

pub fn read<'a>(root: &'a Node, diags: &mut Vec<Diagnostic>) -> ApiYml<'a> {
    let name = root.str_field("name", diags).unwrap_or("api").to_owned();
    let title = root
        .str_field("display-name", diags)
        .map_or_else(|| name.clone(), str::to_owned);
    let (servers, url_names) = environments(root, diags);
    let mut auth = schemes(root, diags);
    let default_auth = applied_auth(root, &auth, diags);
    add_builtin_schemes(&mut auth, &default_auth);
    ApiYml {
        name,
        title,
        docs: root.str_field("docs", diags).map(str::to_owned),
        servers,
        url_names,
        auth,
        default_auth,
        headers: root.map_field("headers", diags),
    }
}

/// `environments: {Prod: url}`, `{Prod: {url: ..., docs}}` or `{Prod: {urls: {..}}}`.
fn environments(root: &Node, diags: &mut Vec<Diagnostic>) -> (Vec<Server>, Vec<String>) {
    let mut servers = Vec::new();
    let mut url_names = Vec::new();
    let default_url = root.str_field("default-url", diags);
    let Some(envs) = root.map_field("environments", diags) else {
        return (servers, url_names);
    };
    for entry in envs.entries() {
        let node = &entry.value;
        let mut urls = BTreeMap::new();
        let (url, docs) = if let Some(url) = node.as_str() {
            (url.to_owned(), None)
        } else if node.is_map() {
            let docs = node.str_field("docs", diags).map(str::to_owned);
            if let Some(map) = node.map_field("urls", diags) {
                let mut first = None;
                for u in map.entries() {
                    let Some(text) = u.value.as_str() else {
                        diags.push(u.value.type_error(&format!("URL `{}`", u.key), "a string"));
                        continue;
                    };
                    first.get_or_insert_with(|| text.to_owned());
                    urls.insert(u.key.clone(), text.to_owned());
                    if !url_names.contains(&u.key) {
                        url_names.push(u.key.clone());
                    }
                }
                let chosen = default_url.and_then(|d| urls.get(d).cloned());
                (chosen.or(first).unwrap_or_default(), docs)
            } else {
                match node.required_str("url", diags) {
                    Some(url) => (url.to_owned(), docs),
                    None => continue,
                }
            }
        } else {
            diags.push(node.type_error(
                &format!("environment `{}`", entry.key),
                "a URL or a mapping with `url` or `urls`",
            ));
            continue;
        };
        let protocol = url
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .unwrap_or_default();
        servers.push(Server {
            name: Name::new(&entry.key),
            url,
            urls,
            protocol,
            docs,
            variables: Vec::new(),
        });
    }
    if let Some(default) = root.get("default-environment") {
        match default.as_str() {
            Some(name) => match servers.iter().position(|s| s.name.wire == name) {
                Some(i) => {
                    let server = servers.remove(i);
                    servers.insert(0, server);
                }
                None => diags.push(Diagnostic::error(
                    "F0301",
                    format!("`default-environment` names `{name}`, which is not an environment"),
                    default.location(),
                )),
            },
            None if default.is_null() => {}
            None => diags.push(default.type_error("`default-environment`", "a string")),
        }
    }
    (servers, url_names)
}

/// `auth-schemes`: header schemes, `scheme: bearer`, `scheme: basic`, `scheme: oauth`.
fn schemes(root: &Node, diags: &mut Vec<Diagnostic>) -> Vec<AuthScheme> {
    let mut out = Vec::new();
    let Some(schemes) = root.map_field("auth-schemes", diags) else {
        return out;
    };
    for entry in schemes.entries() {
        let node = &entry.value;
        if !node.is_map() {
            diags.push(node.type_error(&format!("auth scheme `{}`", entry.key), "a mapping"));
            continue;
        }
        let docs = node.str_field("docs", diags).map(str::to_owned);
        let header = |name: &str, prefix: &str| AuthCarrier::Header {
            name: name.to_owned(),
            prefix: Some(prefix.to_owned()),
        };
        let (kind, carriers) = if let Some(name) = node.str_field("header", diags) {
            let prefix = node.str_field("prefix", diags).map(|p| format!("{p} "));
            let carrier = AuthCarrier::Header {
                name: name.to_owned(),
                prefix,
            };
            (AuthKind::ApiKey, vec![carrier])
        } else {
            match node.str_field("scheme", diags) {
                Some("bearer") => (AuthKind::Bearer, vec![header("Authorization", "Bearer ")]),
                Some("basic") => (AuthKind::Basic, vec![header("Authorization", "Basic ")]),
                Some("oauth") => {
                    let name = node
                        .str_field("token-header", diags)
                        .unwrap_or("Authorization");
                    let prefix = node.str_field("token-prefix", diags).unwrap_or("Bearer");
                    (AuthKind::Bearer, vec![header(name, &format!("{prefix} "))])
                }
                Some(other) => (
                    AuthKind::Unsupported {
                        scheme: other.to_owned(),
                    },
                    Vec::new(),
                ),
                None => {
                    diags.push(
                        Diagnostic::error(
                            "F0302",
                            format!(
                                "auth scheme `{}` has neither `header` nor `scheme`",
                                entry.key
                            ),
                            node.location(),
                        )
                        .with_hint("use `header: X-Api-Key` or `scheme: bearer` / `basic`"),
                    );
                    continue;
                }
            }
        };
        out.push(AuthScheme {
            name: Name::new(&entry.key),
            docs,
            kind,
            carriers,
        });
    }
    out
}

/// `auth: Scheme`, `auth: {any: [A, B]}` or `auth: [A, B]`: the schemes applied to
/// channels with `auth: true`. `bearer` and `basic` name the built-in schemes.
fn applied_auth(root: &Node, schemes: &[AuthScheme], diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let Some(node) = root.get("auth") else {
        return Vec::new();
    };
    let items: Vec<&Node> = if node.as_str().is_some() {
        vec![node]
    } else if let Some(list) = node.as_seq() {
        list.iter().collect()
    } else if let Some(any) = node.get("any").or_else(|| node.get("all")) {
        any.as_seq().map(|l| l.iter().collect()).unwrap_or_default()
    } else {
        diags.push(node.type_error("`auth`", "a scheme name or `{any: [...]}`"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item
            .as_str()
            .or_else(|| item.get("scheme").and_then(Node::as_str))
        else {
            diags.push(item.type_error("an auth scheme reference", "a scheme name"));
            continue;
        };
        if schemes.iter().any(|s| s.name.wire == name) || matches!(name, "bearer" | "basic") {
            out.push(name.to_owned());
        } else {
            diags.push(Diagnostic::error(
                "F0303",
                format!("`auth` names `{name}`, which is not declared in `auth-schemes`"),
                item.location(),
            ));
        }
    }
    out
}

/// Adds the built-in `bearer`/`basic` schemes that `auth:` uses without declaring.
fn add_builtin_schemes(auth: &mut Vec<AuthScheme>, applied: &[String]) {
    for name in applied {
        if auth.iter().any(|s| s.name.wire == *name) {
            continue;
        }
        let (kind, prefix) = if name == "bearer" {
            (AuthKind::Bearer, "Bearer ")
        } else {
            (AuthKind::Basic, "Basic ")
        };
        auth.push(AuthScheme {
            name: Name::new(name),
            docs: None,
            kind,
            carriers: vec![AuthCarrier::Header {
                name: "Authorization".to_owned(),
                prefix: Some(prefix.to_owned()),
            }],
        });
    }
}
