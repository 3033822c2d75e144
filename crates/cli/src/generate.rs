//! `duplex generate --lang LANG --out DIR SPEC`: loads one API definition and writes a
//! client SDK for it.
//!
//! Diagnostics go to stderr as `duplex check` prints them. A definition with errors
//! generates nothing (exit 1); so does a failure to write (exit 1). Files are written
//! under `--out`, creating folders as needed; other files already there are left alone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use duplex_codegen::{GeneratedFile, Options};
use duplex_spec::ir::Api;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The SDK's language.
    #[arg(long, value_enum)]
    lang: Lang,
    /// The folder to write the SDK into.
    #[arg(long)]
    out: PathBuf,
    /// The package name (default: from the API's title).
    #[arg(long)]
    package_name: Option<String>,
    /// The package version (default: the API's version).
    #[arg(long)]
    package_version: Option<String>,
    /// A Markdown file (a usage walkthrough) put into the SDK's README after its
    /// install section.
    #[arg(long)]
    guide: Option<PathBuf>,
    /// An AsyncAPI document (.yml/.yaml/.json) or a Fern `definition` folder.
    spec: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Lang {
    Typescript,
    Python,
    Rust,
}

pub fn run(args: &GenerateArgs) -> ExitCode {
    let loaded = duplex_spec::load(&args.spec);
    let mut err = std::io::stderr().lock();
    for diagnostic in &loaded.diagnostics {
        let _ = writeln!(err, "{diagnostic}");
    }
    let api = match loaded.api {
        Some(api) if !loaded.has_errors() => api,
        _ => {
            let _ = writeln!(
                err,
                "{}: not generating: the definition has errors (see above); `duplex check` lists them",
                args.spec.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if let (Lang::Rust, Some(name)) = (args.lang, &args.package_name)
        && let Err(message) = duplex_codegen::rust::manifest::check_package_name(name)
    {
        let _ = writeln!(err, "--package-name: {message}");
        return ExitCode::from(2);
    }
    if let (Lang::Python, Some(name)) = (args.lang, &args.package_name)
        && let Err(message) = duplex_codegen::python::check_package_name(name)
    {
        let _ = writeln!(err, "--package-name: {message}");
        return ExitCode::from(2);
    }
    let guide = match &args.guide {
        None => None,
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(error) => {
                let _ = writeln!(
                    err,
                    "--guide {}: cannot read it: {error}; give a Markdown file",
                    path.display()
                );
                return ExitCode::from(2);
            }
        },
    };
    let options = Options {
        package_name: args.package_name.clone(),
        package_version: args.package_version.clone(),
        guide,
    };
    let Some(files) = generate(args.lang, &api, &options) else {
        let _ = writeln!(
            err,
            "--lang {:?}: this build has no generator for that language yet",
            args.lang
        );
        return ExitCode::from(2);
    };
    match write(&args.out, &files) {
        Ok(()) => {
            let _ = writeln!(
                err,
                "wrote {} file(s) to {}",
                files.len(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            let _ = writeln!(err, "{message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(lang: Lang, api: &Api, options: &Options) -> Option<Vec<GeneratedFile>> {
    match lang {
        Lang::Typescript => Some(duplex_codegen::typescript::generate(api, options)),
        Lang::Rust => Some(duplex_codegen::rust::generate(api, options)),
        Lang::Python => Some(duplex_codegen::python::generate(api, options)),
    }
}

fn write(out: &Path, files: &[GeneratedFile]) -> Result<(), String> {
    for file in files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create folder {}: {e}", parent.display()))?;
        }
        fs::write(&path, &file.contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
