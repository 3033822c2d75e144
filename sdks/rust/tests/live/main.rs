//! The Rust SDK against a real `duplex serve` (`server.rs`): the README walkthrough,
//! streamed and whole replies, cancel, resume after the server is killed and restarted,
//! and the error codes a client can cause. Run by scripts/test-sdks.sh (cargo test).

mod server;
mod walkthrough;

use std::time::Duration;

use duplex_connector_sdk::chat::{ChatConnect, ChatServerMessage as In, ChatSocket};
use duplex_connector_sdk::types::{self, ErrorCode, ReplyStatus};
use duplex_connector_sdk::{Client, Error, ReconnectOptions};
use futures_util::StreamExt;

use server::{SECRET, Server};

fn fast() -> ReconnectOptions {
    ReconnectOptions {
        max_attempts: 60,
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(300),
        ..ReconnectOptions::default()
    }
}

async fn connect(
    server: &Server,
    prefix: &str,
    secret: &str,
    reconnect: ReconnectOptions,
) -> ChatSocket {
    let client = Client::builder()
        .base_url(format!("{}{prefix}", server.url))
        .auth(secret)
        .reconnect(reconnect)
        .build();
    client
        .chat()
        .connect(ChatConnect::default())
        .await
        .expect("connects")
}

fn message(id: &str, text: &str, agent: Option<&str>) -> types::Message {
    let payload = types::MessagePayload {
        message: text.to_owned(),
        agent: agent.map(str::to_owned),
        ..Default::default()
    };
    types::Message {
        id: Some(id.to_owned()),
        payload,
        ..Default::default()
    }
}

/// Bounds a wait so a broken server fails the test instead of hanging it.
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[test]
fn the_walkthrough_is_the_readmes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README");
    let section = &readme[readme
        .find("## Walkthrough")
        .expect("a Walkthrough section")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let block = &section[start..start + section[start..].find("```").expect("its end")];
    let source = std::fs::read_to_string(format!("{root}/tests/live/walkthrough.rs"))
        .expect("walkthrough.rs");
    let code: String = source
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .filter(|l| !l.starts_with("// walkthrough:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(block, code);
}

#[tokio::test]
async fn the_walkthrough_runs() {
    let server = Server::start("walkthrough");
    within(
        "the walkthrough",
        walkthrough::walkthrough(&server.url, SECRET),
    )
    .await
    .expect("every step works");
}

#[tokio::test]
async fn streamed_and_whole_replies() {
    let server = Server::start("replies");
    let mut socket = connect(&server, "", SECRET, fast()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket
        .send_message(&message("s-1", "one two three", None))
        .await
        .unwrap();
    let ack = within("ack", socket.wait_for(In::into_ack)).await.unwrap();
    assert_eq!((ack.id.as_str(), ack.message_number), ("s-1", 1));
    let mut chunks = String::new();
    let end = loop {
        match within("the reply", socket.next())
            .await
            .expect("open")
            .unwrap()
        {
            In::StreamChunk(chunk) => chunks.push_str(&chunk.chunk),
            In::StreamEnd(end) => break end,
            _ => {}
        }
    };
    assert_eq!(chunks, "one two three");
    assert_eq!(end.full_response, "one two three");
    assert_eq!(end.status, ReplyStatus::Completed);
    assert!(end.token_usage.total_tokens > 0);
    socket.close().await.unwrap();

    let mut plain = connect(&server, "/plain", SECRET, fast()).await;
    within("connected", plain.wait_for(In::into_connected))
        .await
        .unwrap();
    plain
        .send_message(&message("p-1", "all at once", None))
        .await
        .unwrap();
    let response = within("response", plain.wait_for(In::into_response))
        .await
        .unwrap();
    assert_eq!(
        (response.id.as_str(), response.response.as_str()),
        ("p-1", "all at once")
    );
    assert_eq!(response.status, ReplyStatus::Completed);
    plain.close().await.unwrap();
}

#[tokio::test]
async fn a_connector_mounted_at_another_path() {
    let server = Server::start("mounted");
    let client = Client::builder()
        .base_url(server.url.clone())
        .auth(SECRET)
        .reconnect(fast())
        .build();
    let params = ChatConnect {
        address: Some("/chat/support".to_owned()),
        ..ChatConnect::default()
    };
    let mut socket = client.chat().connect(params).await.expect("connects");
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket
        .send_message(&message("m-1", "elsewhere", None))
        .await
        .unwrap();
    // Only the `/chat/support` connector answers whole: `/ws` streams.
    let response = within("response", socket.wait_for(In::into_response))
        .await
        .unwrap();
    assert_eq!(response.response, "elsewhere");
    socket.close().await.unwrap();
}

#[tokio::test]
async fn cancel_stops_a_running_reply() {
    let server = Server::start("cancel");
    let mut socket = connect(&server, "", SECRET, fast()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    let long = "word ".repeat(100);
    socket
        .send_message(&message("c-1", &long, None))
        .await
        .unwrap();
    within("a chunk", socket.wait_for(In::into_stream_chunk))
        .await
        .unwrap();
    let cancel = types::Cancel {
        id: "c-1".into(),
        ..Default::default()
    };
    socket.send_cancel(&cancel).await.unwrap();
    let end = within("the end", socket.wait_for(In::into_stream_end))
        .await
        .unwrap();
    assert_eq!(end.status, ReplyStatus::Cancelled);
    assert!(end.full_response.len() < long.len());
    socket.close().await.unwrap();
}

#[tokio::test]
async fn resumes_after_the_server_is_killed_with_history_intact() {
    let mut server = Server::start("resume");
    let mut socket = connect(&server, "", SECRET, fast()).await;
    let first = within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    assert_ne!(first.resumed, Some(true));
    socket
        .send_message(&message("r-1", "remember me", None))
        .await
        .unwrap();
    within("the reply", socket.wait_for(In::into_stream_end))
        .await
        .unwrap();
    server.restart();
    let again = within("the resumed session", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    assert_eq!(again.resumed, Some(true));
    assert_eq!(again.session_id, first.session_id);
    assert_eq!(
        socket.session_id().as_deref(),
        Some(first.session_id.as_str())
    );
    socket
        .send_history_request(&types::HistoryRequest::default())
        .await
        .unwrap();
    let history = within("history", socket.wait_for(In::into_history))
        .await
        .unwrap();
    let entries: Vec<(String, String)> = history
        .entries
        .iter()
        .map(|e| (format!("{:?}", e.role), e.text.clone()))
        .collect();
    assert_eq!(
        entries,
        [
            ("User".to_owned(), "remember me".to_owned()),
            ("Agent".to_owned(), "remember me".to_owned())
        ]
    );
    socket.close().await.unwrap();
}

/// Waits for the error event with `code`; with `closes`, the socket then ends.
async fn expect_error(socket: &mut ChatSocket, code: ErrorCode, closes: bool) {
    let error = within(
        &format!("the {code:?} error"),
        socket.wait_for(|m| m.into_error().filter(|e| e.code == code)),
    )
    .await
    .unwrap_or_else(|e| panic!("{code:?}: {e}"));
    assert!(!error.message.is_empty());
    if closes {
        let rest = within("the close", async {
            let mut rest = Vec::new();
            while let Some(item) = socket.next().await {
                rest.push(item);
            }
            rest
        })
        .await;
        assert!(
            rest.iter()
                .all(|item| !matches!(item, Ok(In::Connected(_)))),
            "{rest:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_fails_once_with_4001_even_when_reconnecting() {
    let server = Server::start("close-codes");
    let mut socket = connect(&server, "", "wrong", fast()).await;
    let mut watch = socket.watch_status();
    let statuses = tokio::spawn(async move {
        let mut seen = Vec::new();
        while watch.changed().await.is_ok() {
            seen.push(*watch.borrow_and_update());
        }
        seen
    });
    let error = within("the unauthorized error", socket.wait_for(In::into_error))
        .await
        .expect("the error message comes first");
    assert_eq!(error.code, ErrorCode::Unauthorized);
    let closed = within("the close", socket.wait_for(In::into_connected)).await;
    let Err(Error::ServerClosed {
        code,
        reason,
        description,
    }) = &closed
    else {
        panic!("{closed:?}")
    };
    assert_eq!((*code, reason.as_str()), (4001, "unauthorized"));
    assert!(description.contains("secret"), "{description}");
    assert!(
        closed
            .unwrap_err()
            .to_string()
            .contains("4001 (unauthorized), which is not retried")
    );
    assert!(socket.recv().await.is_none());
    let statuses = within("the task's end", statuses).await.unwrap();
    assert!(
        !statuses
            .iter()
            .any(|s| matches!(s, duplex_connector_sdk::Status::Reconnecting { .. })),
        "{statuses:?}"
    );
    assert_eq!(socket.status(), duplex_connector_sdk::Status::Closed);
}

#[tokio::test]
async fn error_codes_a_client_can_cause() {
    let server = Server::start("errors");
    let never = ReconnectOptions {
        max_attempts: 0,
        ..ReconnectOptions::default()
    };

    let mut socket = connect(&server, "", "wrong", never.clone()).await;
    expect_error(&mut socket, ErrorCode::Unauthorized, true).await;

    // A frame that is not JSON (`send_raw`), and an empty message.
    let mut socket = connect(&server, "", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket.send_raw("{not json").await.unwrap();
    expect_error(&mut socket, ErrorCode::InvalidJson, false).await;
    let empty = types::ShortMessage::default();
    socket.send_short_message(&empty).await.unwrap();
    expect_error(&mut socket, ErrorCode::InvalidMessage, false).await;
    socket
        .send_message(&message("u-1", "hi", Some("nobody")))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::UnknownAgent, false).await;
    socket.close().await.unwrap();

    let mut socket = connect(&server, "/strict", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket
        .send_message(&message("b-1", "running", None))
        .await
        .unwrap();
    socket
        .send_message(&message("b-2", "rejected", None))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::Busy, false).await;
    socket.close().await.unwrap();

    // `/limited` queues (no `busy` race with the end of the previous reply).
    let mut socket = connect(&server, "/limited", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    for id in ["l-1", "l-2"] {
        socket
            .send_message(&message(id, "short", None))
            .await
            .unwrap();
        within("the end", socket.wait_for(In::into_stream_end))
            .await
            .unwrap();
    }
    socket
        .send_message(&message("l-3", "one too many", None))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::SessionLimitReached, true).await;

    let mut socket = connect(&server, "/strict", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket
        .send_message(&message("big", &"x".repeat(4096), None))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::MessageTooLarge, true).await;

    let mut socket = connect(&server, "/expiring", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::SessionExpired, true).await;

    let mut socket = connect(&server, "/failing", SECRET, never.clone()).await;
    within("connected", socket.wait_for(In::into_connected))
        .await
        .unwrap();
    socket
        .send_message(&message("f-1", "a b c", Some("broken")))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::AgentError, false).await;
    socket
        .send_message(&message("f-2", "zzz", Some("sleepy")))
        .await
        .unwrap();
    expect_error(&mut socket, ErrorCode::AgentTimeout, false).await;
    socket.close().await.unwrap();

    // A closed socket says so.
    assert!(matches!(
        socket.wait_for(In::into_connected).await,
        Err(Error::Closed)
    ));
}
