//! The three load shapes: `idle` holds sessions open, `chat` sends messages and times
//! the replies, `storm` churns connections. Each returns the raw figures it measured.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::SinkExt;
use indicatif::ProgressBar;
use serde_json::json;
use tokio::sync::{Barrier, Semaphore};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use super::client::{self, Failure, Socket, Target};
use super::stats::Samples;

/// What one scenario measured, before it is summarised.
#[derive(Debug, Default)]
pub struct Measured {
    pub connects: u64,
    pub connect: Samples,
    pub ack: Samples,
    pub first_chunk: Samples,
    pub inter_chunk: Samples,
    pub messages: u64,
    pub errors: BTreeMap<String, u64>,
    /// Wall time of the measured phase (excluding connection set-up for `chat`).
    pub elapsed: Duration,
    /// For `idle`: sessions still open when the hold ended (the server closed none).
    pub held: u64,
}

impl Measured {
    fn fail(&mut self, failure: Failure) {
        *self.errors.entry(failure.0).or_default() += 1;
    }

    fn absorb(&mut self, other: Measured) {
        self.connects += other.connects;
        self.connect.merge(other.connect);
        self.ack.merge(other.ack);
        self.first_chunk.merge(other.first_chunk);
        self.inter_chunk.merge(other.inter_chunk);
        self.messages += other.messages;
        self.held += other.held;
        for (code, n) in other.errors {
            *self.errors.entry(code).or_default() += n;
        }
    }
}

/// Opens `sessions` sessions (at most `concurrency` handshakes at once), then calls
/// `at_peak` while all are held for `hold`, answering the server's pings meanwhile.
pub async fn idle(
    target: Arc<Target>,
    sessions: usize,
    concurrency: usize,
    hold: Duration,
    progress: ProgressBar,
    at_peak: impl FnOnce(),
) -> Measured {
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let opened = Arc::new(Barrier::new(sessions + 1));
    let release = Arc::new(tokio::sync::Notify::new());
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for index in 0..sessions {
        let (target, gate, opened, release, progress) = (
            target.clone(),
            gate.clone(),
            opened.clone(),
            release.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let mut measured = Measured::default();
            let permit = gate.acquire_owned().await;
            let begin = Instant::now();
            let socket = client::open(&target, index).await;
            drop(permit);
            progress.inc(1);
            let mut socket = match socket {
                Ok((socket, _)) => {
                    measured.connects = 1;
                    measured.connect.record(begin.elapsed());
                    Some(socket)
                }
                Err(failure) => {
                    measured.fail(failure);
                    None
                }
            };
            let notified = release.notified();
            opened.wait().await;
            if let Some(ws) = socket.as_mut() {
                // Reading keeps answering pings until the hold ends or the server closes.
                tokio::select! {
                    () = notified => measured.held = 1,
                    result = client::next_event(ws) => if let Err(failure) = result {
                        measured.fail(failure);
                    },
                }
                ws.close(None).await.ok();
            }
            measured
        });
    }
    opened.wait().await;
    let elapsed = started.elapsed();
    tokio::time::sleep(hold).await;
    at_peak();
    release.notify_waiters();
    let mut total = collect(tasks).await;
    total.elapsed = elapsed;
    total
}

/// Every session sends `messages` messages, one every `interval` (the sessions' first
/// sends spread evenly over one interval), each waiting for its reply to end; measures
/// ack latency, time to first chunk and gaps between chunks.
pub async fn chat(
    target: Arc<Target>,
    sessions: usize,
    messages: usize,
    interval: Duration,
    progress: ProgressBar,
) -> Measured {
    let start_line = Arc::new(Barrier::new(sessions + 1));
    let mut tasks = JoinSet::new();
    for index in 0..sessions {
        let (target, start_line, progress) = (target.clone(), start_line.clone(), progress.clone());
        tasks.spawn(async move {
            let mut measured = Measured::default();
            let begin = Instant::now();
            let opened = client::open(&target, index).await;
            start_line.wait().await;
            let mut ws = match opened {
                Ok((ws, _)) => {
                    measured.connects = 1;
                    measured.connect.record(begin.elapsed());
                    ws
                }
                Err(failure) => {
                    measured.fail(failure);
                    return measured;
                }
            };
            // Sessions start spread over one interval, so a rate is a steady stream
            // rather than every session sending at the same instant.
            let interval = interval.max(Duration::from_micros(1));
            let phase = interval.mul_f64(index as f64 / sessions as f64);
            let mut ticker =
                tokio::time::interval_at(tokio::time::Instant::now() + phase, interval);
            for n in 0..messages {
                ticker.tick().await;
                let id = format!("b{index}-{n}");
                match exchange(&mut ws, &id, &mut measured).await {
                    Ok(()) => measured.messages += 1,
                    Err(failure) => {
                        let closed = failure.0 == "closed";
                        measured.fail(failure);
                        if closed {
                            break;
                        }
                    }
                }
                progress.inc(1);
            }
            ws.close(None).await.ok();
            measured
        });
    }
    start_line.wait().await;
    let started = Instant::now();
    let mut total = collect(tasks).await;
    total.elapsed = started.elapsed();
    total
}

/// One message and its whole reply.
async fn exchange(ws: &mut Socket, id: &str, measured: &mut Measured) -> Result<(), Failure> {
    let message = json!({"type": "message", "id": id, "payload": {"message": "benchmark message"}});
    let sent = Instant::now();
    ws.send(Message::text(message.to_string()))
        .await
        .map_err(|_| Failure("closed".into()))?;
    let mut last_chunk: Option<Instant> = None;
    loop {
        let event = client::next_event(ws).await?;
        if event["id"].as_str() != Some(id) {
            continue;
        }
        match event["type"].as_str() {
            Some("ack") => measured.ack.record(sent.elapsed()),
            Some("stream_chunk") => {
                let now = Instant::now();
                match last_chunk {
                    None => measured.first_chunk.record(now - sent),
                    Some(previous) => measured.inter_chunk.record(now - previous),
                }
                last_chunk = Some(now);
            }
            Some("response") => {
                measured.first_chunk.record(sent.elapsed());
                return Ok(());
            }
            Some("stream_end") => return Ok(()),
            Some("error") => return Err(client::server_failure(&event)),
            _ => {}
        }
    }
}

/// `connections` connect–authenticate–close cycles, `concurrency` at a time.
pub async fn storm(
    target: Arc<Target>,
    connections: usize,
    concurrency: usize,
    progress: ProgressBar,
) -> Measured {
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for index in 0..connections {
        let (target, gate, progress) = (target.clone(), gate.clone(), progress.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let mut measured = Measured::default();
            let begin = Instant::now();
            match client::open(&target, index).await {
                Ok((mut ws, _)) => {
                    measured.connects = 1;
                    measured.connect.record(begin.elapsed());
                    ws.close(None).await.ok();
                }
                Err(failure) => measured.fail(failure),
            }
            progress.inc(1);
            measured
        });
    }
    let mut total = collect(tasks).await;
    total.elapsed = started.elapsed();
    total
}

async fn collect(mut tasks: JoinSet<Measured>) -> Measured {
    let mut total = Measured::default();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(measured) => total.absorb(measured),
            Err(_) => total.fail(Failure("bench_task_failed".into())),
        }
    }
    total
}
