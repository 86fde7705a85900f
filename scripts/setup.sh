#!/usr/bin/env bash
# Installs whatever is missing to build and test botpress-chat-wasm:
#   - Rust target wasm32-unknown-unknown
#   - wasm-pack 0.15.1 and wasm-bindgen-cli (same version as wasm-bindgen in Cargo.lock)
#   - Debian chromium + chromium-driver, firefox-esr, webkit2gtk-driver, xvfb (browser tests)
#   - geckodriver (pinned, cargo install)
#   - the npm dev tools of package.json (binaryen's wasm-opt, workerd, playwright-core, ...)
#   - Schemathesis (PyPI, pinned) in .venv-fuzz/ for the fuzz stage
#   - the current Node.js LTS into .tools/node-lts (npm package `node`, which brings the
#     binary as a platform package), for stage 45; the machine's Node 20 stays the default
# Idempotent: when everything is present it only checks versions (a few seconds).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

WASM_PACK_VERSION=0.15.1
NODE_LTS_VERSION=26.10.0
t0=$SECONDS

# --- Rust target -----------------------------------------------------------
command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first"
if command -v rustup >/dev/null; then
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo fmt --version >/dev/null 2>&1; then
    log "rustup component add rustfmt"
    rustup component add rustfmt
  fi
  if ! cargo clippy --version >/dev/null 2>&1; then
    log "rustup component add clippy"
    rustup component add clippy
  fi
else
  log "warning: rustup not found; assuming wasm32-unknown-unknown is available"
fi

# cargo_install CRATE VERSION: --locked first; if its lock file names a version the
# registry no longer offers (yanked), resolve afresh within the same semver ranges.
cargo_install() {
  cargo install --locked "$1" --version "$2" --force && return 0
  log "cargo install --locked $1 $2 failed; retrying without --locked"
  cargo install "$1" --version "$2" --force
}

# --- wasm-pack ---------------------------------------------------------------
have_version() {  # have_version CMD VERSION: true if `CMD --version` prints VERSION as a word
  command -v "$1" >/dev/null 2>&1 || return 1
  "$1" --version 2>/dev/null | tr -s ' \t' '\n\n' | grep -qx "$2"
}
if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
  log "cargo install wasm-pack $WASM_PACK_VERSION (about 2 minutes)"
  cargo_install wasm-pack "$WASM_PACK_VERSION"
fi

# --- wasm-bindgen-cli, same version as the wasm-bindgen crate --------------
lock_wasm_bindgen_version() {
  # version of package "wasm-bindgen" in Cargo.lock
  [ -f Cargo.lock ] || return 1
  awk '
    /^\[\[package\]\]/ { inpkg=1; name=""; next }
    inpkg && /^name = / { gsub(/"/, "", $3); name=$3; next }
    inpkg && /^version = / && name=="wasm-bindgen" { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}
manifest_wasm_bindgen_version() {
  # exact pin `wasm-bindgen = "=X"` in Cargo.toml
  sed -n 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*{\{0,1\}[^"]*"=\{0,1\}\([0-9][0-9.]*\)".*/\1/p' Cargo.toml | head -n 1
}
WB_VERSION="$(lock_wasm_bindgen_version || true)"
if [ -z "$WB_VERSION" ]; then
  log "no wasm-bindgen in Cargo.lock; cargo generate-lockfile"
  cargo generate-lockfile >/dev/null 2>&1 || cargo metadata --format-version 1 >/dev/null 2>&1 || true
  WB_VERSION="$(lock_wasm_bindgen_version || true)"
fi
if [ -z "$WB_VERSION" ]; then
  WB_VERSION="$(manifest_wasm_bindgen_version || true)"
  [ -n "$WB_VERSION" ] && log "warning: Cargo.lock unavailable; using wasm-bindgen $WB_VERSION from Cargo.toml"
fi
[ -n "$WB_VERSION" ] || die "cannot determine the wasm-bindgen version (Cargo.lock / Cargo.toml)"
if ! have_version wasm-bindgen "$WB_VERSION"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION (about 2-3 minutes)"
  cargo_install wasm-bindgen-cli "$WB_VERSION"
fi

# --- Browsers (Debian): Chromium + chromedriver, Firefox ESR, WebKitGTK's driver ----------
# Chromium runs every browser test; Firefox and WebKit (MiniBrowser, on Xvfb) run
# the install test's built pages and, Firefox, the wasm suites too.
DEBS=()
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || DEBS+=(chromium chromium-driver)
[ -x /usr/bin/firefox-esr ] || DEBS+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || DEBS+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || DEBS+=(xvfb)
if [ "${#DEBS[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${DEBS[*]} by hand"
    SUDO="sudo -n"
  fi
  log "apt-get install ${DEBS[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${DEBS[@]}" >/dev/null
fi

# --- geckodriver (Firefox's WebDriver), pinned ----------------------------------
GECKODRIVER_VERSION=0.36.0
if ! have_version geckodriver "$GECKODRIVER_VERSION"; then
  log "cargo install geckodriver $GECKODRIVER_VERSION (about 4 minutes)"
  cargo_install geckodriver "$GECKODRIVER_VERSION"
fi

# --- npm dev tools -----------------------------------------------------------
command -v npm >/dev/null || die "npm not found: install Node.js 20+"
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; } \
   || [ package.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then
    log "npm ci"
    npm_err="$(mktemp)"
    if ! npm ci --no-audit --no-fund --loglevel=error 2>"$npm_err"; then
      # npm ci refuses a lock file whose packages list optional platform packages
      # (other OSes/CPUs) that the registry does not offer; npm install skips those
      # and installs the same locked versions without rewriting the lock file.
      if grep -q 'Missing: .* from lock file' "$npm_err"; then
        log "npm ci: the lock file lacks other platforms' optional packages; npm install --no-save"
        npm install --no-save --no-audit --no-fund --loglevel=error
      else
        cat "$npm_err" >&2; rm -f "$npm_err"
        die "npm ci failed"
      fi
    fi
    rm -f "$npm_err"
  else
    log "npm install (no package-lock.json)"
    npm install --no-audit --no-fund --loglevel=error
  fi
  touch node_modules/.package-lock.json 2>/dev/null || true
fi

# --- Node.js LTS (second runtime of the Node test files) ----------------------
# Into .tools/node-lts, where lib.sh's NODE_LTS points by default. Not fatal: without
# it only stage 45 fails, and says why.
lts_dir="$ROOT/.tools/node-lts"
if [ "$("$lts_dir/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]; then
  log "npm install node@$NODE_LTS_VERSION into .tools/node-lts"
  rm -rf "$lts_dir" && mkdir -p "$lts_dir"
  printf '{ "private": true }\n' >"$lts_dir/package.json"
  if ! npm install --prefix "$lts_dir" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_LTS_VERSION" \
     || [ "$("$lts_dir/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]; then
    log "warning: Node.js $NODE_LTS_VERSION could not be installed; stage 45 will fail"
  fi
fi

# --- Schemathesis (fuzz stage 24), in a local virtual environment -------------
# Pinned with its dependencies in scripts/tests/fuzz/requirements.txt; needs only
# Python 3.9+ with pip. Reinstalled when that file changes.
FUZZ_VENV="$ROOT/.venv-fuzz"
FUZZ_REQS="$ROOT/scripts/tests/fuzz/requirements.txt"
SCHEMATHESIS_VERSION="$(sed -n 's/^schemathesis==//p' "$FUZZ_REQS")"
if ! "$FUZZ_VENV/bin/st" --version 2>/dev/null | grep -qx "st, version $SCHEMATHESIS_VERSION" \
   || [ "$FUZZ_REQS" -nt "$FUZZ_VENV/.installed" ]; then
  py="$(command -v python3.11 || command -v python3 || true)"
  [ -n "$py" ] || die "python3 not found: install Python 3.9+ (with pip) for the fuzz stage"
  log "schemathesis $SCHEMATHESIS_VERSION into .venv-fuzz/ ($("$py" --version))"
  rm -rf "$FUZZ_VENV"
  if "$py" -m venv "$FUZZ_VENV" 2>/dev/null; then
    "$FUZZ_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$FUZZ_REQS"
  else
    # No ensurepip (Debian without python3-venv): a bare environment, filled by the outer pip.
    rm -rf "$FUZZ_VENV"
    "$py" -m venv --without-pip "$FUZZ_VENV"
    "$py" -m pip --python "$FUZZ_VENV/bin/python" install -q --disable-pip-version-check -r "$FUZZ_REQS"
  fi
  touch "$FUZZ_VENV/.installed"
fi

# --- sanity -------------------------------------------------------------------
wasm_opt="$(command -v wasm-opt || true)"
[ "$wasm_opt" = "$ROOT/node_modules/.bin/wasm-opt" ] \
  || die "wasm-opt resolves to '${wasm_opt:-nothing}', expected npm binaryen in node_modules/.bin"

log "setup ok in $((SECONDS - t0)) s: node $(node --version) and $("$NODE_LTS" --version 2>/dev/null || echo 'no LTS'), $(wasm-pack --version), $(wasm-bindgen --version), $(wasm-opt --version 2>/dev/null | head -n1), $(/usr/bin/chromium --version 2>/dev/null | head -n1), schemathesis $SCHEMATHESIS_VERSION"
