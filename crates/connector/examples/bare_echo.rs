//! The floor for `duplex bench`: a bare tokio-tungstenite server that answers the
//! connector protocol's happy path (auth → `connected`, message → `ack`, `stream_start`,
//! chunks, `stream_end`) with no sessions, store, limits or validation. Whatever
//! `duplex serve` costs beyond this is the price of its features.
//!
//! Usage: `cargo run --release -p duplex-connector --example bare_echo -- ADDR CHUNKS`

use std::net::SocketAddr;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:9001".into())
        .parse()
        .map_err(std::io::Error::other)?;
    let chunks: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(4);
    let listener = TcpListener::bind(addr).await?;
    println!("bare_echo listening on ws://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(serve(stream, chunks));
    }
}

async fn serve(stream: TcpStream, chunks: usize) {
    stream.set_nodelay(true).ok();
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let mut session = 0u64;
    let mut number = 0u64;
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        let Ok(event) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let replies = if event.get("secret").is_some() {
            session += 1;
            vec![
                json!({"type": "connected", "session_id": format!("s{session}"), "agents": ["echo"]}),
            ]
        } else {
            number += 1;
            reply(&event, number, chunks)
        };
        for reply in replies {
            if ws.send(Message::text(reply.to_string())).await.is_err() {
                return;
            }
        }
    }
}

fn reply(event: &Value, number: u64, chunks: usize) -> Vec<Value> {
    let id = event["id"].clone();
    let text = event["payload"]["message"].as_str().unwrap_or_default();
    let mut out = vec![
        json!({"type": "ack", "id": id, "message_number": number}),
        json!({"type": "stream_start", "id": id, "agent": "echo"}),
    ];
    let step = text.len().div_ceil(chunks.max(1)).max(1);
    let pieces: Vec<&str> = text
        .as_bytes()
        .chunks(step)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    for piece in &pieces {
        out.push(json!({"type": "stream_chunk", "id": id, "agent": "echo", "chunk": piece}));
    }
    out.push(json!({
        "type": "stream_end", "id": id, "agent": "echo", "full_response": text, "status": "completed",
        "token_usage": {"prompt_tokens": 1, "candidates_tokens": pieces.len(), "total_tokens": 1 + pieces.len()}
    }));
    out
}
