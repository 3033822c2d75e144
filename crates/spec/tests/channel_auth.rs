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

#[test]
fn connector_doc_says_which_close_codes_end_the_socket() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/connector.asyncapi.yaml");
    let api = duplex_spec::load(&path)
        .api
        .expect("the connector doc loads");
    let codes = &api.channels[0].close_codes;
    let terminal: Vec<u16> = codes
        .iter()
        .filter(|c| !c.reconnect)
        .map(|c| c.code)
        .collect();
    assert_eq!(terminal, [1000, 4001]);
    assert_eq!(
        codes.len(),
        10,
        "every close code of docs/protocol.md: {codes:?}"
    );
    let unauthorized = codes.iter().find(|c| c.code == 4001).expect("4001");
    assert!(
        unauthorized
            .docs
            .as_deref()
            .is_some_and(|d| d.contains("secret")),
        "{unauthorized:?}"
    );
}

fn close_codes_doc(version: &str, ext: &str) -> String {
    if version == "2" {
        format!(
            "asyncapi: 2.6.0\ninfo: {{title: T, version: '1'}}\nchannels:\n  /ws:\n    x-duplex-close-codes: {ext}\n    subscribe:\n      message:\n        payload: {{type: object}}\n"
        )
    } else {
        format!(
            "asyncapi: 3.0.0\ninfo: {{title: T, version: '1'}}\nchannels:\n  a:\n    address: /ws\n    x-duplex-close-codes: {ext}\n    messages:\n      m:\n        payload: {{type: object}}\n  b:\n    address: /ws\n    x-duplex-close-codes: {{'4002': {{reconnect: true}}}}\n    messages:\n      n:\n        payload: {{type: object}}\n"
        )
    }
}

#[test]
fn close_codes_are_read_from_2x_and_3x_channels() {
    for version in ["2", "3"] {
        let loaded = duplex_spec::load(&write_temp(
            &format!("close-ok-{version}.yml"),
            &close_codes_doc(
                version,
                "{'4009': {reconnect: true}, 4001: {reconnect: false, description: Bad secret.}}",
            ),
        ));
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{version}: {errors:?}");
        let api = loaded.api.expect("loads");
        let got: Vec<(u16, bool, Option<&str>)> = api.channels[0]
            .close_codes
            .iter()
            .map(|c| (c.code, c.reconnect, c.docs.as_deref()))
            .collect();
        // Sorted by code; in 3.0 the two channels at `/ws` merge and so do their codes.
        let mut want = vec![(4001, false, Some("Bad secret.")), (4009, true, None)];
        if version == "3" {
            want.insert(1, (4002, true, None));
        }
        assert_eq!(got, want, "{version}");
    }
}

#[test]
fn close_code_faults_point_at_the_value() {
    for (name, ext, code, needle, line) in [
        (
            "close-key.yml",
            "{'41': {reconnect: false}}",
            "E0109",
            "`41`, which is not a WebSocket close code",
            5,
        ),
        (
            "close-big.yml",
            "{'5000': {reconnect: false}}",
            "E0109",
            "not a WebSocket close code",
            5,
        ),
        (
            "close-type.yml",
            "{'4001': {reconnect: 'no'}}",
            "E0103",
            "`x-duplex-close-codes.4001.reconnect` must be a boolean",
            5,
        ),
        (
            "close-missing.yml",
            "{'4001': {description: x}}",
            "E0104",
            "has no `reconnect`",
            5,
        ),
        (
            "close-value.yml",
            "{'4001': false}",
            "E0103",
            "must be a mapping",
            5,
        ),
        ("close-list.yml", "[4001]", "E0103", "must be a mapping", 5),
        (
            "close-doc.yml",
            "{'4001': {reconnect: false, description: [x]}}",
            "E0103",
            "description",
            5,
        ),
    ] {
        let loaded = duplex_spec::load(&write_temp(name, &close_codes_doc("2", ext)));
        let found = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == code && d.message.contains(needle));
        let found = found
            .unwrap_or_else(|| panic!("{name}: no {code} `{needle}` in {:?}", loaded.diagnostics));
        assert!(found.location.file.ends_with(name), "{name}: {found:?}");
        assert_eq!(found.location.line, line, "{name}: {found:?}");
        assert!(found.location.column > 4, "{name}: {found:?}");
    }
}

#[test]
fn only_schemes_a_channel_requires_are_used() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/connector.asyncapi.yaml");
    let api = duplex_spec::load(&path)
        .api
        .expect("the connector doc loads");
    // `secretQuery`, `secretHeader` and `bearer` are declared but no server or operation
    // requires them: no SDK offers an option that could never be sent.
    assert_eq!(api.auth.len(), 4);
    let used: Vec<&str> = api.used_auth().map(|s| s.name.wire.as_str()).collect();
    assert_eq!(used, ["secret"]);
    // The SDKs send `{"secret": ...}` themselves, so their READMEs leave that message out.
    assert_eq!(api.credential_fields(&api.channels[0]), ["secret"]);
    // A channel that names no scheme may be sent any of them.
    let mut open = api.clone();
    open.channels[0].auth.clear();
    assert_eq!(open.used_auth().count(), 4);
}
