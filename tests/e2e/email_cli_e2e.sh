#!/usr/bin/env bash
# End to end: `ccd email parse` with the real binary on two fixtures (a Big5 Outlook message and
# a delivery-status bounce), the JSON read back with python3; usage and unreadable-file exits.
# Usage: email_cli_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
DATA=$ROOT/tests/data/email

# fields FILE: reads the JSON object in FILE once and prints the values checked below, one
# "name<TAB>value" line each (one python3 start per file: it is slow on a loaded machine).
fields() {
  python3 - "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, dict)
b = j["bounce"] or {}
atts = j["attachments"]
out = {
    "subject": j["subject"], "from.name": j["from"]["name"], "from.address": j["from"]["address"],
    "body_has_e05": "面板顯示錯誤代碼 E05" in j["text"],
    "classify_is_text": isinstance(j["text_for_classification"], str),
    "auto_submitted": j["auto_submitted"], "bounce": j["bounce"] is None,
    "warnings": len(j["warnings"]), "message_id": j["message_id"],
    "thread": sorted(j["thread"]) == ["in_reply_to", "references", "ticket_tags"],
    "bounce.recipient": b.get("recipient"), "bounce.status": b.get("status"),
    "bounce.original": b.get("original_message_id"),
    "attachments": len(atts),
    "attachment_keys": all({"filename", "content_type", "size", "inline", "truncated"} <= set(a)
                           and "data" not in a for a in atts),
}
for k, v in out.items():
    print(f"{k}\t{v}")
PY
}
# get FILE NAME: one value printed by fields
get() { awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$1"; }

rc=0; "$CCD_BIN" email parse "$DATA/big5_outlook.eml" > "$T/big5.json" 2> "$T/big5.err" || rc=$?
expect_eq "parse of a Big5 message exits 0" 0 "$rc"
rc=0; fields "$T/big5.json" > "$T/big5.tsv" 2>&1 || rc=$?
expect_eq "output is one JSON object" 0 "$rc"
expect_eq "subject decoded from Big5" "印表機無法列印，請協助處理" "$(get "$T/big5.tsv" subject)"
expect_eq "from name" "陳小明" "$(get "$T/big5.tsv" from.name)"
expect_eq "from address" "xiaoming.chen@example.com.tw" "$(get "$T/big5.tsv" from.address)"
expect_eq "text holds the body" True "$(get "$T/big5.tsv" body_has_e05)"
expect_eq "text_for_classification is there" True "$(get "$T/big5.tsv" classify_is_text)"
expect_eq "message_id" '000001da6e9b$4c2f1a20$e48d4e60$@example.com.tw' "$(get "$T/big5.tsv" message_id)"
expect_eq "thread keys present" True "$(get "$T/big5.tsv" thread)"
expect_eq "not automatic" False "$(get "$T/big5.tsv" auto_submitted)"
expect_eq "no bounce" True "$(get "$T/big5.tsv" bounce)"
expect_eq "no warnings" 0 "$(get "$T/big5.tsv" warnings)"

rc=0; "$CCD_BIN" email parse "$DATA/dsn_bounce.eml" > "$T/dsn.json" 2>&1 || rc=$?
expect_eq "parse of a bounce exits 0" 0 "$rc"
fields "$T/dsn.json" > "$T/dsn.tsv" 2>/dev/null || true
expect_eq "bounce recipient" "nobody@example.net" "$(get "$T/dsn.tsv" bounce.recipient)"
expect_eq "bounce status" "5.1.1" "$(get "$T/dsn.tsv" bounce.status)"
expect_eq "bounce names our message" "ccd.0123456789abcdef@example.com" "$(get "$T/dsn.tsv" bounce.original)"
expect_eq "bounce is automatic" True "$(get "$T/dsn.tsv" auto_submitted)"
expect_eq "report parts listed as attachments" 2 "$(get "$T/dsn.tsv" attachments)"
expect_eq "attachments listed without bytes" True "$(get "$T/dsn.tsv" attachment_keys)"

rc=0; "$CCD_BIN" email parse "$T/does-not-exist.eml" > "$T/missing.out" 2> "$T/missing.err" || rc=$?
expect_eq "an unreadable file exits 1" 1 "$rc"
check "and says so" grep -q "cannot read" "$T/missing.err"
rc=0; "$CCD_BIN" email parse > /dev/null 2>&1 || rc=$?
expect_eq "no file is a usage error (2)" 2 "$rc"
rc=0; "$CCD_BIN" email > /dev/null 2>&1 || rc=$?
expect_eq "no subcommand is a usage error (2)" 2 "$rc"

finish
