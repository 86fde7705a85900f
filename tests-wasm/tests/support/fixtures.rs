//! The servers that `scripts/wasm-test-runner.sh` (Cargo's runner for
//! `wasm32-unknown-unknown`, set in `.cargo/config.toml`) started for this
//! test binary, read when the tests run: from `WASM_TEST_FIXTURES` in Node,
//! from `/target/wasm-fixtures/<test crate>.json` in a browser (the test
//! page's server also serves the working directory, where the runner writes
//! that file). A missing fixture fails the test and says how to run it.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function fixturesText(name) {
  if (typeof process === 'object' && process.env && process.env.WASM_TEST_FIXTURES) {
    return process.env.WASM_TEST_FIXTURES
  }
  if (typeof XMLHttpRequest !== 'function') return undefined
  const x = new XMLHttpRequest()
  x.open('GET', `/target/wasm-fixtures/${name}.json`, false)
  x.send()
  return x.status === 200 ? x.responseText : undefined
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = fixturesText)]
    fn fixtures_text(name: &str) -> Option<String>;
}

thread_local! {
    static FIXTURES: RefCell<Option<Vec<(String, &'static str)>>> = const { RefCell::new(None) };
}

/// The fixture `key` of this test binary (a server URL, a key), read once.
pub fn fixture(key: &str) -> &'static str {
    FIXTURES.with(|cell| {
        let mut all = cell.borrow_mut();
        let all = all.get_or_insert_with(|| {
            let crate_name = env!("CARGO_CRATE_NAME");
            let text = fixtures_text(crate_name).unwrap_or_else(|| {
                panic!(
                    "no fixtures for {crate_name}: run it with `cargo test --target wasm32-unknown-unknown --test \
                     {crate_name}`, whose runner starts its servers (see CONTRIBUTING.md)"
                )
            });
            let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&text) else {
                panic!("fixtures of {crate_name}: not a JSON object: {text}")
            };
            // Leaked once per test binary: the suites keep `&'static str` URLs.
            m.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, &*Box::leak(s.to_string().into_boxed_str()))))
                .collect()
        });
        all.iter().find(|(k, _)| k == key).map(|(_, v)| *v).unwrap_or_else(|| panic!("no fixture \"{key}\""))
    })
}
