# workerd configuration for the example worker.
#   CHAT_API_URL=http://127.0.0.1:8080/local ENCRYPTION_KEY=… WEBHOOK_SECRET=… \
#     npx workerd serve examples/worker/config.capnp --socket-addr http=127.0.0.1:8787
# The worker's ./pkg/ modules are embedded from the repository's package, ../../pkg
# (node scripts/build-pkg.mjs): its workerd entry and the .wasm it imports. With wrangler,
# `import { ChatClient } from 'botpress-chat-wasm'` resolves to the same entry by itself.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .chatWorker),
    # Outbound network; "local" lets the worker reach a Chat API server on 127.0.0.1.
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const chatWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "pkg/workerd.js", esModule = embed "../../pkg/workerd.js"),
    (name = "pkg/botpress_chat_wasm_bg.wasm", wasm = embed "../../pkg/botpress_chat_wasm_bg.wasm"),
  ],
  bindings = [
    (name = "CHAT_API_URL", fromEnvironment = "CHAT_API_URL"),
    (name = "ENCRYPTION_KEY", fromEnvironment = "ENCRYPTION_KEY"),
    (name = "WEBHOOK_SECRET", fromEnvironment = "WEBHOOK_SECRET"),
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "net",
);
