#!/usr/bin/env bash
# Native unit, property and integration tests of the whole workspace.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
cargo test --workspace
