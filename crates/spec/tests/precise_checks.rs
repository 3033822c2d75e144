//! The precise checks that reject the AsyncAPI TCK's last `invalid-*` documents, each
//! next to a near miss that must still load clean: a tag, a name, an example or a
//! binding field that is fine.

use duplex_spec::diagnostics::Severity;

/// Loads a 2.0 document made of `body` (after `asyncapi` and `info`) and returns its
/// errors as `line:column CODE`.
fn check(name: &str, body: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("duplex-spec-precise-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yml"));
    let text = format!("asyncapi: 2.0.0\ninfo: {{title: T, version: '1'}}\n{body}");
    std::fs::write(&path, text).unwrap();
    duplex_spec::load(&path)
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}:{} {}", d.location.line, d.location.column, d.code))
        .collect()
}

const MESSAGE: &str = "message: {payload: {type: string}}";

#[test]
fn yaml_tags_outside_the_core_schema() {
    let body = format!(
        "x-a: !!str 1\nx-b: !!js/function f\nchannels:\n  /a:\n    publish: {{{MESSAGE}}}\n"
    );
    assert_eq!(check("tags", &body), ["4:6 E0005"]);
}

#[test]
fn channel_addresses_without_query_or_fragment() {
    let body = format!(
        "channels:\n  /a/{{id}}:\n    parameters: {{id: {{schema: {{type: string}}}}}}\n    publish: {{{MESSAGE}}}\n  \
         /b?x=1:\n    publish: {{{MESSAGE}}}\n  /c#top:\n    publish: {{{MESSAGE}}}\n"
    );
    assert_eq!(check("query", &body), ["7:3 E0306", "9:3 E0306"]);
}

#[test]
fn server_and_parameter_names_follow_the_pattern() {
    let body = format!(
        "servers:\n  prod_1-a: {{url: x.com, protocol: wss}}\n  prod.eu: {{url: x.com, protocol: wss}}\n\
         channels:\n  /a/{{ok_1}}:\n    parameters:\n      ok_1: {{schema: {{type: string}}}}\n      \
         'no way': {{schema: {{type: string}}}}\n    publish: {{{MESSAGE}}}\n"
    );
    assert_eq!(check("names", &body), ["5:3 E0110", "10:7 E0110"]);
}

#[test]
fn operation_ids_from_traits_join_the_duplicate_check() {
    // `/a` has its own id and a trait setting the same one (one id, not two); `/b`
    // takes `shared` from its trait, as `/c` writes it itself.
    let body = format!(
        "channels:\n  /a:\n    publish:\n      operationId: same\n      traits: [{{operationId: same}}]\n      \
         {MESSAGE}\n  /b:\n    publish:\n      operationId: own\n      \
         traits: [$ref: '#/components/operationTraits/t']\n      {MESSAGE}\n  /c:\n    \
         publish: {{operationId: shared, {MESSAGE}}}\n\
         components:\n  operationTraits:\n    t: {{operationId: shared}}\n"
    );
    assert_eq!(check("ids", &body), ["15:28 E0301"]);
}

#[test]
fn a_discriminator_must_be_required() {
    let body = format!(
        "channels:\n  /a:\n    publish: {{{MESSAGE}}}\ncomponents:\n  schemas:\n    \
         Good: {{type: object, discriminator: kind, properties: {{kind: {{type: string}}}}, required: [kind]}}\n    \
         Union: {{discriminator: kind, oneOf: [{{type: object}}]}}\n    \
         Bad: {{type: object, discriminator: kind, properties: {{kind: {{type: string}}}}}}\n"
    );
    assert_eq!(check("discriminator", &body), ["10:40 E0113"]);
}

#[test]
fn server_variable_examples_are_enum_values() {
    let body = format!(
        "servers:\n  prod:\n    url: 'x.com:{{port}}'\n    protocol: wss\n    variables:\n      \
         port: {{enum: ['1', '2'], examples: ['2', '3']}}\n      \
         user: {{examples: [anyone]}}\nchannels:\n  /a:\n    publish: {{{MESSAGE}}}\n"
    );
    assert_eq!(check("variables", &body), ["8:48 E0111"]);
}

#[test]
fn message_trait_examples_are_message_examples() {
    let body = "channels:\n  /a:\n    publish:\n      message:\n        payload: {type: string}\n        \
                traits: [$ref: '#/components/messageTraits/t']\n\
                components:\n  messageTraits:\n    t:\n      examples:\n        \
                - {payload: hi, name: greeting, x-note: ok}\n        - {one: 1}\n";
    assert_eq!(check("trait-examples", body), ["14:12 E0112"]);
}

#[test]
fn bindings_checked_beyond_their_schemas() {
    let body = "channels:\n  /a:\n    bindings:\n      ws: {method: GET, hello: 1, bindingVersion: '1.1.1'}\n    \
                publish:\n      bindings:\n        mqtt: {qos: 2}\n        amqp: {replyTo: {prop: 1}}\n      \
                message:\n        payload: {type: string}\n        bindings:\n          \
                kafka: {key: {prop: 1}}\n          amqp: {replyTo: q}\n  /b:\n    publish:\n      \
                bindings:\n        mqtt: {qos: 3}\n      message:\n        payload: {type: string}\n        \
                bindings: {kafka: {key: {type: string}}}\n";
    // `amqp` message `replyTo` is in no published version, but without a
    // `bindingVersion` unknown fields pass (the AsyncAPI examples use it).
    assert_eq!(
        check("bindings", body),
        ["6:25 E0402", "10:25 E0402", "14:24 E0402", "19:21 E0402"]
    );
}
