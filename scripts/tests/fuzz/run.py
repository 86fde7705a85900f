"""Fuzzes chat-server's API with Schemathesis, from its own /openapi.json.

usage: run.py [--server target/debug/chat-server] [--out test-output]
       (environment: FUZZ_SEED, a number or `random`, default 101;
        FUZZ_EXAMPLES, examples per operation, default 40)

Starts its own chat-server (127.0.0.1, a free port, --exit-after), makes a
user for the x-user-key header, runs Schemathesis three times (every operation
but the two deletions of containers, then deleteConversation alone, then
deleteUser alone, so that the user stays for the first two runs), checks the
cassettes with summary.py, and kills the server by pid in the end.
Cassettes and reports go to OUT/fuzz-reports/. Run with the Python of
.venv-fuzz/ (scripts/setup.sh installs it).
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def start(server):
    """chat-server on a free loopback port: (process, base URL)."""
    proc = subprocess.Popen(
        [server, "--addr", "127.0.0.1:0", "--exit-after", "400", "--bot-delay-ms", "0", "--stream-max-secs", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    url = line.removeprefix("listening on ").split()[0] if line.startswith("listening on ") else ""
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        proc.wait()
        sys.exit(f"chat-server did not start: {line!r}")
    return proc, url.rstrip("/")


def request(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=str(ROOT / "target/debug/chat-server"))
    ap.add_argument("--out", default=os.environ.get("OUT", str(ROOT / "test-output")))
    a = ap.parse_args()
    st = str(Path(sys.executable).parent / "st")
    seed = os.environ.get("FUZZ_SEED", "101")
    if seed == "random":
        seed = str(random.randrange(1, 1 << 31))
    examples = os.environ.get("FUZZ_EXAMPLES", "40")
    reports = Path(a.out) / "fuzz-reports"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)

    proc, base = start(a.server)
    try:
        api = f"{base}/local"
        key = json.loads(request(f"{api}/users", {}))["key"]
        doc = Path(a.out) / "fuzz-openapi.json"
        doc.write_bytes(request(f"{api}/openapi.json"))
        version = subprocess.run([st, "--version"], capture_output=True, text=True).stdout.split()[-1]
        print(f"schemathesis {version}, seed {seed}", file=sys.stderr, flush=True)

        def run(name, *extra):
            cmd = [
                st, "--config-file", str(HERE / "schemathesis.toml"), "run", f"{api}/openapi.json",
                "--url", api, "-H", f"x-user-key: {key}", "--seed", seed, "--workers", "1",
                "--max-examples", examples, "--report", "vcr", "--report-vcr-path", str(reports / f"{name}.yaml"),
                "--report-dir", str(reports), *extra,
            ]
            try:
                return subprocess.run(cmd, timeout=170).returncode
            except subprocess.TimeoutExpired:
                print(f"schemathesis run {name}: no result within 170 s", file=sys.stderr)
                return 1

        # deleteConversation and deleteUser run on their own: in a sequence, they take
        # away what other operations created (a conversation's messages, events and
        # participants; the key's user), and the check that a created resource can be
        # fetched knows only of deletions of that resource itself.
        rc = run("main", "--exclude-operation-id", "deleteUser", "--exclude-operation-id", "deleteConversation")
        rc |= run("delete-conversation", "--include-operation-id", "deleteConversation")
        rc |= run("delete-user", "--include-operation-id", "deleteUser")
        cassettes = [str(reports / f"{n}.yaml") for n in ("main", "delete-conversation", "delete-user")]
        rc |= subprocess.run([sys.executable, str(HERE / "summary.py"), str(doc), "/local", *cassettes]).returncode
    finally:
        proc.kill()
        proc.wait()
    if rc:
        sys.exit(f"fuzzing found problems (seed {seed}; cassettes in {reports})")
    print("fuzz ok", file=sys.stderr)


if __name__ == "__main__":
    main()
