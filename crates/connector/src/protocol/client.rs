//! What a client may send, and the decoder that turns a text frame into it.
//!
//! Decoding is strict about shapes and generous about forms: the seed's full form
//! (`{"type": "message", "payload": {...}}`) and its short form (`{"message": "..."}`)
//! are both messages, and `{"secret", "session_id"}` with no `type` is the hello that
//! authenticates or resumes. Unknown fields, wrong types and unknown `type`s are
//! refused with an error that names the field and says what was expected. The error
//! keeps the message's `id` when one could be read, so the client can correlate it.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::ErrorCode;

/// One decoded client message.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// Authenticate (with `secret`) and/or resume (with `session_id`).
    Hello {
        secret: Option<String>,
        session_id: Option<String>,
    },
    Message(ChatMessage),
    /// Stop the reply to message `id`.
    Cancel {
        id: String,
    },
    /// An app-level ping, answered with `pong`.
    Ping {
        id: Option<String>,
    },
    /// Asks for the session's stored history, answered with `history`.
    History,
}

/// A chat message, in either form.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// The client's id; the server assigns one when it is missing.
    pub id: Option<String>,
    pub message: String,
    pub context: Option<Map<String, Value>>,
    /// Picks one of the connector's agents; without it every agent answers.
    pub agent: Option<String>,
}

/// Why a frame is not a client message: an `invalid_json` or `invalid_message` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub code: ErrorCode,
    pub message: String,
    /// The `id` of the offending message, when it had a readable one.
    pub id: Option<String>,
}

/// The longest `id` accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// The message `type`s a client may send.
pub const CLIENT_TYPES: [&str; 4] = ["message", "cancel", "ping", "history"];

/// Decodes one text frame.
pub fn decode(text: &str) -> Result<ClientMessage, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(|err| DecodeError {
        code: ErrorCode::InvalidJson,
        message: format!(
            "the frame is not valid JSON ({err}); send one JSON object per text frame"
        ),
        id: None,
    })?;
    let Value::Object(object) = value else {
        return Err(invalid(
            None,
            format!(
                "expected a JSON object, got {}; send for example {{\"type\": \"message\", \"payload\": {{\"message\": \"Hi\"}}}}",
                kind_of(&value)
            ),
        ));
    };
    let id = object.get("id").and_then(Value::as_str).map(str::to_owned);
    decode_object(object).map_err(|message| invalid(id, message))
}

fn decode_object(object: Map<String, Value>) -> Result<ClientMessage, String> {
    let message = match object.get("type") {
        Some(Value::String(kind)) => match kind.as_str() {
            "message" => {
                let full: FullMessage = parse("a `message`", object)?;
                let payload: Payload = parse("the `payload` of a `message`", full.payload)?;
                ClientMessage::Message(ChatMessage {
                    id: full.id,
                    message: payload.message,
                    context: payload.context,
                    agent: payload.agent,
                })
            }
            "cancel" => {
                let cancel: Cancel = parse("a `cancel`", object)?;
                ClientMessage::Cancel { id: cancel.id }
            }
            "ping" => {
                let ping: Ping = parse("a `ping`", object)?;
                ClientMessage::Ping { id: ping.id }
            }
            "history" => {
                let _: HistoryRequest = parse("a `history` request", object)?;
                ClientMessage::History
            }
            other => {
                return Err(format!(
                    "unknown message type `{other}`; expected one of: {}",
                    CLIENT_TYPES.join(", ")
                ));
            }
        },
        Some(other) => return Err(format!("`type` must be a string, got {}", kind_of(other))),
        None if object.contains_key("message") => {
            let short: ShortMessage = parse("a short-form message", object)?;
            ClientMessage::Message(ChatMessage {
                id: short.id,
                message: short.message,
                context: short.context,
                agent: short.agent,
            })
        }
        None if object.contains_key("secret") || object.contains_key("session_id") => {
            let hello: Hello = parse("an auth message", object)?;
            ClientMessage::Hello {
                secret: hello.secret,
                session_id: hello.session_id,
            }
        }
        None => {
            return Err(
                "missing `type`; send {\"type\": \"message\", ...}, {\"message\": \"...\"} or {\"secret\": \"...\"}"
                    .to_owned(),
            );
        }
    };
    check_values(&message)?;
    Ok(message)
}

fn check_values(message: &ClientMessage) -> Result<(), String> {
    let check_id = |id: &str| {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            Err(format!("`id` must be 1 to {MAX_ID_LEN} bytes long"))
        } else {
            Ok(())
        }
    };
    match message {
        ClientMessage::Message(chat) => {
            if let Some(id) = &chat.id {
                check_id(id)?;
            }
            if chat.message.trim().is_empty() {
                return Err("`message` is empty; send some text".to_owned());
            }
        }
        ClientMessage::Cancel { id } => check_id(id)?,
        ClientMessage::Ping { id: Some(id) } => check_id(id)?,
        ClientMessage::Ping { id: None } | ClientMessage::Hello { .. } | ClientMessage::History => {
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullMessage {
    #[serde(rename = "type")]
    _type: String,
    id: Option<String>,
    payload: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    message: String,
    context: Option<Map<String, Value>>,
    agent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShortMessage {
    id: Option<String>,
    message: String,
    context: Option<Map<String, Value>>,
    agent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancel {
    #[serde(rename = "type")]
    _type: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ping {
    #[serde(rename = "type")]
    _type: String,
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryRequest {
    #[serde(rename = "type")]
    _type: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Hello {
    secret: Option<String>,
    session_id: Option<String>,
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, value: impl Into<Value>) -> Result<T, String> {
    serde_json::from_value(value.into()).map_err(|err| format!("invalid {what}: {err}"))
}

fn invalid(id: Option<String>, message: String) -> DecodeError {
    DecodeError {
        code: ErrorCode::InvalidMessage,
        message,
        id,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Decodes `text` and compares with `expected`: a message, or an error whose
    /// code matches and whose text contains the fragment.
    #[track_caller]
    fn check(text: &str, expected: Result<ClientMessage, (ErrorCode, &str)>) {
        match (decode(text), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(err), Err((code, fragment))) => {
                assert_eq!(err.code, code, "{err:?}");
                assert!(
                    err.message.contains(fragment),
                    "`{}` lacks `{fragment}`",
                    err.message
                );
            }
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }

    fn chat(id: Option<&str>, message: &str) -> ClientMessage {
        ClientMessage::Message(ChatMessage {
            id: id.map(str::to_owned),
            message: message.to_owned(),
            context: None,
            agent: None,
        })
    }

    #[test]
    fn seed_forms() {
        check(
            r#"{"secret": "k"}"#,
            Ok(ClientMessage::Hello {
                secret: Some("k".into()),
                session_id: None,
            }),
        );
        check(
            r#"{"secret": "k", "session_id": "s"}"#,
            Ok(ClientMessage::Hello {
                secret: Some("k".into()),
                session_id: Some("s".into()),
            }),
        );
        check(r#"{"message": "Hello!"}"#, Ok(chat(None, "Hello!")));
        let Ok(ClientMessage::Message(full)) = decode(
            r#"{"type": "message", "id": "msg-001", "payload": {"message": "What?", "context": {"location": "New York"}, "agent": "a"}}"#,
        ) else {
            panic!("the seed's full form decodes")
        };
        assert_eq!(full.id.as_deref(), Some("msg-001"));
        assert_eq!(
            Value::Object(full.context.expect("context")),
            json!({"location": "New York"})
        );
        assert_eq!(full.agent.as_deref(), Some("a"));
        check(
            r#"{"type": "cancel", "id": "m"}"#,
            Ok(ClientMessage::Cancel { id: "m".into() }),
        );
        check(r#"{"type": "ping"}"#, Ok(ClientMessage::Ping { id: None }));
        check(r#"{"type": "history"}"#, Ok(ClientMessage::History));
    }

    #[test]
    fn bad_json_and_bad_shapes() {
        check("{", Err((ErrorCode::InvalidJson, "not valid JSON")));
        check(
            "[1]",
            Err((
                ErrorCode::InvalidMessage,
                "expected a JSON object, got an array",
            )),
        );
        check(
            r#"{"type": "dance"}"#,
            Err((ErrorCode::InvalidMessage, "unknown message type `dance`")),
        );
        check(
            r#"{"type": 3}"#,
            Err((ErrorCode::InvalidMessage, "`type` must be a string")),
        );
        check(
            r#"{"hello": 1}"#,
            Err((ErrorCode::InvalidMessage, "missing `type`")),
        );
        check(
            r#"{"type": "message", "payload": {"text": "x"}}"#,
            Err((
                ErrorCode::InvalidMessage,
                "invalid the `payload` of a `message`: unknown field `text`",
            )),
        );
        check(
            r#"{"type": "message", "payload": {"message": 5}}"#,
            Err((
                ErrorCode::InvalidMessage,
                "invalid type: integer `5`, expected a string",
            )),
        );
        check(
            r#"{"type": "message", "payload": {"message": "x", "context": [1]}}"#,
            Err((
                ErrorCode::InvalidMessage,
                "invalid type: sequence, expected a map",
            )),
        );
        check(
            r#"{"message": "  "}"#,
            Err((ErrorCode::InvalidMessage, "`message` is empty")),
        );
        check(
            r#"{"type": "cancel"}"#,
            Err((ErrorCode::InvalidMessage, "missing field `id`")),
        );
        check(
            r#"{"message": "x", "extra": 1}"#,
            Err((ErrorCode::InvalidMessage, "unknown field `extra`")),
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        check(&deep, Err((ErrorCode::InvalidJson, "recursion limit")));
    }

    #[test]
    fn errors_keep_a_readable_id() {
        let err = decode(r#"{"type": "message", "id": "m-7", "payload": {}}"#).expect_err("bad");
        assert_eq!(err.id.as_deref(), Some("m-7"));
    }
}
