#!/usr/bin/env python3
"""Check sekishod's Prometheus endpoint against what the run did.

After a run has drained, the counters must add up with the audit journal:
sanitised + withheld = the receipts in the journal, and every step that
each of those went through was timed once in sekisho_stage_seconds
(STAGES, comma-separated: those every message passes).  The histograms must
be well formed: cumulative buckets that never go down, +Inf equal to
_count, a sum that is not negative.  Prints one line; exits 1 on a mismatch.
With "streamed" (a milter run over TCP): every connection the MTA made to
the milter must have streamed the message (TCP quick ACKs, no step-by-step
answers; src/daemon/milter_sock.h).

usage: metrics.py NAME HOST:PORT JOURNAL STAGES [streamed]
"""
import json
import re
import sys
import urllib.request

name, addr, journal, stages = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
want_streamed = len(sys.argv) > 5 and sys.argv[5] == "streamed"
text = urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode()
problems = []


def value(metric):
    m = re.search(r"^%s (\S+)$" % re.escape(metric), text, re.M)
    if not m:
        problems.append(f"{metric} missing")
        return 0
    return float(m.group(1))


receipts = 0
for line in open(journal, encoding="utf-8"):
    try:
        if json.loads(line).get("receipt", {}).get("verdict") in ("sanitized", "withheld"):
            receipts += 1
    except ValueError:
        pass
done = value("sekisho_messages_sanitized_total") + value("sekisho_messages_withheld_total")
# A restart (reload) keeps the shared page, so the counters cover the whole run.
if done != receipts:
    problems.append(f"sanitized+withheld = {done:g}, the journal has {receipts} receipts")

hist = {}
for m in re.finditer(r'^sekisho_stage_seconds_(bucket|sum|count)\{stage="([a-z_]+)"(?:,le="([^"]+)")?\} (\S+)$',
                     text, re.M):
    kind, stage, le, v = m.groups()
    h = hist.setdefault(stage, {"buckets": [], "sum": None, "count": None})
    if kind == "bucket":
        h["buckets"].append((le, float(v)))
    else:
        h[kind] = float(v)
for stage, h in hist.items():
    counts = [v for _, v in h["buckets"]]
    if counts != sorted(counts):
        problems.append(f"{stage}: buckets not cumulative")
    if not h["buckets"] or h["buckets"][-1][0] != "+Inf" or counts[-1] != h["count"]:
        problems.append(f"{stage}: +Inf bucket is not _count")
    if h["sum"] is None or h["sum"] < 0:
        problems.append(f"{stage}: bad _sum")
for stage in stages:
    n = hist.get(stage, {}).get("count") or 0
    if n < receipts:
        problems.append(f"stage {stage} timed {n:g} times for {receipts} messages")

streamed = ""
if want_streamed:
    n, k = value("sekisho_milter_connections_streamed_total"), value("sekisho_milter_connections_stepwise_total")
    if n == 0 or k != 0:
        problems.append(f"milter connections: {n:g} streamed, {k:g} answered step by step (expected all streamed)")
    streamed = f"; {n:g} milter connections streamed"
summary = ", ".join(f"{s} {hist[s]['count']:g}x mean {1000 * hist[s]['sum'] / hist[s]['count']:.2f} ms"
                    for s in sorted(hist) if hist[s]["count"])
print(f"e2e {name} metrics: {done:g} processed = {receipts} journal receipts; {summary}{streamed}")
for p in problems:
    print(f"   {p}")
sys.exit(1 if problems else 0)
