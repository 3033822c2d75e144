//! The package around the code: `package.json` (name from the spec or
//! `--package-name`), `tsconfig.json`, `src/index.ts`, and a README whose examples come
//! from the spec's own examples.

use duplex_spec::ir::{Api, AuthKind, Channel, Direction, Primitive, Type, TypeKind};
use serde_json::{Value, json};

use super::client::Servers;
use super::names::{ChannelNames, Names, api_label, is_usable};
use crate::Options;
use crate::writer::Writer;

/// The `ws` version range the package depends on (Node 20 has no global WebSocket).
const WS_VERSION: &str = "^8.18.0";
/// The TypeScript compiler the package builds with.
const TYPESCRIPT_VERSION: &str = "5.7.2";

/// The npm package name: `--package-name`, else the API name in kebab case.
pub fn package_name(api: &Api, options: &Options) -> String {
    match &options.package_name {
        Some(name) => name.clone(),
        None => api.name.snake.trim_matches('_').replace('_', "-"),
    }
}

/// The package version: `--package-version`, else the API version when it is (or pads
/// to) semver, else `0.1.0`.
fn package_version(api: &Api, options: &Options) -> String {
    if let Some(version) = &options.package_version {
        return version.clone();
    }
    let version = api.version.trim().trim_start_matches('v');
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = !parts.is_empty()
        && parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let pre_ok = pre.is_none_or(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    });
    if !numeric || !pre_ok {
        return "0.1.0".to_owned();
    }
    let mut parts: Vec<String> = parts
        .iter()
        .map(|p| p.trim_start_matches('0'))
        .map(|p| if p.is_empty() { "0" } else { p }.to_owned())
        .collect();
    parts.resize(3, "0".to_owned());
    match pre {
        Some(pre) => format!("{}-{pre}", parts.join(".")),
        None => parts.join("."),
    }
}

pub fn package_json(api: &Api, options: &Options) -> String {
    let description = format!("TypeScript WebSocket client for the {}.", api_label(api));
    let value = json!({
        "name": package_name(api, options),
        "version": package_version(api, options),
        "description": description,
        "type": "module",
        "main": "./dist/index.js",
        "types": "./dist/index.d.ts",
        "exports": {
            ".": {
                "types": "./dist/index.d.ts",
                "import": "./dist/index.js"
            }
        },
        "files": ["dist", "src"],
        "sideEffects": false,
        "scripts": {
            "build": "tsc -p tsconfig.json",
            "prepublishOnly": "tsc -p tsconfig.json"
        },
        "dependencies": {
            "ws": WS_VERSION
        },
        "devDependencies": {
            "typescript": TYPESCRIPT_VERSION
        },
        "engines": {
            "node": ">=20"
        }
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Strict, ESM (`NodeNext`), declarations on; only the ES and DOM libraries, so the
/// package needs no `@types` at all.
pub fn tsconfig() -> &'static str {
    r#"{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022", "DOM"],
    "types": [],
    "strict": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "noImplicitOverride": true,
    "declaration": true,
    "sourceMap": true,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
"#
}

pub fn index(api: &Api, names: &Names) -> String {
    let servers = Servers::new(api);
    let mut w = Writer::new("  ");
    w.line(format!(
        "// The public API of the {} SDK, generated from its definition. Do not edit.",
        api.title
    ));
    w.line("");
    w.line(format!(
        "export {{ {}, type {} }} from \"./client.js\";",
        names.client, names.client_options
    ));
    if !servers.kept.is_empty() {
        w.line(format!(
            "export {{ {} }} from \"./connection.js\";",
            names.environment
        ));
    }
    w.line("export * from \"./types.js\";");
    for channel in &names.channels {
        w.line(format!("export * from \"./channels/{}.js\";", channel.file));
    }
    w.line("export * as runtime from \"./runtime/index.js\";");
    if !names.runtime_exports.is_empty() {
        let list: Vec<String> = names
            .runtime_exports
            .iter()
            .map(|(name, type_only)| {
                if *type_only {
                    format!("type {name}")
                } else {
                    (*name).to_owned()
                }
            })
            .collect();
        w.line(format!(
            "export {{ {} }} from \"./runtime/index.js\";",
            list.join(", ")
        ));
    }
    w.finish()
}

pub fn readme(api: &Api, names: &Names, options: &Options) -> String {
    let package = package_name(api, options);
    let servers = Servers::new(api);
    let mut w = Writer::new("  ");
    w.line(format!("# {package}"));
    w.line("");
    w.line(format!(
        "A typed WebSocket client for the {}{}.",
        api_label(api),
        super::client::version_note(api)
    ));
    if let Some(docs) = &api.docs {
        w.line("");
        w.lines(docs.trim());
    }
    w.line("");
    w.line("## Install");
    w.line("");
    w.line("```sh");
    w.line(format!("npm install {package}"));
    w.line("```");
    w.line("");
    w.line("It works in browsers (native `WebSocket`) and in Node 20+ (through the `ws` package,");
    w.line("which can also send headers). Browsers cannot send headers: an API key that the API");
    w.line("also accepts in the query or as a subprotocol is sent there instead.");
    w.line("");
    w.line("## Create a client");
    w.line("");
    w.line("```ts");
    w.line(format!("import {{ {} }} from \"{package}\";", names.client));
    w.line("");
    let mut client_options = Vec::new();
    if servers.base_url_required() {
        client_options.push("baseUrl: \"wss://api.example.com\"".to_owned());
    }
    for scheme in api.used_auth().filter(|s| is_usable(s)) {
        if let Some(option) = names.auth_options.get(&scheme.name.wire) {
            let value = match scheme.kind {
                AuthKind::Basic => "async () => ({ username: \"me\", password: \"...\" })",
                _ => "async () => \"<credential>\"",
            };
            client_options.push(format!("{option}: {value}"));
        }
    }
    client_options.push("reconnect: { maxAttempts: 10 }".to_owned());
    w.block(
        &format!("const client = new {}({{", names.client),
        "});",
        |w| {
            for option in &client_options {
                w.line(format!("{option},"));
            }
        },
    );
    w.line("```");
    w.line("");
    w.line("Credentials given as functions are called again on every reconnect, so a refreshed");
    w.line("token is picked up. Other options: `environment`, `baseUrl`, `headers`, `logger`,");
    w.line("`maxQueueSize`, and `reconnect` (`maxAttempts`, `initialDelayMs`, `maxDelayMs`,");
    w.line("`multiplier`, `jitter`, `terminalCloseCodes`).");
    for (channel, cn) in api.channels.iter().zip(&names.channels) {
        w.line("");
        channel_section(&mut w, api, channel, cn);
    }
    w.line("");
    w.line("## Sockets");
    w.line("");
    w.line("- `on(event, handler)` / `off(event, handler?)`: any number of handlers per event.");
    w.line("- Events: one per received message, plus `open`, `message` (every recognised");
    w.line("  message), `unknown` (JSON that matches no message of the channel), `binary`,");
    w.line(
        "  `error` (with the raw `data` when a message is not JSON), `close` and `reconnecting`.",
    );
    w.line("- `send(message)` and one typed `sendX(message)` per message: while the socket");
    w.line("  (re)connects, sends are queued (up to `maxQueueSize`) and flushed in order.");
    w.line("- `for await (const message of socket)`: every recognised message until the socket closes.");
    w.line("- `waitForOpen()`, `readyState`, and `close(code?, reason?)`, after which it never reconnects.");
    w.line("");
    w.line("Reconnects use exponential backoff with jitter, up to `maxAttempts`; a normal close");
    w.line("(1000) or a terminal close code (protocol or policy errors) ends the socket.");
    w.finish()
}

fn channel_section(w: &mut Writer, api: &Api, channel: &Channel, cn: &ChannelNames) {
    let property: Vec<&str> = channel
        .namespace
        .iter()
        .map(|n| n.camel.as_str())
        .chain([channel.name.camel.as_str()])
        .collect();
    let property = property.join(".");
    w.line(format!(
        "## `{}` (`{}`)",
        channel.name.wire, channel.address
    ));
    if let Some(docs) = &channel.docs {
        w.line("");
        w.lines(docs.trim());
    }
    let example = channel.examples.first();
    w.line("");
    w.line("```ts");
    w.block(
        &format!("const socket = client.{property}.connect({{"),
        "});",
        |w| {
            for (list, names, values) in [
                (
                    &channel.path_params,
                    &cn.members.path_params,
                    example.map(|e| &e.path_params),
                ),
                (&channel.query, &cn.members.query, example.map(|e| &e.query)),
                (
                    &channel.headers,
                    &cn.members.headers,
                    example.map(|e| &e.headers),
                ),
            ] {
                for (param, name) in list.iter().zip(names) {
                    let value = values.and_then(|v| v.get(&param.name.wire));
                    match value {
                        Some(value) => w.line(format!("{name}: {},", inline(value))),
                        None if param.required => {
                            w.line(format!("{name}: {},", placeholder(&param.ty)))
                        }
                        None => continue,
                    };
                }
            }
            w.line("onOpen: () => console.log(\"connected\"),");
            w.line("onMessage: (message) => console.log(message),");
        },
    );
    for event in &cn.members.receive_events {
        w.line(format!(
            "socket.on({}, (message) => console.log(message));",
            super::tsdoc::string(event)
        ));
    }
    let mut sent = false;
    // The SDK sends the credential message itself; showing it would suggest otherwise.
    let credentials = api.credential_fields(channel);
    let shown = |body: &Value| !credentials.iter().any(|f| body.get(*f).is_some());
    if let Some(example) = example {
        for m in example
            .messages
            .iter()
            .filter(|m| m.direction == Direction::Send && shown(&m.body))
        {
            if let Some(index) = channel.send.iter().position(|s| s.name.wire == m.message) {
                send_line(w, &cn.members.send_methods[index], &m.body);
                sent = true;
            }
        }
    }
    if !sent {
        for (message, method) in channel.send.iter().zip(&cn.members.send_methods) {
            match message.examples.first() {
                Some(body) if shown(body) => send_line(w, method, body),
                Some(_) => {}
                None => send_line(w, method, &sample(api, &message.payload, 0)),
            }
        }
    }
    if !channel.receive.is_empty() {
        w.line("");
        w.block("for await (const message of socket) {", "}", |w| {
            w.line("console.log(message);");
        });
    } else {
        w.line("socket.close();");
    }
    w.line("```");
    if !channel.send.is_empty() {
        w.line("");
        w.line("| Send method | Message |");
        w.line("|---|---|");
        for (message, method) in channel.send.iter().zip(&cn.members.send_methods) {
            w.line(format!(
                "| `socket.{method}(...)` | `{}` |",
                message.name.wire
            ));
        }
    }
    if !channel.receive.is_empty() {
        w.line("");
        w.line("| Event | Message |");
        w.line("|---|---|");
        for (message, event) in channel.receive.iter().zip(&cn.members.receive_events) {
            w.line(format!("| `\"{event}\"` | `{}` |", message.name.wire));
        }
    }
}

fn send_line(w: &mut Writer, method: &str, body: &Value) {
    let text = serde_json::to_string_pretty(body).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("null");
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        w.line(format!("socket.{method}({first});"));
    } else {
        w.line(format!("socket.{method}({first}"));
        let (last, middle) = rest.split_last().map_or(("", &[][..]), |(l, m)| (*l, m));
        for line in middle {
            w.line(*line);
        }
        w.line(format!("{last});"));
    }
}

fn inline(value: &Value) -> String {
    value.to_string()
}

fn placeholder(ty: &Type) -> &'static str {
    match ty {
        Type::Primitive(Primitive::Boolean) => "true",
        Type::Primitive(
            Primitive::Int32 | Primitive::Int64 | Primitive::Float | Primitive::Double,
        ) => "1",
        _ => "\"...\"",
    }
}

/// A made-up value of `ty` for the README when the spec has no example: required
/// properties only, constants as declared, placeholders for the rest.
fn sample(api: &Api, ty: &Type, depth: usize) -> Value {
    if depth > 4 {
        return Value::Null;
    }
    match ty {
        Type::Primitive(Primitive::Boolean) => Value::Bool(true),
        Type::Primitive(
            Primitive::Int32 | Primitive::Int64 | Primitive::Float | Primitive::Double,
        ) => json!(1),
        Type::Primitive(_) => json!("..."),
        Type::Array(_) | Type::Set(_) => json!([]),
        Type::Map(_) => json!({}),
        Type::Literal(value) => value.clone(),
        Type::Any => Value::Null,
        Type::Ref(id) => match api.type_def(id).map(|d| &d.kind) {
            Some(TypeKind::Object(object)) => Value::Object(
                object
                    .properties
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| (p.name.wire.clone(), sample(api, &p.ty, depth + 1)))
                    .collect(),
            ),
            Some(TypeKind::Enum(e)) => e.values.first().map_or(Value::Null, |v| v.value.clone()),
            Some(TypeKind::Alias { target }) => sample(api, target, depth + 1),
            Some(TypeKind::Union(union)) => union
                .variants
                .first()
                .map_or(Value::Null, |v| sample(api, &v.ty, depth + 1)),
            Some(TypeKind::AllOf { parts }) => parts
                .first()
                .map_or(Value::Null, |p| sample(api, p, depth + 1)),
            None => Value::Null,
        },
    }
}
