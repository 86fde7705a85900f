#!/usr/bin/env bash
# The documentation's references: every section of docs/PROTOCOL.md that a code
# comment cites exists, and relative links in the Markdown files resolve.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node --test tests/docs/
