//! Code generation as build.rs runs it (load, generate, format):
//! `cargo bench -p tidings-build --bench generate`.
//!
//! Two contracts: the largest document of the shared corpus (when `../shared` is there) and
//! a synthetic one of 50 channels with 10 operations each.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use tidings_build::Builder;

mod synthetic;

use synthetic::synthetic_contract;

fn largest_corpus_document() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/asyncapi-corpus/spec-examples");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml") && !p.to_string_lossy().contains("adeo"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
}

fn bench_generate(c: &mut Criterion) {
    let dir = std::env::temp_dir().join("tidings-bench-generate");
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let synthetic = dir.join("synthetic.yaml");
    std::fs::write(&synthetic, synthetic_contract()).expect("synthetic contract written");
    let output = Builder::new(&synthetic).generate().expect("the synthetic contract generates");
    println!(
        "synthetic contract: {} KiB of YAML, {} KiB of Rust (unformatted, as build.rs writes it)",
        synthetic_contract().len() / 1024,
        output.code.len() / 1024
    );
    c.bench_function("generate: 50 channels x 10 operations", |b| {
        b.iter(|| Builder::new(black_box(&synthetic)).generate().map(|o| o.code.len()))
    });
    match largest_corpus_document() {
        Some(largest) => {
            // Channels that need it, as the corpus test opts into.
            let name = largest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let builder = Builder::new(&largest);
            let output = builder.generate().expect("the largest corpus document generates");
            println!("{name}: {} KiB of Rust (unformatted)", output.code.len() / 1024);
            c.bench_function(&format!("generate: {name}"), |b| {
                b.iter(|| black_box(&builder).generate().map(|o| o.code.len()))
            });
        }
        None => println!("note: ../shared is missing; the corpus benchmark is skipped"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_generate
}
criterion_main!(benches);
