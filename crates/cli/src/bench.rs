//! `duplex bench`: drives a running connector with the `idle`, `chat` or `storm`
//! scenario and prints a summary table (and JSON with `--json`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args as ClapArgs, ValueEnum};
use duplex_connector::bench::{self, Plan, Scenario, Target};

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// What to measure.
    #[arg(value_enum)]
    scenario: ScenarioName,
    /// The connector's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// The connector secret (default: $DUPLEX_SECRET).
    #[arg(long, env = "DUPLEX_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Sessions to open (idle, chat).
    #[arg(long, default_value_t = 100)]
    sessions: usize,
    /// Messages each session sends (chat).
    #[arg(long, default_value_t = 10)]
    messages: usize,
    /// Messages per second per session (chat).
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Seconds to hold idle sessions open once all are connected (idle).
    #[arg(long, default_value_t = 5)]
    hold: u64,
    /// Connect–close cycles (storm).
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Loopback source addresses to spread connections over (127.0.0.2 up); 0 lets the OS pick.
    #[arg(long, default_value_t = 4)]
    sources: u8,
    /// The server's pid, to report its RSS and bytes per connection.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScenarioName {
    Idle,
    Chat,
    Storm,
}

pub fn run(args: Args) -> ExitCode {
    let scenario = match args.scenario {
        ScenarioName::Idle => Scenario::Idle {
            sessions: args.sessions,
            hold: Duration::from_secs(args.hold),
        },
        ScenarioName::Chat => Scenario::Chat {
            sessions: args.sessions,
            messages: args.messages,
            rate: args.rate,
        },
        ScenarioName::Storm => Scenario::Storm {
            connections: args.connections,
        },
    };
    let plan = Plan {
        target: Target {
            url: args.url,
            secret: args.secret,
            sources: bench::loopback_sources(args.sources),
        },
        scenario,
        concurrency: args.concurrency,
        server_pid: args.server_pid,
        progress: true,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(bench::run(plan));
    print!("{report}");
    if let Some(path) = args.json {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(err) = std::fs::write(&path, json + "\n") {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
