#!/usr/bin/env python3
"""The steps of an inbound message during a benchmark's load, from two /metrics snapshots.

    tests/bench/steps.py BEFORE AFTER [LABEL]

BEFORE and AFTER are GET /metrics of ccd just before and just after the load. ccd times each
step of every message on its own (`ccd_message_step_seconds{step="..."}`, daemon/metrics.hpp):

    store             parsed -> stored durably (the request's group commit)
    engine_queue      handed to the engine -> taken by its strand
    engine            the engine's decision, and the store update built from it
    decisions_commit  the update handed to the store -> durable
    engine_return     durable -> back on the engine's strand
    listeners         the engine's listeners (the console builds and posts offer frames)
    answer            a POST's answer (the 202) ready -> on its HTTP connection's strand
    console_agent     a console frame posted -> sent from its agent's strand
    console_connection  -> handed to the websocket on its connection's strand

Below them, the store's own work during the load: `commit`, one group commit (BEGIN to the
synced COMMIT), from ccd_store_commit_seconds; its count is the number of commits.

A 202 follows store .. engine_return, listeners, answer; an offer frame the same steps up to
listeners, then console_agent and console_connection. The waits (engine_queue, engine_return,
answer, console_*) are time spent queued for a thread: on a machine whose cores are busy or
taken by the hypervisor, that is where its noise shows. Quantiles are interpolated within the
histogram's buckets (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50 ms, ...), so they are
as coarse as those.
"""
import re
import sys

ORDER = ["store", "engine_queue", "engine", "decisions_commit", "engine_return", "listeners",
         "answer", "console_agent", "console_connection"]
WAITS = {"engine_queue", "engine_return", "answer", "console_agent", "console_connection"}
LINE = re.compile(r'^ccd_message_step_seconds_(bucket|sum|count)\{step="([a-z_]+)"'
                  r'(?:,le="([^"]+)")?\}\s+(\S+)$')
# The store's group commit histogram, named as a step: "commit".
STORE = re.compile(r'^ccd_store_(commit)_seconds_(bucket|sum|count)(?:\{le="([^"]+)"\})?\s+(\S+)$')


def read(path):
    steps = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                kind, step, le, value = m.group(1), m.group(2), m.group(3), float(m.group(4))
            else:
                m = STORE.match(line.strip())
                if not m:
                    continue
                step, kind, le, value = m.group(1), m.group(2), m.group(3), float(m.group(4))
            s = steps.setdefault(step, {"buckets": {}, "sum": 0.0, "count": 0.0})
            if kind == "bucket":
                s["buckets"][float("inf") if le == "+Inf" else float(le)] = value
            else:
                s[kind] = value
    return steps


def quantile(bounds, counts, q):
    """bounds ascending (the last +Inf), counts cumulative; linear within a bucket."""
    total = counts[-1]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for bound, cumulative in zip(bounds, counts):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower  # beyond the last bound: at least that
            inside = cumulative - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, cumulative
    return lower


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    before, after = read(sys.argv[1]), read(sys.argv[2])
    label = f" ({sys.argv[3]})" if len(sys.argv) > 3 else ""
    if not after:
        print(f"message steps{label}: no ccd_message_step_seconds in {sys.argv[2]}")
        return 1
    print(f"message steps{label}, ms (during the load; *: waiting for a thread):")
    print(f"  {'step':<22} {'count':>8} {'mean':>8} {'p50':>8} {'p90':>8} {'p99':>8}")
    for step in ORDER + ["commit"]:
        if step == "commit" and step in after:
            print("  the store's own work:")
        a = after.get(step)
        if not a:
            continue
        b = before.get(step, {"buckets": {}, "sum": 0.0, "count": 0.0})
        bounds = sorted(a["buckets"])
        counts = [a["buckets"][x] - b["buckets"].get(x, 0.0) for x in bounds]
        n = a["count"] - b["count"]
        if n <= 0:
            continue
        mean = (a["sum"] - b["sum"]) / n * 1000
        qs = [quantile(bounds, counts, q) for q in (0.5, 0.9, 0.99)]
        cells = " ".join(f"{q * 1000:8.2f}" if q is not None else f"{'-':>8}" for q in qs)
        name = step + (" *" if step in WAITS else "")
        print(f"  {name:<22} {n:8.0f} {mean:8.2f} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
