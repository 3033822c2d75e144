//! `src/channels/<channel>.ts`: everything one channel needs — the send and receive
//! unions, the socket's event map, the typed socket class with one `sendX` per client
//! message, the connect args, the channel class whose `connect()` builds each
//! connection's URL, headers and auth, and the classifier that turns a received JSON
//! value into a typed event.
//!
//! Classification follows the IR: messages the IR recognises by a field value are
//! checked first (`fieldIs`), then every other message by its shape (required
//! properties present with the right JSON kinds), in declaration order. Anything left
//! is `unknown` for the runtime.

use std::collections::BTreeSet;

use duplex_spec::ir::{
    AdditionalProperties, Api, Channel, Message, Param, Primitive, Recognition, Resume, Type,
    TypeKind,
};

use super::client::Servers;
use super::names::{ChannelNames, Names, api_label};
use super::tsdoc::{self, Doc};
use super::types;
use crate::writer::Writer;

/// The whole channel file.
pub fn file(api: &Api, channel: &Channel, names: &Names, cn: &ChannelNames) -> String {
    let mut w = Writer::new("  ");
    w.line(format!(
        "// The `{}` channel of the {}, generated from its definition. Do not edit.",
        channel.name.wire,
        api_label(api)
    ));
    w.line("");
    imports(&mut w, channel, names);
    unions(&mut w, channel, names, cn);
    events(&mut w, channel, names, cn);
    args(&mut w, api, channel, names, cn);
    socket(&mut w, api, channel, names, cn);
    channel_class(&mut w, api, channel, names, cn);
    classifier(&mut w, api, channel, cn);
    w.finish()
}

fn imports(w: &mut Writer, channel: &Channel, names: &Names) {
    w.line("import * as runtime from \"../runtime/index.js\";");
    w.line(format!(
        "import type {{ {} }} from \"../client.js\";",
        names.client_options
    ));
    if channel_auth(channel, names).is_empty() {
        w.line("import { baseUrl } from \"../connection.js\";");
    } else {
        w.line("import { AUTH_SCHEMES, baseUrl } from \"../connection.js\";");
    }
    let mut used = BTreeSet::new();
    let params = channel
        .path_params
        .iter()
        .chain(&channel.query)
        .chain(&channel.headers);
    for ty in params.map(|p| &p.ty).chain(
        channel
            .send
            .iter()
            .chain(&channel.receive)
            .map(|m| &m.payload),
    ) {
        collect_refs(ty, names, &mut used);
    }
    if !used.is_empty() {
        let list: Vec<&str> = used.into_iter().collect();
        w.line(format!(
            "import type {{ {} }} from \"../types.js\";",
            list.join(", ")
        ));
    }
}

fn collect_refs<'a>(ty: &Type, names: &'a Names, used: &mut BTreeSet<&'a str>) {
    match ty {
        Type::Ref(id) => {
            if let Some(name) = names.types.get(id) {
                used.insert(name);
            }
        }
        Type::Array(item) | Type::Set(item) | Type::Map(item) => collect_refs(item, names, used),
        Type::Primitive(_) | Type::Literal(_) | Type::Any => {}
    }
}

/// The auth schemes of the channel that the client can send: (option, scheme wire name).
fn channel_auth<'a>(channel: &'a Channel, names: &'a Names) -> Vec<(&'a str, &'a str)> {
    channel
        .auth
        .iter()
        .filter_map(|wire| {
            names
                .auth_options
                .get_key_value(wire)
                .map(|(wire, option)| (option.as_str(), wire.as_str()))
        })
        .collect()
}

fn union_of(types: Vec<String>) -> String {
    let mut seen = BTreeSet::new();
    let unique: Vec<String> = types
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect();
    if unique.is_empty() {
        "never".to_owned()
    } else {
        unique.join(" | ")
    }
}

fn unions(w: &mut Writer, channel: &Channel, names: &Names, cn: &ChannelNames) {
    let wire = &channel.name.wire;
    let send = union_of(
        channel
            .send
            .iter()
            .map(|m| types::expr(&m.payload, names))
            .collect(),
    );
    let receive = union_of(
        channel
            .receive
            .iter()
            .map(|m| types::expr(&m.payload, names))
            .collect(),
    );
    w.line("");
    Doc::new(Some(&format!(
        "Every message the client sends on `{wire}`."
    )))
    .write(w);
    w.line(format!("export type {} = {send};", cn.send_union));
    w.line("");
    Doc::new(Some(&format!(
        "Every message the client receives on `{wire}`."
    )))
    .write(w);
    w.line(format!("export type {} = {receive};", cn.receive_union));
}

fn message_doc(message: &duplex_spec::ir::Message) -> Doc {
    let mut doc = Doc::new(message.title.as_deref());
    if let Some(docs) = &message.docs {
        doc = doc.note(docs);
    }
    doc.deprecated(message.deprecated)
}

fn events(w: &mut Writer, channel: &Channel, names: &Names, cn: &ChannelNames) {
    w.line("");
    let lifecycle = &cn.members.lifecycle;
    let runtime_events: Vec<String> = [
        "open",
        "message",
        "unknown",
        "binary",
        "error",
        "close",
        "reconnecting",
    ]
    .iter()
    .map(|event| {
        let name = lifecycle
            .iter()
            .find(|(from, _)| from == event)
            .map_or(*event, |(_, to)| to.as_str());
        format!("`{name}`")
    })
    .collect();
    Doc::new(Some(&format!(
        "The events of a {{@link {}}}: the runtime's ({}) plus one per received message, named after it.",
        cn.socket,
        runtime_events.join(", ")
    )))
    .write(w);
    let base = format!("runtime.SocketEvents<{}>", cn.receive_union);
    let extends = if lifecycle.is_empty() {
        base.clone()
    } else {
        let omitted: Vec<String> = lifecycle
            .iter()
            .map(|(from, _)| tsdoc::string(from))
            .collect();
        format!("Omit<{base}, {}>", omitted.join(" | "))
    };
    let open = format!("export interface {} extends {extends} {{", cn.events);
    if channel.receive.is_empty() && lifecycle.is_empty() {
        w.line(format!("{open}}}"));
        return;
    }
    w.block(&open, "}", |w| {
        for (from, to) in lifecycle {
            Doc::new(Some(&format!(
                "The runtime's `{from}` event, renamed because a message takes its name."
            )))
            .write(w);
            w.line(format!("{to}: {base}[{}];", tsdoc::string(from)));
        }
        for (message, event) in channel.receive.iter().zip(&cn.members.receive_events) {
            message_doc(message).write(w);
            w.line(format!(
                "{event}: [{}];",
                types::expr(&message.payload, names)
            ));
        }
    });
}

fn params(channel: &Channel, cn: &ChannelNames) -> Vec<(&'static str, Param, String)> {
    let mut all = Vec::new();
    for (kind, list, names) in [
        ("path", &channel.path_params, &cn.members.path_params),
        ("query", &channel.query, &cn.members.query),
        ("header", &channel.headers, &cn.members.headers),
    ] {
        for (param, name) in list.iter().zip(names) {
            all.push((kind, param.clone(), name.clone()));
        }
    }
    all
}

/// The channel's session resume, with the socket getter and connect argument names.
fn names_resume<'a>(
    channel: &'a Channel,
    cn: &'a ChannelNames,
    api: &'a Api,
) -> Option<(&'a Resume, &'a Message, &'a str, &'a str)> {
    let (resume, message) = api.channel_resume(channel)?;
    let (getter, arg) = cn.members.resume.as_ref()?;
    Some((resume, message, getter, arg))
}

fn args(w: &mut Writer, api: &Api, channel: &Channel, names: &Names, cn: &ChannelNames) {
    w.line("");
    Doc::new(Some(&format!(
        "The arguments of `connect()` on `{}`: its parameters, and callbacks registered before the first connection.",
        channel.name.wire
    )))
    .write(w);
    let open = format!(
        "export interface {} extends runtime.ConnectCallbacks<{}> {{",
        cn.args, cn.receive_union
    );
    let all = params(channel, cn);
    let resume = names_resume(channel, cn, api);
    w.block(&open, "}", |w| {
        Doc::new(Some(&format!(
            "Connect to this path instead of the spec's address `{}`, for a channel mounted elsewhere (`/chat/support`); relative to the client's base URL.",
            channel.address
        )))
        .write(w);
        w.line("address?: string;");
        if let Some((resume, message, _, arg)) = &resume {
            Doc::new(Some(&format!(
                "Resumes this `{}` (from an earlier `{}` message) on the first connect. Later reconnects always resume the latest one by themselves.",
                resume.property, message.name.wire
            )))
            .write(w);
            w.line(format!("{arg}?: string;"));
        }
        for (kind, param, name) in &all {
            let mut doc = Doc::new(param.docs.as_deref());
            let place = match *kind {
                "path" => "Path parameter".to_owned(),
                "query" => format!("Query parameter `{}`", param.name.wire),
                _ => format!("Header `{}`", param.name.wire),
            };
            doc = doc.note(&format!("{place}."));
            for note in types::notes(&param.ty) {
                doc = doc.note(note);
            }
            if let Some(default) = &param.default {
                doc = doc.note(&format!("Default: `{default}`."));
            }
            doc.deprecated(param.deprecated).write(w);
            let optional = if param.required { "" } else { "?" };
            w.line(format!(
                "{name}{optional}: {};",
                types::expr(&param.ty, names)
            ));
        }
    });
}

fn socket(w: &mut Writer, api: &Api, channel: &Channel, names: &Names, cn: &ChannelNames) {
    w.line("");
    Doc::new(Some(&format!(
        "A reconnecting socket on `{}`. Sends made while (re)connecting are queued and flushed in order; received messages arrive as typed events, and through `for await`.",
        channel.name.wire
    )))
    .write(w);
    let open = format!(
        "export class {} extends runtime.Socket<{}, {}, {}> {{",
        cn.socket, cn.send_union, cn.receive_union, cn.events
    );
    let resume = names_resume(channel, cn, api);
    if channel.send.is_empty() && resume.is_none() {
        w.line(format!("{open}}}"));
        return;
    }
    w.block(&open, "}", |w| {
        if let Some((resume, message, getter, _)) = &resume {
            Doc::new(Some(&format!(
                "The `{}` the next (re)connect resumes: the latest `{}` message's, else the one given to `connect()`; `undefined` before either.",
                resume.property, message.name.wire
            )))
            .write(w);
            w.block(&format!("get {getter}(): string | undefined {{"), "}", |w| {
                w.line("return this.resumeValue;");
            });
            if !channel.send.is_empty() {
                w.line("");
            }
        }
        for (index, (message, method)) in channel
            .send
            .iter()
            .zip(&cn.members.send_methods)
            .enumerate()
        {
            if index > 0 {
                w.line("");
            }
            message_doc(message)
                .note(&format!("Sends a `{}` message.", message.name.wire))
                .write(w);
            let ty = types::expr(&message.payload, names);
            match implied_tag(api, message) {
                Some((property, value)) => {
                    let key = tsdoc::key(property);
                    w.block(
                        &format!(
                            "{method}(message: Omit<{ty}, {}> & {{ {key}?: {value} }}): void {{",
                            tsdoc::string(property)
                        ),
                        "}",
                        |w| {
                            w.line(format!("this.send({{ ...message, {key}: {value} }});"));
                        },
                    );
                }
                None => {
                    w.block(&format!("{method}(message: {ty}): void {{"), "}", |w| {
                        w.line("this.send(message);");
                    });
                }
            }
        }
    });
}

/// The constant that tells a sent message apart (`type: "cancel"`), when its send method
/// can fill it in: the payload is an object (without typed extra properties, which
/// `Omit` would lose) whose required property holds that string. (property, TS literal)
fn implied_tag<'a>(api: &Api, message: &'a Message) -> Option<(&'a str, String)> {
    let Recognition::Field { property, value } = &message.recognition else {
        return None;
    };
    let serde_json::Value::String(text) = value else {
        return None;
    };
    let Type::Ref(id) = &message.payload else {
        return None;
    };
    let TypeKind::Object(object) = &api.type_def(id)?.kind else {
        return None;
    };
    if matches!(object.additional, AdditionalProperties::Typed(_)) {
        return None;
    }
    object
        .properties
        .iter()
        .find(|p| p.name.wire == *property && p.required)?;
    Some((property, tsdoc::string(text)))
}

fn channel_class(w: &mut Writer, api: &Api, channel: &Channel, names: &Names, cn: &ChannelNames) {
    let servers = Servers::new(api);
    let all = params(channel, cn);
    let auth = channel_auth(channel, names);
    w.line("");
    Doc::new(channel.docs.as_deref())
        .note(&format!(
            "The `{}` channel (`{}`).",
            channel.name.wire, channel.address
        ))
        .deprecated(channel.deprecated)
        .write(w);
    w.block(&format!("export class {} {{", cn.class), "}", |w| {
        w.line(format!("readonly #options: {};", names.client_options));
        w.line("");
        w.block(
            &format!("constructor(options: {}) {{", names.client_options),
            "}",
            |w| {
                w.line("this.#options = options;");
            },
        );
        w.line("");
        Doc::new(Some(
            "Opens a socket. It connects at once, and reconnects on drops as the client's `reconnect` options say.",
        ))
        .write(w);
        let default = if all.iter().any(|(_, p, _)| p.required) { "" } else { " = {}" };
        w.block(
            &format!("connect(args: {}{default}): {} {{", cn.args, cn.socket),
            "}",
            |w| {
                w.line("const options = this.#options;");
                if !auth.is_empty() {
                    let checks: Vec<String> = auth
                        .iter()
                        .map(|(option, _)| format!("options.{option} === undefined"))
                        .collect();
                    let listed: Vec<String> = auth.iter().map(|(o, _)| format!("\\`{o}\\`")).collect();
                    w.block(&format!("if ({}) {{", checks.join(" && ")), "}", |w| {
                        w.line(format!(
                            "throw new Error(`{}: the \\`{}\\` channel needs credentials; pass the {} option`);",
                            names.client,
                            channel.name.wire.replace('`', "'"),
                            listed.join(" or ")
                        ));
                    });
                }
                w.block(&format!("return new {}({{", cn.socket), "});", |w| {
                    for option in [
                        "reconnect",
                        "maxQueueSize",
                        "logger",
                        "WebSocket",
                        "webSocketSupportsHeaders",
                    ] {
                        w.line(format!("{option}: options.{option},"));
                    }
                    w.line("callbacks: args,");
                    w.line("classify,");
                    if !cn.members.lifecycle.is_empty() {
                        let pairs: Vec<String> = cn
                            .members
                            .lifecycle
                            .iter()
                            .map(|(from, to)| format!("{from}: {}", tsdoc::string(to)))
                            .collect();
                        w.line(format!("lifecycle: {{ {} }},", pairs.join(", ")));
                    }
                    if let Some((resume, message, _, arg)) = names_resume(channel, cn, api) {
                        let event = channel
                            .receive
                            .iter()
                            .zip(&cn.members.receive_events)
                            .find(|(m, _)| std::ptr::eq(*m, message))
                            .map_or("", |(_, e)| e.as_str());
                        w.line(format!(
                            "resume: {{ event: {}, property: {}, field: {}, value: args.{arg} }},",
                            tsdoc::string(event),
                            tsdoc::string(&resume.property),
                            tsdoc::string(&resume.field)
                        ));
                    }
                    if !channel.close_codes.is_empty() {
                        w.block("closeCodes: {", "},", |w| {
                            for code in &channel.close_codes {
                                let description = code.docs.as_deref().map_or(String::new(), |d| {
                                    format!(", description: {}", tsdoc::string(d))
                                });
                                w.line(format!(
                                    "{}: {{ reconnect: {}{description} }},",
                                    code.code, code.reconnect
                                ));
                            }
                        });
                    }
                    target(w, channel, &servers, &all, &auth);
                });
            },
        );
    });
}

fn target(
    w: &mut Writer,
    channel: &Channel,
    servers: &Servers,
    all: &[(&'static str, Param, String)],
    auth: &[(&str, &str)],
) {
    let transport = if auth.is_empty() {
        "_transport"
    } else {
        "transport"
    };
    w.block(&format!("target: async ({transport}) => {{"), "},", |w| {
        let base = match servers.url_key(channel.base_url.as_deref()) {
            Some(key) => format!("baseUrl(options, {})", tsdoc::string(key)),
            None => "baseUrl(options)".to_owned(),
        };
        let path: Vec<String> = all
            .iter()
            .filter(|(kind, _, _)| *kind == "path")
            .map(|(_, p, name)| format!("{}: args.{name}", tsdoc::key(&p.name.wire)))
            .collect();
        let path = if path.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{ {} }}", path.join(", "))
        };
        w.line(format!(
            "const target = runtime.newTarget({base}, {}, {path}, args.address);",
            tsdoc::string(&channel.address)
        ));
        for (kind, param, name) in all {
            if *kind == "query" {
                w.line(format!(
                    "runtime.addQuery(target, {}, args.{name});",
                    tsdoc::string(&param.name.wire)
                ));
            }
        }
        w.block(
            "for (const [name, value] of Object.entries(options.headers ?? {})) {",
            "}",
            |w| {
                w.line("runtime.addHeader(target, name, value);");
            },
        );
        for (kind, param, name) in all {
            if *kind == "header" {
                w.line(format!(
                    "runtime.addHeader(target, {}, args.{name});",
                    tsdoc::string(&param.name.wire)
                ));
            }
        }
        for (option, scheme) in auth {
            w.block(&format!("if (options.{option} !== undefined) {{"), "}", |w| {
                w.line(format!(
                    "await runtime.applyAuth(target, AUTH_SCHEMES{}, options.{option}, transport.supportsHeaders);",
                    tsdoc::access(scheme)
                ));
            });
        }
        w.line("return target;");
    });
}

fn classifier(w: &mut Writer, api: &Api, channel: &Channel, cn: &ChannelNames) {
    w.line("");
    Doc::new(Some(
        "Tells a received JSON value apart: by the field the spec fixes for each message, else by its shape. `undefined` means unknown.",
    ))
    .write(w);
    if channel.receive.is_empty() {
        w.line("function classify(_data: unknown): runtime.Classified | undefined {");
        w.line("  return undefined;");
        w.line("}");
        return;
    }
    w.block(
        "function classify(data: unknown): runtime.Classified | undefined {",
        "}",
        |w| {
            let messages: Vec<_> = channel
                .receive
                .iter()
                .zip(&cn.members.receive_events)
                .collect();
            let by_field = messages
                .iter()
                .filter(|(m, _)| matches!(m.recognition, Recognition::Field { .. }));
            let by_shape = messages
                .iter()
                .filter(|(m, _)| !matches!(m.recognition, Recognition::Field { .. }));
            for (message, event) in by_field.chain(by_shape) {
                let test = match &message.recognition {
                    Recognition::Field { property, value } => format!(
                        "runtime.fieldIs(data, {}, {})",
                        tsdoc::string(property),
                        value
                    ),
                    Recognition::Only | Recognition::Ambiguous { .. } => {
                        format!("runtime.matches(data, {})", shape(api, &message.payload, 0))
                    }
                };
                w.block(&format!("if ({test}) {{"), "}", |w| {
                    w.line(format!(
                        "return {{ event: {}, message: data }};",
                        tsdoc::string(event)
                    ));
                });
            }
            w.line("return undefined;");
        },
    );
}

/// The runtime `Shape` literal that a value of `ty` must match. Objects are checked one
/// level deep (required properties and their JSON kinds); deeper, only kinds.
fn shape(api: &Api, ty: &Type, depth: usize) -> String {
    match resolve_aliases(api, ty) {
        Type::Primitive(Primitive::Boolean) => "\"boolean\"".to_owned(),
        Type::Primitive(
            Primitive::Int32 | Primitive::Int64 | Primitive::Float | Primitive::Double,
        ) => "\"number\"".to_owned(),
        Type::Primitive(_) => "\"string\"".to_owned(),
        Type::Array(_) | Type::Set(_) => "\"array\"".to_owned(),
        Type::Map(_) => "\"object\"".to_owned(),
        Type::Literal(value) => format!("{{ const: {value} }}"),
        Type::Any => "\"any\"".to_owned(),
        Type::Ref(id) => match api.type_def(id).map(|d| &d.kind) {
            Some(TypeKind::Object(object)) if depth == 0 => {
                let required: Vec<String> = object
                    .properties
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| {
                        let inner = shape(api, &p.ty, depth + 1);
                        let inner = if p.nullable && inner != "\"any\"" {
                            format!("{{ oneOf: [{inner}, \"null\"] }}")
                        } else {
                            inner
                        };
                        format!("{}: {inner}", tsdoc::key(&p.name.wire))
                    })
                    .collect();
                if required.is_empty() {
                    "{ object: {} }".to_owned()
                } else {
                    format!("{{ object: {{ {} }} }}", required.join(", "))
                }
            }
            Some(TypeKind::Object(_)) => "\"object\"".to_owned(),
            Some(TypeKind::Enum(e)) => {
                let values: Vec<String> = e
                    .values
                    .iter()
                    .map(|v| format!("{{ const: {} }}", v.value))
                    .collect();
                format!("{{ oneOf: [{}] }}", values.join(", "))
            }
            _ => "\"any\"".to_owned(),
        },
    }
}

/// Follows references to aliases until a non-alias type (bounded, so a cycle of
/// aliases cannot loop).
fn resolve_aliases<'a>(api: &'a Api, ty: &'a Type) -> &'a Type {
    let mut ty = ty;
    for _ in 0..=api.types.len() {
        let Type::Ref(id) = ty else { break };
        match api.type_def(id).map(|d| &d.kind) {
            Some(TypeKind::Alias { target }) => ty = target,
            _ => break,
        }
    }
    ty
}
