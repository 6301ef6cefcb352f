//! Generation timed the way cargo runs a build script by default, or optimized.
//!
//! cargo builds build scripts and their dependencies (tidings-build, typify, serde, ...) at
//! `opt-level = 0` unless the user's profile says otherwise, and that is how a user's build.rs
//! generates. `cargo bench -p tidings-build --bench generate` measures optimized code; this
//! measures both:
//!
//! ```sh
//! cargo run -p tidings-build --example generate_time             # opt-level 0, as build.rs by default
//! cargo run -p tidings-build --example generate_time --release   # optimized, as with a build-override
//! ```
//!
//! It prints the best and the median of 15 generations of the synthetic 50 x 10 contract and,
//! when `../shared` is there, of the largest corpus document. `TIDINGS_GENERATE_RUNS=N`
//! generates each `N` times instead, for a profiler: under callgrind, the difference between
//! two counts is the cost of that many generations alone.

use std::path::Path;
use std::time::{Duration, Instant};

use tidings_build::Builder;

#[path = "../benches/synthetic.rs"]
mod synthetic;

fn time(name: &str, builder: &Builder) {
    let runs = std::env::var("TIDINGS_GENERATE_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(15_usize).max(1);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let output = builder.generate().expect("the contract generates");
            std::hint::black_box(output.code.len());
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{name}: best {:.1} ms, median {:.1} ms over {runs} runs", ms(times[0]), ms(times[runs / 2]));
}

fn main() {
    let profile = if cfg!(debug_assertions) { "opt-level 0, as build.rs by default" } else { "optimized" };
    println!("generation, {profile}");
    let dir = std::env::temp_dir().join("tidings-generate-time");
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let synthetic = dir.join("synthetic.yaml");
    std::fs::write(&synthetic, synthetic::synthetic_contract()).expect("the synthetic contract written");
    time("synthetic 50 channels x 10 operations", &Builder::new(&synthetic));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/asyncapi-corpus/spec-examples");
    let largest = std::fs::read_dir(corpus)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml") && !p.to_string_lossy().contains("adeo"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
    match largest {
        // The channels that need it, as the corpus test opts into.
        Some(path) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            time(&name, &Builder::new(&path));
        }
        None => println!("../shared is missing: the corpus document is not timed"),
    }
}
