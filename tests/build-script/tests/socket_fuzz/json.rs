//! JSON that breaks the contract.

use crate::frames::PING_JSON;
use crate::support::Rng;

/// A text (or, now and then, binary) message the chat channel must answer with an error frame.
/// None is a valid `chat` (which would broadcast); `fail` and `panic` are valid but refused
/// by the handler, or make it panic.
pub(crate) fn contract_breaking(rng: &mut Rng) -> (Vec<u8>, bool) {
    let deep = |rng: &mut Rng| {
        // Within the 64 KiB message limit.
        let depth = rng.range(100, 9_000);
        let (open, close) = if rng.percent(50) { ("[", "]") } else { ("{\"a\":", "}") };
        format!("{}1{}", open.repeat(depth), close.repeat(depth))
    };
    let text: String = match rng.below(16) {
        0 => {
            let actions = ["shout", "Ping", "PING", "pong", "error", "chatNotification", "roomEvent", "register", ""];
            let action = if rng.percent(70) { (*rng.pick(&actions)).to_owned() } else { word(rng) };
            format!(r#"{{"action":"{action}"}}"#)
        }
        1 => {
            let values = ["7", "null", "true", "[]", "{}", "1.5", "[\"ping\"]", "-0", "1e999"];
            format!(r#"{{"action":{}}}"#, rng.pick(&values))
        }
        2 => (*rng.pick(&["{}", r#"{"payload":{"message":"x"}}"#, r#"{"Action":"ping"}"#, r#"{"action ":"ping"}"#]))
            .to_owned(),
        3 => {
            let payloads = [
                "7",
                "\"x\"",
                "[]",
                "null",
                "{}",
                r#"{"message":7}"#,
                r#"{"message":""}"#,
                r#"{"message":"x","extra":1}"#,
                r#"{"message":null}"#,
                r#"{"message":["x"]}"#,
                r#"{"message":"x","sender":7}"#,
            ];
            format!(r#"{{"action":"chat","payload":{}}}"#, rng.pick(&payloads))
        }
        4 => r#"{"action":"chat"}"#.to_owned(),
        5 => {
            // Valid, but refused by the handler, or making it panic (rarely: each panic prints).
            let message = if rng.percent(10) { "panic" } else { "fail" };
            format!(r#"{{"action":"chat","payload":{{"message":"{message}"}}}}"#)
        }
        6 => (*rng.pick(&["7", "\"ping\"", "[]", "null", "true", r#"[{"action":"ping"}]"#, "\"\"", " "])).to_owned(),
        7 => {
            // Near misses of the discriminator's fast path.
            let near = [
                r#"{"action":"ping""#,
                r#"{"action":"ping"#,
                r#"{"action":"pi\"ng"}"#,
                r#"{"action":"pi\u0000ng"}"#,
                r#"{"action":"ping"}x"#,
                r#"{"action":"ping"}{"action":"ping"}"#,
                r#"{"action":"chat","action":"ping","payload":7}"#,
                r#"{"action":"chat"   ,"payload":{"message":"x","message":""}}"#,
                r#"{"action" : "chat" , "payload" : {"message" : 1}}"#,
                "{\"action\":\"pi\tng\"}",
                "{\"action\":\"ping\u{1}\"}",
                r#"{"\u0061ction":"chat","payload":0}"#,
                r#"{"action":"\ud800"}"#,
                r#"{"action":"chat","payload":{"message":"\ud800"}}"#,
                r#"{"action":"chat","payload":{"message":"x","sender":"y"},"payload":1}"#,
                "{",
                "}",
                "",
            ];
            (*rng.pick(&near)).to_owned()
        }
        8 => format!(r#"{{"action":"chat","payload":{}}}"#, deep(rng)),
        9 => format!(r#"{{"action":"chat","payload":{{"message":"x"}},"extra":{}}}"#, deep(rng)),
        10 => deep(rng),
        11 => format!(r#"{{"action":"chat","payload":{{"message":"{}"}}}}"#, "é".repeat(rng.range(2001, 20_000))),
        12 => {
            let number = rng.pick(&["1e400", "-", "01", "1.", "NaN", "Infinity", "0x10", "99999999999999999999999"]);
            format!(r#"{{"action":"chat","payload":{{"message":"x","sender":{number}}}}}"#)
        }
        13 => {
            // Printable text that is not JSON, with some non-ASCII.
            let len = rng.range(1, 300);
            (0..len)
                .map(|_| match rng.below(10) {
                    0 => 'ß',
                    1 => '😀',
                    _ => char::from(rng.range(0x20, 0x7E) as u8),
                })
                .filter(|c| *c != '{' && *c != '[' && *c != '"')
                .chain(['!'])
                .collect()
        }
        14 => format!(r#"{{"action":"chat","payload":{{"message":"{}"}}}}"#, "x".repeat(rng.range(2001, 60_000))),
        _ => return (PING_JSON.to_vec(), true),
    };
    let binary = rng.percent(5);
    (text.into_bytes(), binary)
}

pub(crate) fn word(rng: &mut Rng) -> String {
    let len = rng.range(1, 12);
    (0..len).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
}
