//! `duplex serve` as a process: a session's history survives `kill -9` of the server,
//! the reply it was streaming is recorded and reported as interrupted, and the
//! resumed session goes on with the completed turns as its memory.

mod support;

use duplex_connector::store::{EntryStatus, Store};
use serde_json::json;
use support::{Client, Node};

#[tokio::test(flavor = "multi_thread")]
async fn history_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store_url = format!("sqlite://{}", dir.path().join("sessions.db").display());
    let config = support::write_config(
        dir.path(),
        &store_url,
        "",
        "[agents.fast]\nkind = \"echo\"\n[agents.slow]\nkind = \"echo\"\nchunks = 200\ndelay = \"50ms\"",
    );

    let mut server = Node::spawn(&config);
    let (mut client, connected) = Client::open(&server.url(), None).await;
    let session_id = connected["session_id"]
        .as_str()
        .expect("a session id")
        .to_owned();
    client
        .send(json!({"type": "message", "id": "m1", "payload": {"message": "first turn here", "agent": "fast"}}))
        .await;
    let end = client.until("stream_end").await;
    assert_eq!(end["status"], "completed");
    client
        .send(json!({"type": "message", "id": "m2", "payload": {"message": "slow one", "agent": "slow"}}))
        .await;
    client.until("stream_chunk").await;
    server.kill_9();

    let mut server = Node::spawn(&config);
    let (mut client, resumed) = Client::open(&server.url(), Some(&session_id)).await;
    assert_eq!(resumed["session_id"], session_id.as_str());
    assert_eq!(resumed["resumed"], true);
    assert_eq!(
        resumed["interrupted"],
        json!([{"id": "m2", "agent": "slow"}])
    );
    // The fast agent remembers the completed turn (3 + 3 words) but not the broken one's reply.
    client
        .send(json!({"type": "message", "id": "m3", "payload": {"message": "again", "agent": "fast"}}))
        .await;
    let ack = client.until("ack").await;
    assert_eq!(ack["message_number"], 3);
    let end = client.until("stream_end").await;
    assert_eq!(end["token_usage"]["prompt_tokens"], 3 + 3 + 2 + 1);
    server.kill_9();

    let store = Store::connect(&store_url).await.expect("open the store");
    let history = store.history(&session_id).await.expect("history");
    let replies: Vec<(String, Option<EntryStatus>, String)> = history
        .iter()
        .filter(|entry| entry.agent.is_some())
        .map(|entry| (entry.message_id.clone(), entry.status, entry.text.clone()))
        .collect();
    assert_eq!(
        replies[0],
        (
            "m1".to_owned(),
            Some(EntryStatus::Completed),
            "first turn here".to_owned()
        )
    );
    assert_eq!(replies[1].0, "m2");
    assert_eq!(replies[1].1, Some(EntryStatus::Interrupted));
    assert_eq!(replies[2].1, Some(EntryStatus::Completed));
    assert_eq!(
        history.iter().filter(|entry| entry.agent.is_none()).count(),
        3
    );
    store.close().await;
}
