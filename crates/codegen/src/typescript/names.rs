//! Every identifier the package exports, decided once so no two collide.
//!
//! IR type names are claimed first and kept; the names this backend adds (client,
//! options, per-channel socket, events, args and unions) are derived from IR names by
//! suffixing and claimed after them in the same [`Scope`], so a user type called
//! `ChatSocket` turns our socket class into `ChatSocket2` instead of clashing. Socket
//! methods and event names get their own scopes that reserve the runtime's members.

use std::collections::BTreeMap;

use duplex_spec::ir::{Api, AuthKind, AuthScheme, Channel, Message, TypeId};
use duplex_spec::naming::{Name, Scope};

/// Runtime names that `index.ts` re-exports at the top level when free.
const RUNTIME_EXPORTS: &[(&str, bool)] = &[
    ("BasicCredentials", true),
    ("CloseCodeInfo", true),
    ("CloseInfo", true),
    ("Logger", true),
    ("QueueFullError", false),
    ("ReadyState", true),
    ("ReconnectInfo", true),
    ("ReconnectOptions", true),
    ("ServerClosedError", false),
    ("SocketClosedError", false),
    ("SocketError", false),
    ("Supplier", true),
];

/// Members of the runtime's `Socket` class that a generated send method must not shadow.
const SOCKET_MEMBERS: &[&str] = &[
    "close",
    "constructor",
    "off",
    "on",
    "readyState",
    "resumeValue",
    "send",
    "sendRaw",
    "until",
    "waitFor",
    "waitForOpen",
];

/// Events every socket emits. Per-message events are named first and keep their
/// message's name; a runtime event whose name a message took is emitted as
/// `socket<Event>` instead (`socketError`), so the SDK's own events never steal a name.
const SOCKET_EVENTS: &[&str] = &[
    "binary",
    "close",
    "error",
    "message",
    "open",
    "reconnecting",
    "unknown",
];

/// Members of every channel's connect args (the address override, callbacks); parameters
/// must not reuse them.
const CONNECT_CALLBACKS: &[&str] = &["address", "onOpen", "onMessage", "onClose", "onError"];

/// Client options every client has; auth options must not reuse them.
const CLIENT_OPTIONS: &[&str] = &[
    "baseUrl",
    "environment",
    "headers",
    "logger",
    "maxQueueSize",
    "reconnect",
    "variables",
    "WebSocket",
    "webSocketSupportsHeaders",
];

/// Names for the whole package.
#[derive(Debug)]
pub struct Names {
    /// The TypeScript name of every IR type.
    pub types: BTreeMap<TypeId, String>,
    pub client: String,
    pub client_options: String,
    pub environment: String,
    /// The client option holding each usable auth scheme's credential, by the
    /// scheme's wire name. Schemes a client cannot send have no option.
    pub auth_options: BTreeMap<String, String>,
    /// Runtime exports re-exported from `index.ts`: (name, type-only).
    pub runtime_exports: Vec<(&'static str, bool)>,
    /// Parallel to [`Api::channels`].
    pub channels: Vec<ChannelNames>,
}

/// Names for one channel's file.
#[derive(Debug)]
pub struct ChannelNames {
    /// The file stem under `src/channels/`.
    pub file: String,
    pub class: String,
    pub socket: String,
    pub events: String,
    pub args: String,
    pub send_union: String,
    pub receive_union: String,
    pub members: Members,
}

/// The names inside one channel, each list in its own scope.
#[derive(Debug)]
pub struct Members {
    /// Per path param, query param and header (in that order): the args property.
    pub path_params: Vec<String>,
    pub query: Vec<String>,
    pub headers: Vec<String>,
    /// Parallel to [`Channel::send`]: the typed send method.
    pub send_methods: Vec<String>,
    /// Parallel to [`Channel::receive`]: the typed event.
    pub receive_events: Vec<String>,
    /// The runtime events this channel emits under another name: (runtime name, new name).
    pub lifecycle: Vec<(&'static str, String)>,
    /// With session resume: the socket getter of the value (`sessionId`) and the
    /// connect argument that starts from a known one.
    pub resume: Option<(String, String)>,
}

impl Names {
    pub fn new(api: &Api) -> Names {
        let mut scope = Scope::new();
        let types = api
            .types
            .iter()
            .map(|(id, def)| (id.clone(), scope.claim(def.name.clone()).pascal))
            .collect();
        let mut claim = |text: String| scope.claim(Name::new(&text)).pascal;
        let api_name = &api.name.pascal;
        let client = claim(format!("{api_name}Client"));
        let client_options = claim(format!("{api_name}ClientOptions"));
        let environment = claim(format!("{api_name}Environment"));
        let channels = api
            .channels
            .iter()
            .map(|channel| {
                let base = &channel.name.pascal;
                ChannelNames {
                    file: channel.name.camel.clone(),
                    class: claim(format!("{base}Channel")),
                    socket: claim(format!("{base}Socket")),
                    events: claim(format!("{base}SocketEvents")),
                    args: claim(format!("{base}ConnectArgs")),
                    send_union: claim(format!("{base}SendMessage")),
                    receive_union: claim(format!("{base}ReceiveMessage")),
                    members: members(api, channel),
                }
            })
            .collect();
        let mut options = reserved(CLIENT_OPTIONS);
        let auth_options = api
            .auth
            .iter()
            .filter(|scheme| is_usable(scheme))
            .map(|scheme| {
                let option = options.claim(scheme.name.clone()).camel;
                (scheme.name.wire.clone(), option)
            })
            .collect();
        let runtime_exports = RUNTIME_EXPORTS
            .iter()
            .filter(|(name, _)| scope.claim(Name::new(name)).pascal == *name)
            .copied()
            .collect();
        Names {
            types,
            client,
            client_options,
            environment,
            auth_options,
            runtime_exports,
            channels,
        }
    }

    /// The TypeScript name of a referenced type. Loaders guarantee refs resolve; an
    /// unresolved one (a loader bug) degrades to `unknown` rather than a panic.
    pub fn type_name(&self, id: &TypeId) -> &str {
        self.types.get(id).map_or("unknown", String::as_str)
    }
}

/// Whether a client can send this scheme's credential at all.
pub fn is_usable(scheme: &AuthScheme) -> bool {
    !matches!(scheme.kind, AuthKind::Unsupported { .. }) && !scheme.carriers.is_empty()
}

/// The per-channel names that live in their own scopes (args, methods, events).
fn members(api: &Api, channel: &Channel) -> Members {
    let mut args = reserved(CONNECT_CALLBACKS);
    let mut arg = |params: &[duplex_spec::ir::Param]| -> Vec<String> {
        params
            .iter()
            .map(|p| args.claim(p.name.clone()).camel)
            .collect()
    };
    let path_params = arg(&channel.path_params);
    let query = arg(&channel.query);
    let headers = arg(&channel.headers);
    let mut methods = reserved(SOCKET_MEMBERS);
    let send_methods = channel
        .send
        .iter()
        .map(|m| methods.claim(send_method(m)).camel)
        .collect();
    let resume = api.channel_resume(channel).map(|(resume, _)| {
        (
            methods.claim(resume.name.clone()).camel,
            args.claim(resume.name.clone()).camel,
        )
    });
    let mut events = Scope::new();
    let receive_events = channel
        .receive
        .iter()
        .map(|m| events.claim(m.name.clone()).camel)
        .collect();
    let mut lifecycle = Vec::new();
    for &event in SOCKET_EVENTS {
        // Reserved words come back escaped (`unknown_`): only numbering means taken.
        let claimed = events.claim(Name::new(event)).camel;
        if claimed.trim_end_matches('_') != event {
            let renamed = events.claim(Name::new(&format!("socket_{event}"))).camel;
            lifecycle.push((event, renamed));
        }
    }
    Members {
        path_params,
        query,
        headers,
        send_methods,
        receive_events,
        lifecycle,
        resume,
    }
}

/// The IR's method name (the loaders set one for every sent message), or else the
/// IR's rule for one.
fn send_method(message: &Message) -> Name {
    message
        .method
        .clone()
        .unwrap_or_else(|| duplex_spec::naming::send_method(&message.name))
}

/// "the Chat API" for a title `Chat API`, "the Rooms API" for `Rooms`.
pub fn api_label(api: &Api) -> String {
    if api.title.to_ascii_lowercase().ends_with("api") {
        api.title.clone()
    } else {
        format!("{} API", api.title)
    }
}

fn reserved(words: &[&str]) -> Scope {
    let mut scope = Scope::new();
    for word in words {
        scope.claim(Name::new(word));
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_event_names_and_the_runtime_events_move_aside() {
        let api = crate::fixtures::clashing_api();
        let names = Names::new(&api);
        let members = &names.channels[0].members;
        assert_eq!(members.receive_events, ["error", "open"]);
        assert_eq!(
            members.lifecycle,
            [
                ("error", "socketError".to_owned()),
                ("open", "socketOpen".to_owned())
            ]
        );
        assert_eq!(members.send_methods, ["sendChat"]);
        assert_eq!(members.resume, None);
    }
}
