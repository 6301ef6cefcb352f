//! Code-first channels the macros refuse, each with an error at the place to fix: two
//! messages with one tag, a handler argument or reply that is not a message, an address
//! parameter without its field, misspelt attribute keys. One case per file under
//! `code-first-fail/`; `TRYBUILD=overwrite` rewrites the expected messages after a
//! deliberate change.

#[test]
fn code_first_mistakes_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/code-first-fail/*.rs");
}
