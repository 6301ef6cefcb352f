//! Every valid contract we know of (the shared corpus and our own fixtures) loads, bundles
//! into a document the official parser accepts, and survives serialization unchanged.

use std::path::{Path, PathBuf};

use tidings_asyncapi::{Document, Problem};
use tidings_tests::{corpus_documents, official_parser, shared_dir, workspace_root};

/// The one corpus document that refers to files on the network.
const REMOTE: &str = "adeo-kafka-request-reply-asyncapi.yml";

fn fixture_documents() -> Vec<PathBuf> {
    let dir = workspace_root().join("asyncapi/tests/fixtures/valid");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("valid fixtures")
        .map(|e| e.expect("entry").path())
        .map(|p| if p.is_dir() { p.join("asyncapi.yaml") } else { p })
        .collect();
    docs.sort();
    docs
}

/// Load, serialize both ways, read back: the same JSON value each time; the typed model
/// writes back exactly the bundled value.
fn check_round_trip(path: &Path, doc: &Document) {
    let bundled = doc.bundled();
    let model = serde_json::to_value(doc.spec()).expect("the model serializes");
    assert_eq!(&model, bundled, "{}: the typed model does not write back what it read", path.display());
    for (format, text) in [("json", doc.to_json()), ("yaml", doc.to_yaml())] {
        let again = Document::from_text(path.with_extension(format), text)
            .unwrap_or_else(|e| panic!("{} does not read back as {format}: {}", path.display(), e.diagnostics));
        assert_eq!(again.bundled(), bundled, "{}: {format} round trip changed the document", path.display());
    }
}

#[test]
fn corpus_and_fixtures_bundle_into_documents_the_official_parser_accepts() {
    let mut documents = fixture_documents();
    if let Some(shared) = shared_dir() {
        documents.extend(corpus_documents(&shared));
    }
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bundles");
    std::fs::create_dir_all(&out_dir).expect("output folder");
    let mut bundles = Vec::new();
    let mut remote_rejected = false;
    for (i, path) in documents.iter().enumerate() {
        if path.ends_with(REMOTE) {
            let error = Document::load(path).expect_err("remote references are not fetched");
            assert!(
                error.diagnostics.errors().all(|d| matches!(d.problem, Problem::RemoteReference { .. })),
                "{REMOTE}: expected only remote-reference errors, got\n{}",
                error.diagnostics
            );
            remote_rejected = true;
            continue;
        }
        let doc = Document::load(path).unwrap_or_else(|e| panic!("{} is rejected:\n{}", path.display(), e.diagnostics));
        check_round_trip(path, &doc);
        let bundle =
            out_dir.join(format!("{i:02}-{}.json", path.file_stem().and_then(|s| s.to_str()).unwrap_or("doc")));
        std::fs::write(&bundle, doc.to_json()).expect("bundle written");
        bundles.push(bundle);
    }
    let verdicts = official_parser(&bundles);
    let rejected: Vec<String> =
        verdicts.iter().filter(|v| !v.valid).map(|v| format!("{}: {:?}", v.file, v.errors)).collect();
    assert!(rejected.is_empty(), "the official parser rejects our bundles:\n{}", rejected.join("\n"));
    if shared_dir().is_some() {
        assert!(remote_rejected, "{REMOTE} was not found in the corpus");
    }
    println!("{} documents loaded, round-tripped and accepted by @asyncapi/parser", bundles.len());
}

#[test]
fn the_bundle_of_a_multi_file_contract_is_self_contained_and_deterministic() {
    let path = workspace_root().join("asyncapi/tests/fixtures/valid/multi-file/asyncapi.yaml");
    let doc = Document::load(&path).expect("valid");
    assert!(doc.files().count() >= 5, "every referenced file is read");
    let text = doc.to_json();
    assert!(!text.contains(".yaml#") && !text.contains(".json#"), "no external reference is left");
    // Two schemas named `User` in two files keep both, under distinct names.
    let schemas = doc.bundled().pointer("/components/schemas").expect("schemas").as_object().expect("map");
    assert!(schemas.contains_key("User") && schemas.contains_key("User_2"));
    assert_ne!(schemas["User"], schemas["User_2"]);
    assert_eq!(Document::load(&path).expect("valid").to_json(), text, "bundling is deterministic");
}
