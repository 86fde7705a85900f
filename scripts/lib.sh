# Shared helpers for the set-up, build, demo and test scripts.
# Source it:  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   (or ../lib.sh from scripts/tests/)
#
# Defines:
#   ROOT   repository root (absolute)
#   OUT    $ROOT/test-output, created; logs and artefacts of test runs go here
#   PATH   $ROOT/node_modules/.bin and ~/.cargo/bin first (npm binaryen's wasm-opt
#          must win over any system one)
#   NODE_LTS  the current Node.js LTS that scripts/setup.sh installs into .tools/node-lts
#          (npm package `node`); the test stages run on `node` from PATH (Node 20+) and
#          stage 45 runs the Node test files on $NODE_LTS too
#   log MSG...                        timestamped message on stderr
#   die MSG...                        log and exit 1
#   start_chat_server NAME [ARGS...]  start target/debug/chat-server on a free loopback
#                                     port, export NAME_URL and NAME_PID, kill it on exit
#   start_fault_proxy NAME URL        tests/support/fault-proxy.mjs in front of URL, export
#                                     NAME_PROXY_URL and NAME_CONTROL_URL, kill it on exit
#   stop_pid PID                      TERM, wait up to 5 s, then KILL
#   stop_all_servers                  stop every server started by start_chat_server
#                                     or registered with register_pid
#   register_pid PID                  stop this background process on exit too
#   on_exit CMD                       run CMD (a string, eval'd) on exit, last added first
# The EXIT trap this file installs runs the on_exit commands, then stop_all_servers.
# Do not replace it with your own `trap ... EXIT`: use on_exit.

if [ -n "${BOTPRESS_CHAT_WASM_LIB_LOADED:-}" ] && [ "${BOTPRESS_CHAT_WASM_LIB_PID:-}" = "$BASHPID" ]; then
  return 0
fi
BOTPRESS_CHAT_WASM_LIB_LOADED=1
BOTPRESS_CHAT_WASM_LIB_PID=$BASHPID

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/test-output}"
mkdir -p "$OUT"
export ROOT OUT

# npm tools first (binaryen's wasm-opt, workerd, vite, tsc...), then cargo-installed
# tools (wasm-pack, wasm-bindgen), then the rest. A system wasm-opt must never win.
_bcw_path_prepend() {
  case ":$PATH:" in
    ":$1:"*) ;;                                   # already first
    *) PATH="$1:$(printf '%s' ":$PATH:" | sed "s#:$1:#:#g; s#^:##; s#:\$##")" ;;
  esac
}
_bcw_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
_bcw_path_prepend "$ROOT/node_modules/.bin"
export PATH

# A second Node.js runtime, the current LTS (see NODE_LTS_VERSION in setup.sh).
export NODE_LTS="${NODE_LTS:-$ROOT/.tools/node-lts/node_modules/.bin/node}"

# Browser used by wasm-bindgen-test, Playwright and screenshots.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$ROOT/webdriver.json}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------
BCW_SERVER_PIDS=()

stop_pid() {
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  return 0
}

register_pid() { BCW_SERVER_PIDS+=("$1"); }

stop_all_servers() {
  local pid
  for pid in "${BCW_SERVER_PIDS[@]}"; do
    stop_pid "$pid"
  done
  BCW_SERVER_PIDS=()
}

# start_chat_server NAME [chat-server args...]
#   Runs: $CHAT_SERVER --addr 127.0.0.1:0 --exit-after 1800 ARGS...
#   stdout -> $OUT/NAME.log, stderr -> $OUT/NAME.err.log
#   Waits (up to 60 s) for the first stdout line "listening on http://127.0.0.1:PORT",
#   then exports NAME_URL=http://127.0.0.1:PORT and NAME_PID.
#   CHAT_SERVER defaults to $ROOT/target/debug/chat-server.
start_chat_server() {
  local name="$1"; shift
  [ -n "$name" ] || die "start_chat_server: NAME required"
  local bin="${CHAT_SERVER:-$ROOT/target/debug/chat-server}"
  [ -x "$bin" ] || die "start_chat_server: $bin not found (cargo build -p chat-server)"
  local logf="$OUT/$name.log" errf="$OUT/$name.err.log"
  : >"$logf"; : >"$errf"
  "$bin" --addr 127.0.0.1:0 --exit-after 1800 "$@" >"$logf" 2>"$errf" </dev/null &
  local pid=$!
  BCW_SERVER_PIDS+=("$pid")
  local deadline=$((SECONDS + 60)) line="" url=""
  while :; do
    line="$(head -n 1 "$logf" 2>/dev/null)"
    case "$line" in
      *"listening on http://"*)
        # accept only a complete first line
        if [ "$(wc -l <"$logf")" -ge 1 ]; then
          url="${line#*listening on }"
          url="${url%%[[:space:]]*}"
          break
        fi ;;
    esac
    if ! kill -0 "$pid" 2>/dev/null; then
      log "start_chat_server $name: exited before listening; stderr:"
      tail -n 30 "$errf" >&2
      wait "$pid" 2>/dev/null
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "start_chat_server $name: no 'listening on' line within 60 s; stderr:"
      tail -n 30 "$errf" >&2
      stop_pid "$pid"
      return 1
    fi
    sleep 0.05
  done
  url="${url%/}"
  printf -v "${name}_URL" '%s' "$url"
  printf -v "${name}_PID" '%s' "$pid"
  export "${name}_URL" "${name}_PID"
  log "chat-server $name at $url (pid $pid, log $logf)"
}

# start_fault_proxy NAME TARGET_URL
#   Runs tests/support/fault-proxy.mjs in front of TARGET_URL (http://host:port),
#   stopped on exit; stdout -> $OUT/NAME-proxy.log. Waits (up to 5 s) for its
#   "PROXY <url> <control-url>" line and exports NAME_PROXY_URL, NAME_CONTROL_URL.
start_fault_proxy() {
  local name="$1" target="$2" logf="$OUT/$1-proxy.log" proxy="" control=""
  : >"$logf"
  node "$ROOT/tests/support/fault-proxy.mjs" --target "${target#http://}" --exit-after 600 >"$logf" 2>&1 &
  register_pid $!
  for _ in $(seq 1 100); do
    grep -q '^PROXY ' "$logf" && break
    sleep 0.05
  done
  read -r _ proxy control < <(grep '^PROXY ' "$logf") || true
  [ -n "$control" ] || die "fault proxy did not start: $(cat "$logf")"
  printf -v "${name}_PROXY_URL" '%s' "$proxy"
  printf -v "${name}_CONTROL_URL" '%s' "$control"
  export "${name}_PROXY_URL" "${name}_CONTROL_URL"
  log "fault proxy $name at $proxy (control $control)"
}

BCW_EXIT_CMDS=()
on_exit() { BCW_EXIT_CMDS=("$1" "${BCW_EXIT_CMDS[@]}"); }
_bcw_on_exit() {
  local rc=$? c
  for c in "${BCW_EXIT_CMDS[@]}"; do
    eval "$c" || true
  done
  stop_all_servers
  return "$rc"
}

# Kill our servers however the sourcing script ends.
trap '_bcw_on_exit' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Seconds since the epoch with decimals, for stage timings.
now() { date +%s.%N; }
