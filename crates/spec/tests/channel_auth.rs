//! `Channel::auth` on documents nobody wrote for this test: the connector protocol
//! (`docs/connector.asyncapi.yaml`), and faults in the `x-duplex-first-message`
//! extension.

use std::path::PathBuf;

use duplex_spec::diagnostics::Severity;
use duplex_spec::ir::{AuthCarrier, Name, Resume};

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-spec-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

#[test]
fn connector_doc_requires_the_first_message_secret_with_resume() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/connector.asyncapi.yaml");
    let loaded = duplex_spec::load(&path);
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let api = loaded.api.expect("the connector doc loads");
    let chat = api
        .channels
        .iter()
        .find(|c| c.address == "/ws")
        .expect("the /ws channel");
    // The secret as the first message is the requirement: it is also how a session resumes.
    assert_eq!(chat.auth, ["secret"]);
    let secret = api
        .auth
        .iter()
        .find(|s| s.name.wire == "secret")
        .expect("secret");
    // The resuming first-message carrier comes first: only it can resume.
    assert_eq!(
        secret.carriers,
        vec![
            AuthCarrier::FirstMessage {
                field: "secret".to_owned(),
                resume: Some(Resume {
                    message: "connected".to_owned(),
                    property: "session_id".to_owned(),
                    field: "session_id".to_owned(),
                    name: Name::new("session_id"),
                }),
            },
            AuthCarrier::Query {
                name: "secret".to_owned()
            },
        ]
    );
    let carriers: Vec<&AuthCarrier> = api.auth.iter().flat_map(|s| &s.carriers).collect();
    assert!(carriers.contains(&&AuthCarrier::Header {
        name: "X-Connic-Secret".to_owned(),
        prefix: None
    }));
    assert!(carriers.contains(&&AuthCarrier::Header {
        name: "Authorization".to_owned(),
        prefix: Some("Bearer ".to_owned())
    }));
}

/// A 3.0 document whose `key` scheme has `x-duplex-first-message: {ext}`, on a channel
/// that receives `welcome` (tagged by `type`) and `note` (not tagged).
fn resume_doc(ext: &str) -> String {
    format!(
        "asyncapi: 3.0.0\ninfo: {{title: T, version: '1'}}\n\
         channels:\n  c:\n    address: /c\n    messages:\n      \
         welcome: {{payload: {{type: object, properties: {{type: {{const: welcome}}, sid: {{type: string}}}}}}}}\n      \
         note: {{payload: {{type: object, properties: {{text: {{type: string}}}}}}}}\n\
         operations:\n  out:\n    action: send\n    channel: {{$ref: '#/channels/c'}}\n    \
         messages: [{{$ref: '#/channels/c/messages/welcome'}}, {{$ref: '#/channels/c/messages/note'}}]\n\
         components:\n  securitySchemes:\n    key:\n      type: httpApiKey\n      \
         name: key\n      in: query\n      x-duplex-first-message: {ext}\n"
    )
}

#[test]
fn resume_names_a_recognisable_received_message() {
    let loaded = duplex_spec::load(&write_temp(
        "resume-ok.yml",
        &resume_doc("{field: key, resume: {message: welcome, property: sid}}"),
    ));
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|d| d.severity != Severity::Error),
        "{:?}",
        loaded.diagnostics
    );
    let api = loaded.api.expect("loads");
    let AuthCarrier::FirstMessage {
        resume: Some(resume),
        ..
    } = &api.auth[0].carriers[0]
    else {
        panic!("first carrier: {:?}", api.auth[0].carriers);
    };
    // `field` defaults to `property`.
    assert_eq!(
        (&*resume.message, &*resume.property, &*resume.field),
        ("welcome", "sid", "sid")
    );
    assert_eq!(resume.name.camel, "sid");
    for (name, ext, code, needle) in [
        (
            "resume-unknown.yml",
            "{field: key, resume: {message: hello, property: sid}}",
            "E0108",
            "not a message any channel receives",
        ),
        (
            "resume-untagged.yml",
            "{field: key, resume: {message: note, property: sid}}",
            "E0108",
            "not told apart",
        ),
        (
            "resume-no-property.yml",
            "{field: key, resume: {message: welcome}}",
            "E0104",
            "property",
        ),
        (
            "resume-empty.yml",
            "{field: key, resume: {message: welcome, property: ''}}",
            "E0103",
            "empty `property`",
        ),
        (
            "resume-string.yml",
            "{field: key, resume: yes}",
            "E0103",
            "resume",
        ),
    ] {
        let loaded = duplex_spec::load(&write_temp(name, &resume_doc(ext)));
        let diag = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{name}: expected {code}, got {:?}", loaded.diagnostics));
        assert!(diag.message.contains(needle), "{name}: {diag:?}");
        assert!(diag.location.line >= 10, "{name}: {diag:?}");
    }
}

#[test]
fn first_message_extension_must_be_a_mapping_with_a_field() {
    let doc = |ext: &str| {
        format!(
            "asyncapi: 3.0.0\ninfo: {{title: T, version: '1'}}\nchannels: {{}}\n\
             components:\n  securitySchemes:\n    key:\n      type: httpApiKey\n      \
             name: key\n      in: query\n      x-duplex-first-message: {ext}\n"
        )
    };
    for (name, ext, code) in [
        ("string.yml", "secret", "E0103"),
        ("no-field.yml", "{}", "E0104"),
        ("empty.yml", "{field: ''}", "E0103"),
    ] {
        let loaded = duplex_spec::load(&write_temp(name, &doc(ext)));
        let diag = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{name}: expected {code}, got {:?}", loaded.diagnostics));
        assert_eq!(diag.location.line, 10, "{name}: {diag:?}");
        let api = loaded.api.expect("still loads");
        assert_eq!(
            api.auth[0].carriers,
            vec![AuthCarrier::Query {
                name: "key".to_owned()
            }]
        );
    }
}
