#!/usr/bin/env python3
"""Sum `ccd classify --expect` reports over files.

Reads the output of one `ccd classify --expect --jsonl A --jsonl B ...` run (stdin or a file)
and prints, per file and summed: category, subtype and priority correct, P1 found of P1s
labelled, and false P1s (priority misses `X -> P1`). With a second report (`--before FILE`)
prints both side by side and the P1 messages found before but not after (by id).

    build/daemon/ccd classify -c config/routing.yaml --expect --jsonl ... > after.txt
    scripts/classify_summary.py after.txt --before before.txt
"""
import argparse
import re
import sys

FIELDS = ("category", "subtype", "priority", "P1 recall")


def parse(path):
    files, cur = {}, None
    order = []
    with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("== "):
                cur = line[3:].strip()
                files[cur] = {"false_p1": set(), "missed_p1": set()}
                order.append(cur)
                continue
            if cur is None:
                continue
            m = re.match(r"^(category|subtype|priority|P1 recall)\s+(\d+)/(\d+)", line)
            if m:
                files[cur][m.group(1)] = (int(m.group(2)), int(m.group(3)))
                continue
            m = re.match(r"^  (\S+) priority: (P\d) -> (P\d): ?(.*)$", line)
            if m:
                ident, want, got = m.group(1), m.group(2), m.group(3)
                if got == "P1":
                    files[cur]["false_p1"].add(ident)
                if want == "P1":
                    files[cur]["missed_p1"].add(ident)
    return order, files


def cell(d, key):
    if key not in d:
        return "-"
    a, b = d[key]
    return f"{a}/{b}" if key == "P1 recall" else f"{100.0 * a / b:.1f}"


def total(files):
    t = {"false_p1": set(), "missed_p1": set()}
    for name, d in files.items():
        for k in FIELDS:
            if k in d:
                a, b = t.get(k, (0, 0))
                t[k] = (a + d[k][0], b + d[k][1])
        t["false_p1"] |= {(name, i) for i in d["false_p1"]}
        t["missed_p1"] |= {(name, i) for i in d["missed_p1"]}
    return t


def row(name, d):
    return [name, cell(d, "category"), cell(d, "subtype"), cell(d, "priority"),
            cell(d, "P1 recall"), str(len(d["false_p1"]))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", help="ccd classify --expect output ('-': stdin)")
    ap.add_argument("--before", help="an earlier report to compare with")
    args = ap.parse_args()
    order, after = parse(args.report)
    before = None
    if args.before:
        border, before = parse(args.before)
        order += [n for n in border if n not in after]
    head = ["file", "category %", "subtype %", "priority %", "P1 found", "false P1"]
    rows = []
    for name in order + ["TOTAL"]:
        a = total(after) if name == "TOTAL" else after.get(name)
        if before is None:
            rows.append(row(name, a))
            continue
        b = total(before) if name == "TOTAL" else before.get(name)
        ra = row(name, a) if a else [name] + ["-"] * 5
        rb = row(name, b) if b else [name] + ["-"] * 5
        rows.append([name] + [f"{x} -> {y}" if x != y else x for x, y in zip(rb[1:], ra[1:])])
    short = [[r[0].rsplit("/", 1)[-1]] + r[1:] for r in rows]
    widths = [max(len(r[i]) for r in short + [head]) for i in range(len(head))]
    for r in [head] + short:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    if before is not None:
        lost = [(n, i) for n in order for i in after.get(n, {}).get("missed_p1", set())
                if i not in before.get(n, {}).get("missed_p1", set())]
        won = [(n, i) for n in order for i in before.get(n, {}).get("missed_p1", set())
               if i not in after.get(n, {}).get("missed_p1", set())]
        print("P1 lost:", ", ".join(f"{n.rsplit('/', 1)[-1]}:{i}" for n, i in lost) or "none")
        print("P1 gained:", ", ".join(f"{n.rsplit('/', 1)[-1]}:{i}" for n, i in won) or "none")


if __name__ == "__main__":
    main()
