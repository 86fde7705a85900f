#!/usr/bin/env bash
# Formatting (rustfmt.toml), then native unit, property and integration tests of
# the whole workspace.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
cargo fmt --all --check || die "code is not formatted: run cargo fmt --all"
cargo test --workspace
