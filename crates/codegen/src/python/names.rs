//! Every Python identifier of the package, decided once so no two collide.
//!
//! IR names are already keyword-safe and unique per scope; this module only adds what
//! Python needs on top. Type names are claimed first and kept; the classes this backend
//! adds (clients, channels, sockets, message unions) are derived from IR names by
//! prefixing and suffixing and claimed after them, so a user type called `ChatSocket`
//! turns our socket class into `ChatSocket2`. Model fields dodge the names that would
//! break pydantic (a leading `_`, `model_*`, `BaseModel` methods) or shadow a type used
//! in annotations (`date`, `str`, ...). Socket methods, events and keyword arguments get
//! scopes that reserve the runtime's own names.

use std::collections::{BTreeMap, BTreeSet};

use duplex_spec::ir::{Api, Channel, Object, TypeId};

/// Names the module `types.py` imports, which no type may take.
const TYPE_MODULE_IMPORTS: &[&str] = &[
    "Annotated",
    "Any",
    "Field",
    "Literal",
    "TypeAlias",
    "UUID",
    "Union",
    "date",
    "datetime",
];

/// Runtime names that `__init__.py` re-exports when no generated name took them.
pub const RUNTIME_EXPORTS: &[&str] = &[
    "ConfigurationError",
    "Environment",
    "ReconnectFailedError",
    "ReconnectOptions",
    "ServerClosedError",
    "SocketClosedError",
    "UnknownMessage",
];

/// Field names pydantic rejects or that would shadow a name used in an annotation.
const FIELD_RESERVED: &[&str] = &[
    "bool",
    "construct",
    "copy",
    "date",
    "datetime",
    "dict",
    "float",
    "from_orm",
    "int",
    "json",
    "list",
    "parse_file",
    "parse_obj",
    "parse_raw",
    "schema",
    "schema_json",
    "str",
    "update_forward_refs",
    "validate",
];

/// Members of the runtime sockets that a generated send method must not shadow.
const SOCKET_MEMBERS: &[&str] = &[
    "close",
    "on",
    "open",
    "recv",
    "resume_value",
    "send",
    "state",
    "until",
    "wait_for",
];

/// Events every socket emits. Per-message events are named first and keep their
/// message's name; a socket event whose name a message took becomes `socket_<event>`.
pub const SOCKET_EVENTS: &[&str] = &[
    "close",
    "error",
    "message",
    "open",
    "reconnecting",
    "unknown",
];

/// Client constructor arguments that auth arguments must not reuse.
const CLIENT_ARGS: &[&str] = &[
    "base_url",
    "config",
    "environment",
    "headers",
    "reconnect",
    "self",
];

/// Exact-match name claims, numbering a name that is taken (`Chat`, `Chat2`).
#[derive(Debug, Default)]
pub struct Claims {
    taken: BTreeSet<String>,
}

impl Claims {
    pub fn reserving(names: &[&str]) -> Claims {
        Claims {
            taken: names.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    pub fn claim(&mut self, wanted: &str, separator: &str) -> String {
        let mut candidate = wanted.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{wanted}{separator}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// Names for the whole package.
#[derive(Debug)]
pub struct Names {
    /// The import name (`chat_api`) and the distribution name (`chat-api`).
    pub module: String,
    pub distribution: String,
    pub types: BTreeMap<TypeId, String>,
    /// Field names of each object type, parallel to its properties.
    pub fields: BTreeMap<TypeId, Vec<String>>,
    pub async_client: String,
    pub sync_client: String,
    pub environment: String,
    /// Parallel to [`Api::servers`] (`None` for servers that are not WebSocket servers).
    pub environment_members: Vec<Option<String>>,
    /// Parallel to [`Api::auth`]: the client argument holding each credential.
    pub auth_args: Vec<String>,
    /// Parallel to [`Api::channels`].
    pub channels: Vec<ChannelNames>,
    /// One per distinct non-empty namespace path, in order of first appearance.
    pub namespaces: Vec<NamespaceNames>,
    /// Runtime names re-exported from `__init__.py` (those no generated name took).
    pub runtime_exports: Vec<&'static str>,
}

#[derive(Debug)]
pub struct NamespaceNames {
    /// The namespace path as snake_case segments.
    pub path: Vec<String>,
    pub async_class: String,
    pub sync_class: String,
}

/// Names for one channel.
#[derive(Debug)]
pub struct ChannelNames {
    pub async_channel: String,
    pub sync_channel: String,
    pub async_socket: String,
    pub sync_socket: String,
    pub send_union: String,
    pub receive_union: String,
    pub routes: String,
    /// The attribute on the client (or namespace) that holds the channel.
    pub attribute: String,
    /// Path params, then query params, then headers: the `connect` keyword arguments.
    pub path_params: Vec<String>,
    pub query: Vec<String>,
    pub headers: Vec<String>,
    /// Parallel to [`Channel::send`].
    pub send_methods: Vec<String>,
    /// Parallel to [`Channel::receive`].
    pub receive_events: Vec<String>,
    /// The socket's own events this channel emits under another name: (event, new name).
    pub renamed_events: Vec<(&'static str, String)>,
    /// With session resume: the socket property of the value (`session_id`) and the
    /// `connect` keyword argument that starts from a known one.
    pub resume: Option<(String, String)>,
}

impl Names {
    pub fn new(api: &Api, package_name: Option<&str>) -> Names {
        let module = module_name(package_name.unwrap_or(&api.name.snake));
        let distribution = match package_name {
            Some(name) => name.to_owned(),
            None => module.replace('_', "-"),
        };
        let mut top = Claims::reserving(TYPE_MODULE_IMPORTS);
        let types: BTreeMap<TypeId, String> = api
            .types
            .iter()
            .map(|(id, def)| (id.clone(), top.claim(&def.name.pascal, "")))
            .collect();
        let fields = api
            .types
            .iter()
            .filter_map(|(id, def)| match &def.kind {
                duplex_spec::ir::TypeKind::Object(object) => {
                    Some((id.clone(), field_names(object)))
                }
                _ => None,
            })
            .collect();
        let base = &api.name.pascal;
        let async_client = top.claim(&format!("Async{base}Client"), "");
        let sync_client = top.claim(&format!("{base}Client"), "");
        let environment = top.claim(&format!("{base}Environment"), "");
        let mut members = Claims::default();
        let environment_members = api
            .servers
            .iter()
            .map(|server| {
                crate::python::client::is_websocket(server)
                    .then(|| members.claim(&server.name.snake.to_uppercase(), "_"))
            })
            .collect();
        let mut args = Claims::reserving(CLIENT_ARGS);
        let auth_args = api
            .auth
            .iter()
            .map(|s| args.claim(&s.name.snake, "_"))
            .collect();
        let mut namespaces: Vec<NamespaceNames> = Vec::new();
        for channel in &api.channels {
            for depth in 1..=channel.namespace.len() {
                let path: Vec<String> = channel.namespace[..depth]
                    .iter()
                    .map(|n| n.snake.clone())
                    .collect();
                if namespaces.iter().any(|ns| ns.path == path) {
                    continue;
                }
                let pascal: String = channel.namespace[..depth]
                    .iter()
                    .map(|n| n.pascal.as_str())
                    .collect();
                namespaces.push(NamespaceNames {
                    path,
                    async_class: top.claim(&format!("Async{pascal}Client"), ""),
                    sync_class: top.claim(&format!("{pascal}Client"), ""),
                });
            }
        }
        // Attributes are unique per namespace level: channels and child namespaces share it.
        let mut attributes: BTreeMap<Vec<String>, Claims> = BTreeMap::new();
        for ns in &namespaces {
            let (last, parent) = ns.path.split_last().expect("namespace paths are non-empty");
            attributes
                .entry(parent.to_vec())
                .or_default()
                .claim(last, "_");
        }
        let channels = api
            .channels
            .iter()
            .map(|channel| {
                let parent: Vec<String> =
                    channel.namespace.iter().map(|n| n.snake.clone()).collect();
                let attribute = attributes
                    .entry(parent)
                    .or_default()
                    .claim(&channel.name.snake, "_");
                channel_names(api, channel, &mut top, attribute)
            })
            .collect();
        let runtime_exports = RUNTIME_EXPORTS
            .iter()
            .filter(|name| !top.is_taken(name))
            .copied()
            .collect();
        Names {
            module,
            distribution,
            types,
            fields,
            async_client,
            sync_client,
            environment,
            environment_members,
            auth_args,
            channels,
            namespaces,
            runtime_exports,
        }
    }

    /// The Python name of a referenced type. Loaders guarantee refs resolve.
    pub fn type_name(&self, id: &TypeId) -> &str {
        self.types.get(id).map_or("Any", String::as_str)
    }
}

fn channel_names(
    api: &Api,
    channel: &Channel,
    top: &mut Claims,
    attribute: String,
) -> ChannelNames {
    let base = &channel.name.pascal;
    // `address` is every `connect`'s override of the channel's address.
    let mut kwargs = Claims::reserving(&["address"]);
    let mut param = |p: &duplex_spec::ir::Param| kwargs.claim(&p.name.snake, "_");
    let path_params = channel.path_params.iter().map(&mut param).collect();
    let query = channel.query.iter().map(&mut param).collect();
    let headers = channel.headers.iter().map(&mut param).collect();
    let mut methods = Claims::reserving(SOCKET_MEMBERS);
    let send_methods = channel
        .send
        .iter()
        .map(|m| {
            let base = m
                .method
                .as_ref()
                .map_or(&m.name.snake, |method| &method.snake);
            let wanted = if base.starts_with("send_") {
                base.clone()
            } else {
                format!("send_{base}")
            };
            methods.claim(&wanted, "_")
        })
        .collect();
    let resume = api.channel_resume(channel).map(|(resume, _)| {
        (
            methods.claim(&resume.name.snake, "_"),
            kwargs.claim(&resume.name.snake, "_"),
        )
    });
    let mut events = Claims::default();
    let receive_events = channel
        .receive
        .iter()
        .map(|m| events.claim(&m.name.snake, "_"))
        .collect();
    let mut renamed_events = Vec::new();
    for &event in SOCKET_EVENTS {
        if events.claim(event, "_") != event {
            renamed_events.push((event, events.claim(&format!("socket_{event}"), "_")));
        }
    }
    let sync_socket = top.claim(&format!("{base}Socket"), "");
    ChannelNames {
        async_channel: top.claim(&format!("Async{base}Channel"), ""),
        sync_channel: top.claim(&format!("{base}Channel"), ""),
        async_socket: top.claim(&format!("Async{base}Socket"), ""),
        routes: format!("_ROUTES_{sync_socket}"),
        sync_socket,
        send_union: top.claim(&format!("{base}SendMessage"), ""),
        receive_union: top.claim(&format!("{base}ReceiveMessage"), ""),
        attribute,
        path_params,
        query,
        headers,
        send_methods,
        receive_events,
        renamed_events,
        resume,
    }
}

/// Field names for an object's properties: the IR's snake_case names, made safe for pydantic.
fn field_names(object: &Object) -> Vec<String> {
    let mut claims = Claims::reserving(FIELD_RESERVED);
    object
        .properties
        .iter()
        .map(|p| {
            let snake = &p.name.snake;
            let wanted = if snake.starts_with('_') {
                format!("field{snake}")
            } else if snake.starts_with("model_") {
                format!("{snake}_")
            } else {
                snake.clone()
            };
            claims.claim(&wanted, "_")
        })
        .collect()
}

/// A valid import name from a package name: lowercase, `-`/`.` to `_`, no leading digit.
fn module_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' | '_' => c,
            _ => '_',
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "sdk_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_number_taken_names() {
        let mut claims = Claims::reserving(&["Field"]);
        assert_eq!(claims.claim("Field", ""), "Field2");
        assert_eq!(claims.claim("Chat", ""), "Chat");
        assert_eq!(claims.claim("Chat", ""), "Chat2");
        assert_eq!(claims.claim("send", "_"), "send");
        assert_eq!(claims.claim("send", "_"), "send_2");
    }

    #[test]
    fn messages_keep_their_event_names_and_the_socket_events_move_aside() {
        let api = crate::fixtures::clashing_api();
        let names = Names::new(&api, None);
        let channel = &names.channels[0];
        assert_eq!(channel.receive_events, ["error", "open"]);
        assert_eq!(
            channel.renamed_events,
            [
                ("error", "socket_error".to_owned()),
                ("open", "socket_open".to_owned())
            ]
        );
        assert_eq!(channel.send_methods, ["send_chat"]);
        assert_eq!(channel.resume, None);
    }

    #[test]
    fn module_names_are_identifiers() {
        assert_eq!(module_name("chat-api"), "chat_api");
        assert_eq!(module_name("My.SDK"), "my_sdk");
        assert_eq!(module_name("3d"), "sdk_3d");
    }
}
