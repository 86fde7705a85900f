"""Summarises Schemathesis VCR cassettes of stage 24 against the OpenAPI document.

usage: summary.py OPENAPI_JSON API_BASE_PATH CASSETTE...

Counts the generated requests per operation and generation mode (positive /
negative) and the answers by status. Fails (exit 1) when an operation of the
document got no positive or no negative request, when any answer is a 5xx, or
when any check did not pass.
"""

import json
import re
import sys
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import yaml


def templates(doc, base):
    """(regex, method, operationId) for every operation of the document."""
    out = []
    for path, item in doc["paths"].items():
        rx = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        for method, op in item.items():
            out.append((re.compile("^" + re.escape(base) + rx + "/?$"), method.upper(), op["operationId"]))
    return out


def main():
    doc_path, base, cassettes = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(doc_path) as f:
        ops = templates(json.load(f), base)
    names = sorted({name for _, _, name in ops})
    modes = defaultdict(Counter)
    statuses = Counter()
    problems = []
    total = 0
    for path in cassettes:
        with open(path) as f:
            cassette = yaml.safe_load(f)
        for it in cassette.get("http_interactions") or []:
            req, resp = it["request"], it.get("response") or {}
            uri = urlsplit(req["uri"]).path
            method = req["method"].upper()
            matches = [n for rx, m, n in ops if m == method and rx.match(uri)]
            # Fixed paths win over templates (/conversations/get-or-create vs /conversations/{id}).
            name = min(matches, key=lambda n: 0 if n.startswith("getOrCreate") else 1) if matches else None
            mode = ((it.get("generation") or {}).get("mode")) or "other"
            code = int((resp.get("status") or {}).get("code") or 0)
            total += 1
            statuses[code] += 1
            modes[name or f"(other: {method})"][mode] += 1
            if code >= 500 or code == 0:
                problems.append(f"{method} {uri}: answered {code or 'nothing'}")
            for check in it.get("checks") or []:
                if check.get("status") not in ("SUCCESS", "SKIP", None):
                    problems.append(f"{method} {uri}: check {check['name']} {check['status']}: {check.get('message')}")
    print(f"{'operation':<26} {'positive':>9} {'negative':>9}")
    for name in names:
        c = modes.get(name, Counter())
        print(f"{name:<26} {c['positive']:>9} {c['negative']:>9}")
        if c["positive"] == 0 or c["negative"] == 0:
            problems.append(f"{name}: {c['positive']} positive and {c['negative']} negative requests")
    for name in sorted(k for k in modes if k not in names):
        print(f"{name:<26} {sum(modes[name].values()):>9} (undeclared methods and other probes)")
    pos = sum(c["positive"] for c in modes.values())
    neg = sum(c["negative"] for c in modes.values())
    by_status = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    print(f"requests: {total} ({pos} positive, {neg} negative); answers by status: {by_status}")
    print(f"operations: {len(names)}")
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems[:40]:
            print("  " + p)
        sys.exit(1)


if __name__ == "__main__":
    main()
