//! `fuzz-asyncapi`: mutation-fuzz the contract loader.
//!
//! ```text
//! cargo run --release -p tidings-fuzz -- [--iterations N] [--seed S] [--out DIR]
//! ```
//!
//! Seeds are the fixtures under `asyncapi/tests/fixtures` and, when it exists, the corpus
//! in `../shared/asyncapi-corpus`. Each failing input is written to `DIR` (default
//! `target/fuzz-failures`) and the run exits 1; a clean run prints its counts and exits 0.
//! A stack overflow aborts the process before anything can be saved: `--trace FILE` writes
//! every input to `FILE` before it is checked, so the last one is left there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use tidings_fuzz::{Outcome, Rng, check, mutate};

fn seeds(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("asyncapi/tests/fixtures"), root.join("../shared/asyncapi-corpus/spec-examples")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            // The diff fixtures are 170-odd variations of one document: as seeds they would
            // crowd out the rest.
            if path.is_dir() && !path.ends_with("fixtures/diff") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((path, text));
            }
        }
    }
    out
}

fn main() -> ExitCode {
    let mut iterations: u64 = 100_000;
    let mut seed: u64 = 0x0074_6964_696e_6773;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out_dir = root.join("target/fuzz-failures");
    let mut trace: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--iterations", Some(v)) if v.parse::<u64>().is_ok() => iterations = v.parse().unwrap_or(iterations),
            ("--seed", Some(v)) if v.parse::<u64>().is_ok() => seed = v.parse().unwrap_or(seed),
            ("--out", Some(v)) => out_dir = PathBuf::from(v),
            ("--trace", Some(v)) => trace = Some(PathBuf::from(v)),
            _ => {
                eprintln!("usage: fuzz-asyncapi [--iterations N] [--seed S] [--out DIR] [--trace FILE]");
                return ExitCode::from(2);
            }
        }
    }
    // Panics are expected to be caught and reported; keep the default hook from printing each.
    std::panic::set_hook(Box::new(|_| {}));
    let corpus = seeds(&root);
    if corpus.is_empty() {
        eprintln!("no seed documents found under {}", root.display());
        return ExitCode::from(2);
    }
    let mut rng = Rng::new(seed);
    let (mut valid, mut invalid, mut failures) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    for n in 0..iterations {
        let (path, text) = &corpus[rng.below(corpus.len())];
        let input = mutate(text, &mut rng);
        if let Some(trace) = &trace {
            let _ = std::fs::write(trace, format!("# seed document: {}\n{input}", path.display()));
        }
        match check(path, &input) {
            Ok(Outcome::Valid) => valid += 1,
            Ok(Outcome::Invalid) => invalid += 1,
            Err(reason) => {
                failures += 1;
                let _ = std::fs::create_dir_all(&out_dir);
                let file = out_dir.join(format!("failure-{n}.yaml"));
                let _ = std::fs::write(&file, &input);
                eprintln!("failure {n} (seed {}): {reason}\n  input saved to {}", path.display(), file.display());
            }
        }
        if (n + 1) % 100_000 == 0 {
            eprintln!("{} inputs, {:.0} s", n + 1, started.elapsed().as_secs_f64());
        }
    }
    println!(
        "fuzz-asyncapi: {iterations} inputs from {} seeds (seed {seed}) in {:.1} s: {valid} valid, {invalid} invalid, {failures} failures",
        corpus.len(),
        started.elapsed().as_secs_f64()
    );
    if failures == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
