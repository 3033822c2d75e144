//! `Channel::auth` on documents nobody wrote for this test: the connector protocol
//! (`docs/connector.asyncapi.yaml`), and faults in the `x-duplex-first-message`
//! extension.

use std::path::PathBuf;

use duplex_spec::diagnostics::Severity;
use duplex_spec::ir::AuthCarrier;

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duplex-spec-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

#[test]
fn connector_doc_declares_every_scheme_and_requires_none() {
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
    // The secret may also come as the first message, so no scheme is required (see the
    // comment on the server in the document); the schemes are still declared.
    assert!(chat.auth.is_empty(), "{:?}", chat.auth);
    let carriers: Vec<&AuthCarrier> = api.auth.iter().flat_map(|s| &s.carriers).collect();
    assert!(carriers.contains(&&AuthCarrier::Query {
        name: "secret".to_owned()
    }));
    assert!(carriers.contains(&&AuthCarrier::Header {
        name: "X-Connic-Secret".to_owned(),
        prefix: None
    }));
    assert!(carriers.contains(&&AuthCarrier::Header {
        name: "Authorization".to_owned(),
        prefix: Some("Bearer ".to_owned())
    }));
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
