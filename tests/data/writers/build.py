#!/usr/bin/env python3
"""Validator and builder of a blind held-out set (THEME: adapt this docstring).

How a blind set is made (docs/classification.md, "Evaluation"): copy this file and
docs/classification-labelling.md into an empty directory outside the repository, set SET, OUT
and SEED below (h102, classify-heldout102.jsonl, 102) and the theme in the line above; the
writer reads only those two files, writes src/part1.py .. src/part5.py and builds the set.

Usage:
  python3 build.py --check N   validate src/partN.py
  python3 build.py             validate every part, build the set and src/build_report.txt
Each src/partN.py (N = 1..5) defines ITEMS: a list of 70 dicts (24 en, 23 zh-Hans, 23 zh-Hant)
with keys lang, category, subtype, priority, tier, channel, text, flag.
flag: 'hazard' (a safety hazard), 'urgent' (an urgency signal), 'lookalike' (sounds like a
hazard or urgency but is not one), 'none'.
"""
import collections, importlib.util, json, os, random, re, sys

SET = "h71"
OUT = "classify-heldout71.jsonl"
SEED = 71
HERE = os.path.dirname(os.path.abspath(__file__))

SUBTYPES = {
    "fault": ["no_power", "wont_start", "stopped_working", "noise", "leak", "overheating",
              "error_code", "connectivity", "display"],
    "quality": ["defect_on_arrival", "cosmetic_damage", "repeated_failure"],
    "usage": ["setup", "how_to", "account_app"],
    "return": ["refund_request", "exchange", "refund_status"],
    "billing": ["charge", "invoice"],
    "complaint": ["staff", "delay", "service"],
    "delivery": ["late", "damaged_in_transit", "wrong_item", "address_change"],
    "other": ["warranty", "product_info", "feedback", "general"],
}
KEYS = {"lang", "category", "subtype", "priority", "tier", "channel", "text", "flag"}
LANGS = {"en": 24, "zh-Hans": 23, "zh-Hant": 23}
CHANNELS = {"email", "webchat", "messaging", "phone"}
FLAGS = {"hazard", "urgent", "lookalike", "none"}
HAN = re.compile(r"[\u3400-\u9fff]")
# characters whose form differs between the scripts (a few common ones each way)
TRAD_ONLY = set("這個們來說對時會還點麼機電換貨單號話開關發現問題壞買廠應該給過請謝讓當產")
SIMP_ONLY = set("这个们来说对时会还点么机电换货单号话开关发现问题坏买厂应该给过请谢让当产")
SIMP_ONLY -= TRAD_ONLY
TRAD_ONLY -= SIMP_ONLY


def expected_priority(item):
    if item["flag"] in ("hazard", "urgent"):
        return "P1"
    vip = item["tier"] == "vip"
    cat = item["category"]
    if vip:
        return "P1" if cat in ("fault", "complaint") else "P2"
    if cat == "complaint":
        return "P2"
    if cat in ("usage", "other"):
        return "P4"
    return "P3"


def load(n):
    path = os.path.join(HERE, "src", f"part{n}.py")
    spec = importlib.util.spec_from_file_location(f"part{n}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.ITEMS


def check(n, items):
    errors = []
    if len(items) != 70:
        errors.append(f"part{n}: {len(items)} items, want 70")
    langs = collections.Counter()
    for i, it in enumerate(items, 1):
        where = f"part{n} item {i}"
        if not isinstance(it, dict) or set(it) != KEYS:
            errors.append(f"{where}: keys must be exactly {sorted(KEYS)}")
            continue
        langs[it["lang"]] += 1
        if it["lang"] not in LANGS:
            errors.append(f"{where}: lang {it['lang']!r}")
        if it["category"] not in SUBTYPES:
            errors.append(f"{where}: category {it['category']!r}")
        elif it["subtype"] not in SUBTYPES[it["category"]]:
            errors.append(f"{where}: subtype {it['subtype']!r} is not under {it['category']}")
        if it["tier"] not in ("standard", "vip"):
            errors.append(f"{where}: tier {it['tier']!r}")
        if it["channel"] not in CHANNELS:
            errors.append(f"{where}: channel {it['channel']!r}")
        if it["flag"] not in FLAGS:
            errors.append(f"{where}: flag {it['flag']!r}")
        text = it["text"]
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: empty text")
            continue
        han = HAN.findall(text)
        if it["lang"] == "en" and len(han) > 0:
            errors.append(f"{where}: lang en but the text holds Chinese characters")
        if it["lang"] != "en" and len(han) < 2:
            errors.append(f"{where}: lang {it['lang']} but the text has no Chinese")
        trad = sum(c in TRAD_ONLY for c in text)
        simp = sum(c in SIMP_ONLY for c in text)
        if it["lang"] == "zh-Hans" and trad > simp:
            errors.append(f"{where}: zh-Hans but written in Traditional characters")
        if it["lang"] == "zh-Hant" and simp > trad:
            errors.append(f"{where}: zh-Hant but written in Simplified characters")
        if it["priority"] not in ("P1", "P2", "P3", "P4"):
            errors.append(f"{where}: priority {it['priority']!r}")
        elif all(k in it for k in ("flag", "tier", "category")) and it["category"] in SUBTYPES \
                and it["priority"] != expected_priority(it):
            errors.append(f"{where}: priority {it['priority']} but the guide's rules give "
                          f"{expected_priority(it)} (flag {it['flag']}, tier {it['tier']}, "
                          f"category {it['category']})")
    for lang, want in LANGS.items():
        if langs[lang] != want:
            errors.append(f"part{n}: {langs[lang]} {lang} items, want {want}")
    return errors


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        n = int(sys.argv[2])
        errors = check(n, load(n))
        print("\n".join(errors) if errors else f"part{n}: OK")
        return 1 if errors else 0
    items, errors = [], []
    for n in range(1, 6):
        part = load(n)
        errors += check(n, part)
        items += part
    texts = collections.Counter(it["text"].strip() for it in items)
    errors += [f"duplicate text: {t[:60]}" for t, c in texts.items() if c > 1]
    if errors:
        print("\n".join(errors))
        return 1
    random.Random(SEED).shuffle(items)
    with open(os.path.join(HERE, OUT), "w", encoding="utf-8") as out:
        for i, it in enumerate(items, 1):
            row = {"id": f"{SET}-{i:03d}", "lang": it["lang"], "category": it["category"],
                   "subtype": it["subtype"], "priority": it["priority"], "tier": it["tier"],
                   "channel": it["channel"], "text": it["text"]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    c = lambda key: collections.Counter(it[key] for it in items)
    report = [f"{len(items)} messages -> {OUT}"]
    for key in ("lang", "category", "priority", "tier", "channel", "flag"):
        report.append(f"{key}: " + ", ".join(f"{k} {v}" for k, v in sorted(c(key).items())))
    report.append("subtype: " + ", ".join(f"{k} {v}" for k, v in sorted(c("subtype").items())))
    os.makedirs(os.path.join(HERE, "src"), exist_ok=True)
    with open(os.path.join(HERE, "src", "build_report.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
