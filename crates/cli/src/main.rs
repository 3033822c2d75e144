//! The `duplex` binary: one subcommand per job, each in its own module.

mod bench;
mod check;
mod generate;
mod logging;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "duplex",
    version,
    about = "Spec-first toolkit for real-time WebSocket APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load API definitions and report every fault (exit 0 valid, 1 invalid, 2 usage).
    Check(check::CheckArgs),
    /// Generate a typed client SDK (TypeScript, Python, Rust) from an API definition.
    Generate(generate::GenerateArgs),
    /// Serve the agent-chat WebSocket connector (Connic protocol) until SIGTERM.
    Serve(serve::ServeArgs),
    /// Load-test a running connector: idle sessions, chat throughput, connect storms.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Bench(args) => bench::run(args),
    }
}
