//! Writes the committed files that are derived from the client's Rust
//! definitions, so that each fact has one source:
//! - `src/js/errors.js`: one class per API error type (name, status,
//!   description) from [`ApiErrorType`];
//! - `src/js/types.d.ts`: their TypeScript declarations and the `ApiError`
//!   union, from the same table;
//!
//! `cargo run -p codegen` rewrites them; `cargo run -p codegen -- --check`
//! fails (exit 1) when a committed file differs from what the definitions
//! give, naming the file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use botpress_chat_wasm::ApiErrorType;

/// Replaces the text between the `@generated begin` line and the
/// `@generated end` line of `text` (both kept).
fn splice(text: &str, body: &str) -> Result<String, String> {
    let begin = text.find("@generated begin").ok_or("no `@generated begin` marker")?;
    let body_start = text[begin..].find('\n').map(|i| begin + i + 1).ok_or("marker line not ended")?;
    let end_marker = text[body_start..].find("@generated end").ok_or("no `@generated end` marker")? + body_start;
    let end_line = text[..end_marker].rfind('\n').map_or(0, |i| i + 1);
    Ok(format!("{}{}{}", &text[..body_start], body, &text[end_line..]))
}

fn js_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The API error classes of `src/js/errors.js`.
fn error_classes() -> String {
    let mut out = String::new();
    for t in ApiErrorType::ALL {
        let (name, code, description) = (t.name(), t.code(), js_string(t.description()));
        out.push_str(&format!("export const {name}Error = apiErrorClass('{name}', {code}, {description});\n"));
    }
    out
}

/// The API error classes' declarations in `src/js/types.d.ts`.
fn error_declarations() -> String {
    let mut out = String::new();
    for t in ApiErrorType::ALL {
        let (name, code) = (t.name(), t.code());
        // UnknownError is also the base of the client-side failures (NetworkError, …).
        let ty = match t {
            ApiErrorType::Unknown => "'Unknown' | 'Network' | 'Timeout' | 'Aborted' | 'Decode'".to_string(),
            _ => format!("'{name}'"),
        };
        out.push_str(&format!("/** {} */\n", t.description()));
        out.push_str(&format!(
            "export declare class {name}Error extends BaseApiError<{code}, {ty}> {{ constructor(...args: ApiErrorArgs) }}\n"
        ));
    }
    let all: Vec<String> = ApiErrorType::ALL.iter().map(|t| format!("{}Error", t.name())).collect();
    out.push_str(&format!("/** Any API error. */\nexport type ApiError = {};\n", all.join(" | ")));
    out
}

struct Output {
    path: &'static str,
    /// The new full text, from the current one.
    render: fn(&str) -> Result<String, String>,
}

const OUTPUTS: &[Output] = &[
    Output { path: "src/js/errors.js", render: |t| splice(t, &error_classes()) },
    Output { path: "src/js/types.d.ts", render: |t| splice(t, &error_declarations()) },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("codegen/ is inside the workspace").to_path_buf()
}

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let mut stale = 0;
    for out in OUTPUTS {
        let path = root().join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match (out.render)(&current) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("codegen: {}: {e}", out.path);
                return ExitCode::FAILURE;
            }
        };
        if new == current {
            continue;
        }
        if check {
            eprintln!("codegen: {} is out of date: run `cargo run -p codegen`", out.path);
            stale += 1;
        } else if let Err(e) = std::fs::write(&path, new) {
            eprintln!("codegen: writing {}: {e}", out.path);
            return ExitCode::FAILURE;
        } else {
            println!("codegen: wrote {}", out.path);
        }
    }
    if stale > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_between_markers() {
        let t = "a\n// @generated begin x\nold\n// @generated end\nb\n";
        assert_eq!(splice(t, "new\n").unwrap(), "a\n// @generated begin x\nnew\n// @generated end\nb\n");
        assert!(splice("nothing", "x").is_err());
    }
}
