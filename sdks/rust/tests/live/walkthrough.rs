//! The README's walkthrough, as code the live tests run: this file, without these
//! header lines and the markers, is the README's code block, character for character.

use duplex_connector_sdk::chat::{ChatConnect, ChatServerMessage as In};
use duplex_connector_sdk::{Client, Error, types};
use futures_util::StreamExt;

// walkthrough:start
pub async fn walkthrough(url: &str, secret: &str) -> Result<(), Error> {
    // 1. Connect with a secret. It is sent as the first message on every (re)connect.
    let client = Client::builder().base_url(url).auth(secret).build();
    let mut socket = client.chat().connect(ChatConnect::default()).await?;

    // 2. The session id and the agents.
    let connected = socket.wait_for(In::into_connected).await?;
    println!(
        "session {} agents {:?}",
        connected.session_id, connected.agents
    );

    // 3. A message with context (`type` is filled in by `Default`).
    let payload = types::MessagePayload {
        message: "What is the weather like today?".into(),
        context: Some([("location".to_owned(), "New York".into())].into()),
        agent: None,
    };
    let id = Some("msg-1".to_owned());
    let message = types::Message {
        id,
        payload,
        ..Default::default()
    };
    socket.send_message(&message).await?;

    // 4. Stream chunks until `stream_end`, and 5. read the token usage.
    while let Some(event) = socket.next().await {
        match event? {
            In::StreamChunk(chunk) => println!("chunk {}", chunk.chunk),
            In::StreamEnd(end) => {
                println!("tokens {}", end.token_usage.total_tokens);
                break;
            }
            _ => {}
        }
    }

    // 6. Cancel a reply once it has started.
    let message = "tell me a long story ".repeat(20);
    let payload = types::MessagePayload {
        message,
        ..Default::default()
    };
    let id = Some("msg-2".to_owned());
    socket
        .send_message(&types::Message {
            id,
            payload,
            ..Default::default()
        })
        .await?;
    socket
        .wait_for(|m| m.into_stream_chunk().filter(|c| c.id == "msg-2"))
        .await?;
    let cancel = types::Cancel {
        id: "msg-2".into(),
        ..Default::default()
    };
    socket.send_cancel(&cancel).await?;
    let cancelled = socket
        .wait_for(|m| m.into_stream_end().filter(|e| e.id == "msg-2"))
        .await?;
    println!("status {:?}", cancelled.status);

    // 7. Resume. A dropped connection resumes by itself; a new socket (say after a
    //    restart) resumes when given the session id.
    socket.close().await?;
    let session_id = Some(connected.session_id.clone());
    let mut again = client
        .chat()
        .connect(ChatConnect {
            session_id,
            ..Default::default()
        })
        .await?;
    let resumed = again.wait_for(In::into_connected).await?;
    println!(
        "resumed {:?} {}",
        resumed.resumed,
        resumed.session_id == connected.session_id
    );
    again.close().await
}
// walkthrough:end
