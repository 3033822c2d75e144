//! `duplex serve`: load and check the config, bind, serve until SIGTERM or Ctrl-C.
//!
//! Without `--config` it serves the demo: one connector at `/ws` with the local model
//! (or echo, saying why, when the model is not there), auth on, the secret read from
//! `DUPLEX_SECRET` or generated and printed once. Config
//! faults are printed as `file:line:column: what` with a hint, before anything binds.
//! After binding it prints one line, `listening on http://ADDR`, that scripts and
//! tests read to learn the port when `--listen` asked for port 0.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use duplex_connector::config::demo::Demo;
use duplex_connector::config::{Config, DEFAULT_SECRET_ENV, Secret};

use crate::logging::{self, LogFormat};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The config file (see docs/configuration.md). Without it: one connector at /ws.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The address to listen on, overriding the config's `listen` (port 0 picks one).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// How log lines are written to stderr (filter with RUST_LOG).
    #[arg(long, value_enum, default_value_t = LogFormat::Plain)]
    log_format: LogFormat,
}

pub fn run(args: &ServeArgs) -> ExitCode {
    logging::init(args.log_format);
    let Some(mut config) = load_config(args) else {
        return ExitCode::from(1);
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("duplex serve: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "duplex serve: cannot listen on {}: {err}\n  hint: pick another address with --listen, for example --listen 127.0.0.1:0",
                config.listen
            );
            return ExitCode::from(1);
        }
    };
    match listener.local_addr() {
        Ok(address) => {
            // Whoever reads stdout may be gone; the server runs on regardless.
            let mut lines = format!("listening on http://{address}\n");
            for connector in &config.connectors {
                lines.push_str(&format!(
                    "  connector {} at ws://{address}{}\n",
                    connector.name, connector.path
                ));
            }
            let mut stdout = std::io::stdout();
            let _ = stdout
                .write_all(lines.as_bytes())
                .and_then(|()| stdout.flush());
        }
        Err(err) => eprintln!("duplex serve: cannot read the bound address: {err}"),
    }
    match duplex_connector::server::run(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("duplex serve: {err}");
            ExitCode::from(1)
        }
    }
}

fn load_config(args: &ServeArgs) -> Option<Config> {
    let Some(path) = &args.config else {
        let secret = match std::env::var(DEFAULT_SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => Secret::new(secret),
            _ => {
                let secret = Secret::generate();
                println!(
                    "no --config: serving the demo connector; its secret is {} (set {DEFAULT_SECRET_ENV} to choose one)",
                    secret.expose()
                );
                secret
            }
        };
        let demo = Demo::new(secret);
        if let Some(note) = demo.note {
            println!("{note}");
        }
        return Some(demo.config);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!(
                "duplex serve: cannot read {}: {err}\n  hint: start from duplex.example.toml at the repository root",
                path.display()
            );
            return None;
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    match Config::from_toml(&text, &path.display().to_string(), &env) {
        Ok(config) => Some(config),
        Err(errors) => {
            eprintln!("{errors}");
            None
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
