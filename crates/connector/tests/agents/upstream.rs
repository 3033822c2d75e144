//! A scripted HTTP upstream for the agent tests: an axum server on 127.0.0.1:0 that
//! answers each POST with the next [`Step`] and records what it was sent.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;

/// How the upstream answers one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// This status, with this body as plain text.
    Status(u16, &'static str),
    /// 200 with this content type and body, sent in one piece.
    Body(&'static str, String),
    /// 200 with this content type; these pieces, `gap` apart.
    Pieces(&'static str, Vec<String>, Duration),
    /// 200 `text/event-stream`: these pieces, then the connection breaks.
    PiecesThenAbort(Vec<String>),
    /// Headers, then the same piece every `gap`, forever (until the client goes away).
    Endless(&'static str, String, Duration),
    /// 200 with this content type: this piece, then silence with the connection open.
    Stall(&'static str, String),
    /// Never answers.
    Hang,
}

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<Step>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Set when an endless stream's body was dropped by the server, i.e. the client left.
    closed: Arc<AtomicBool>,
}

/// A running upstream.
pub struct Upstream {
    pub addr: SocketAddr,
    shared: Shared,
}

impl Upstream {
    /// Starts a server that answers requests with `script`, in order; the last step repeats.
    pub async fn start(script: Vec<Step>) -> Upstream {
        let shared = Shared {
            script: Arc::new(Mutex::new(script.into())),
            seen: Arc::default(),
            closed: Arc::default(),
        };
        let app = Router::new()
            .fallback(post(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Upstream { addr, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Whether the client dropped an endless stream.
    pub fn client_left(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }
}

/// Sets a flag when dropped.
struct OnDrop(Arc<AtomicBool>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn answer(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    shared.seen.lock().unwrap().push(Seen { headers, body });
    let step = {
        let mut script = shared.script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            script
                .front()
                .cloned()
                .unwrap_or(Step::Status(500, "no script"))
        }
    };
    match step {
        Step::Status(code, text) => (StatusCode::from_u16(code).unwrap(), text).into_response(),
        Step::Body(content_type, body) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Step::Pieces(content_type, pieces, gap) => {
            let stream = futures::stream::iter(pieces).then(move |piece| async move {
                tokio::time::sleep(gap).await;
                Ok::<_, std::io::Error>(piece)
            });
            (
                [(header::CONTENT_TYPE, content_type)],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Step::PiecesThenAbort(pieces) => {
            // The pause lets the pieces reach the client before the connection breaks.
            let abort = futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Err(std::io::Error::other("upstream died"))
            });
            let stream = futures::stream::iter(pieces.into_iter().map(Ok)).chain(abort);
            (
                [(header::CONTENT_TYPE, "text/event-stream")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Step::Endless(content_type, piece, gap) => {
            let guard = OnDrop(shared.closed.clone());
            let stream = futures::stream::unfold(guard, move |guard| {
                let piece = piece.clone();
                async move {
                    tokio::time::sleep(gap).await;
                    Some((Ok::<_, std::io::Error>(piece), guard))
                }
            });
            (
                [(header::CONTENT_TYPE, content_type)],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Step::Stall(content_type, piece) => {
            let stream = futures::stream::iter([Ok::<_, std::io::Error>(piece)])
                .chain(futures::stream::pending());
            (
                [(header::CONTENT_TYPE, content_type)],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Step::Hang => {
            futures::future::pending::<()>().await;
            unreachable!()
        }
    }
}
