//! IR fixtures shared by the backends' unit tests.

use duplex_spec::ir::Api;

/// A channel that receives messages named like the runtime's `error` and `open`
/// events, and sends `SendChat`.
pub fn clashing_api() -> Api {
    let doc = "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  c:\n    \
               address: /c\n    messages:\n      \
               error: {payload: {type: object, properties: {type: {const: error}}}}\n      \
               open: {payload: {type: object, properties: {type: {const: open}}}}\n      \
               SendChat: {payload: {type: object}}\n\
               operations:\n  in:\n    action: send\n    channel: {$ref: '#/channels/c'}\n    \
               messages: [{$ref: '#/channels/c/messages/error'}, {$ref: '#/channels/c/messages/open'}]\n  \
               out:\n    action: receive\n    channel: {$ref: '#/channels/c'}\n    \
               messages: [{$ref: '#/channels/c/messages/SendChat'}]\n";
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = format!("duplex-clashing-{}-{call}.yml", std::process::id());
    let path = std::env::temp_dir().join(file);
    std::fs::write(&path, doc).expect("write the fixture");
    let loaded = duplex_spec::load(&path);
    let _ = std::fs::remove_file(&path);
    loaded.api.expect("the fixture loads")
}
