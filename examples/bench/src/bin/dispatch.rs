//! Drives `--frames N` echo frames through one echo session, no socket: the generated
//! channel or the code-first one, validating or not. Under callgrind, two runs with different
//! `N` give the instructions per frame of the runtime's dispatch, a count that does not move
//! with the machine's load (`scripts/bench-dispatch` does that for the four sessions).
//!
//! ```sh
//! target/release/dispatch --channel code-first --validate off --frames 10000
//! ```

use std::hint::black_box;

use bench::{Bench, ECHO, code_first, contract, echo, echo_session};

fn main() {
    let (mut channel, mut validate, mut frames) = (String::from("generated"), true, 10_000_u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--channel" => channel = value,
            "--validate" => validate = value == "on",
            "--frames" => frames = value.parse().unwrap_or_else(|_| usage("--frames needs a number")),
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let channel = match channel.as_str() {
        "generated" => contract::echo::channel(Bench),
        "code-first" => code_first::EchoChannel.into(),
        other => usage(&format!("unknown channel {other}")),
    };
    let session = echo_session(channel, validate);
    for _ in 0..frames {
        black_box(echo(session.as_ref(), black_box(ECHO)));
    }
    println!("{frames} frames");
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\nusage: dispatch [--channel generated|code-first] [--validate on|off] [--frames N]");
    std::process::exit(2)
}
