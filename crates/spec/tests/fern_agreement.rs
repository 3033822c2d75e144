//! AssemblyAI publishes its streaming API as AsyncAPI, and Fern derived a Fern
//! definition from it; both are in the corpus. Loaded by our two loaders, they must
//! describe the same channel: the same messages, each in the same direction and
//! recognised by the same discriminator value.
//!
//! The MANIFEST names the pairs: `fern/definition/universalStreaming.yml` was derived
//! from `usm-streaming.yml` and `universal3ProStreaming.yml` from
//! `usm-streaming-u3-pro.yml` (both AsyncAPI 3.0). `asyncapi.yml` (2.6) is not a
//! source of the Fern definition: it describes the older `/v2/realtime/ws` API, with
//! other messages, so it cannot agree with it.
//!
//! They agree on the address, the message names and every discriminator value. They
//! disagree on every direction, and that is the documents', not the loaders', doing:
//! AssemblyAI writes its 3.0 `action`s from the client's side (`sendAudio` is
//! `action: send`), and Fern's importer read them that way (`audioChunk` is
//! `origin: client`), while AsyncAPI 3.0 describes the application, so Duplex reads
//! `action: send` as what a client receives (the rule in `ARCHITECTURE.md`). The test
//! pins that exact disagreement: any other difference fails it.

#[allow(
    dead_code,
    reason = "each test binary uses a subset of the shared helpers"
)]
mod fern_support;

use std::collections::BTreeSet;

use duplex_spec::ir::{Api, Channel, Direction, Recognition};
use fern_support::corpus;

/// One message as both formats should see it: name, direction, and the
/// discriminator property and value when there is one.
type Summary = BTreeSet<(String, &'static str, Option<String>)>;

fn summary(channel: &Channel) -> Summary {
    channel
        .send
        .iter()
        .chain(&channel.receive)
        .map(|m| {
            let direction = match m.direction {
                Direction::Send => "send",
                Direction::Receive => "receive",
            };
            let tag = match &m.recognition {
                Recognition::Field { property, value } => Some(format!("{property}={value}")),
                Recognition::Only | Recognition::Ambiguous { .. } => None,
            };
            (m.name.wire.clone(), direction, tag)
        })
        .collect()
}

fn load(rel: &str) -> Api {
    let loaded = duplex_spec::load(&corpus().join(rel));
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{rel}: {errors:#?}");
    loaded.api.expect("loaded without errors")
}

/// Compares the only channel of the AsyncAPI document with the Fern channel `fern`.
fn check(asyncapi: &str, fern: &str) {
    let from_asyncapi = load(&format!("realworld/assemblyai/{asyncapi}"));
    let from_fern = load("realworld/assemblyai/fern/definition");
    let [a] = from_asyncapi.channels.as_slice() else {
        panic!(
            "{asyncapi}: expected one channel, found {}",
            from_asyncapi.channels.len()
        );
    };
    let f = from_fern
        .channels
        .iter()
        .find(|c| c.name.wire == fern)
        .unwrap_or_else(|| panic!("no Fern channel `{fern}`"));
    assert_eq!(a.address, f.address);
    // FIXME(direction): equal only once flipped; see the module comment.
    assert_eq!(flipped(summary(a)), summary(f), "{asyncapi} vs {fern}.yml");
    assert_eq!(f.receive_discriminator.as_deref(), Some("type"));
}

fn flipped(summary: Summary) -> Summary {
    summary
        .into_iter()
        .map(|(name, direction, tag)| {
            let other = if direction == "send" {
                "receive"
            } else {
                "send"
            };
            (name, other, tag)
        })
        .collect()
}

#[test]
fn universal_streaming_agrees() {
    check("usm-streaming.yml", "universalStreaming");
}

#[test]
fn universal_3_pro_streaming_agrees() {
    check("usm-streaming-u3-pro.yml", "universal3ProStreaming");
}
