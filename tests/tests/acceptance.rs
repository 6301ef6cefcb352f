//! tidings accepts exactly the documents the official AsyncAPI parser accepts: every spec
//! example and every third-party document of the shared corpus, read from its own files
//! (external references and all), gets the same verdict from `Document::load` and from
//! `@asyncapi/parser`.

use tidings_asyncapi::Document;
use tidings_tests::{corpus_documents, official_parser, real_world_documents, shared_dir};

#[test]
fn tidings_and_the_official_parser_accept_the_same_documents() {
    let Some(shared) = shared_dir() else { return };
    let mut documents = corpus_documents(&shared);
    documents.extend(real_world_documents(&shared));
    let verdicts = official_parser(&documents);
    let mut disagreements = Vec::new();
    let (mut accepted, mut warned) = (0, 0);
    for (path, verdict) in documents.iter().zip(&verdicts) {
        let ours = Document::load(path);
        match (&ours, verdict.valid) {
            (Ok(doc), true) => {
                accepted += 1;
                warned += usize::from(!doc.warnings().is_empty());
            }
            (Err(_), false) => {}
            (Ok(_), false) => disagreements.push(format!(
                "{}: the official parser rejects it ({:?}); tidings accepts it",
                path.display(),
                verdict.errors
            )),
            (Err(e), true) => disagreements.push(format!(
                "{}: the official parser accepts it; tidings rejects it:\n{}",
                path.display(),
                e.diagnostics
            )),
        }
    }
    println!(
        "{} documents: {accepted} accepted by both ({warned} with tidings warnings), {} rejected by both, {} \
         disagreements",
        documents.len(),
        documents.len() - accepted - disagreements.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}

/// What tidings only warns about, the official parser accepts: each questionable fixture
/// is a document it must not refuse.
#[test]
fn the_official_parser_accepts_every_questionable_fixture() {
    let dir = tidings_tests::workspace_root().join("asyncapi/tests/fixtures/questionable");
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(&dir).expect("questionable fixtures").map(|e| e.expect("entry").path()).collect();
    files.sort();
    let refused: Vec<String> = official_parser(&files)
        .into_iter()
        .filter(|v| !v.valid)
        .map(|v| format!("{}: {:?}", v.file, v.errors))
        .collect();
    assert!(refused.is_empty(), "the official parser refuses what tidings only warns about:\n{}", refused.join("\n"));
    println!("{} questionable fixtures, each accepted by @asyncapi/parser", files.len());
}
