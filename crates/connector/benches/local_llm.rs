//! The local model's speed with the default setup (4 slots sharing a KV cache of 2048
//! tokens): time to first token and the reply rate of one stream, and aggregate
//! throughput for 1, 4 and 16 concurrent sessions (16 also exercises the queue); then 16
//! sessions on 16 slots sharing the same cache. Needs the cached model and
//! `--features local-llm`:
//!
//! ```sh
//! scripts/fetch-model.sh
//! cargo bench -p duplex-connector --features local-llm --bench local_llm
//! ```
//!
//! Throughput counts generated tokens: every reply is asked for `TOKENS` tokens of a
//! story, and the bench checks that it got them (an early end-of-generation would
//! otherwise inflate the figure). RSS after loading and after the run is printed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use duplex_connector::agent::config::AgentCommon;
use duplex_connector::agent::local::{LocalAgent, LocalConfig, default_model_path};
use duplex_connector::agent::{Agent, AgentEvent, AgentRequest};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

const TOKENS: u32 = 64;

fn request(n: usize) -> AgentRequest {
    AgentRequest {
        session_id: format!("bench-{n}"),
        message_id: format!("m-{n}"),
        message: format!("Write a long, detailed story about dragon number {n} and its travels."),
        context: None,
        history: [].into(),
    }
}

fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// A `/proc/self/status` field in MB.
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs `sessions` replies at once; returns the tokens generated.
async fn generate(agent: &Arc<LocalAgent>, sessions: usize) -> u64 {
    let before = agent.generated_tokens();
    let replies: Vec<_> = (0..sessions)
        .map(|n| {
            let agent = agent.clone();
            tokio::spawn(async move {
                let mut stream = agent.reply(request(n), CancellationToken::new());
                while let Some(event) = stream.next().await {
                    match event {
                        Ok(AgentEvent::Chunk(_)) => {}
                        Ok(AgentEvent::Done(_)) => return,
                        Err(error) => panic!("reply failed: {error}"),
                    }
                }
            })
        })
        .collect();
    for reply in replies {
        reply.await.unwrap();
    }
    agent.generated_tokens() - before
}

/// Loads the default model with `parallel` slots sharing the default 2048 tokens of KV
/// cache, and prints the RSS.
fn load(parallel: u32) -> Arc<LocalAgent> {
    let path = default_model_path();
    assert!(
        path.is_file(),
        "no model at {}: run scripts/fetch-model.sh",
        path.display()
    );
    let common = AgentCommon {
        system_prompt: None,
        max_tokens: Some(TOKENS),
        temperature: Some(0.0),
        timeout: Duration::from_secs(600),
    };
    let config = LocalConfig {
        parallel,
        queue: 64,
        ..LocalConfig::default()
    };
    let agent = Arc::new(LocalAgent::load(&config, &common).unwrap());
    eprintln!(
        "RSS with the model loaded, parallel = {parallel}: {:.0} MB",
        rss_mb()
    );
    agent
}

/// Time to first token and the whole single-stream rate on the default setup, against
/// the reference figures (105 tokens/s, 0.15 s, 170 MB for one stream on 2 cores).
fn one_stream(c: &mut Criterion, runtime: &tokio::runtime::Runtime, agent: &Arc<LocalAgent>) {
    let mut group = c.benchmark_group("local/one_stream");
    // Flat sampling: every sample runs the same few replies, instead of criterion's
    // linear 1 + 2 + ... iterations per sample, which would take minutes per figure.
    group.sample_size(20);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("time_to_first_token", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for n in 0..iterations {
                    let started = Instant::now();
                    let mut stream = agent.reply(request(n as usize), CancellationToken::new());
                    let first = stream.next().await;
                    total += started.elapsed();
                    assert!(matches!(first, Some(Ok(AgentEvent::Chunk(_)))), "{first:?}");
                }
                total
            })
        });
    });
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(TOKENS)));
    group.bench_function("reply", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    assert_eq!(generate(agent, 1).await, u64::from(TOKENS));
                }
                started.elapsed()
            })
        });
    });
    group.finish();
    eprintln!(
        "RSS after one stream (peak {:.0} MB): {:.0} MB",
        peak_rss_mb(),
        rss_mb()
    );
}

/// Aggregate tokens/s of `sessions` replies at once on an agent with `parallel` slots.
fn aggregate(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    agent: &Arc<LocalAgent>,
    parallel: u32,
    sessions: usize,
) {
    group.throughput(Throughput::Elements(sessions as u64 * u64::from(TOKENS)));
    group.bench_function(format!("{sessions}_sessions_{parallel}_slots"), |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    let generated = generate(agent, sessions).await;
                    assert_eq!(
                        generated,
                        sessions as u64 * u64::from(TOKENS),
                        "a reply ended before {TOKENS} tokens; the throughput would be wrong"
                    );
                }
                started.elapsed()
            })
        });
    });
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The default: 4 slots; 16 sessions then also exercise the queue.
    let agent = load(LocalConfig::default().parallel);
    one_stream(c, &runtime, &agent);

    let mut group = c.benchmark_group("local/aggregate");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    for sessions in [1usize, 4, 16] {
        aggregate(&mut group, &runtime, &agent, 4, sessions);
    }
    drop(agent);
    // 16 slots: all 16 sessions batched into each decode (16 × (prompt + 64) tokens fit
    // in the shared 2048).
    let agent = load(16);
    aggregate(&mut group, &runtime, &agent, 16, 16);
    group.finish();
    eprintln!(
        "RSS after the run (peak {:.0} MB): {:.0} MB",
        peak_rss_mb(),
        rss_mb()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
