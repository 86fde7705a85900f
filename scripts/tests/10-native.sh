#!/usr/bin/env bash
# Formatting (rustfmt.toml), clippy with the workspace lints (Cargo.toml
# [workspace.lints]: unused_crate_dependencies, missing_docs) as errors, natively
# and for the wasm target, then native unit, property and integration tests of
# the whole workspace: among them the client suite and the realtime scenarios over
# the native host, and the examples (crates/botpress-chat/tests/), which start
# their own chat-servers (and the fault proxy) and stop them by process id.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
cargo fmt --all --check || die "code is not formatted: run cargo fmt --all"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p botpress-chat-wasm -p botpress-chat-wasm-tests --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo test --workspace
