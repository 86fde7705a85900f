#!/usr/bin/env bash
# Unit tests of the demo page's modules that run without a browser: the markdown
# renderer (www/markdown.js, whose output goes to innerHTML) against hostile inputs,
# and the module graph (imports resolve, no cycles).
# The page itself is tested end to end in stage 60.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node --test tests/www/
