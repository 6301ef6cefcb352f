//! `tidings`: check, bundle and generate from AsyncAPI 3.0 contracts.
//!
//! Exit codes: 0 success, 1 an invalid contract (every diagnostic printed), 2 unusable
//! arguments or output that cannot be written. `diff` is for CI and answers a different
//! question: 0 nothing breaks, 1 a change breaks the application's peers, 2 an input is
//! unreadable or invalid. A panic would be a bug; it is caught and reported with exit code
//! 3, never Rust's 101.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tidings_asyncapi::{Diagnostic, Document, LoadError};

#[derive(Parser)]
#[command(name = "tidings", version, about = "Contract-first WebSockets: work with AsyncAPI 3.0 contracts")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check contracts: syntax, references across files, structure and semantics.
    Validate {
        /// The contracts (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Write one self-contained document: every external `$ref` inlined under `components`.
    Bundle {
        /// The contract.
        file: PathBuf,
        /// Where to write; standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The output format; by default from the output's extension, else YAML.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Generate the Rust module build.rs would, for checking generated code in.
    Generate {
        /// The contract.
        file: PathBuf,
        /// Where to write; standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Which side to generate.
        #[arg(long, value_enum, default_value = "application")]
        side: SideArg,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compare two contracts: every change, and whether it breaks the application's peers
    /// (exit 1 when one does).
    Diff {
        /// The contract as it was.
        old: PathBuf,
        /// The contract as it is now.
        new: PathBuf,
        /// The report's format.
        #[arg(long, value_enum, default_value = "human")]
        format: ReportFormat,
    },
    /// Serve a contract's docs page (and /asyncapi.json, /asyncapi.yaml) on 127.0.0.1.
    Docs {
        /// The contract.
        file: PathBuf,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Serve the page's component from this installed `@asyncapi/react-component`
        /// instead of the pinned CDN files, for machines without the internet.
        #[arg(long)]
        assets: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// Grouped by class, for people.
    Human,
    /// One JSON object, for tools.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SideArg {
    /// The application the contract describes (usually the server).
    Application,
    /// Its peer (usually the client).
    Peer,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Yaml,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!("error: internal error in tidings (a bug); please report it with the input that caused it");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    let inputs: Vec<&Path> = match &cli.command {
        Command::Validate { files, .. } => files.iter().map(PathBuf::as_path).collect(),
        Command::Bundle { file, .. } | Command::Generate { file, .. } => vec![file.as_path()],
        Command::Diff { old, new, .. } => vec![old.as_path(), new.as_path()],
        Command::Docs { file, .. } => vec![file.as_path()],
    };
    // A file that is not there is an unusable argument, not an invalid contract.
    if let Some(missing) = inputs.iter().find(|p| !p.is_file()) {
        eprintln!("error: `{}` is not a readable file", missing.display());
        return ExitCode::from(2);
    }
    match cli.command {
        Command::Validate { files, deny_warnings } => validate(&files, deny_warnings),
        Command::Bundle { file, output, format } => bundle(&file, output.as_deref(), format),
        Command::Generate { file, output, side, deny_warnings } => {
            generate(&file, output.as_deref(), side, deny_warnings)
        }
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Docs { file, port, assets } => docs(&file, port, assets),
    }
}

fn docs(file: &Path, port: u16, assets: Option<PathBuf>) -> ExitCode {
    let doc = match Document::load(file) {
        Ok(doc) => doc,
        Err(error) => {
            report(&error);
            return ExitCode::from(1);
        }
    };
    let config = match assets {
        Some(dir) => tidings::DocsConfig::default().local_assets(dir),
        None => tidings::DocsConfig::default(),
    }
    .health(None);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        println!(
            "tidings: the docs of {} at http://{addr}/asyncapi (also /asyncapi.json, /asyncapi.yaml)",
            file.display()
        );
        tidings::docs::serve(listener, doc.bundled(), config).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn validate(files: &[PathBuf], deny_warnings: bool) -> ExitCode {
    let mut invalid = 0;
    for file in files {
        match Document::load(file) {
            Ok(doc) => {
                for warning in doc.warnings() {
                    eprint!("{}", warning.render(doc.source_text(&warning.location.file)));
                }
                let warned = !doc.warnings().is_empty();
                if deny_warnings && warned {
                    invalid += 1;
                    eprintln!("{}: invalid (warnings denied)", file.display());
                } else {
                    eprintln!("{}: valid{}", file.display(), if warned { " (with warnings)" } else { "" });
                }
            }
            Err(error) => {
                invalid += 1;
                report(&error);
                eprintln!("{}: invalid, {} error(s)", file.display(), error.diagnostics.errors().count());
            }
        }
    }
    if invalid == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn bundle(file: &Path, output: Option<&Path>, format: Option<Format>) -> ExitCode {
    let doc = match Document::load(file) {
        Ok(doc) => doc,
        Err(error) => {
            report(&error);
            return ExitCode::from(1);
        }
    };
    let format = format.unwrap_or_else(|| match output.and_then(Path::extension).and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        _ => Format::Yaml,
    });
    let text = match format {
        Format::Json => doc.to_json(),
        Format::Yaml => doc.to_yaml(),
    };
    write_output(output, &text)
}

fn generate(file: &Path, output: Option<&Path>, side: SideArg, deny_warnings: bool) -> ExitCode {
    let side = match side {
        SideArg::Application => tidings_build::Side::Application,
        SideArg::Peer => tidings_build::Side::Peer,
    };
    match tidings_build::Builder::new(file).side(side).formatted(true).deny_warnings(deny_warnings).generate() {
        Ok(generated) => {
            for warning in &generated.warnings {
                eprint!("{warning}");
            }
            write_output(output, &generated.code)
        }
        Err(failure) => {
            eprint!("{}", failure.report);
            ExitCode::from(1)
        }
    }
}

fn diff(old: &Path, new: &Path, format: ReportFormat) -> ExitCode {
    let load = |path: &Path| {
        Document::load(path).map_err(|error| {
            report(&error);
            eprintln!("{}: invalid, {} error(s)", path.display(), error.diagnostics.errors().count());
        })
    };
    // Both are read, so both sets of problems are shown at once.
    let (Ok(old), Ok(new)) = (load(old), load(new)) else { return ExitCode::from(2) };
    let report = tidings_asyncapi::diff::diff(&old, &new);
    match format {
        ReportFormat::Human => print!("{}", report.render_human()),
        ReportFormat::Json => print!("{}", report.to_json()),
    }
    if report.is_breaking() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn write_output(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                ExitCode::from(2)
            }
        },
    }
}

fn report(error: &LoadError) {
    let texts = tidings_asyncapi::source_texts(error);
    let text_of = |d: &Diagnostic| texts.iter().find(|(p, _)| *p == d.location.file).map(|(_, t)| t.as_str());
    for d in &error.diagnostics {
        eprint!("{}", d.render(text_of(d)));
    }
}
