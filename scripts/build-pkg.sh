#!/usr/bin/env bash
# Builds the release wasm package with wasm-pack.
#   ./scripts/build-pkg.sh                 web and nodejs
#   ./scripts/build-pkg.sh web bundler     chosen targets
# Targets and output directories:
#   web -> pkg/   nodejs -> pkg-node/   bundler -> pkg-bundler/
# A target is skipped when its output is newer than every file in src/, crates/, Cargo.toml
# and Cargo.lock (FORCE=1 rebuilds). wasm-opt is npm binaryen's (node_modules/.bin),
# as set up by scripts/setup.sh. The JS glue is then minified in place by npm
# esbuild (local names too; exported names stay, and the client classes get their
# `name` back, set by finish_package).
# Prints raw and gzip -9 sizes of the .wasm and JS glue.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ "$#" -gt 0 ] || set -- web nodejs

wasm_opt="$(command -v wasm-opt || true)"
[ "$wasm_opt" = "$ROOT/node_modules/.bin/wasm-opt" ] \
  || die "wasm-opt resolves to '${wasm_opt:-nothing}', not npm binaryen: run scripts/setup.sh"
command -v wasm-pack >/dev/null || die "wasm-pack missing: run scripts/setup.sh"
esbuild="$ROOT/node_modules/.bin/esbuild"
[ -x "$esbuild" ] || die "esbuild missing: run scripts/setup.sh"

out_dir_of() {
  case "$1" in
    web) echo pkg ;;
    nodejs) echo pkg-node ;;
    bundler) echo pkg-bundler ;;
    *) die "unknown target '$1' (web, nodejs, bundler)" ;;
  esac
}

up_to_date() {  # up_to_date DIR: stamp exists and nothing in the inputs is newer
  local stamp="$1/.build-stamp"
  [ -f "$stamp" ] || return 1
  [ -z "$(find src crates Cargo.toml Cargo.lock -newer "$stamp" -print -quit 2>/dev/null)" ]
}

size_line() {  # size_line FILE
  local raw gz
  raw=$(wc -c <"$1")
  gz=$(gzip -9 -c "$1" | wc -c)
  printf '  %-44s %9s bytes  %9s gzip -9\n' "$1" "$raw" "$gz"
}

# finish_package TARGET DIR: the package's entry also exports the error classes of
# src/js/errors.js and `AuthenticatedClient` (the name `@botpress/chat` gives the
# connected client class), installs the `list` getter of both client classes
# (src/js/pages.js). wasm-bindgen copies errors.js as a snippet that the glue
# imports for its own use; it is bundled into the file that imports it (esbuild), so
# the package keeps its two files (glue and wasm; plus _bg.js for the bundler
# target) and hosts that load just those (workerd, the benchmark) keep working.
finish_package() {
  local target="$1" dir="$2" snippet rel names host main="$2/botpress_chat_wasm.js"
  snippet="$(ls "$dir"/snippets/*/src/js/errors.js)"
  rel="./${snippet#"$dir"/}"
  names="$(cp "$ROOT/src/js/errors.js" "$dir/.errors.mjs" && node --input-type=module -e "
    const m = await import('$ROOT/$dir/.errors.mjs');
    console.log(Object.keys(m).filter((k) => k !== 'chatError').join(', '));")"
  rm -f "$dir/.errors.mjs"
  [ -n "$names" ] || die "no exports found in src/js/errors.js"
  host="$(grep -l -F "${rel#./}" "$dir"/*.js | head -n 1)"
  [ -n "$host" ] || die "no file of $dir imports $rel"
  case "$target" in
    nodejs)
      # require(String.raw`./snippets/…`) -> require("./snippets/…"), so that the bundler sees the paths.
      sed -i -E 's|require\(String\.raw`(\./snippets/[^`]*)`\)|require("\1")|g' "$main"
      printf '\nObject.assign(exports, (({ chatError, ...classes }) => classes)(require("%s")));\nexports.AuthenticatedClient = exports.ChatClient;\nrequire("%s").installLists(exports.ChatClient, exports.Client);\nfor (const n of ["ChatClient", "Client", "SignalListener", "SignalIterator"]) Object.defineProperty(exports[n], "name", { value: n });\n' \
        "$rel" "$ROOT/src/js/pages.js" >>"$main"
      "$esbuild" "$main" --bundle --platform=node --format=cjs --log-level=warning --allow-overwrite --outfile="$main"
      ;;
    bundler)
      printf '\nexport { %s } from "%s";\nimport { installLists } from "%s";\ninstallLists(ChatClient, Client);\nfor (const [n, c] of Object.entries({ ChatClient, Client, SignalListener, SignalIterator })) Object.defineProperty(c, "name", { value: n });\n' \
        "$names" "$rel" "$ROOT/src/js/pages.js" >>"$host"
      "$esbuild" "$host" --bundle --format=esm --platform=neutral '--external:*.wasm' --log-level=warning \
        --allow-overwrite --outfile="$host"
      printf '\nexport { %s, ChatClient as AuthenticatedClient } from "./botpress_chat_wasm_bg.js";\n' \
        "$names" >>"$main"
      ;;
    *)
      printf '\nexport { %s } from "%s";\nexport { ChatClient as AuthenticatedClient };\nimport { installLists } from "%s";\ninstallLists(ChatClient, Client);\nfor (const [n, c] of Object.entries({ ChatClient, Client, SignalListener, SignalIterator })) Object.defineProperty(c, "name", { value: n });\n' \
        "$names" "$rel" "$ROOT/src/js/pages.js" >>"$main"
      "$esbuild" "$main" --bundle --format=esm --platform=neutral '--external:*.wasm' --log-level=warning \
        --allow-overwrite --outfile="$main"
      ;;
  esac
  rm -rf "$dir/snippets"
  node -e '
    const fs = require("fs"), f = process.argv[1], p = JSON.parse(fs.readFileSync(f, "utf8"));
    p.files = p.files.filter((x) => x !== "snippets");
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$dir/package.json"
}

for target in "$@"; do
  dir="$(out_dir_of "$target")"
  if [ "${FORCE:-0}" != 1 ] && up_to_date "$dir"; then
    log "$dir/ ($target) is up to date"
  else
    log "wasm-pack build --release --target $target --out-dir $dir"
    t0=$SECONDS
    rm -f "$dir/.build-stamp"
    # no-install: use the wasm-bindgen on PATH (same version as Cargo.lock) or fail,
    # never a silent download or cargo install.
    wasm-pack -q build --release --mode no-install --target "$target" --out-dir "$dir"
    finish_package "$target" "$dir"
    for f in "$dir"/*.js; do
      "$esbuild" "$f" --minify --log-level=warning --allow-overwrite --outfile="$f"
    done
    touch "$dir/.build-stamp"
    log "$dir/ built in $((SECONDS - t0)) s"
  fi
  for f in "$dir"/*.wasm "$dir"/*.js; do
    [ -f "$f" ] && size_line "$f"
  done
done
