//! Reports what the build script generated from the corpus; the crate compiling is the proof
//! that the generated code compiles.

#[test]
fn every_accepted_corpus_document_generates_both_sides_that_compile() {
    use tidings_corpus_codegen::{GENERATED, REJECTED, UNTAGGED};
    if std::env::var_os("CI").is_some() {
        assert!(GENERATED.len() >= 2 * 23, "only {} modules generated", GENERATED.len());
    }
    assert_eq!(GENERATED.len() % 2, 0, "each document has both sides");
    assert!(REJECTED.iter().all(|r| r.starts_with("adeo")), "the loader rejected {REJECTED:?}");
    println!(
        "{} corpus documents generated for both sides ({} modules) and compiled; rejected by the loader: {:?}; \
         channels generated untagged: {:?}",
        GENERATED.len() / 2,
        GENERATED.len(),
        REJECTED,
        UNTAGGED
    );
}
