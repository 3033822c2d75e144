//! Several `duplex serve` nodes sharing one PostgreSQL store (issue 9): a node SIGKILLed
//! in the middle of a reply loses nothing that was acknowledged, the client resumes its
//! session on another node and is told which replies were cut off (the running one and
//! the one queued behind it); and nodes serving at
//! the same time agree on session ids, message numbers and `max_messages`.
//!
//! Each test has its own database on the local PostgreSQL (`DUPLEX_TEST_POSTGRES`,
//! `scripts/ensure-postgres.sh`), so tests run in parallel.

mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::test_db::TestDb;
use support::{Client, Node, write_config};

const AGENTS: &str = "[agents.fast]\nkind = \"echo\"\n\
                      [agents.slow]\nkind = \"echo\"\nchunks = 400\ndelay = \"25ms\"";

#[tokio::test(flavor = "multi_thread")]
async fn a_session_survives_its_node_being_killed_mid_reply() {
    let db = TestDb::postgres().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &db.url, "", AGENTS);
    let mut a = Node::spawn(&config);
    let b = Node::spawn(&config);

    let (mut client, connected) = Client::open(&a.url(), None).await;
    let session_id = connected["session_id"]
        .as_str()
        .expect("a session id")
        .to_owned();
    client
        .send(json!({"type": "message", "id": "m1", "payload": {"message": "first turn here", "agent": "fast"}}))
        .await;
    assert_eq!(client.until("ack").await["message_number"], 1);
    let end = client.until("stream_end").await;
    assert_eq!(end["status"], "completed");
    assert_eq!(end["full_response"], "first turn here");
    client
        .send(json!({"type": "message", "id": "m2", "payload": {"message": "slow one", "agent": "slow"}}))
        .await;
    assert_eq!(client.until("ack").await["message_number"], 2);
    client.until("stream_chunk").await;
    // A message queued behind the running reply: acknowledged, not yet answered.
    client
        .send(json!({"type": "message", "id": "m2b", "payload": {"message": "queued", "agent": "fast"}}))
        .await;
    assert_eq!(client.until("ack").await["message_number"], 3);
    client.until("stream_chunk").await;
    a.kill_9();
    // The client sees its connection drop, with no end event for m2.
    while let Some(event) = client.next().await {
        assert_ne!(
            event["type"], "stream_end",
            "a killed node sent an end: {event}"
        );
    }

    let (mut client, resumed) = Client::open(&b.url(), Some(&session_id)).await;
    assert_eq!(resumed["session_id"], session_id.as_str());
    assert_eq!(resumed["resumed"], true);
    assert_eq!(
        resumed["interrupted"],
        json!([{"id": "m2", "agent": "slow"}, {"id": "m2b", "agent": "fast"}])
    );
    client.send(json!({"type": "history"})).await;
    let history = client.until("history").await;
    check_entries(
        &history,
        &[
            ("user", "m1", 1, None, "first turn here"),
            ("agent", "m1", 1, Some("completed"), "first turn here"),
            ("user", "m2", 2, None, "slow one"),
            ("agent", "m2", 2, Some("interrupted"), ""),
            ("user", "m2b", 3, None, "queued"),
            ("agent", "m2b", 3, Some("interrupted"), ""),
        ],
    );

    // The same message sent again (a client retrying) keeps its number and is not
    // answered twice; the session goes on with the next number.
    client
        .send(json!({"type": "message", "id": "m2", "payload": {"message": "slow one", "agent": "slow"}}))
        .await;
    assert_eq!(client.until("ack").await["message_number"], 2);
    let refused = client.until("error").await;
    assert_eq!(refused["code"], "invalid_message", "{refused}");
    client
        .send(json!({"type": "message", "id": "m3", "payload": {"message": "again", "agent": "fast"}}))
        .await;
    assert_eq!(client.until("ack").await["message_number"], 4);
    let end = client.until("stream_end").await;
    assert_eq!(end["status"], "completed");
    // Memory on node B: the completed turn (3 + 3 words), the messages m2 (2) and m2b
    // (1), and m3 (1); not the interrupted replies.
    assert_eq!(end["token_usage"]["prompt_tokens"], 3 + 3 + 2 + 1 + 1);

    // A second resume reports nothing new: each interrupted reply is reported once.
    drop(client);
    let (mut client, resumed) = Client::open(&b.url(), Some(&session_id)).await;
    assert_eq!(resumed["resumed"], true);
    assert!(
        resumed
            .get("interrupted")
            .is_none_or(|list| list == &json!([])),
        "{resumed}"
    );
    client.send(json!({"type": "history"})).await;
    let history = client.until("history").await;
    check_entries(
        &history,
        &[
            ("user", "m1", 1, None, "first turn here"),
            ("agent", "m1", 1, Some("completed"), "first turn here"),
            ("user", "m2", 2, None, "slow one"),
            ("agent", "m2", 2, Some("interrupted"), ""),
            ("user", "m2b", 3, None, "queued"),
            ("agent", "m2b", 3, Some("interrupted"), ""),
            ("user", "m3", 4, None, "again"),
            ("agent", "m3", 4, Some("completed"), "again"),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_share_ids_numbers_and_limits() {
    const LIMIT: usize = 6;
    let db = TestDb::postgres().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = format!("max_messages = {LIMIT}\nwhen_busy = \"queue\"");
    let config = write_config(
        dir.path(),
        &db.url,
        &settings,
        "[agents.fast]\nkind = \"echo\"",
    );
    let nodes = [Node::spawn(&config), Node::spawn(&config)];

    // Eight sessions, four per node, chatting at once: every id is distinct and each
    // session numbers its own messages from 1.
    let mut chats = Vec::new();
    for index in 0..8 {
        let url = nodes[index % 2].url();
        chats.push(tokio::spawn(async move {
            let (mut client, connected) = Client::open(&url, None).await;
            let mut numbers = Vec::new();
            let mut ids = Vec::new();
            for turn in 0..3 {
                client
                    .send(json!({"message": format!("hello {index} {turn}")}))
                    .await;
                let ack = client.until("ack").await;
                numbers.push(ack["message_number"].as_u64().expect("a number"));
                ids.push(ack["id"].as_str().expect("an id").to_owned());
                client.until("stream_end").await;
            }
            (
                connected["session_id"].as_str().expect("id").to_owned(),
                numbers,
                ids,
            )
        }));
    }
    let mut sessions = BTreeSet::new();
    let mut message_ids = BTreeSet::new();
    for chat in chats {
        let (session, numbers, ids) = chat.await.expect("a chat");
        assert_eq!(numbers, vec![1, 2, 3], "session {session}");
        sessions.insert(session);
        message_ids.extend(ids);
    }
    assert_eq!(sessions.len(), 8, "session ids clash");
    assert_eq!(message_ids.len(), 8 * 3, "assigned message ids clash");

    // One session used through both nodes at once: numbers are unique and gapless
    // across the nodes, and the limit counts every node's messages.
    let (first, connected) = Client::open(&nodes[0].url(), None).await;
    let session_id = connected["session_id"].as_str().expect("id").to_owned();
    let (second, resumed) = Client::open(&nodes[1].url(), Some(&session_id)).await;
    assert_eq!(resumed["resumed"], true);
    let mut sides = Vec::new();
    for (side, mut client) in [("a", first), ("b", second)] {
        sides.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for turn in 0..LIMIT {
                client
                    .send(json!({"type": "message", "id": format!("{side}{turn}"), "payload": {"message": "count me"}}))
                    .await;
                loop {
                    let Some(event) = client.next().await else {
                        return outcomes;
                    };
                    match event["type"].as_str() {
                        Some("ack") => {
                            outcomes.push(Ok(event["message_number"].as_u64().expect("number")));
                        }
                        Some("stream_end") => break,
                        Some("error") => {
                            outcomes.push(Err(event["code"].as_str().expect("code").to_owned()));
                            break;
                        }
                        _ => {}
                    }
                }
            }
            outcomes
        }));
    }
    let mut numbers = Vec::new();
    let mut refusals = Vec::new();
    for side in sides {
        for outcome in side.await.expect("a side") {
            match outcome {
                Ok(number) => numbers.push(number),
                Err(code) => refusals.push(code),
            }
        }
    }
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=LIMIT as u64).collect::<Vec<_>>(),
        "numbers across nodes"
    );
    assert!(!refusals.is_empty(), "nobody was refused past the limit");
    assert!(
        refusals.iter().all(|code| code == "session_limit_reached"),
        "{refusals:?}"
    );
    let store = db.open().await;
    let record = store
        .get_session(&session_id)
        .await
        .expect("read")
        .expect("the session");
    assert_eq!(record.message_count as usize, LIMIT);
    store.close().await;
}

/// `history` must hold exactly `expected`: (role, message id, number, status, text).
fn check_entries(history: &Value, expected: &[(&str, &str, u64, Option<&str>, &str)]) {
    let entries = history["entries"].as_array().expect("entries");
    let actual: Vec<(String, String, u64, Option<String>, String)> = entries
        .iter()
        .map(|entry| {
            (
                entry["role"].as_str().unwrap_or("").to_owned(),
                entry["message_id"].as_str().unwrap_or("").to_owned(),
                entry["message_number"].as_u64().unwrap_or(0),
                entry["status"].as_str().map(str::to_owned),
                entry["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, Option<String>, String)> = expected
        .iter()
        .map(|(role, id, number, status, text)| {
            (
                (*role).to_owned(),
                (*id).to_owned(),
                *number,
                status.map(str::to_owned),
                (*text).to_owned(),
            )
        })
        .collect();
    assert_eq!(actual, expected, "{history}");
}
