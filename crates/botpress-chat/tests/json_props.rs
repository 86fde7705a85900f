//! Property tests of the package's small JSON reader (`protocol::lean_json`)
//! against serde_json: the same values from any text serde_json writes, and
//! the same verdict (value or error) on arbitrary JSON-like text.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(not(target_arch = "wasm32"))]

use botpress_chat::protocol::lean_json::parse;
use proptest::prelude::*;
use serde_json::Value;

fn read(text: &str) -> Result<Value, String> {
    parse(text, &|s| s.parse().ok())
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z\"\\\\/\u{0}-\u{1f}é🤖]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"\\\\é]{0,6}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Equal, floats within a relative 1e-15 (a few units in the last place,
/// counted in units for subnormals): serde_json's default float reading
/// may be off by a unit or two in the last place, ours (Rust's `str::parse`, or JS
/// `parseFloat` in the package) is exact.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            // A subnormal holds fewer significant bits, so the same few units in
            // the last place are a larger share of it: counted in units there.
            let subnormal_units = x.abs() < f64::MIN_POSITIVE && x.signum() == y.signum();
            x == y || ((x - y) / x).abs() < 1e-15 || (subnormal_units && x.to_bits().abs_diff(y.to_bits()) <= 4)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((kx, x), (ky, y))| kx == ky && same(x, y))
        }
        _ => a == b,
    }
}

proptest! {
    #[test]
    fn reads_what_serde_json_writes(v in value()) {
        prop_assert_eq!(read(&serde_json::to_string(&v).unwrap()).unwrap(), v.clone());
        prop_assert_eq!(read(&serde_json::to_string_pretty(&v).unwrap()).unwrap(), v);
    }

    #[test]
    fn same_verdict_as_serde_json(text in "[\\[\\]{}\",:0-9eE.+\\- \ntrufalsn\\\\/a-c]{0,24}") {
        let ours = read(&text);
        let theirs = serde_json::from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        if let (Ok(a), Ok(b)) = (ours, theirs) {
            prop_assert!(same(&a, &b), "{:?}: ours {:?}, serde_json {:?}", text, a, b);
        }
    }

    #[test]
    fn same_verdict_on_edited_json(v in value(), at in any::<usize>(), insert in "[\\[\\]{}\",:0-9eE.\\- \n\\\\\u{1}]?") {
        // Valid text with one character removed or inserted: mostly invalid,
        // in every way a real text can be.
        let mut text = serde_json::to_string(&v).unwrap();
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        if insert.is_empty() {
            if at < text.len() {
                text.remove(at);
            }
        } else {
            text.insert_str(at, &insert);
        }
        let (ours, theirs) = (read(&text), serde_json::from_str::<Value>(&text));
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        if let (Ok(a), Ok(b)) = (ours, theirs) {
            prop_assert!(same(&a, &b), "{:?}: ours {:?}, serde_json {:?}", text, a, b);
        }
    }
}
