//! Reports what the build script generated from the corpus; the crate compiling is the proof
//! that the generated code compiles.

#[test]
fn every_accepted_corpus_document_generates_both_sides_that_compile() {
    use tidings_corpus_codegen::{GENERATED, REJECTED, REPORT};
    if std::env::var_os("CI").is_some() {
        // 23 spec examples and 22 third-party documents the official parser accepts.
        assert!(GENERATED.len() >= 2 * 45, "only {} modules generated", GENERATED.len());
    }
    assert_eq!(GENERATED.len() % 2, 0, "each document has both sides");
    assert!(REJECTED.iter().all(|r| r.starts_with("adeo")), "the loader rejected {REJECTED:?}");
    let warnings: usize = REPORT.iter().map(|(_, w, _)| w).sum();
    let fallbacks: usize = REPORT.iter().map(|(_, _, f)| f).sum();
    println!(
        "{} corpus documents generated for both sides ({} modules) and compiled, with {warnings} warnings and \
         {fallbacks} schemas typed as JSON values; rejected by the loader: {REJECTED:?}",
        GENERATED.len() / 2,
        GENERATED.len(),
    );
    for (module, warnings, fallbacks) in REPORT.iter().filter(|(_, w, f)| *w > 0 || *f > 0) {
        println!("  {module}: {warnings} warnings, {fallbacks} JSON-value fallbacks");
    }
}

/// The round trip contract → Rust → contract is a fixed point for every accepted document:
/// what the generated application side describes equals the document under `tidings diff`.
#[test]
fn every_accepted_corpus_document_is_a_fixed_point() {
    use tidings::{Spec, SpecConfig};
    let documents = tidings_corpus_codegen::APPLICATIONS;
    let failures: Vec<String> = documents
        .iter()
        .filter_map(|(path, info, channels)| {
            let spec = channels.iter().fold(Spec::new(SpecConfig::from_info(info)), |spec, c| spec.describe(c));
            tidings::testing::compare_contract(&spec.document(), path).err()
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} documents:\n\n{}", failures.len(), documents.len(), failures.join("\n\n"));
    // Every document described is one the official parser accepts.
    let dir = std::env::temp_dir().join(format!("tidings-corpus-fixed-point-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let files: Vec<std::path::PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, (_, info, channels))| {
            let spec = channels.iter().fold(Spec::new(SpecConfig::from_info(info)), |spec, c| spec.describe(c));
            let file = dir.join(format!("{i}.json"));
            std::fs::write(&file, tidings::spec::to_json(&spec.document())).expect("written");
            file
        })
        .collect();
    let refused: Vec<String> = tidings_tests::official_parser(&files)
        .into_iter()
        .zip(documents.iter())
        .filter(|(v, _)| !v.valid)
        .map(|(v, (path, _, _))| format!("{path}: {:?}", v.errors))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(refused.is_empty(), "the official parser refuses:\n{}", refused.join("\n"));
    println!("fixed point: {} corpus documents, each also accepted by the official parser", documents.len());
}
