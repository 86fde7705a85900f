//! Writes the committed files that are derived from the Rust definitions of
//! the core crate, so that each fact has one source. One module per
//! artefact:
//! - [`errors`]: `src/js/errors.js` (one class per API error type) and the
//!   error part of `src/js/types.d.ts`;
//! - [`declarations`]: `src/js/generated.d.ts` (models, payloads, signals,
//!   inputs, outputs, the `Operations` map).
//!
//! `cargo run -p codegen` rewrites them; `cargo run -p codegen -- --check`
//! fails (exit 1) when a committed file differs from what the definitions
//! give, naming the file; and `cargo test` fails the same way (the test
//! `generated_files_are_up_to_date`), so a stale file cannot pass the test
//! command.

mod declarations;
mod errors;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Replaces the text between the `@generated begin` line and the
/// `@generated end` line of `text` (both kept).
fn splice(text: &str, body: &str) -> Result<String, String> {
    let begin = text.find("@generated begin").ok_or("no `@generated begin` marker")?;
    let body_start = text[begin..].find('\n').map(|i| begin + i + 1).ok_or("marker line not ended")?;
    let end_marker = text[body_start..].find("@generated end").ok_or("no `@generated end` marker")? + body_start;
    let end_line = text[..end_marker].rfind('\n').map_or(0, |i| i + 1);
    Ok(format!("{}{}{}", &text[..body_start], body, &text[end_line..]))
}

/// One generated file: its path and how its new text is made from the
/// current one.
struct Output {
    path: &'static str,
    /// The new full text, from the current one.
    render: fn(&str) -> Result<String, String>,
}

const OUTPUTS: &[Output] = &[
    Output { path: "src/js/errors.js", render: |t| splice(t, &errors::error_classes()) },
    Output { path: "src/js/types.d.ts", render: |t| splice(t, &errors::error_declarations()) },
    Output { path: "src/js/generated.d.ts", render: declarations::model_declarations },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("codegen/ is inside the workspace").to_path_buf()
}

/// The outputs whose committed text differs from what the definitions
/// give: `(path, new text)`.
fn stale() -> Result<Vec<(&'static str, String)>, String> {
    let mut out = Vec::new();
    for o in OUTPUTS {
        let current = std::fs::read_to_string(root().join(o.path)).unwrap_or_default();
        let new = (o.render)(&current).map_err(|e| format!("{}: {e}", o.path))?;
        if new != current {
            out.push((o.path, new));
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let stale = match stale() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (path, new) in &stale {
        if check {
            eprintln!("codegen: {path} is out of date: run `cargo run -p codegen`");
        } else if let Err(e) = std::fs::write(root().join(path), new) {
            eprintln!("codegen: writing {path}: {e}");
            return ExitCode::FAILURE;
        } else {
            println!("codegen: wrote {path}");
        }
    }
    if check && !stale.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_up_to_date() {
        let stale: Vec<&str> = stale().unwrap().into_iter().map(|(p, _)| p).collect();
        assert!(stale.is_empty(), "stale generated files (run `cargo run -p codegen`): {stale:?}");
    }

    #[test]
    fn splice_replaces_between_markers() {
        let t = "a\n// @generated begin x\nold\n// @generated end\nb\n";
        assert_eq!(splice(t, "new\n").unwrap(), "a\n// @generated begin x\nnew\n// @generated end\nb\n");
        assert!(splice("nothing", "x").is_err());
    }
}
