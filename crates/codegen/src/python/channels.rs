//! `channels.py`: per channel, the message unions, the routes that tell received
//! messages apart, the async and sync sockets with one typed `send_*` method per sent
//! message, and the channel objects whose `connect(...)` takes typed keyword arguments.
//!
//! Received messages are recognised in one step wherever the spec allows it: by the
//! value of their discriminating property (a dict lookup), else by a required property
//! that no sibling message has. Only messages the spec gives no way to tell apart are
//! tried in turn, and the generated docstring says so.

use duplex_spec::ir::{Api, AuthKind, Channel, Message, Param, Recognition};
use serde_json::Value;

use super::names::{ChannelNames, Names};
use super::pystr;
use super::types::{Ctx, Render, docs_with_deprecation};
use crate::writer::Writer;

/// How one received message is recognised.
#[derive(Debug, Clone, PartialEq)]
enum How {
    Field { property: String, value: Value },
    Key(String),
    Fallback,
}

/// The contents of `src/<package>/channels.py`.
pub fn file(api: &Api, names: &Names) -> String {
    let mut r = Render::new(api, names);
    let mut body = Writer::new("    ");
    for (index, (channel, cn)) in api.channels.iter().zip(&names.channels).enumerate() {
        // ruff's isort wants one blank line between the imports and a statement, and
        // class bodies end with two.
        body.line("");
        if index > 0 {
            body.line("");
        }
        channel_code(&mut r, &mut body, channel, cn);
    }
    let mut w = Writer::new("    ");
    pystr::docstring(
        &mut w,
        &format!(
            "The channels of {}: typed sockets and how to connect to them.",
            api.title
        ),
    );
    w.line("");
    r.imports.add("typing", "TypeAlias");
    r.imports.local("from . import _runtime as _rt");
    if !api.types.is_empty() {
        r.imports.local("from . import types");
    }
    r.imports.write(&mut w);
    let mut out = w.finish();
    out.push_str(&body.finish());
    out
}

fn channel_code(r: &mut Render<'_>, w: &mut Writer, channel: &Channel, cn: &ChannelNames) {
    let sent: Vec<String> = channel
        .send
        .iter()
        .map(|m| r.ty(&m.payload, Ctx::Outside))
        .collect();
    let received: Vec<String> = channel
        .receive
        .iter()
        .map(|m| r.ty(&m.payload, Ctx::Outside))
        .collect();
    if !sent.is_empty() {
        let union = r.union(sent.clone(), Ctx::Outside);
        w.line(format!(
            "#: Any message a `{}` socket sends.",
            channel.name.wire
        ));
        w.line(format!("{}: TypeAlias = {union}", cn.send_union));
        w.line("");
    }
    let mut members = received.clone();
    members.push("_rt.UnknownMessage".to_owned());
    let union = r.union(members, Ctx::Outside);
    w.line(format!(
        "#: Any message a `{}` socket receives; `UnknownMessage` holds what the spec does not describe.",
        channel.name.wire
    ));
    w.line(format!("{}: TypeAlias = {union}", cn.receive_union));
    w.line("");
    routes(r, w, channel, cn, &received);
    for sync in [false, true] {
        w.line("");
        w.line("");
        socket(r, w, channel, cn, &received, sync);
        w.line("");
        w.line("");
        channel_class(r, w, channel, cn, sync);
    }
}

fn routes(
    r: &mut Render<'_>,
    w: &mut Writer,
    channel: &Channel,
    cn: &ChannelNames,
    received: &[String],
) {
    let route = |i: usize| {
        format!(
            "_rt.Route({}, {})",
            pystr::string(&cn.receive_events[i]),
            received[i]
        )
    };
    let renames = if cn.renamed_events.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = cn
            .renamed_events
            .iter()
            .map(|(from, to)| format!("{}: {}", pystr::string(from), pystr::string(to)))
            .collect();
        format!("renames={{{}}}", pairs.join(", "))
    };
    if channel.receive.len() == 1 {
        let renames = if renames.is_empty() {
            renames
        } else {
            format!(", {renames}")
        };
        w.line(format!(
            "{} = _rt.Dispatcher(only={}{renames})",
            cn.routes,
            route(0)
        ));
        return;
    }
    if channel.receive.is_empty() {
        w.line(format!("{} = _rt.Dispatcher()", cn.routes));
        return;
    }
    let hows = recognition(r, channel);
    w.block(&format!("{} = _rt.Dispatcher(", cn.routes), ")", |w| {
        let mut properties: Vec<&str> = Vec::new();
        for how in &hows {
            if let How::Field { property, .. } = how
                && !properties.contains(&property.as_str())
            {
                properties.push(property);
            }
        }
        if !properties.is_empty() {
            w.block("by_field=[", "],", |w| {
                for property in &properties {
                    w.block(&format!("({}, {{", pystr::string(property)), "}),", |w| {
                        for (i, how) in hows.iter().enumerate() {
                            if let How::Field { property: p, value } = how
                                && p == property
                            {
                                w.line(format!("{}: {},", pystr::literal(value), route(i)));
                            }
                        }
                    });
                }
            });
        }
        let keyed: Vec<(usize, &String)> = hows
            .iter()
            .enumerate()
            .filter_map(|(i, h)| match h {
                How::Key(k) => Some((i, k)),
                _ => None,
            })
            .collect();
        if !keyed.is_empty() {
            w.block("by_key=[", "],", |w| {
                for (i, key) in keyed {
                    w.line(format!("({}, {}),", pystr::string(key), route(i)));
                }
            });
        }
        let fallback: Vec<usize> = (0..hows.len())
            .filter(|i| hows[*i] == How::Fallback)
            .collect();
        if !fallback.is_empty() {
            w.line(
                "# The spec gives no property that tells these apart, so they are tried in turn.",
            );
            w.block("fallback=[", "],", |w| {
                for i in fallback {
                    w.line(format!("{},", route(i)));
                }
            });
        }
        if !renames.is_empty() {
            w.line(format!("{renames},"));
        }
    });
}

/// Decides how each received message is recognised (parallel to `channel.receive`).
fn recognition(r: &Render<'_>, channel: &Channel) -> Vec<How> {
    let mut taken: Vec<(String, Value)> = Vec::new();
    channel
        .receive
        .iter()
        .enumerate()
        .map(|(i, message)| {
            if let Recognition::Field { property, value } = &message.recognition {
                let scalar =
                    matches!(value, Value::String(_) | Value::Bool(_)) || value.as_i64().is_some();
                let pair = (property.clone(), value.clone());
                if scalar && !taken.contains(&pair) {
                    taken.push(pair);
                    return How::Field {
                        property: property.clone(),
                        value: value.clone(),
                    };
                }
            }
            marker_key(r, channel, i).map_or(How::Fallback, How::Key)
        })
        .collect()
}

/// A required property of message `index` that no other received message declares.
fn marker_key(r: &Render<'_>, channel: &Channel, index: usize) -> Option<String> {
    let (_, object) = r.object(&channel.receive[index].payload)?;
    let others: Vec<&str> = channel
        .receive
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .filter_map(|(_, m)| r.object(&m.payload))
        .flat_map(|(_, o)| o.properties.iter().map(|p| p.name.wire.as_str()))
        .collect();
    object
        .properties
        .iter()
        .find(|p| p.required && !others.contains(&p.name.wire.as_str()))
        .map(|p| p.name.wire.clone())
}

fn socket(
    r: &mut Render<'_>,
    w: &mut Writer,
    channel: &Channel,
    cn: &ChannelNames,
    received: &[String],
    sync: bool,
) {
    let (class, base, def, wait) = if sync {
        (&cn.sync_socket, "SyncSocket", "def", "")
    } else {
        (&cn.async_socket, "AsyncSocket", "async def", "await ")
    };
    w.block(
        &format!("class {class}(_rt.{base}[{}]):", cn.receive_union),
        "",
        |w| {
            let how = if sync { "with" } else { "async with" };
            let iterate = if sync { "for" } else { "async for" };
            pystr::docstring(
                w,
                &format!(
                    "A connection to `{}`. Use it as `{how} client.{}.connect(...) as socket:`; \
                 `{iterate} message in socket` yields typed messages until it closes.",
                    channel.name.wire, cn.attribute
                ),
            );
            for (message, method) in channel.send.iter().zip(&cn.send_methods) {
                w.line("");
                let payload = r.ty(&message.payload, Ctx::Outside);
                w.block(
                    &format!("{def} {method}(self, message: {payload}) -> None:"),
                    "",
                    |w| {
                        pystr::docstring(w, &message_doc("Sends", message));
                        w.line(format!("{wait}self._send_message(message)"));
                    },
                );
            }
            if !channel.send.is_empty() {
                w.line("");
                w.block(
                    &format!("{def} send(self, message: {}) -> None:", cn.send_union),
                    "",
                    |w| {
                        pystr::docstring(w, "Sends any message this channel accepts.");
                        w.line(format!("{wait}self._send_message(message)"));
                    },
                );
            }
            if let (Some((resume, message)), Some((property, _))) =
                (r.api.channel_resume(channel), &cn.resume)
            {
                w.line("");
                w.line("@property");
                w.block(&format!("def {property}(self) -> str | None:"), "", |w| {
                    pystr::docstring(
                        w,
                        &format!(
                            "The `{}` the next (re)connect resumes: the latest `{}` message's, \
                             else the one given to `connect(...)`; `None` before either.",
                            resume.property, message.name.wire
                        ),
                    );
                    w.line("return self.resume_value");
                });
            }
            on_overloads(r, w, channel, cn, received, sync);
        },
    );
}

fn on_overloads(
    r: &mut Render<'_>,
    w: &mut Writer,
    channel: &Channel,
    cn: &ChannelNames,
    received: &[String],
    sync: bool,
) {
    r.imports.add("typing", "overload");
    r.imports.add("typing", "Literal");
    r.imports.add("typing", "Any");
    r.imports.add("collections.abc", "Callable");
    if !sync {
        r.imports.add("collections.abc", "Awaitable");
    }
    let ret = if sync {
        "None"
    } else {
        "Awaitable[None] | None"
    };
    let mut events: Vec<(String, String)> = channel
        .receive
        .iter()
        .enumerate()
        .map(|(i, _)| {
            (
                pystr::string(&cn.receive_events[i]),
                format!("[{}]", received[i]),
            )
        })
        .collect();
    let own = |event: &str| -> String {
        let name = cn
            .renamed_events
            .iter()
            .find(|(from, _)| *from == event)
            .map_or(event, |(_, to)| to.as_str());
        pystr::string(name)
    };
    events.push((own("message"), format!("[{}]", cn.receive_union)));
    events.push((own("unknown"), "[_rt.UnknownMessage]".to_owned()));
    events.push((
        format!("{}, {}", own("open"), own("close")),
        "[]".to_owned(),
    ));
    events.push((own("error"), "[Exception]".to_owned()));
    events.push((own("reconnecting"), "[int]".to_owned()));
    for (event, args) in &events {
        w.line("");
        w.line("@overload");
        w.line(format!(
            "def on(self, event: Literal[{event}], handler: Callable[{args}, {ret}]) -> None: ..."
        ));
    }
    w.line("");
    w.block(
        "def on(self, event: str, handler: Callable[..., Any]) -> None:",
        "",
        |w| {
            let kind = if sync {
                "a plain function"
            } else {
                "a plain or an async function"
            };
            let mut doc = format!(
                "Calls `handler` ({kind}) on `event`, in the order registered.\n\n\
             Events: one per received message ("
            );
            let names: Vec<String> = cn.receive_events.iter().map(|e| format!("`{e}`")).collect();
            doc.push_str(if names.is_empty() { "none here" } else { "" });
            doc.push_str(&names.join(", "));
            let bare = |event: &str| own(event).trim_matches('"').to_owned();
            doc.push_str(&format!(
                "), `{}` for every message, `{}` for messages the spec does not \
             describe, `{}`, `{}`, `{}`, and `{}` with the attempt number.",
                bare("message"),
                bare("unknown"),
                bare("open"),
                bare("close"),
                bare("error"),
                bare("reconnecting")
            ));
            pystr::docstring(w, &doc);
            w.line("self._on(event, handler)");
        },
    );
}

fn channel_class(
    r: &mut Render<'_>,
    w: &mut Writer,
    channel: &Channel,
    cn: &ChannelNames,
    sync: bool,
) {
    let (class, socket) = if sync {
        (&cn.sync_channel, &cn.sync_socket)
    } else {
        (&cn.async_channel, &cn.async_socket)
    };
    let api = r.api;
    let names = r.names;
    w.block(&format!("class {class}:"), "", |w| {
        let docs = docs_with_deprecation(channel.docs.as_deref(), channel.deprecated);
        let docs = if docs.is_empty() {
            format!("The `{}` channel.", channel.name.wire)
        } else {
            docs
        };
        pystr::docstring(w, &docs);
        w.line("");
        w.block(
            "def __init__(self, config: _rt.ClientConfig) -> None:",
            "",
            |w| {
                w.line("self._config = config");
            },
        );
        w.line("");
        let params: Vec<(&Param, &String)> = channel
            .path_params
            .iter()
            .zip(&cn.path_params)
            .chain(channel.query.iter().zip(&cn.query))
            .chain(channel.headers.iter().zip(&cn.headers))
            .collect();
        let resume = api.channel_resume(channel).zip(cn.resume.as_ref());
        w.line("def connect(");
        w.indent(|w| {
            w.line("self,");
            w.line("*,");
            let path_count = channel.path_params.len();
            for (i, (param, name)) in params.iter().enumerate() {
                if param.required || i < path_count {
                    let ty = r.ty(&param.ty, Ctx::Outside);
                    w.line(format!("{name}: {ty},"));
                } else {
                    let ty = r.optional(&param.ty, Ctx::Outside);
                    w.line(format!("{name}: {ty} = None,"));
                }
            }
            if let Some((_, (_, kwarg))) = resume {
                w.line(format!("{kwarg}: str | None = None,"));
            }
            w.line("address: str | None = None,");
        });
        w.line(format!(") -> {socket}:"));
        w.indent(|w| {
            let mut doc = format!(
                "Opens `{}` when entered (`{} ... as socket`); it reconnects on its own.",
                channel.address,
                if sync { "with" } else { "async with" }
            );
            let mut documented: Vec<String> = params
                .iter()
                .map(|(p, name)| {
                    let text = p
                        .docs
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    let text = if text.is_empty() {
                        format!("`{}`", p.name.wire)
                    } else {
                        text
                    };
                    format!("    {name}: {text}")
                })
                .collect();
            if let Some(((resume, message), (_, kwarg))) = resume {
                documented.push(format!(
                    "    {kwarg}: Resumes this `{}` (from an earlier `{}` message) on the first \
                     connect. Later reconnects always resume the latest one by themselves.",
                    resume.property, message.name.wire
                ));
            }
            documented.push(format!(
                "    address: Connect to this path instead of `{}`, for a channel mounted \
                 elsewhere (`/chat/support`); relative to the client's base URL.",
                channel.address
            ));
            doc.push_str("\n\nArgs:\n");
            doc.push_str(&documented.join("\n"));
            pystr::docstring(w, &doc);
            w.line(format!("return {socket}("));
            w.block("    self._config.plan(", "    ),", |w| {
                w.line(format!(
                    "    channel={},",
                    pystr::string(&channel.name.wire)
                ));
                w.line(format!("    path={},", pystr::string(&channel.address)));
                w.line("    address=address,");
                dict_arg(w, "path_params", &channel.path_params, &cn.path_params);
                dict_arg(w, "query", &channel.query, &cn.query);
                dict_arg(w, "headers", &channel.headers, &cn.headers);
                // A channel that names no scheme (the loader found no security for it)
                // still sends any credential the caller gave, without requiring one.
                let optional = channel.auth.is_empty();
                let bindings = auth_bindings(api, names, channel);
                if bindings.is_empty() {
                    w.line("    auth=[],");
                } else {
                    w.line("    auth=[");
                    for binding in bindings {
                        w.line(format!("        {binding},"));
                    }
                    w.line("    ],");
                }
                if let Some(key) = &channel.base_url {
                    w.line(format!("    base_url_key={},", pystr::string(key)));
                }
                if optional && !api.auth.is_empty() {
                    w.line("    auth_optional=True,");
                }
                if let Some(((resume, message), (_, kwarg))) = resume {
                    let event = channel
                        .receive
                        .iter()
                        .zip(&cn.receive_events)
                        .find(|(m, _)| std::ptr::eq(*m, message))
                        .map_or("", |(_, e)| e.as_str());
                    w.line(format!(
                        "    resume=_rt.Resume({}, {}, {}, {kwarg}),",
                        pystr::string(event),
                        pystr::string(&resume.property),
                        pystr::string(&resume.field)
                    ));
                }
                if !channel.close_codes.is_empty() {
                    w.line("    close_codes={");
                    for code in &channel.close_codes {
                        let reconnect = if code.reconnect { "True" } else { "False" };
                        let description = code
                            .docs
                            .as_deref()
                            .map_or(String::new(), |d| format!(", {}", pystr::string(d)));
                        w.line(format!(
                            "        {}: _rt.CloseCode({reconnect}{description}),",
                            code.code
                        ));
                    }
                    w.line("    },");
                }
            });
            w.line(format!("    {},", cn.routes));
            w.line("    self._config.reconnect,");
            w.line(")");
        });
    });
}

fn dict_arg(w: &mut Writer, arg: &str, params: &[Param], names: &[String]) {
    if params.is_empty() {
        w.line(format!("    {arg}={{}},"));
        return;
    }
    let items: Vec<String> = params
        .iter()
        .zip(names)
        .map(|(p, name)| format!("{}: {name}", pystr::string(&p.name.wire)))
        .collect();
    w.line(format!("    {arg}={{{}}},", items.join(", ")));
}

/// `_rt.AuthBinding(...)` for each scheme the channel accepts (every scheme of the API
/// when the channel names none) that a client can send.
fn auth_bindings(api: &Api, names: &Names, channel: &Channel) -> Vec<String> {
    let schemes: Vec<&String> = if channel.auth.is_empty() {
        api.auth.iter().map(|s| &s.name.wire).collect()
    } else {
        channel.auth.iter().collect()
    };
    schemes
        .into_iter()
        .filter_map(|wire| {
            let index = api.auth.iter().position(|s| s.name.wire == *wire)?;
            let scheme = &api.auth[index];
            if matches!(scheme.kind, AuthKind::Unsupported { .. }) {
                return None;
            }
            let carrier = scheme.carriers.first()?;
            let carrier = match carrier {
                duplex_spec::ir::AuthCarrier::Header { name, prefix } => format!(
                    "_rt.Carrier(\"header\", {}, {})",
                    pystr::string(name),
                    pystr::string(prefix.as_deref().unwrap_or(""))
                ),
                duplex_spec::ir::AuthCarrier::Query { name } => {
                    format!("_rt.Carrier(\"query\", {})", pystr::string(name))
                }
                duplex_spec::ir::AuthCarrier::Subprotocol => {
                    "_rt.Carrier(\"subprotocol\")".to_owned()
                }
                duplex_spec::ir::AuthCarrier::FirstMessage { field, .. } => {
                    format!("_rt.Carrier(\"first_message\", {})", pystr::string(field))
                }
            };
            let basic = if scheme.kind == AuthKind::Basic {
                "True"
            } else {
                "False"
            };
            Some(format!(
                "_rt.AuthBinding({}, {basic}, {carrier})",
                pystr::string(&names.auth_args[index])
            ))
        })
        .collect()
}

fn message_doc(verb: &str, message: &Message) -> String {
    let mut doc = format!("{verb} `{}`.", message.name.wire);
    let extra = message
        .docs
        .as_deref()
        .or(message.title.as_deref())
        .unwrap_or("")
        .trim();
    if !extra.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(extra);
    }
    if message.deprecated {
        doc.push_str("\n\nDeprecated.");
    }
    doc
}
