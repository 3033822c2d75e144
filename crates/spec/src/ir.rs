//! The intermediate representation: one language-neutral model of a WebSocket API.
//!
//! Every loader (AsyncAPI 2.x, AsyncAPI 3.0, Fern) produces an [`Api`], and every
//! generator consumes one. The IR knows nothing about YAML, about the format it was
//! loaded from (beyond [`SourceFormat`] for provenance) or about any target language:
//! all names are decided here once ([`Name`]), so generators never re-derive them.
//!
//! Types form a graph: named and anonymous definitions live in [`Api::types`], keyed by
//! a stable [`TypeId`], and refer to each other through [`Type::Ref`]. Cycles are
//! allowed; [`TypeDef::cyclic`] marks the definitions that take part in one, so a
//! generator knows where to box.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::naming::Name;

/// Bumped whenever the shape of the IR changes in a way a consumer could notice.
pub const IR_VERSION: u32 = 1;

/// A whole API, as loaded from one document (or one Fern definition folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Api {
    pub ir_version: u32,
    /// The API's name, from the title (AsyncAPI) or the `name` in `api.yml` (Fern).
    pub name: Name,
    pub title: String,
    pub version: String,
    pub docs: Option<String>,
    pub source: SourceFormat,
    pub servers: Vec<Server>,
    pub auth: Vec<AuthScheme>,
    pub channels: Vec<Channel>,
    /// Every named and anonymous type, in a deterministic order.
    pub types: BTreeMap<TypeId, TypeDef>,
}

/// Where an [`Api`] came from, kept for provenance and diagnostics only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum SourceFormat {
    AsyncApi { version: String },
    Fern,
}

/// A server (AsyncAPI) or environment (Fern) that clients can connect to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    pub name: Name,
    /// The base URL, with `{variable}` placeholders, e.g. `wss://{region}.example.com/v1`.
    pub url: String,
    /// Fern named base URLs (`environments: Prod: {urls: {..}}`); a channel picks one
    /// with [`Channel::base_url`]. Empty for AsyncAPI.
    pub urls: BTreeMap<String, String>,
    /// `ws`, `wss`, `http`, `kafka`, ...: lowercase, as declared.
    pub protocol: String,
    pub docs: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerVariable {
    pub name: Name,
    pub default: Option<String>,
    /// Allowed values; empty when any value is allowed.
    pub allowed: Vec<String>,
    pub docs: Option<String>,
}

/// An authentication scheme and where its credential travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthScheme {
    /// The scheme's key in the spec (`securitySchemes` key, or Fern scheme name).
    pub name: Name,
    pub docs: Option<String>,
    pub kind: AuthKind,
    /// Every place the credential may be carried, in order of preference. A browser
    /// client, which cannot set headers, takes the first carrier that is not a header.
    pub carriers: Vec<AuthCarrier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthKind {
    /// An opaque key (AsyncAPI `apiKey`, `httpApiKey`; Fern header auth).
    ApiKey,
    /// `Authorization: Bearer <token>` (AsyncAPI `http` bearer, oauth2, openIdConnect).
    Bearer,
    /// `Authorization: Basic ...` (AsyncAPI `userPassword`, `http` basic; Fern basic).
    Basic,
    /// Declared but not something a client can send by itself (X509, encryption, ...).
    Unsupported { scheme: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum AuthCarrier {
    /// A request header; `prefix` such as `Bearer ` is prepended to the credential.
    Header {
        name: String,
        prefix: Option<String>,
    },
    Query {
        name: String,
    },
    /// The `Sec-WebSocket-Protocol` header.
    Subprotocol,
    /// A JSON message sent first after the socket opens: `{"<field>": "<credential>"}`.
    FirstMessage {
        field: String,
        /// When the first message also resumes a session: what to send back, and from where.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
}

/// Session resume through the first message: the server hands out a value (a session id)
/// in a received message, and the client sends the latest one back in its first message
/// on every later (re)connect, so a dropped connection continues the same session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The [`Name::wire`] of the received message that carries the value. The loader
    /// checks that some channel receives it and can recognise it (by a field, or as its
    /// only received message).
    pub message: String,
    /// The wire name of the property of that message holding the value (a string).
    pub property: String,
    /// The wire name of the first message's field that carries the value back.
    pub field: String,
    /// Identifier forms of the value in the SDKs (`sessionId`, `session_id`), from `field`.
    pub name: Name,
}

/// A WebSocket channel: one URL a client connects to, and the messages on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Unique among the API's channels.
    pub name: Name,
    /// Fern: the package path of the file that declares the channel, so an SDK can nest
    /// it the way Fern's own SDKs do (`empathic-voice/chat.yml` gives `[empathic-voice]`
    /// and `client.empathicVoice.chat`). Empty for AsyncAPI and for root-level files.
    pub namespace: Vec<Name>,
    pub docs: Option<String>,
    /// The address relative to the server URL, with `{param}` placeholders, e.g. `/chat/{id}`.
    pub address: String,
    /// Fern: the key of the server's named URL this channel connects to.
    pub base_url: Option<String>,
    /// Names of the servers this channel is available on; empty means all.
    pub servers: Vec<String>,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub headers: Vec<Param>,
    /// Names ([`Name::wire`]) of the [`AuthScheme`]s that apply; empty means none.
    pub auth: Vec<String>,
    /// Messages the client sends to the server.
    pub send: Vec<Message>,
    /// Messages the client receives from the server.
    pub receive: Vec<Message>,
    /// When every received message is told apart by one property, its wire name.
    pub receive_discriminator: Option<String>,
    pub examples: Vec<ChannelExample>,
    pub deprecated: bool,
    /// Fern `availability` (`beta`, `generally-available`, ...), as written.
    pub availability: Option<String>,
    /// What the server's close codes mean for a client (AsyncAPI `x-duplex-close-codes`),
    /// in ascending code order. Empty when the spec says nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub close_codes: Vec<CloseCode>,
}

/// A WebSocket close code the server may end a connection with, and whether a client
/// should connect again after it (`reconnect: false` for a wrong secret, say: reconnecting
/// cannot help, so the generated clients end the socket and surface the close).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseCode {
    /// 1000–4999.
    pub code: u16,
    pub reconnect: bool,
    /// What the code means, for people (shown in the SDKs' error text and docs).
    pub docs: Option<String>,
}

impl Channel {
    /// How this channel resumes its session, when one of its auth schemes (looked up in
    /// `schemes`, the API's) sends a first message with [`Resume`] and the channel
    /// receives the resume message: the resume and that received message.
    pub fn resume<'a>(&'a self, schemes: &'a [AuthScheme]) -> Option<(&'a Resume, &'a Message)> {
        self.auth
            .iter()
            .filter_map(|wire| schemes.iter().find(|s| s.name.wire == *wire))
            .flat_map(|scheme| &scheme.carriers)
            .find_map(|carrier| match carrier {
                AuthCarrier::FirstMessage {
                    resume: Some(resume),
                    ..
                } => self
                    .receive
                    .iter()
                    .find(|m| m.name.wire == resume.message)
                    .map(|m| (resume, m)),
                _ => None,
            })
    }
}

/// A path parameter, query parameter or header of a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: Name,
    pub ty: Type,
    pub required: bool,
    pub default: Option<Value>,
    pub docs: Option<String>,
    pub deprecated: bool,
}

/// Which way a message travels, seen from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Send,
    Receive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique among the channel's messages of the same direction.
    pub name: Name,
    /// For sent messages, the method that sends it (`sendChat` / `send_chat`),
    /// from Fern `method-name` when given.
    pub method: Option<Name>,
    pub direction: Direction,
    pub title: Option<String>,
    pub docs: Option<String>,
    pub payload: Type,
    pub examples: Vec<Value>,
    pub recognition: Recognition,
    pub deprecated: bool,
}

/// How a client tells this received (or sent) message apart from its siblings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Recognition {
    /// The message is the only one in its direction: nothing needs telling apart.
    Only,
    /// The property `property` (wire name) always holds `value`, from a `const`,
    /// a single-value `enum`, a Fern union discriminant, or a literal type.
    Field { property: String, value: Value },
    /// No single field identifies the message; `reason` says why.
    Ambiguous { reason: String },
}

/// One example exchange on a channel (Fern `examples`, AsyncAPI message examples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelExample {
    pub name: Option<String>,
    pub docs: Option<String>,
    pub path_params: BTreeMap<String, Value>,
    pub query: BTreeMap<String, Value>,
    pub headers: BTreeMap<String, Value>,
    pub messages: Vec<ExampleMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleMessage {
    pub direction: Direction,
    /// The [`Name::wire`] of the message within the channel.
    pub message: String,
    pub body: Value,
}

/// The stable key of a type definition: where it was defined, e.g.
/// `asyncapi.yml#/components/schemas/Chat` or `realtime.yml#types/PublishEvent`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TypeId(pub String);

/// A type definition in [`Api::types`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    pub id: TypeId,
    /// Unique among all types of the API. Anonymous types are named from their
    /// parent (`ChatMessage` + property `author` gives `ChatMessageAuthor`).
    pub name: Name,
    /// False for types that had no name in the spec.
    pub named: bool,
    pub docs: Option<String>,
    pub deprecated: bool,
    /// True when this definition can reach itself through [`Type::Ref`]s: a generator
    /// must box or otherwise indirect such references.
    pub cyclic: bool,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    Object(Object),
    Enum(Enum),
    Union(Union),
    /// An `allOf` that could not be merged into one object (e.g. mixes non-objects).
    AllOf {
        parts: Vec<Type>,
    },
    /// A named alias of another type expression.
    Alias {
        target: Type,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    /// In declaration order; `extends` and mergeable `allOf` parts are already flattened in.
    pub properties: Vec<Property>,
    pub additional: AdditionalProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "allow", content = "type", rename_all = "snake_case")]
pub enum AdditionalProperties {
    /// Unspecified or `true`: extra properties are allowed and untyped.
    Any,
    Forbidden,
    Typed(Box<Type>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub name: Name,
    pub ty: Type,
    pub required: bool,
    /// `null` is an allowed value (`nullable: true`, `type: [x, "null"]`, Fern `nullable<>`).
    pub nullable: bool,
    pub default: Option<Value>,
    pub docs: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    /// Identifier forms of the value; [`Name::wire`] is the value's text.
    pub name: Name,
    /// The value on the wire (usually a string, sometimes a number).
    pub value: Value,
    pub docs: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Union {
    pub mode: UnionMode,
    /// The wire name of the property that tells the variants apart, when there is one.
    pub discriminator: Option<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnionMode {
    /// Exactly one variant matches (`oneOf`, Fern unions).
    OneOf,
    /// One or more variants match (`anyOf`).
    AnyOf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub name: Name,
    pub ty: Type,
    /// The discriminator's value for this variant, when the union has a discriminator.
    pub tag: Option<Value>,
    pub docs: Option<String>,
}

/// A type expression: what a property, parameter or payload holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "of", rename_all = "snake_case")]
pub enum Type {
    Primitive(Primitive),
    /// A definition in [`Api::types`].
    Ref(TypeId),
    Array(Box<Type>),
    /// An array whose items are unique (`uniqueItems`, Fern `set<>`).
    Set(Box<Type>),
    /// An object with string keys and values of one type (Fern `map<string, T>`,
    /// `additionalProperties` without `properties`).
    Map(Box<Type>),
    /// Exactly this JSON value (`const`, single-value `enum`, Fern `literal<>`).
    Literal(Value),
    /// Any JSON value.
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    String,
    /// RFC 3339 date, `2024-01-31`.
    Date,
    /// RFC 3339 date-time.
    DateTime,
    Uuid,
    /// Base64 text on the wire (`format: byte` / `binary`, Fern `base64`).
    Bytes,
    Int32,
    /// 64-bit integer; also `integer` with no format. Beyond 2^53 in JavaScript.
    Int64,
    Float,
    /// Also `number` with no format.
    Double,
    Boolean,
}

impl Api {
    /// Looks a type up by id. Loaders guarantee every [`Type::Ref`] resolves.
    pub fn type_def(&self, id: &TypeId) -> Option<&TypeDef> {
        self.types.get(id)
    }

    /// How `channel` resumes its session; see [`Channel::resume`].
    pub fn channel_resume<'a>(&'a self, channel: &'a Channel) -> Option<(&'a Resume, &'a Message)> {
        channel.resume(&self.auth)
    }

    /// The first-message fields that carry `channel`'s credential (`secret`): the SDKs
    /// send that message themselves on every (re)connect, so their READMEs do not show
    /// sending a message that has one.
    pub fn credential_fields(&self, channel: &Channel) -> Vec<&str> {
        channel
            .auth
            .iter()
            .filter_map(|wire| self.auth.iter().find(|s| s.name.wire == *wire))
            .flat_map(|scheme| &scheme.carriers)
            .filter_map(|carrier| match carrier {
                AuthCarrier::FirstMessage { field, .. } => Some(field.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The auth schemes a client can use, in declaration order: those some channel
    /// requires (its [`Channel::auth`]), or every scheme when some channel names none
    /// (its security is unknown, so any credential given may be sent). A scheme that is
    /// only declared in the components applies nowhere, so SDKs offer no option for it.
    pub fn used_auth(&self) -> impl Iterator<Item = &AuthScheme> {
        let any = self.channels.iter().any(|c| c.auth.is_empty());
        self.auth.iter().filter(move |scheme| {
            any || self
                .channels
                .iter()
                .any(|c| c.auth.contains(&scheme.name.wire))
        })
    }
}
