//! Consumers that do not match the contract fail to compile, with a message that says what
//! to implement. One case per file under `compile-fail/`; `TRYBUILD=overwrite` rewrites the
//! expected messages after a deliberate change.

#[test]
fn consumers_that_break_the_contract_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
}
