//! `src/client.ts` (the client class and its options) and `src/connection.ts` (the
//! environments from the spec's servers, base-URL resolution and auth schemes).
//!
//! Only servers a WebSocket can reach (`ws`, `wss`, `http`, `https`, or no protocol)
//! become environments. Without any, `baseUrl` is a required option.

use std::collections::BTreeMap;

use duplex_spec::ir::{Api, AuthCarrier, AuthKind, Server};
use duplex_spec::naming::{Name, Scope};

use super::names::{Names, api_label, is_usable};
use super::tsdoc::{self, Doc};
use crate::writer::Writer;

/// How the package reaches its servers.
#[derive(Debug)]
pub struct Servers<'a> {
    /// Each usable server with its key in the environment object.
    pub kept: Vec<(String, &'a Server)>,
    /// True when servers have Fern named URLs: environments are then objects of URLs.
    pub named_urls: bool,
    /// Every server variable by wire name.
    pub variables: BTreeMap<String, Variable>,
}

/// A server variable as the client options expose it.
#[derive(Debug)]
pub struct Variable {
    pub allowed: Vec<String>,
    pub default: Option<String>,
    pub docs: Option<String>,
}

impl Servers<'_> {
    pub fn new(api: &Api) -> Servers<'_> {
        let mut scope = Scope::new();
        let kept: Vec<(String, &Server)> = api
            .servers
            .iter()
            .filter(|s| matches!(s.protocol.as_str(), "ws" | "wss" | "http" | "https" | ""))
            .map(|s| (scope.claim(s.name.clone()).pascal, s))
            .collect();
        let named_urls = kept.iter().any(|(_, s)| !s.urls.is_empty());
        let mut variables = BTreeMap::new();
        for (_, server) in &kept {
            for v in &server.variables {
                variables
                    .entry(v.name.wire.clone())
                    .or_insert_with(|| Variable {
                        allowed: v.allowed.clone(),
                        default: v.default.clone(),
                        docs: v.docs.clone(),
                    });
            }
        }
        Servers {
            kept,
            named_urls,
            variables,
        }
    }

    /// Whether the client needs a `baseUrl` because the spec names no usable server.
    pub fn base_url_required(&self) -> bool {
        self.kept.is_empty()
    }

    /// The named-URL key a channel connects to (Fern), when environments are objects.
    pub fn url_key<'k>(&'k self, channel_key: Option<&'k str>) -> Option<&'k str> {
        if !self.named_urls {
            return None;
        }
        channel_key.or_else(|| {
            self.kept
                .iter()
                .find_map(|(_, s)| s.urls.keys().next().map(String::as_str))
        })
    }
}

/// The whole `client.ts`.
pub fn client(api: &Api, names: &Names) -> String {
    let servers = Servers::new(api);
    let mut w = Writer::new("  ");
    w.line(format!(
        "// The {} client, generated from its definition. Do not edit.",
        api.title
    ));
    w.line("");
    w.line("import type * as runtime from \"./runtime/index.js\";");
    if !servers.kept.is_empty() {
        w.line(format!(
            "import type {{ {} }} from \"./connection.js\";",
            names.environment
        ));
    }
    for channel in &names.channels {
        w.line(format!(
            "import {{ {} }} from \"./channels/{}.js\";",
            channel.class, channel.file
        ));
    }
    w.line("");
    options_interface(&mut w, api, names, &servers);
    w.line("");
    client_class(&mut w, api, names, &servers);
    w.finish()
}

fn options_interface(w: &mut Writer, api: &Api, names: &Names, servers: &Servers) {
    Doc::new(Some(&format!("Options of {{@link {}}}.", names.client))).write(w);
    let open = format!(
        "export interface {} extends runtime.SocketOptions {{",
        names.client_options
    );
    w.block(&open, "}", |w| {
        if let Some((default, _)) = servers.kept.first() {
            Doc::new(Some(&format!(
                "The server to connect to. Default: `{}.{default}`.",
                names.environment
            )))
            .write(w);
            w.line(format!("environment?: {};", names.environment));
            Doc::new(Some(
                "A URL that replaces the environment's, such as a proxy or a local server.",
            ))
            .write(w);
            w.line("baseUrl?: string;");
        } else {
            Doc::new(Some(
                "The server's URL, such as `wss://api.example.com`: the spec declares none.",
            ))
            .write(w);
            w.line("baseUrl: string;");
        }
        if !servers.variables.is_empty() {
            Doc::new(Some("Values for the variables in the server URL.")).write(w);
            w.block("variables?: {", "};", |w| {
                for (wire, variable) in &servers.variables {
                    let mut doc = Doc::new(variable.docs.as_deref());
                    if let Some(default) = &variable.default {
                        doc = doc.note(&format!("Default: `{default}`."));
                    }
                    doc.write(w);
                    let ty = if variable.allowed.is_empty() {
                        "string".to_owned()
                    } else {
                        let values: Vec<String> = variable.allowed.iter().map(|v| tsdoc::string(v)).collect();
                        values.join(" | ")
                    };
                    w.line(format!("{}?: {ty};", tsdoc::key(wire)));
                }
            });
        }
        for scheme in api.used_auth().filter(|s| is_usable(s)) {
            let Some(option) = names.auth_options.get(&scheme.name.wire) else {
                continue;
            };
            let (what, ty) = match scheme.kind {
                AuthKind::Basic => (
                    "User name and password (or the encoded `user:password`)",
                    "runtime.Supplier<runtime.BasicCredentials | string>",
                ),
                AuthKind::Bearer => ("A bearer token", "runtime.Supplier<string>"),
                _ => ("The API key", "runtime.Supplier<string>"),
            };
            let carriers: Vec<String> = scheme.carriers.iter().map(carrier_text).collect();
            Doc::new(scheme.docs.as_deref())
                .note(&format!(
                    "{what}, or a function returning it: called again on every (re)connect. Sent {}.",
                    carriers.join(", or ")
                ))
                .write(w);
            w.line(format!("{option}?: {ty};"));
        }
        Doc::new(Some(
            "Headers sent with every connection. Browsers cannot set headers; there they are dropped with a warning.",
        ))
        .write(w);
        w.line("headers?: Record<string, string>;");
    });
}

fn carrier_text(carrier: &AuthCarrier) -> String {
    match carrier {
        AuthCarrier::Header { name, prefix } => match prefix {
            Some(prefix) => format!("in the `{name}` header as `{}<value>`", prefix),
            None => format!("in the `{name}` header"),
        },
        AuthCarrier::Query { name } => format!("as the `{name}` query parameter"),
        AuthCarrier::Subprotocol => "as a WebSocket subprotocol".to_owned(),
        AuthCarrier::FirstMessage { field, resume } => match resume {
            Some(resume) => format!(
                "as `{{\"{field}\": <value>, \"{}\": <the last {}>}}`, the first message after each connect, which resumes the session",
                resume.field, resume.property
            ),
            None => format!("as `{{\"{field}\": <value>}}`, the first message after each connect"),
        },
    }
}

/// A level of the client's property tree: channels and Fern namespaces.
#[derive(Debug, Default)]
struct Level {
    scope: Scope,
    /// Property name, and either a channel index or a nested level.
    entries: Vec<(String, Entry)>,
    namespaces: BTreeMap<String, usize>,
}

#[derive(Debug)]
enum Entry {
    Channel(usize),
    Namespace(Level),
}

impl Level {
    fn insert(&mut self, path: &[Name], channel: usize, property: &Name) {
        match path.split_first() {
            None => {
                let name = self.scope.claim(property.clone()).camel;
                self.entries.push((name, Entry::Channel(channel)));
            }
            Some((first, rest)) => {
                let index = match self.namespaces.get(&first.wire) {
                    Some(index) => *index,
                    None => {
                        let name = self.scope.claim(first.clone()).camel;
                        self.entries
                            .push((name, Entry::Namespace(Level::default())));
                        self.namespaces
                            .insert(first.wire.clone(), self.entries.len() - 1);
                        self.entries.len() - 1
                    }
                };
                if let Entry::Namespace(level) = &mut self.entries[index].1 {
                    level.insert(rest, channel, property);
                }
            }
        }
    }

    /// The type of this level as an object type (for namespaces).
    fn type_text(&self, names: &Names) -> String {
        let fields: Vec<String> = self
            .entries
            .iter()
            .map(|(name, entry)| match entry {
                Entry::Channel(i) => format!("readonly {name}: {}", names.channels[*i].class),
                Entry::Namespace(level) => format!("readonly {name}: {}", level.type_text(names)),
            })
            .collect();
        format!("{{ {} }}", fields.join("; "))
    }

    fn value_text(&self, names: &Names) -> String {
        let fields: Vec<String> = self
            .entries
            .iter()
            .map(|(name, entry)| match entry {
                Entry::Channel(i) => format!("{name}: new {}(options)", names.channels[*i].class),
                Entry::Namespace(level) => format!("{name}: {}", level.value_text(names)),
            })
            .collect();
        format!("{{ {} }}", fields.join(", "))
    }
}

fn client_class(w: &mut Writer, api: &Api, names: &Names, servers: &Servers) {
    let mut root = Level::default();
    root.scope.claim(Name::new("constructor"));
    for (index, channel) in api.channels.iter().enumerate() {
        root.insert(&channel.namespace, index, &channel.name);
    }
    Doc::new(api.docs.as_deref())
        .note(&format!(
            "A client of the {}{}: one property per channel, whose `connect()` opens a socket.",
            api_label(api),
            version_note(api)
        ))
        .write(w);
    w.block(&format!("export class {} {{", names.client), "}", |w| {
        for (name, entry) in &root.entries {
            match entry {
                Entry::Channel(i) => {
                    let channel = &api.channels[*i];
                    Doc::new(channel.docs.as_deref())
                        .deprecated(channel.deprecated)
                        .write(w);
                    w.line(format!("readonly {name}: {};", names.channels[*i].class));
                }
                Entry::Namespace(level) => {
                    w.line(format!("readonly {name}: {};", level.type_text(names)));
                }
            }
        }
        if !root.entries.is_empty() {
            w.line("");
        }
        let default = if servers.base_url_required() {
            ""
        } else {
            " = {}"
        };
        let param = if root.entries.is_empty() {
            "_options"
        } else {
            "options"
        };
        w.block(
            &format!("constructor({param}: {}{default}) {{", names.client_options),
            "}",
            |w| {
                for (name, entry) in &root.entries {
                    match entry {
                        Entry::Channel(i) => {
                            w.line(format!(
                                "this.{name} = new {}(options);",
                                names.channels[*i].class
                            ));
                        }
                        Entry::Namespace(level) => {
                            w.line(format!("this.{name} = {};", level.value_text(names)));
                        }
                    }
                }
            },
        );
    });
}

/// The whole `connection.ts`.
pub fn connection(api: &Api, names: &Names) -> String {
    let servers = Servers::new(api);
    let mut w = Writer::new("  ");
    w.line(format!(
        "// How the {} client reaches its servers, generated from its definition. Do not edit.",
        api.title
    ));
    w.line("");
    let usable: Vec<_> = api.used_auth().filter(|s| is_usable(s)).collect();
    if !usable.is_empty() || !servers.variables.is_empty() {
        w.line("import * as runtime from \"./runtime/index.js\";");
    }
    w.line(format!(
        "import type {{ {} }} from \"./client.js\";",
        names.client_options
    ));
    if !servers.kept.is_empty() {
        w.line("");
        environments(&mut w, api, names, &servers);
    }
    w.line("");
    base_url(&mut w, names, &servers);
    if !usable.is_empty() {
        w.line("");
        Doc::new(Some(
            "The auth schemes of the API, as the runtime places them.",
        ))
        .write(&mut w);
        w.block(
            "export const AUTH_SCHEMES: Record<string, runtime.AuthScheme> = {",
            "};",
            |w| {
                for scheme in usable {
                    let kind = match scheme.kind {
                        AuthKind::Basic => "basic",
                        AuthKind::Bearer => "bearer",
                        _ => "api_key",
                    };
                    let carriers: Vec<String> =
                        scheme.carriers.iter().map(carrier_literal).collect();
                    w.line(format!(
                        "{}: {{ name: {}, kind: {}, carriers: [{}] }},",
                        tsdoc::key(&scheme.name.wire),
                        tsdoc::string(&scheme.name.wire),
                        tsdoc::string(kind),
                        carriers.join(", ")
                    ));
                }
            },
        );
    }
    w.finish()
}

fn carrier_literal(carrier: &AuthCarrier) -> String {
    match carrier {
        AuthCarrier::Header { name, prefix } => match prefix {
            Some(prefix) => format!(
                "{{ in: \"header\", name: {}, prefix: {} }}",
                tsdoc::string(name),
                tsdoc::string(prefix)
            ),
            None => format!("{{ in: \"header\", name: {} }}", tsdoc::string(name)),
        },
        AuthCarrier::Query { name } => {
            format!("{{ in: \"query\", name: {} }}", tsdoc::string(name))
        }
        AuthCarrier::Subprotocol => "{ in: \"subprotocol\" }".to_owned(),
        AuthCarrier::FirstMessage { field, .. } => {
            format!(
                "{{ in: \"first_message\", field: {} }}",
                tsdoc::string(field)
            )
        }
    }
}

fn environments(w: &mut Writer, api: &Api, names: &Names, servers: &Servers) {
    Doc::new(Some(&format!("The servers of the {}.", api_label(api)))).write(w);
    w.block(
        &format!("export const {} = {{", names.environment),
        "} as const;",
        |w| {
            for (key, server) in &servers.kept {
                Doc::new(server.docs.as_deref()).write(w);
                if servers.named_urls {
                    w.block(&format!("{key}: {{"), "},", |w| {
                        for (url_key, url) in &server.urls {
                            w.line(format!("{}: {},", tsdoc::key(url_key), tsdoc::string(url)));
                        }
                    });
                } else {
                    w.line(format!("{key}: {},", tsdoc::string(&server.url)));
                }
            }
        },
    );
    let env = &names.environment;
    w.line(format!(
        "export type {env} = (typeof {env})[keyof typeof {env}];"
    ));
}

fn base_url(w: &mut Writer, names: &Names, servers: &Servers) {
    Doc::new(Some(
        "The base URL a channel connects to: `baseUrl`, else the environment, with server variables filled in.",
    ))
    .write(w);
    let params = if servers.named_urls {
        format!("options: {}, key: string", names.client_options)
    } else {
        format!("options: {}", names.client_options)
    };
    w.block(&format!("export function baseUrl({params}): string {{"), "}", |w| {
        match servers.kept.first() {
            None => {
                w.line("const template = options.baseUrl;");
            }
            Some((default, _)) if servers.named_urls => {
                w.line(format!(
                    "const environment: Record<string, string | undefined> = options.environment ?? {}.{default};",
                    names.environment
                ));
                w.line("const template = options.baseUrl ?? environment[key];");
                w.block("if (template === undefined) {", "}", |w| {
                    w.line(
                        "throw new Error(`the environment has no URL named \\`${key}\\`; pass the \\`baseUrl\\` option`);",
                    );
                });
            }
            Some((default, _)) => {
                w.line(format!(
                    "const template = options.baseUrl ?? options.environment ?? {}.{default};",
                    names.environment
                ));
            }
        }
        if servers.variables.is_empty() {
            w.line("return template;");
        } else {
            let defaults: Vec<String> = servers
                .variables
                .iter()
                .filter_map(|(wire, variable)| {
                    variable
                        .default
                        .as_ref()
                        .map(|d| format!("{}: {}", tsdoc::key(wire), tsdoc::string(d)))
                })
                .collect();
            w.line(format!(
                "return runtime.expandUrl(template, {{ {}{}...options.variables }});",
                defaults.join(", "),
                if defaults.is_empty() { "" } else { ", " }
            ));
        }
    });
}

/// ` (version 1.2.3)`, or nothing when the spec gives no version.
pub fn version_note(api: &Api) -> String {
    if api.version.trim().is_empty() {
        String::new()
    } else {
        format!(" (version {})", api.version.trim())
    }
}
