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
    // What the loader rejects, the official parser rejects too (`tests/tests/acceptance.rs`):
    // one example refers to files on the network, two third-party documents are broken.
    assert_eq!(
        REJECTED,
        ["adeo_kafka_request_reply", "rw_tryagi_openai", "rw_microcks_microcks_user_signedup_3_0_avro_ref"],
        "the loader rejected {REJECTED:?}"
    );
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
    use tidings::DocumentConfig;
    use tidings::document::describe;
    let documents = tidings_corpus_codegen::APPLICATIONS;
    let described: Vec<(&str, serde_json::Value)> = documents
        .iter()
        .map(|(path, info, channels)| (*path, describe(&DocumentConfig::from_info(info), channels.iter().copied())))
        .collect();
    let failures: Vec<String> = described
        .iter()
        .filter_map(|(path, document)| tidings::testing::check_contract(document, path).err())
        .map(|error| error.to_string())
        .collect();
    assert!(failures.is_empty(), "{} of {} documents:\n\n{}", failures.len(), documents.len(), failures.join("\n\n"));
    // Every document described is one the official parser accepts.
    let dir = std::env::temp_dir().join(format!("tidings-corpus-fixed-point-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let files: Vec<std::path::PathBuf> = described
        .iter()
        .enumerate()
        .map(|(i, (_, document))| {
            let file = dir.join(format!("{i}.json"));
            std::fs::write(&file, tidings::document::to_json(document)).expect("written");
            file
        })
        .collect();
    let refused: Vec<String> = tidings_tests::official_parser(&files)
        .into_iter()
        .zip(described.iter())
        .filter(|(v, _)| !v.valid)
        .map(|(v, (path, _))| format!("{path}: {:?}", v.errors))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(refused.is_empty(), "the official parser refuses:\n{}", refused.join("\n"));
    println!(
        "fixed point: all {} corpus documents, each described document accepted by the official parser",
        documents.len()
    );
}

/// Prints the document the generated application side describes, for the documents whose
/// path contains `$SHOW`: what to look at when a fixed point breaks.
#[test]
#[ignore = "prints a document for a person to read: SHOW=<part of a path> cargo test -- --ignored show"]
fn show() {
    use tidings::DocumentConfig;
    use tidings::document::describe;
    let want = std::env::var("SHOW").unwrap_or_default();
    for (path, info, channels) in tidings_corpus_codegen::APPLICATIONS {
        if path.contains(&want) {
            let document = describe(&DocumentConfig::from_info(info), channels.iter().copied());
            println!("{path}:\n{}", tidings::document::to_json(&document));
        }
    }
}
