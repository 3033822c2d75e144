//! The protocol validator (`tests/support/validate.rs`) and the document it reads: the
//! document's own examples pass, and each kind of drift is caught and named.

#[path = "support/validate.rs"]
mod validate;

use std::path::Path;

use serde_json::{Value, json};
use validate::Validator;

/// Checks `message` and expects an error containing every one of `needles`.
#[track_caller]
fn check_rejected(validator: &Validator, message: Value, needles: &[&str]) {
    let error = validator
        .check(&message.to_string())
        .expect_err("the message should be rejected");
    for needle in needles {
        assert!(error.contains(needle), "`{needle}` missing from:\n{error}");
    }
}

#[test]
fn every_server_message_of_the_protocol_is_known_by_type() {
    let validator = Validator::protocol();
    assert_eq!(
        validator.types().collect::<Vec<_>>(),
        [
            "ack",
            "connected",
            "error",
            "history",
            "pong",
            "response",
            "stream_chunk",
            "stream_end",
            "stream_start"
        ]
    );
}

#[test]
fn the_seed_messages_and_the_documents_own_examples_are_valid() {
    let validator = Validator::protocol();
    // The seed's own server messages, plus `status`/`total_tokens` which we always send.
    for message in [
        json!({"type": "connected", "session_id": "s-1", "agents": ["assistant"]}),
        json!({"type": "ack", "id": "msg-001", "message_number": 1}),
        json!({"type": "stream_start", "id": "msg-001", "agent": "assistant"}),
        json!({"type": "stream_chunk", "id": "msg-001", "agent": "assistant", "chunk": "The weather in "}),
        json!({"type": "stream_end", "id": "msg-001", "agent": "assistant",
               "full_response": "The weather in New York is sunny.",
               "token_usage": {"prompt_tokens": 45, "candidates_tokens": 15, "total_tokens": 60},
               "status": "completed"}),
        json!({"type": "response", "id": "msg-001", "agent": "assistant",
               "response": "The weather in New York is sunny.",
               "token_usage": {"prompt_tokens": 45, "candidates_tokens": 15, "total_tokens": 60},
               "status": "failed", "error": {"code": "agent_timeout", "message": "no answer in 60 s"}}),
        json!({"type": "error", "code": "busy", "message": "a reply is streaming", "retryable": true}),
        json!({"type": "pong", "id": "p1"}),
    ] {
        validator.assert_valid(&message.to_string());
    }

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/connector.asyncapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let document = duplex_spec::source::parse_str(&text, path.into())
        .root
        .unwrap()
        .to_json();
    // What a client sends; every other message is the server's and must pass.
    const CLIENT_MESSAGES: [&str; 6] = [
        "auth",
        "message",
        "shortMessage",
        "cancel",
        "ping",
        "historyRequest",
    ];
    let mut checked = 0;
    for (name, message) in document["components"]["messages"].as_object().unwrap() {
        if CLIENT_MESSAGES.contains(&name.as_str()) {
            continue;
        }
        for example in message["examples"].as_array().into_iter().flatten() {
            validator
                .check(&example["payload"].to_string())
                .unwrap_or_else(|error| panic!("example of `{name}`: {error}"));
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples checked");
}

#[test]
fn a_missing_field_is_named_with_its_place() {
    let validator = Validator::protocol();
    check_rejected(
        &validator,
        json!({"type": "stream_end", "id": "m", "agent": "a", "full_response": "",
               "token_usage": {"prompt_tokens": 1, "candidates_tokens": 2}, "status": "completed"}),
        &[
            "server message `stream_end`",
            "streamEnd",
            "at `/token_usage`",
            "total_tokens",
        ],
    );
}

#[test]
fn a_value_outside_an_enum_or_of_the_wrong_type_is_rejected() {
    let validator = Validator::protocol();
    check_rejected(
        &validator,
        json!({"type": "error", "code": "oops", "message": "m", "retryable": false}),
        &["`error`", "at `/code`", "oops"],
    );
    check_rejected(
        &validator,
        json!({"type": "ack", "id": "m", "message_number": "1"}),
        &["at `/message_number`", "integer"],
    );
    check_rejected(
        &validator,
        json!({"type": "ack", "id": "m", "message_number": 0}),
        &["at `/message_number`", "minimum"],
    );
}

#[test]
fn a_field_the_document_does_not_define_is_rejected() {
    let validator = Validator::protocol();
    check_rejected(
        &validator,
        json!({"type": "pong", "latency_ms": 3}),
        &["server message `pong`", "latency_ms"],
    );
}

#[test]
fn an_unknown_type_a_missing_type_and_bad_json_are_rejected() {
    let validator = Validator::protocol();
    check_rejected(
        &validator,
        json!({"type": "typing", "agent": "a"}),
        &["`type: typing`", "does not define", "stream_chunk"],
    );
    check_rejected(
        &validator,
        json!({"chunk": "x"}),
        &["without a string `type`"],
    );
    let error = validator.check("{\"type\": ").unwrap_err();
    assert!(error.contains("not JSON"), "{error}");
}

#[test]
fn a_document_that_cannot_tell_its_messages_apart_is_refused() {
    let path = Path::new("bad.asyncapi.yaml");
    let document = |payload_a: &str, payload_b: &str| {
        format!(
            "asyncapi: 3.0.0\n\
             operations:\n  events:\n    action: send\n    messages:\n\
             \x20     - $ref: '#/components/messages/a'\n\
             \x20     - $ref: '#/components/messages/b'\n\
             components:\n  messages:\n\
             \x20   a:\n      payload: {payload_a}\n\
             \x20   b:\n      payload: {payload_b}\n"
        )
    };
    let same = "{type: object, properties: {type: {const: x}}}";
    let error = Validator::from_yaml(path, &document(same, same)).unwrap_err();
    assert!(error.contains("`a` and `b` both have `type: x`"), "{error}");
    let untyped = "{type: object}";
    let error = Validator::from_yaml(path, &document(same, untyped)).unwrap_err();
    assert!(
        error.contains("message `b`'s payload has no `properties.type.const`"),
        "{error}"
    );
    let error =
        Validator::from_yaml(path, "asyncapi: 3.0.0\noperations:\n  x:\n    action: send\n    messages:\n      - $ref: '#/nowhere'\n")
            .unwrap_err();
    assert!(
        error.contains("`$ref: #/nowhere` points at nothing"),
        "{error}"
    );
}
