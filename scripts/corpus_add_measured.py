#!/usr/bin/env python3
"""Append measured held-out sets to the training corpus.

A held-out set is measured once, before anything is tuned on it (docs/classification.md,
"Evaluation"); after that it is labelled data like the corpus, written the same way, and the
next set is measured against a classifier that learned from it. This script turns the sets'
lines into corpus lines:

    {"id": "h12-001", "lang": ..., "category": ..., "subtype": ..., "urgent": ..., "text": ...}

`urgent` follows from the priority where the labelling guide's priority rules decide it: P2-P4
is neither a hazard nor an urgency (false); a standard customer's P1 is one (true), and so is a
VIP's P1 outside `fault` and `complaint`. A VIP's fault or complaint is P1 by its tier alone,
so those lines carry no `urgent` and the lists decide, as for any unlabelled corpus sentence.

Usage: scripts/corpus_add_measured.py tests/data/classify-heldout80.jsonl [...]
It refuses a set whose ids are in the corpus already, and a line without its labels.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "config", "classification-corpus.jsonl")
NEEDED = ("id", "lang", "category", "subtype", "priority", "tier", "text")


def corpus_line(record):
    line = {k: record[k] for k in ("id", "lang", "category", "subtype")}
    p1 = record["priority"] == "P1"
    if not p1 or record["tier"] == "standard" or record["category"] not in ("fault", "complaint"):
        line["urgent"] = p1
    line["text"] = record["text"]
    return json.dumps(line, ensure_ascii=False)


def main(paths):
    if not paths:
        sys.exit(__doc__)
    known = set()
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            known.add(json.loads(line).get("id"))
    lines = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                record = json.loads(text)
                missing = [k for k in NEEDED if k not in record]
                if missing:
                    sys.exit(f"{path}:{number}: missing {', '.join(missing)}")
                if record["id"] in known:
                    sys.exit(f"{path}:{number}: {record['id']} is in the corpus already")
                lines.append(corpus_line(record))
    with open(CORPUS, "a", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    print(f"appended {len(lines)} lines from {len(paths)} sets to {os.path.relpath(CORPUS)}")


if __name__ == "__main__":
    main(sys.argv[1:])
