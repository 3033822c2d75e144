//! The runtime against a real tokio-tungstenite server on a local port: auth on every
//! attempt, queued sends across a server-side drop, giving up, and closing.

// The handshake callback's error type is fixed by tungstenite.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use duplex_sdk_runtime::connection::Target;
use duplex_sdk_runtime::{Auth, Carrier, Connection, Error, ReconnectOptions, Request, Status};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request as Upgrade, Response};
use tokio_tungstenite::{WebSocketStream, accept_hdr_async};

type ServerSocket = WebSocketStream<TcpStream>;

/// Accepts one connection and returns it with the `Authorization` header it carried.
async fn accept(listener: &TcpListener) -> (ServerSocket, Option<String>) {
    let (stream, _) = listener.accept().await.unwrap();
    let mut authorization = None;
    let socket = accept_hdr_async(stream, |request: &Upgrade, response: Response| {
        authorization = request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        Ok(response)
    })
    .await
    .unwrap();
    (socket, authorization)
}

async fn next_text(socket: &mut ServerSocket) -> String {
    loop {
        match socket.next().await.unwrap().unwrap() {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Close(_) => panic!("closed while a text frame was expected"),
            _ => {}
        }
    }
}

fn counting_auth() -> (Auth, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let auth = Auth::with(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok(format!("token-{n}")) }
    });
    (auth, calls)
}

fn fast_reconnect(max_attempts: u32) -> ReconnectOptions {
    ReconnectOptions {
        max_attempts,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(50),
        ..ReconnectOptions::default()
    }
}

async fn target(listener: &TcpListener, carrier: Carrier, auth: Auth, max: u32) -> Target {
    let address = listener.local_addr().unwrap();
    let mut request = Request::new(&format!("http://{address}"));
    request.path("/chat");
    Target {
        request,
        headers: Vec::new(),
        auth: Some((auth, carrier)),
        reconnect: fast_reconnect(max),
    }
}

#[tokio::test]
async fn queued_sends_follow_the_new_credential_in_order_after_a_drop() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (auth, calls) = counting_auth();
    let carrier = Carrier::FirstMessage { field: "secret" };
    let config = target(&listener, carrier, auth, 5).await;
    let script = async {
        let (open, (mut first, _)) = tokio::join!(Connection::open(config), accept(&listener));
        let mut connection = open.unwrap();
        assert_eq!(next_text(&mut first).await, r#"{"secret":"token-0"}"#);
        first.send(Message::text("hello")).await.unwrap();
        assert_eq!(connection.recv_text().await.unwrap().unwrap(), "hello");
        drop(first);
        let mut status = connection.watch_status();
        status
            .wait_for(|s| matches!(s, Status::Reconnecting { .. }))
            .await
            .unwrap();
        for text in ["a", "b", "c"] {
            connection.send_text(text.to_owned()).unwrap();
        }
        let (mut second, _) = accept(&listener).await;
        assert_eq!(next_text(&mut second).await, r#"{"secret":"token-1"}"#);
        for text in ["a", "b", "c"] {
            assert_eq!(next_text(&mut second).await, text);
        }
        status.wait_for(|s| *s == Status::Open).await.unwrap();
        connection.send_text("d".to_owned()).unwrap();
        assert_eq!(next_text(&mut second).await, "d");
        second.send(Message::text("again")).await.unwrap();
        assert_eq!(connection.recv_text().await.unwrap().unwrap(), "again");
        connection.close().await.unwrap();
        assert_eq!(connection.status(), Status::Closed);
        assert!(connection.recv_text().await.is_none());
        assert!(matches!(
            connection.send_text("late".into()),
            Err(Error::Closed)
        ));
    };
    tokio::time::timeout(Duration::from_secs(10), script)
        .await
        .expect("test timed out");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn header_credentials_are_fetched_per_attempt_and_failure_is_reported_once() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (auth, calls) = counting_auth();
    let carrier = Carrier::Header {
        name: "Authorization",
        prefix: "Bearer ",
        basic: false,
    };
    let config = target(&listener, carrier, auth, 2).await;
    let (open, (socket, authorization)) = tokio::join!(Connection::open(config), accept(&listener));
    let mut connection = open.unwrap();
    assert_eq!(authorization.as_deref(), Some("Bearer token-0"));
    drop(socket);
    drop(listener);
    let last = tokio::time::timeout(Duration::from_secs(10), connection.recv_text())
        .await
        .expect("no final error");
    match last {
        Some(Err(Error::ReconnectFailed { attempts: 2, last })) => {
            assert!(matches!(*last, Error::Connect(_)), "{last}");
        }
        other => panic!("expected ReconnectFailed, got {other:?}"),
    }
    assert!(connection.recv_text().await.is_none());
    assert_eq!(connection.status(), Status::Closed);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_first_attempt_fails_fast() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (auth, _) = counting_auth();
    let config = target(&listener, Carrier::Query { name: "key" }, auth, 5).await;
    drop(listener);
    let error = Connection::open(config).await.unwrap_err();
    assert!(matches!(error, Error::Connect(_)), "{error}");
}

#[tokio::test]
async fn without_reconnect_a_drop_ends_the_socket_with_its_cause() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (auth, calls) = counting_auth();
    let config = target(&listener, Carrier::Subprotocol, auth, 0).await;
    let accept_subprotocol = async {
        let (stream, _) = listener.accept().await.unwrap();
        accept_hdr_async(stream, |request: &Upgrade, mut response: Response| {
            let protocol = request.headers()["sec-websocket-protocol"].clone();
            response
                .headers_mut()
                .insert("sec-websocket-protocol", protocol);
            Ok(response)
        })
        .await
        .unwrap()
    };
    let (open, mut socket) = tokio::join!(Connection::open(config), accept_subprotocol);
    let mut connection = open.unwrap();
    socket.close(None).await.unwrap();
    let last = connection.recv_text().await;
    assert!(matches!(last, Some(Err(Error::Closed))), "{last:?}");
    assert!(connection.recv_text().await.is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_close_code_marked_not_to_reconnect_ends_the_socket_with_it() {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (auth, calls) = counting_auth();
    let mut config = target(
        &listener,
        Carrier::FirstMessage { field: "secret" },
        auth,
        5,
    )
    .await;
    config.request.close_code(4001, false, "Fix the secret.");
    config.request.close_code(4002, true, "");
    let (open, (mut socket, _)) = tokio::join!(Connection::open(config), accept(&listener));
    let mut connection = open.unwrap();
    assert_eq!(next_text(&mut socket).await, r#"{"secret":"token-0"}"#);
    // A code the spec says to retry reconnects as any drop does.
    let retry = CloseFrame {
        code: CloseCode::from(4002),
        reason: "auth timeout".into(),
    };
    socket.close(Some(retry)).await.unwrap();
    let (mut socket, _) = accept(&listener).await;
    assert_eq!(next_text(&mut socket).await, r#"{"secret":"token-1"}"#);
    socket
        .send(Message::text(r#"{"type":"error"}"#))
        .await
        .unwrap();
    let refuse = CloseFrame {
        code: CloseCode::from(4001),
        reason: "unauthorized".into(),
    };
    socket.close(Some(refuse)).await.unwrap();
    assert_eq!(
        connection.recv_text().await.unwrap().unwrap(),
        r#"{"type":"error"}"#
    );
    let last = connection.recv_text().await;
    let Some(Err(error)) = last else {
        panic!("{last:?}")
    };
    assert!(
        matches!(
            &error,
            Error::ServerClosed { code: 4001, reason, description }
                if reason == "unauthorized" && description == "Fix the secret."
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the server closed the connection with 4001 (unauthorized), which is not retried: Fix the secret."
    );
    assert!(connection.recv_text().await.is_none());
    assert_eq!(connection.status(), Status::Closed);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "no attempt after 4001");
}
