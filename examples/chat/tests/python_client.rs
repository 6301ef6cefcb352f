//! A Python client on the `websockets` library (a client that is not ours) drives the
//! chat example through its scenario, against the real binary on a free port.

#[test]
fn a_python_websockets_client_drives_the_scenario() {
    let script = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python_client.py"));
    let args = ["--api-key", "py-key", "--tick-seconds", "3600"];
    let Some(printed) = tidings_tests::run_python_client(env!("CARGO_BIN_EXE_chat"), &args, script, &["py-key"]) else {
        return;
    };
    assert!(printed.contains("the chat scenario passed"), "{printed}");
}
