#!/usr/bin/env bash
# The documentation's references: every section of docs/PROTOCOL.md that a code
# comment cites exists, relative links in the Markdown files resolve, and
# ARCHITECTURE.md's "Adding an operation" matches every operation's footprint
# (tests/docs/operations.test.mjs).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node --test tests/docs/
# The Rust crate's documentation builds without a warning (rustdoc lints: broken or
# redundant links, bad code blocks), and the crate packages as it would be published.
RUSTDOCFLAGS="-D warnings" cargo doc -p botpress-chat --no-deps
cargo package -p botpress-chat --allow-dirty
