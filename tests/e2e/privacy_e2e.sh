#!/usr/bin/env bash
# End to end, with the real daemon and the real binary's CLI (docs/security.md, "Privacy"):
# messages in over the API, the export shows them; erasure over HTTP removes everything personal
# (export, database) but the conversation is still counted; the audit log shows the erasure with
# who, when and from where, filters and pages; retention with a short period removes old text and
# keeps new (`ccd retention run --now`); bad input is 400 with a JSON reason; roles are enforced.
# Usage: privacy_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
DB=$T/db/ccd.db
write_config "$T/ccd.yaml" "$DB"
cat >> "$T/ccd.yaml" <<YAML
agents: $T/agents.yaml
retention:
  message_text: 1h
  audit: 2y
YAML
cat > "$T/agents.yaml" <<'YAML'
accounts:
  - {name: root, role: admin, capacity: {voice: 0, chat: 0, messaging: 0, email: 0}}
  - {name: sam, role: supervisor, capacity: {voice: 0, chat: 0, messaging: 0, email: 0}}
YAML
for who in root sam; do
  printf 'a long enough password\n' | "$CCD_BIN" agent passwd "$who" --config "$T/ccd.yaml" > /dev/null
done
q() { sqlite3 -batch -noheader "$DB" "$1"; }

start_ccd "$T/ccd.yaml" "$T/ccd.log"
URL="http://127.0.0.1:$CCD_PORT"
login() {
  curl -sf -X POST "$URL/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"password\":\"a long enough password\"}" | jq -r .token
}
ROOT_TOKEN=$(login root)
SAM_TOKEN=$(login sam)
check "admin logged in" test -n "$ROOT_TOKEN" -a "$ROOT_TOKEN" != null
# status BODYFILE METHOD PATH [TOKEN [JSON]]: prints the HTTP status, the body into BODYFILE.
status() {
  local out=$1 method=$2 path=$3 token=${4:-} data=${5:-}
  local args=(-s -o "$out" -w '%{http_code}' -X "$method" "$URL$path")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' -d "$data")
  curl "${args[@]}"
}

# Two customers write in; one of them is a CRM contact.
status "$T/b" PUT /v1/contacts/C-1 "$SAM_TOKEN" \
  '{"name":"Zhang Wei","email":"zhang@example.com","addresses":{"api":["cust-1"]}}' > /dev/null
for i in 1 2; do
  status "$T/b" POST /v1/messages "" \
    "{\"from\":{\"id\":\"cust-1\"},\"text\":\"secret number $i is 4711\",\"external_id\":\"m-$i\"}" > /dev/null
done
status "$T/b" POST /v1/messages "" '{"from":{"id":"cust-2"},"text":"other customer text","external_id":"o-1"}' > /dev/null

expect_eq "export by an admin: 200" 200 "$(status "$T/export1.json" GET /v1/contacts/C-1/export "$ROOT_TOKEN")"
expect_eq "export shows both messages" 2 "$(jq '[.conversations[].messages[] | select(.text | test("4711"))] | length' "$T/export1.json")"
expect_eq "export shows the contact" "Zhang Wei" "$(jq -r .contact.name "$T/export1.json")"
expect_eq "export by a supervisor: 403" 403 "$(status "$T/b" GET /v1/contacts/C-1/export "$SAM_TOKEN")"
expect_eq "erase by a supervisor: 403" 403 "$(status "$T/b" DELETE /v1/contacts/C-1 "$SAM_TOKEN")"
expect_eq "erase without a token: 401" 401 "$(status "$T/b" DELETE /v1/contacts/C-1)"

# Bad input: a malformed key, an unknown key.
expect_eq "erase of a malformed key: 400" 400 "$(status "$T/bad.json" DELETE "/v1/contacts/bad*key" "$ROOT_TOKEN")"
check "... with a JSON reason" jq -e '.error == "bad_request" and (.reason | length > 0)' "$T/bad.json"
expect_eq "erase of an unknown key: 404" 404 "$(status "$T/b" DELETE /v1/contacts/C-404 "$ROOT_TOKEN")"
expect_eq "export of an unknown key: 404" 404 "$(status "$T/b" GET /v1/contacts/C-404/export "$ROOT_TOKEN")"

BEFORE=$(date -u +%Y-%m-%dT%H:%M:%SZ -d '-5 seconds')
expect_eq "erase: 200" 200 "$(status "$T/erase.json" DELETE /v1/contacts/C-1 "$ROOT_TOKEN")"
expect_eq "erase counts 2 messages" 2 "$(jq .erased.messages "$T/erase.json")"
expect_eq "erase again: 200" 200 "$(status "$T/erase2.json" DELETE /v1/contacts/C-1 "$ROOT_TOKEN")"
expect_eq "erase again: already erased" true "$(jq .already_erased "$T/erase2.json")"

expect_eq "export after the erasure: 200" 200 "$(status "$T/export2.json" GET /v1/contacts/C-1/export "$ROOT_TOKEN")"
check "export shows nothing personal" bash -c "! grep -qE '4711|Zhang|zhang@|cust-1' '$T/export2.json'"
expect_eq "the conversation is still there" 1 "$(jq '.conversations | length' "$T/export2.json")"
expect_eq "its messages are still counted" 2 "$(jq '.conversations[0].messages | length' "$T/export2.json")"
expect_eq "the database holds no text of theirs" 0 "$(q "SELECT count(*) FROM messages WHERE body LIKE '%4711%'")"
expect_eq "the other customer is untouched" 1 "$(q "SELECT count(*) FROM messages WHERE body = 'other customer text'")"
expect_eq "conversations still counted for reports" 2 "$(q "SELECT count(*) FROM conversations")"

# The audit log: the erasure with who, when, from where; filters; pages; bad input.
expect_eq "audit by a supervisor: 403" 403 "$(status "$T/b" GET /v1/audit "$SAM_TOKEN")"
expect_eq "audit of erasures: 200" 200 "$(status "$T/audit.json" GET "/v1/audit?action=contact.erase&object=contact" "$ROOT_TOKEN")"
jq -c '.entries[]' "$T/audit.json" > "$T/erasures.jsonl"
ERASED=$(jq -c 'select(.outcome == "ok" and .detail.already_erased == false)' "$T/erasures.jsonl")
expect_eq "the erasure is recorded once" 1 "$(echo "$ERASED" | grep -c . || true)"
expect_eq "... by root" root "$(echo "$ERASED" | jq -r .actor.id)"
expect_eq "... from the loopback" 127.0.0.1 "$(echo "$ERASED" | jq -r .remote)"
check "... at a time after the test started" test "$(echo "$ERASED" | jq -r .at)" \> "$BEFORE"
check "... without the erased data" bash -c "! grep -qE '4711|Zhang' '$T/audit.json'"
check "the refused erasure by sam is recorded" bash -c \
  "jq -e '.entries[] | select(.actor.id == \"sam\" and .outcome == \"denied\")' '$T/audit.json' > /dev/null"
check "the unknown key's erasure is recorded" bash -c \
  "jq -e '.entries[] | select(.object.id == \"C-404\" and .outcome == \"not_found\")' '$T/audit.json' > /dev/null"
expect_eq "audit by actor sam" 200 "$(status "$T/sam.json" GET "/v1/audit?actor=sam" "$ROOT_TOKEN")"
check "... only sam's entries" jq -e '(.entries | length > 0) and all(.entries[]; .actor.id == "sam")' "$T/sam.json"
expect_eq "logins recorded" 2 "$(curl -s -H "Authorization: Bearer $ROOT_TOKEN" "$URL/v1/audit?action=auth.login" | jq '.entries | length')"
# Pages of 2 walk every entry once.
TOTAL=$(curl -s -H "Authorization: Bearer $ROOT_TOKEN" "$URL/v1/audit?limit=1000" | jq '.entries | length')
SEEN=0; CURSOR=""; PAGES=0
while :; do
  curl -s -H "Authorization: Bearer $ROOT_TOKEN" "$URL/v1/audit?limit=2${CURSOR:+&cursor=$CURSOR}" > "$T/page.json"
  SEEN=$((SEEN + $(jq '.entries | length' "$T/page.json"))); PAGES=$((PAGES + 1))
  CURSOR=$(jq -r '.next_cursor // empty' "$T/page.json")
  [ -z "$CURSOR" ] && break
  [ "$PAGES" -gt 500 ] && break
done
# Each page read is itself recorded after TOTAL was counted: at least TOTAL entries are seen.
check "pages of 2 walk the log ($SEEN of $TOTAL+)" test "$SEEN" -ge "$TOTAL" -a "$PAGES" -ge $((TOTAL / 2))
expect_eq "bad time range: 400" 400 "$(status "$T/bad.json" GET "/v1/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z" "$ROOT_TOKEN")"
check "... with a JSON reason" jq -e '.error == "bad_request" and .field == "until"' "$T/bad.json"
expect_eq "malformed time: 400" 400 "$(status "$T/bad.json" GET "/v1/audit?since=yesterday" "$ROOT_TOKEN")"
check "... naming the field" jq -e '.field == "since"' "$T/bad.json"
expect_eq "unknown parameter: 400" 400 "$(status "$T/b" GET "/v1/audit?colour=red" "$ROOT_TOKEN")"
expect_eq "bad limit: 400" 400 "$(status "$T/b" GET "/v1/audit?limit=0" "$ROOT_TOKEN")"
expect_eq "bad cursor: 400" 400 "$(status "$T/b" GET "/v1/audit?cursor=abc" "$ROOT_TOKEN")"

# Retention beside the running daemon: cust-2's conversation is closed (an agent would resolve
# it; this daemon has no routing file) and one of two messages is made two hours old.
status "$T/b" POST /v1/messages "" '{"from":{"id":"cust-2"},"text":"new other text","external_id":"o-2"}' > /dev/null
q "UPDATE conversations SET status = 'closed', closed_at = updated_at WHERE id = (SELECT conversation_id FROM messages WHERE body = 'other customer text')"
q "UPDATE messages SET created_at = created_at - 7200000 WHERE body = 'other customer text'"
rc=0; "$CCD_BIN" retention run --dry-run --config "$T/ccd.yaml" > "$T/dry.out" 2>&1 || rc=$?
expect_eq "retention dry run exits 0" 0 "$rc"
check "dry run would remove 1 text" grep -q "would remove 1 message texts" "$T/dry.out"
expect_eq "dry run removed nothing" 1 "$(q "SELECT count(*) FROM messages WHERE body = 'other customer text'")"
rc=0; "$CCD_BIN" retention run --config "$T/ccd.yaml" > "$T/ret.out" 2>&1 || rc=$?
expect_eq "retention run exits 0" 0 "$rc"
check "it says what it removed" grep -q "removed 1 message texts" "$T/ret.out"
expect_eq "the old text is gone" "[expired]" "$(q "SELECT body FROM messages WHERE provider_id = 'o-1'")"
expect_eq "the new text stays" 1 "$(q "SELECT count(*) FROM messages WHERE body = 'new other text'")"
rc=0; "$CCD_BIN" retention run --now 2099-01-01T00:00:00Z --config "$T/ccd.yaml" > "$T/ret2.out" 2>&1 || rc=$?
expect_eq "retention --now in the future exits 0" 0 "$rc"
expect_eq "... removes the newer text of the closed conversation too" 0 "$(q "SELECT count(*) FROM messages WHERE body = 'new other text'")"
rc=0; "$CCD_BIN" retention run --now yesterday --config "$T/ccd.yaml" > /dev/null 2>&1 || rc=$?
expect_eq "a malformed --now is refused (2)" 2 "$rc"
expect_eq "the CLI's runs are in the audit log" 200 "$(status "$T/ret.json" GET "/v1/audit?action=retention.run" "$ROOT_TOKEN")"
# The run "in 2099" also removed every audit entry older than the 2 years of `audit:`, the
# earlier runs' among them: its own entry is what is left of retention.run.
check "... by the command line's user" jq -e '(.entries | length) >= 1 and all(.entries[]; .actor.kind == "cli")' "$T/ret.json"
check "the run in 2099 removed the audit entries past 2y" jq -e '.entries[0].detail.now == "2099-01-01T00:00:00Z" and .entries[0].detail.audit > 10' "$T/ret.json"
expect_eq "retention over HTTP, dry: 200" 200 "$(status "$T/h.json" POST "/v1/admin/retention?dry_run=true" "$ROOT_TOKEN")"
check "... answers counts" jq -e '.dry_run == true and (.message_texts | type == "number")' "$T/h.json"

# CLI erasure beside the running daemon, recorded with the user.
status "$T/b" PUT /v1/contacts/C-2 "$SAM_TOKEN" '{"name":"Li Na","addresses":{"api":["cust-2"]}}' > /dev/null
rc=0; "$CCD_BIN" contacts erase C-2 --config "$T/ccd.yaml" > "$T/cli-erase.json" 2>&1 || rc=$?
expect_eq "contacts erase exits 0" 0 "$rc"
expect_eq "contacts erase clears the name" "" "$(q "SELECT coalesce(name, '') FROM contacts WHERE external_id = 'C-2'")"
rc=0; "$CCD_BIN" contacts erase C-404 --config "$T/ccd.yaml" > /dev/null 2>&1 || rc=$?
expect_eq "contacts erase of an unknown key exits 5" 5 "$rc"
check "the CLI erasure is in the audit log" bash -c \
  "curl -s -H 'Authorization: Bearer $ROOT_TOKEN' '$URL/v1/audit?action=contact.erase&actor=${USER:-root}' | jq -e '.entries | map(select(.actor.kind == \"cli\")) | length >= 1' > /dev/null"

kill -TERM "$CCD_PID"; wait_exit "$CCD_PID" 20
expect_eq "the daemon stops cleanly" 0 "$EXIT_CODE"
finish
