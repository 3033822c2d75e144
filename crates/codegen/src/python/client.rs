//! `client.py`: the environments from the spec's servers, and the `Async…Client` and
//! `…Client` classes that hold the settings every channel shares (base URL, credentials,
//! headers, reconnect options) and expose each channel as an attribute, nested under
//! Fern namespaces (`client.empathic_voice.chat`).

use duplex_spec::ir::{Api, AuthKind, AuthScheme, Server};

use super::imports::Imports;
use super::names::Names;
use super::pystr;
use crate::writer::Writer;

/// Whether clients can reach this server over WebSocket (Fern environments have no
/// protocol and give http(s) URLs, which the runtime turns into ws(s)).
pub fn is_websocket(server: &Server) -> bool {
    matches!(
        server.protocol.as_str(),
        "" | "ws" | "wss" | "http" | "https"
    )
}

/// The server's base URL with variables filled by their defaults, and a scheme.
pub fn server_url(server: &Server) -> String {
    let mut url = server.url.clone();
    for variable in &server.variables {
        if let Some(default) = &variable.default {
            url = url.replace(&format!("{{{}}}", variable.name.wire), default);
        }
    }
    if !url.contains("://") && !url.is_empty() {
        let scheme = if server.protocol.is_empty() {
            "wss"
        } else {
            &server.protocol
        };
        url = format!("{scheme}://{url}");
    }
    url
}

/// The contents of `src/<package>/client.py`.
pub fn file(api: &Api, names: &Names) -> String {
    let mut imports = Imports::default();
    imports.add("collections.abc", "Mapping");
    if names.environment_members.iter().any(Option::is_some) {
        imports.add("typing", "Final");
    }
    imports.local("from . import _runtime as _rt");
    let mut channel_imports: Vec<&str> = Vec::new();
    let mut body = Writer::new("    ");
    body.line("");
    body.line("");
    environment(&mut body, api, names);
    for sync in [false, true] {
        for ns in &names.namespaces {
            body.line("");
            body.line("");
            let class = if sync {
                &ns.sync_class
            } else {
                &ns.async_class
            };
            body.block(&format!("class {class}:"), "", |w| {
                pystr::docstring(w, &format!("The `{}` channels.", ns.path.join(".")));
                w.line("");
                w.block(
                    "def __init__(self, config: _rt.ClientConfig) -> None:",
                    "",
                    |w| {
                        members(w, api, names, &ns.path, sync, &mut channel_imports);
                    },
                );
            });
        }
        body.line("");
        body.line("");
        client(&mut body, api, names, sync, &mut channel_imports);
    }
    if !channel_imports.is_empty() {
        channel_imports.sort_by(|a, b| super::imports::member_order(a, b));
        channel_imports.dedup();
        let mut w = Writer::new("    ");
        super::imports::from_line(&mut w, ".channels", &channel_imports);
        imports.local(w.finish().trim_end().to_owned());
    }
    let mut w = Writer::new("    ");
    pystr::docstring(&mut w, &format!("Clients for {}.", api.title));
    w.line("");
    imports.write(&mut w);
    let mut out = w.finish();
    out.push_str(&body.finish());
    out
}

fn environment(w: &mut Writer, api: &Api, names: &Names) {
    w.block(&format!("class {}:", names.environment), "", |w| {
        pystr::docstring(
            w,
            "The servers the spec declares; pass one as `environment=`.",
        );
        let mut any = false;
        for (server, member) in api.servers.iter().zip(&names.environment_members) {
            let Some(member) = member else { continue };
            any = true;
            w.line("");
            let docs = server.docs.as_deref().unwrap_or("").trim();
            if !docs.is_empty() {
                pystr::comment(w, docs);
            }
            let urls: Vec<String> = server
                .urls
                .iter()
                .map(|(k, v)| format!("{}: {}", pystr::string(k), pystr::string(v)))
                .collect();
            let url = pystr::string(&server_url(server));
            if urls.is_empty() {
                w.line(format!("{member}: Final = _rt.Environment({url})"));
            } else {
                w.line(format!(
                    "{member}: Final = _rt.Environment({url}, {{{}}})",
                    urls.join(", ")
                ));
            }
        }
        if !any {
            w.line("");
            w.line("# The spec declares no WebSocket server: pass base_url= to the client.");
        }
    });
}

/// The statements that attach channels and child namespaces under `path`.
fn members<'n>(
    w: &mut Writer,
    api: &Api,
    names: &'n Names,
    path: &[String],
    sync: bool,
    imports: &mut Vec<&'n str>,
) {
    w.line("self._config = config");
    for ns in &names.namespaces {
        if ns.path.len() == path.len() + 1 && ns.path.starts_with(path) {
            let class = if sync {
                &ns.sync_class
            } else {
                &ns.async_class
            };
            w.line(format!(
                "self.{}: {class} = {class}(config)",
                ns.path[path.len()]
            ));
        }
    }
    for (channel, cn) in api.channels.iter().zip(&names.channels) {
        let own: Vec<&str> = channel.namespace.iter().map(|n| n.snake.as_str()).collect();
        if own != path {
            continue;
        }
        let class = if sync {
            &cn.sync_channel
        } else {
            &cn.async_channel
        };
        imports.push(class);
        w.line(format!("self.{}: {class} = {class}(config)", cn.attribute));
    }
}

fn client<'n>(
    w: &mut Writer,
    api: &'n Api,
    names: &'n Names,
    sync: bool,
    imports: &mut Vec<&'n str>,
) {
    let class = if sync {
        &names.sync_client
    } else {
        &names.async_client
    };
    let credential = if sync {
        "_rt.SyncCredential"
    } else {
        "_rt.Credential"
    };
    let default_env = api
        .servers
        .iter()
        .zip(&names.environment_members)
        .find_map(|(_, m)| m.as_ref());
    w.block(&format!("class {class}:"), "", |w| {
        let mut doc = api.docs.as_deref().unwrap_or("").trim().to_owned();
        if doc.is_empty() {
            doc = format!("{} {}.", api.title, api.version);
        }
        let usage = if sync { "with" } else { "async with" };
        doc.push_str(&format!(
            "\n\nConnect with `{usage} client.<channel>.connect(...) as socket:`.\n\nArgs:\n    \
             base_url: connect here instead of the environment's URL (`wss://...`).\n    \
             environment: one of `{}`.",
            names.environment
        ));
        for (scheme, arg) in used_auth(api, names) {
            if matches!(scheme.kind, AuthKind::Unsupported { .. }) {
                continue;
            }
            let what = if scheme.kind == AuthKind::Basic {
                "a (username, password) pair"
            } else {
                "the credential"
            };
            let call = if sync { "a function" } else { "a function (sync or async)" };
            doc.push_str(&format!(
                "\n    {arg}: {what}, or {call} returning it, called before every (re)connect."
            ));
        }
        doc.push_str(
            "\n    headers: sent with every connection.\n    \
             reconnect: backoff and attempts after a drop (`ReconnectOptions(enabled=False)` turns it off).",
        );
        pystr::docstring(w, &doc);
        w.line("");
        w.line("def __init__(");
        w.indent(|w| {
            w.line("self,");
            w.line("*,");
            w.line("base_url: str | None = None,");
            match default_env {
                Some(member) => w.line(format!(
                    "environment: _rt.Environment | None = {}.{member},",
                    names.environment
                )),
                None => w.line("environment: _rt.Environment | None = None,"),
            };
            for (scheme, arg) in used_auth(api, names) {
                if !matches!(scheme.kind, AuthKind::Unsupported { .. }) {
                    w.line(format!("{arg}: {credential} | None = None,"));
                }
            }
            w.line("headers: Mapping[str, str] | None = None,");
            w.line("reconnect: _rt.ReconnectOptions | None = None,");
        });
        w.line(") -> None:");
        w.indent(|w| {
            w.line("config = _rt.ClientConfig(");
            w.indent(|w| {
                w.line(format!("client={},", pystr::string(class)));
                w.line("environment=environment,");
                w.line("base_url=base_url,");
                w.line("headers=dict(headers or {}),");
                let creds: Vec<String> = used_auth(api, names)
                    .filter(|(s, _)| !matches!(s.kind, AuthKind::Unsupported { .. }))
                    .map(|(_, arg)| format!("{}: {arg}", pystr::string(arg)))
                    .collect();
                w.line(format!("credentials={{{}}},", creds.join(", ")));
                w.line("reconnect=reconnect or _rt.ReconnectOptions(),");
            });
            w.line(")");
            members(w, api, names, &[], sync, imports);
        });
    });
}

/// The schemes a client offers a keyword for ([`Api::used_auth`]), with their keywords.
fn used_auth<'a>(
    api: &'a Api,
    names: &'a Names,
) -> impl Iterator<Item = (&'a AuthScheme, &'a String)> {
    api.auth
        .iter()
        .zip(&names.auth_args)
        .filter(|(scheme, _)| api.used_auth().any(|used| std::ptr::eq(used, *scheme)))
}
