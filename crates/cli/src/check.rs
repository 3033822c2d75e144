//! `duplex check PATH...`: loads each API definition and prints its diagnostics.
//!
//! Exit status: 0 when every definition is valid, 1 when any has an error (or, with
//! `--strict`, a warning), 2 on a usage error (clap's own exit code). `--emit-ir`
//! prints the IR of each definition that loaded as JSON on stdout; diagnostics go
//! to stderr in text form, or to stdout as one JSON document with `--format json`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use duplex_spec::diagnostics::{Diagnostic, Severity};
use serde_json::json;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// AsyncAPI documents (.yml/.yaml/.json) or Fern `definition` folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
    /// Print the loaded IR as JSON.
    #[arg(long)]
    emit_ir: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let mut failed = false;
    let mut reports = Vec::new();
    for path in &args.paths {
        let loaded = duplex_spec::load(path);
        let fails = |d: &Diagnostic| d.severity == Severity::Error || args.strict;
        let valid = !loaded.diagnostics.iter().any(fails);
        failed |= !valid;
        match args.format {
            Format::Text => {
                let mut err = std::io::stderr().lock();
                for diagnostic in &loaded.diagnostics {
                    let _ = writeln!(err, "{diagnostic}");
                }
                let (errors, warnings) = counts(&loaded.diagnostics);
                let verdict = if valid { "ok" } else { "invalid" };
                let _ = writeln!(
                    err,
                    "{}: {verdict} ({errors} error(s), {warnings} warning(s))",
                    path.display()
                );
                if args.emit_ir
                    && let Some(api) = &loaded.api
                {
                    let text = serde_json::to_string_pretty(api).unwrap_or_default();
                    let _ = writeln!(std::io::stdout().lock(), "{text}");
                }
            }
            Format::Json => {
                let mut report = json!({
                    "path": path,
                    "valid": valid,
                    "diagnostics": loaded.diagnostics,
                });
                if args.emit_ir {
                    report["ir"] = json!(loaded.api);
                }
                reports.push(report);
            }
        }
    }
    if args.format == Format::Json {
        let text = serde_json::to_string_pretty(&reports).unwrap_or_default();
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}
