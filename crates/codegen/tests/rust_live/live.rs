//! Live tests of generated SDKs: the seed's Chat API and Fern's realtime channel, each
//! against a tokio-tungstenite server on a local port. They check typed sends and
//! receives, `Stream` iteration, and reconnecting after a server-side drop with the
//! sends queued meanwhile arriving in order.

// The handshake callback's error type is fixed by tungstenite.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::{WebSocketStream, accept_hdr_async};

type ServerSocket = WebSocketStream<TcpStream>;

/// Accepts one connection; returns it with the request's path-and-query and `x-test` header.
async fn accept(listener: &TcpListener) -> (ServerSocket, String, Option<String>) {
    let (stream, _) = listener.accept().await.unwrap();
    let mut uri = String::new();
    let mut header = None;
    let socket = accept_hdr_async(stream, |request: &Request, response: Response| {
        uri = request.uri().to_string();
        header = request
            .headers()
            .get("x-test")
            .map(|v| v.to_str().unwrap().to_owned());
        Ok(response)
    })
    .await
    .unwrap();
    (socket, uri, header)
}

async fn next_json(socket: &mut ServerSocket) -> serde_json::Value {
    loop {
        match socket.next().await.unwrap().unwrap() {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Close(_) => panic!("closed while a message was expected"),
            _ => {}
        }
    }
}

async fn send_json(socket: &mut ServerSocket, value: serde_json::Value) {
    socket.send(Message::text(value.to_string())).await.unwrap();
}

fn fast_reconnect() -> chat_api::ReconnectOptions {
    chat_api::ReconnectOptions {
        max_attempts: 5,
        initial_delay: Duration::from_millis(20),
        ..chat_api::ReconnectOptions::default()
    }
}

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("live test timed out")
}

#[tokio::test]
async fn seed_chat_api_round_trips_and_survives_a_drop() {
    use chat_api::root::{RootConnect, RootServerMessage};
    use chat_api::types::{ReceiveChat, SendChat};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = chat_api::Client::builder()
        .base_url(format!("ws://{}", listener.local_addr().unwrap()))
        .header("X-Test", "yes")
        .reconnect(fast_reconnect())
        .build();
    within(async {
        let params = RootConnect {
            channel_id: Some("123".into()),
            ..RootConnect::default()
        };
        let channel = client.root();
        let (socket, (mut server, uri, header)) =
            tokio::join!(channel.connect(params), accept(&listener));
        let mut socket = socket.unwrap();
        assert_eq!(uri, "/?channel_id=123");
        assert_eq!(header.as_deref(), Some("yes"));

        let hi = SendChat {
            message: Some("Hello, world!".into()),
        };
        socket.send_chat(&hi).await.unwrap();
        assert_eq!(
            next_json(&mut server).await,
            serde_json::json!({"message": "Hello, world!"})
        );
        send_json(&mut server, serde_json::json!({"message": "Hello there"})).await;
        let received = socket.recv().await.unwrap().unwrap();
        let expected = ReceiveChat {
            message: Some("Hello there".into()),
        };
        assert_eq!(received, RootServerMessage::ReceiveChat(expected));

        drop(server);
        socket
            .watch_status()
            .wait_for(|s| matches!(s, chat_api::Status::Reconnecting { .. }))
            .await
            .unwrap();
        for text in ["one", "two", "three"] {
            let message = SendChat {
                message: Some(text.into()),
            };
            socket.send_chat(&message).await.unwrap();
        }
        let (mut server, uri, _) = accept(&listener).await;
        assert_eq!(uri, "/?channel_id=123");
        for text in ["one", "two", "three"] {
            assert_eq!(next_json(&mut server).await["message"], text);
        }
        send_json(&mut server, serde_json::json!({"message": "a"})).await;
        send_json(&mut server, serde_json::json!({"message": "b"})).await;
        let streamed: Vec<_> = (&mut socket).take(2).collect().await;
        let texts: Vec<_> = streamed
            .into_iter()
            .map(|m| match m.unwrap() {
                RootServerMessage::ReceiveChat(chat) => chat.message.unwrap(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(texts, ["a", "b"]);
        socket.close().await.unwrap();
        assert_eq!(socket.status(), chat_api::Status::Closed);
        assert!(socket.next().await.is_none());
    })
    .await;
}

#[tokio::test]
async fn fern_realtime_tells_messages_apart_and_reconnects() {
    use fern_websocket::realtime::{RealtimeConnect, RealtimeServerMessage};
    use fern_websocket::types::{ReceiveEvent, ReceiveEvent2, SendEvent, SendEvent2};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = fern_websocket::Client::builder()
        .base_url(format!("http://{}", listener.local_addr().unwrap()))
        .reconnect(fern_websocket::ReconnectOptions {
            max_attempts: 5,
            initial_delay: Duration::from_millis(20),
            ..fern_websocket::ReconnectOptions::default()
        })
        .build();
    within(async {
        let params = RealtimeConnect {
            session_id: "doc 123".into(),
            temperature: Some(7),
            ..Default::default()
        };
        let channel = client.realtime();
        let (socket, (mut server, uri, _)) =
            tokio::join!(channel.connect(params), accept(&listener));
        let mut socket = socket.unwrap();
        assert_eq!(uri, "/realtime/doc%20123?temperature=7");

        let event = SendEvent {
            send_text: "uvxcdv12344412b".into(),
            send_param: 123,
        };
        socket.send_send(&event).await.unwrap();
        assert_eq!(
            next_json(&mut server).await,
            serde_json::json!({"sendText": "uvxcdv12344412b", "sendParam": 123})
        );
        send_json(
            &mut server,
            serde_json::json!({"gamma": "g", "delta": 1, "epsilon": true}),
        )
        .await;
        send_json(&mut server, serde_json::json!({"alpha": "a", "beta": 2})).await;
        send_json(&mut server, serde_json::json!({"surprise": true})).await;
        let first = socket.next().await.unwrap().unwrap();
        let expected = ReceiveEvent2 {
            gamma: "g".into(),
            delta: 1,
            epsilon: true,
        };
        assert_eq!(first, RealtimeServerMessage::Receive2(expected));
        let second = socket.next().await.unwrap().unwrap();
        let expected = ReceiveEvent {
            alpha: "a".into(),
            beta: 2,
        };
        assert_eq!(second, RealtimeServerMessage::Receive(expected));
        let third = socket.next().await.unwrap().unwrap();
        let expected = serde_json::json!({"surprise": true});
        assert_eq!(third, RealtimeServerMessage::Unknown(expected));

        server.close(None).await.unwrap();
        socket
            .watch_status()
            .wait_for(|s| matches!(s, fern_websocket::Status::Reconnecting { .. }))
            .await
            .unwrap();
        for n in 0..3 {
            let event = SendEvent2 {
                send_text2: format!("queued {n}"),
                send_param2: n % 2 == 0,
            };
            socket.send_send2(&event).await.unwrap();
        }
        let (mut server, uri, _) = accept(&listener).await;
        assert_eq!(uri, "/realtime/doc%20123?temperature=7");
        for n in 0..3 {
            let expected =
                serde_json::json!({"sendText2": format!("queued {n}"), "sendParam2": n % 2 == 0});
            assert_eq!(next_json(&mut server).await, expected);
        }
        socket.close().await.unwrap();
    })
    .await;
}
