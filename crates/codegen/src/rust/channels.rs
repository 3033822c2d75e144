//! One module per channel (`src/<channel>.rs`): the connect parameters, the channel
//! handle returned by `Client::<channel>()`, the received-message enum and the socket.
//!
//! Received frames are told apart in this order: by the channel's discriminator (a
//! `match` on the tag), else by each message's own identifying field, else by trying
//! the remaining messages in order; anything left is `Unknown(serde_json::Value)`.

use duplex_spec::ir::{AuthCarrier, AuthKind, AuthScheme, Channel, Message, Param, Recognition};
use duplex_spec::naming::{Name, Scope};

use super::layout::{assign_type, signature};
use super::rustdoc::{code, doc, lit};
use super::types::{Site, Types, call, impl_header};
use crate::writer::Writer;

/// A generated channel module and what the README says about it.
#[derive(Debug)]
pub struct Generated {
    pub code: String,
    pub summary: Summary,
}

/// The Rust names a channel ended up with, for the README.
#[derive(Debug, Clone)]
pub struct Summary {
    pub connect: String,
    pub socket: String,
    pub received: String,
    /// (method, payload type) of each sent message.
    pub sends: Vec<(String, String)>,
    /// (variant, payload type) of each received message.
    pub receives: Vec<(String, String)>,
    pub defaultable: bool,
}

/// The socket's own methods, which message methods must not take.
const SOCKET_METHODS: &[&str] = &[
    "recv",
    "close",
    "status",
    "watch_status",
    "send_json",
    "wait_for",
    "send_raw",
];

/// `accessor` is the channel's module name, which is also its `Client` method.
pub fn generate(channel: &Channel, accessor: &Name, types: &mut Types<'_>) -> Generated {
    let base = &channel.name.pascal;
    let connect = format!("{base}Connect");
    let socket = format!("{base}Socket");
    let received = format!("{base}ServerMessage");
    let handle = format!("{base}Channel");
    let mut w = Writer::new("    ");
    w.line(format!(
        "//! The {} channel, at {}.",
        code(&channel.name.wire),
        code(&channel.address)
    ));
    if let Some(docs) = channel.docs.as_deref().filter(|d| !d.trim().is_empty()) {
        w.line("//!");
        super::rustdoc::lines(&mut w, "//!", docs);
    }

    let params: Vec<(&Param, &str)> = channel
        .path_params
        .iter()
        .map(|p| (p, "path"))
        .chain(channel.query.iter().map(|p| (p, "query")))
        .chain(channel.headers.iter().map(|p| (p, "header")))
        .collect();
    let mut field_scope = Scope::new();
    // Every `connect` takes an override of the channel's address.
    field_scope.claim(Name::new("address"));
    let fields: Vec<(Name, String, &Param, &str)> = params
        .iter()
        .map(|(param, place)| {
            let field = field_scope.claim(param.name.clone());
            let hint = format!("{base}{}", field.pascal);
            let inner = types.rust(&param.ty, &hint, Site::Outside);
            let optional = !param.required && *place != "path";
            let ty = if optional {
                format!("::std::option::Option<{inner}>")
            } else {
                inner
            };
            (field, ty, *param, *place)
        })
        .collect();
    let mut resume = super::resume::ChannelResume::new(channel, types.api_auth(), &mut field_scope);
    let defaultable = params
        .iter()
        .all(|(p, place)| (!p.required && *place != "path") || types.defaultable(&p.ty));

    // The connect parameters.
    w.line("");
    w.line(format!(
        "/// How to connect to {}: its path parameters, query and headers.",
        code(&channel.name.wire)
    ));
    if defaultable {
        w.line("#[derive(Debug, Clone, PartialEq, Default)]");
    } else {
        w.line("#[derive(Debug, Clone, PartialEq)]");
    }
    w.block(&format!("pub struct {connect} {{"), "}", |w| {
        w.line(format!(
            "/// Connect to this path instead of {}, for a channel mounted elsewhere",
            code(&channel.address)
        ));
        w.line("/// (`/chat/support`); relative to the client's base URL.");
        w.line("pub address: ::std::option::Option<::std::string::String>,");
        if let Some(resume) = &resume {
            resume.connect_field(w);
        }
        for (field, ty, param, place) in &fields {
            doc(w, param.docs.as_deref());
            w.line(format!(
                "/// Sent as the {place} parameter {}.",
                code(&param.name.wire)
            ));
            if param.deprecated {
                w.line("#[deprecated]");
            }
            super::types::field_line(w, &field.snake, ty);
        }
    });

    // The received-message enum.
    let mut variant_scope = Scope::new();
    variant_scope.reserve("unknown");
    let receives: Vec<(String, String, &Message)> = channel
        .receive
        .iter()
        .map(|m| {
            let variant = variant_scope.claim(m.name.clone()).pascal;
            let hint = format!("{received}{variant}");
            let ty = types.rust(&m.payload, &hint, Site::Outside);
            (variant, ty, m)
        })
        .collect();
    w.line("");
    w.line(format!(
        "/// A message the server sends on {}.",
        code(&channel.name.wire)
    ));
    w.line("#[derive(Debug, Clone, PartialEq)]");
    w.block(&format!("pub enum {received} {{"), "}", |w| {
        for (variant, ty, message) in &receives {
            message_docs(w, message);
            super::types::tuple_variant(w, variant, ty);
        }
        w.line("/// A message this SDK does not recognise, as it was received.");
        w.line("Unknown(::serde_json::Value),");
    });
    w.line("");
    w.block(&format!("impl {received} {{"), "}", |w| {
        w.line("/// Reads one received text frame.");
        w.block(
            "pub fn from_json(text: &str) -> ::serde_json::Result<Self> {",
            "}",
            |w| {
                w.line("let value: ::serde_json::Value = ::serde_json::from_str(text)?;");
                w.line("Self::from_value(value)");
            },
        );
        w.line("");
        w.line("/// Tells an already parsed message apart.");
        w.block(
            "pub fn from_value(value: ::serde_json::Value) -> ::serde_json::Result<Self> {",
            "}",
            |w| dispatch(w, channel, &receives),
        );
        super::picking::accessors(w, &receives);
    });
    w.line("");
    w.block(&impl_header(" ::std::str::FromStr", &received), "}", |w| {
        w.line("type Err = ::serde_json::Error;");
        w.line("");
        w.line("/// Reads one received text frame, as [`from_json`](Self::from_json) does.");
        w.block(
            "fn from_str(text: &str) -> ::serde_json::Result<Self> {",
            "}",
            |w| {
                w.line("Self::from_json(text)");
            },
        );
    });

    // The channel handle.
    let carrier = carrier(channel, types.api_auth());
    w.line("");
    w.line(format!(
        "/// The {} channel of a [`Client`](crate::Client).",
        code(&channel.name.wire)
    ));
    w.line("#[derive(Debug, Clone)]");
    w.block(&format!("pub struct {handle} {{"), "}", |w| {
        w.line("client: crate::Client,");
    });
    w.line("");
    w.block("impl crate::Client {", "}", |w| {
        w.line(format!("/// The {} channel.", code(&channel.name.wire)));
        signature(
            w,
            &format!("pub fn {}", accessor.snake),
            &["&self"],
            &handle,
        );
        w.line("    let client = self.clone();");
        w.line(format!("    {handle} {{ client }}"));
        w.line("}");
    });
    w.line("");
    w.block(&format!("impl {handle} {{"), "}", |w| {
        w.line("/// Opens the socket. The first attempt's failure is returned as it is;");
        w.line("/// later drops reconnect as the client's [`ReconnectOptions`](crate::ReconnectOptions) say.");
        signature(
            w,
            "pub async fn connect",
            &["&self", &format!("params: {connect}")],
            &format!("::std::result::Result<{socket}, crate::Error>"),
        );
        w.indent(|w| {
            let base_url = match &channel.base_url {
                Some(key) => format!("::std::option::Option::Some({})", lit(key)),
                None => "::std::option::Option::None".to_owned(),
            };
            w.line(format!("let named = {base_url};"));
            w.line("let base_url = self.client.base_url(named)?;");
            w.line("let mut request = crate::runtime::Request::new(&base_url);");
            path(w, channel, &fields);
            for (field, _, param, place) in &fields {
                if *place == "path" {
                    continue;
                }
                let wire = lit(&param.name.wire);
                let value = format!("&params.{}", field.snake);
                call(w, &format!("request.{place}"), &[&wire, &value], "?;");
            }
            w.line("request.address(params.address.as_deref())?;");
            if let Some(resume) = &resume {
                resume.connect_call(w);
            }
            for close in &channel.close_codes {
                let code = close.code.to_string();
                let reconnect = close.reconnect.to_string();
                let description = lit(close.docs.as_deref().unwrap_or(""));
                call(w, "request.close_code", &[&code, &reconnect, &description], ";");
            }
            match carrier {
                None => w.line("let carrier = ::std::option::Option::None;"),
                Some((variant, fields)) => {
                    let joined = fields.join(", ");
                    let line = format!("let carrier = crate::runtime::Carrier::{variant} {{ {joined} }};");
                    if fields.is_empty() {
                        w.line(format!("let carrier = crate::runtime::Carrier::{variant};"));
                    } else if joined.len() <= 18 && line.len() + 8 <= 100 {
                        w.line(line);
                    } else {
                        w.block(&format!("let carrier = crate::runtime::Carrier::{variant} {{"), "};", |w| {
                            for field in &fields {
                                w.line(format!("{field},"));
                            }
                        });
                    }
                    w.line("let carrier = ::std::option::Option::Some(carrier);")
                }
            };
            let open = format!(
                "self.client.open(request, carrier, {})",
                lit(&channel.name.wire)
            );
            if open.len() + 7 < 60 {
                w.line(format!("let connection = {open}.await?;"));
            } else {
                w.line("let connection = self");
                w.line("    .client");
                let wire = lit(&channel.name.wire);
                call(w, "    .open", &["request", "carrier", &wire], "");
                w.line("    .await?;");
            }
            w.line(format!("Ok({socket} {{ connection }})"));
        });
        w.line("}");
    });

    // The socket.
    let mut method_scope = Scope::new();
    for taken in SOCKET_METHODS {
        method_scope.reserve(taken);
    }
    if let Some(resume) = &mut resume {
        resume.claim_method(&mut method_scope);
    }
    let sends: Vec<(String, String, &Message)> = channel
        .send
        .iter()
        .map(|m| {
            let wanted = m
                .method
                .clone()
                .unwrap_or_else(|| duplex_spec::naming::send_method(&m.name));
            let method = method_scope.claim(wanted).snake;
            let hint = format!("{base}{}", m.name.pascal);
            let ty = types.rust(&m.payload, &hint, Site::Outside);
            (method, ty, m)
        })
        .collect();
    w.line("");
    w.line(format!(
        "/// A connected {} socket.",
        code(&channel.name.wire)
    ));
    w.line("///");
    w.line(
        "/// Read messages with [`recv`](Self::recv) or as a `futures::Stream`. Sends made while",
    );
    w.line("/// the socket reconnects are queued and written, in order, once it is back.");
    w.line("#[derive(Debug)]");
    w.block(&format!("pub struct {socket} {{"), "}", |w| {
        w.line("connection: crate::runtime::Connection,");
    });
    w.line("");
    w.block(&format!("impl {socket} {{"), "}", |w| {
        if let Some(resume) = &resume {
            resume.socket_method(w);
        }
        for (method, ty, message) in &sends {
            message_docs(w, message);
            let arg = if ty == "::std::string::String" { "str".to_owned() } else { ty.clone() };
            let signature = format!(
                "pub async fn {method}(&self, message: &{arg}) -> ::std::result::Result<(), crate::Error> {{"
            );
            if signature.len() + 4 <= 100 {
                w.line(signature);
            } else {
                w.line(format!("pub async fn {method}("));
                w.line("    &self,");
                w.line(format!("    message: &{arg},"));
                w.line(") -> ::std::result::Result<(), crate::Error> {");
            }
            w.line("    self.send_json(message)");
            w.line("}");
            w.line("");
        }
        super::picking::wait_for(w, &received);
        w.line("/// The next message, or `None` once the socket is closed for good.");
        w.line("pub async fn recv(&mut self) -> ::std::option::Option<Received> {");
        w.line("    let item = self.connection.recv_text().await?;");
        w.line("    ::std::option::Option::Some(item.and_then(|text| decode(&text)))");
        w.line("}");
        w.line("");
        w.line("/// Whether the socket is open, reconnecting or closed.");
        w.line("pub fn status(&self) -> crate::Status {");
        w.line("    self.connection.status()");
        w.line("}");
        w.line("");
        w.line("/// Sees every status change, e.g. to resume a session after a reconnect.");
        w.line("pub fn watch_status(&self) -> ::tokio::sync::watch::Receiver<crate::Status> {");
        w.line("    self.connection.watch_status()");
        w.line("}");
        w.line("");
        w.line("/// Closes the socket; no reconnect follows.");
        w.line("pub async fn close(&mut self) -> ::std::result::Result<(), crate::Error> {");
        w.line("    self.connection.close().await");
        w.line("}");
        if !sends.is_empty() {
            w.line("");
            w.line("fn send_json<T>(&self, message: &T) -> ::std::result::Result<(), crate::Error>");
            w.line("where");
            w.line("    T: ::serde::Serialize + ?::std::marker::Sized,");
            w.line("{");
            w.line("    let text = ::serde_json::to_string(message).map_err(crate::Error::Encode)?;");
            w.line("    self.connection.send_text(text)");
            w.line("}");
        }
    });
    w.line("");
    w.line(format!(
        "/// One item of [`{socket}`]: a message, or why none could be read."
    ));
    assign_type(
        &mut w,
        "pub type Received =",
        &format!("::std::result::Result<{received}, crate::Error>"),
    );
    w.line("");
    w.block(&impl_header(" ::futures_util::Stream", &socket), "}", |w| {
        w.line("type Item = Received;");
        w.line("");
        w.line("fn poll_next(");
        w.line("    self: ::std::pin::Pin<&mut Self>,");
        w.line("    cx: &mut ::std::task::Context<'_>,");
        w.line(") -> ::std::task::Poll<::std::option::Option<Self::Item>> {");
        w.line("    let polled = self.get_mut().connection.poll_recv_text(cx);");
        w.line("    polled.map(|item| item.map(|item| item.and_then(|text| decode(&text))))");
        w.line("}");
    });
    w.line("");
    w.block("fn decode(text: &str) -> Received {", "}", |w| {
        w.line("text.parse().map_err(|error| crate::Error::Decode {");
        w.line("    error,");
        w.line("    text: text.to_owned(),");
        w.line("})");
    });

    Generated {
        code: w.finish(),
        summary: Summary {
            connect,
            socket,
            received,
            sends: sends
                .iter()
                .map(|(m, t, _)| (m.clone(), t.clone()))
                .collect(),
            receives: receives
                .iter()
                .map(|(v, t, _)| (v.clone(), t.clone()))
                .collect(),
            defaultable,
        },
    }
}

fn message_docs(w: &mut Writer, message: &Message) {
    let docs = message.docs.as_deref().or(message.title.as_deref());
    doc(w, docs);
    if message.deprecated {
        w.line("#[deprecated]");
    }
}

/// The body of `from_value`: a `match` on the discriminator when every message has a
/// string tag on it, else field checks and then tries in order.
fn dispatch(w: &mut Writer, channel: &Channel, receives: &[(String, String, &Message)]) {
    let tags: Option<Vec<&str>> = channel.receive_discriminator.as_ref().and_then(|property| {
        receives
            .iter()
            .map(|(_, _, m)| match &m.recognition {
                Recognition::Field { property: p, value } if p == property => value.as_str(),
                _ => None,
            })
            .collect()
    });
    if let (Some(property), Some(tags)) = (&channel.receive_discriminator, tags)
        && !receives.is_empty()
    {
        w.block(
            &format!(
                "match crate::runtime::wire::tag(&value, {}) {{",
                lit(property)
            ),
            "}",
            |w| {
                for ((variant, _, _), tag) in receives.iter().zip(tags) {
                    let pattern = format!("Some({}) => ", lit(tag));
                    let wrap = format!("Self::{variant}");
                    super::types::arm(
                        w,
                        &pattern,
                        "crate::runtime::wire::variant",
                        &["value", &wrap],
                    );
                }
                w.line("_ => Ok(Self::Unknown(value)),");
            },
        );
        return;
    }
    for (variant, _, message) in receives {
        if let Recognition::Field { property, value } = &message.recognition {
            let json = value.to_string();
            w.line(format!(
                "if value.get({}) == Some(&::serde_json::json!({json})) {{",
                lit(property)
            ));
            w.line(format!(
                "    return ::serde_json::from_value(value).map(Self::{variant});"
            ));
            w.line("}");
        }
    }
    for (variant, _, message) in receives {
        if !matches!(message.recognition, Recognition::Field { .. }) {
            w.line("if let Ok(message) = ::serde_json::from_value(value.clone()) {");
            w.line(format!("    return Ok(Self::{variant}(message));"));
            w.line("}");
        }
    }
    w.line("Ok(Self::Unknown(value))");
}

/// Writes the address with path parameters filled in.
fn path(w: &mut Writer, channel: &Channel, fields: &[(Name, String, &Param, &str)]) {
    let mut rest = channel.address.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let field = fields
            .iter()
            .find(|(_, _, p, place)| *place == "path" && p.name.wire == name);
        let Some((field, ..)) = field else {
            w.line(format!("request.path({});", lit(&rest[..open + close + 1])));
            rest = &rest[open + close + 1..];
            continue;
        };
        if open > 0 {
            w.line(format!("request.path({});", lit(&rest[..open])));
        }
        w.line(format!("request.path_param(&params.{})?;", field.snake));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        w.line(format!("request.path({});", lit(rest)));
    }
}

/// Where this channel carries the credential: its first scheme a Rust client can use,
/// as the `Carrier` variant and its field initialisers.
fn carrier(channel: &Channel, schemes: &[AuthScheme]) -> Option<(&'static str, Vec<String>)> {
    let (carrier, basic) = channel.auth.iter().find_map(|wanted| {
        let scheme = schemes.iter().find(|s| &s.name.wire == wanted)?;
        if matches!(scheme.kind, AuthKind::Unsupported { .. }) {
            return None;
        }
        let basic = matches!(scheme.kind, AuthKind::Basic);
        scheme.carriers.first().map(|c| (c.clone(), basic))
    })?;
    Some(match carrier {
        AuthCarrier::Header { name, prefix } => (
            "Header",
            vec![
                format!("name: {}", lit(&name)),
                format!("prefix: {}", lit(prefix.as_deref().unwrap_or(""))),
                format!("basic: {basic}"),
            ],
        ),
        AuthCarrier::Query { name } => ("Query", vec![format!("name: {}", lit(&name))]),
        AuthCarrier::Subprotocol => ("Subprotocol", Vec::new()),
        AuthCarrier::FirstMessage { field, .. } => {
            ("FirstMessage", vec![format!("field: {}", lit(&field))])
        }
    })
}
