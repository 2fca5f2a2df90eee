#!/usr/bin/env bash
# The API channel's keys as the README's try-it flow uses them, on the shipped configuration
# (copied to a temp folder): `ccd api-key create` prints a key once and stores only its hash;
# POST /v1/messages needs it (401 without or with a wrong one); a client reads the replies of
# the conversations it opened (GET /v1/conversations/{id}/messages) and nobody else's; a key
# created while the daemon runs works at once; a revoked key stops working.
#   api_keys_e2e.sh CCD_BINARY SOURCE_DIR
set -uo pipefail
CCD_BIN=$1
SRC=$2
source "$SRC/tests/e2e/lib.sh"

T=$E2E_TMP
mkdir -p "$T/config" "$T/templates"
cp "$SRC"/config/*.yaml "$SRC"/config/*.jsonl "$T/config/"
cp -r "$SRC/templates/default" "$T/templates/"
sed -i -E 's|^(  listen: )"127.0.0.1:8080"|\1"127.0.0.1:0"|; s|^(  listen: )"127.0.0.1:8081"|\1"127.0.0.1:0"|' \
  "$T/config/ccd.yaml"
CFG="$T/config/ccd.yaml"

KEY=$("$CCD_BIN" api-key create crm --config "$CFG" 2> "$T/create.err")
check "api-key create prints a key" grep -qE '^ccdk_[0-9a-f]+_[0-9a-f]+$' <<<"$KEY"
check "and says it is shown once" grep -q "shown only now" "$T/create.err"
DB="$T/var/ccd.db"
check "the database holds only its hash" test "$(sqlite3 "$DB" "SELECT count(*) FROM api_keys WHERE key_hash = '$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)'")" = 1
check "and never the key" test "$(sqlite3 "$DB" "SELECT count(*) FROM api_keys WHERE key_hash = '$KEY' OR key_id = '$KEY'")" = 0
check "nothing under config/ changed" test -z "$(grep -l "$KEY" "$T"/config/*.yaml 2>/dev/null)"
rc=0; "$CCD_BIN" api-key create "bad name" --config "$CFG" > /dev/null 2>&1 || rc=$?
expect_eq "a malformed client name is a usage error" 2 "$rc"

start_ccd "$CFG" "$T/ccd.log" || exit 1
U="http://127.0.0.1:$CCD_PORT"
post() {  # post KEY BODY -> "STATUS BODY"
  curl -s -o "$T/out.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    ${1:+-H "Authorization: Bearer $1"} -d "$2" "$U/v1/messages"
}
MSG='{"from":{"id":"c1"},"text":"my printer is broken","external_id":"k-1"}'
expect_eq "no key: 401" 401 "$(post "" "$MSG")"
check "with a reason" grep -q '"error":"unauthorized"' "$T/out.json"
expect_eq "a wrong key: 401" 401 "$(post "ccdk_000000000000_0000" "$MSG")"
expect_eq "a made-up id: 401" 401 "$(post "${KEY%_*}_ffffffff" "$MSG")"
expect_eq "the key: 202" 202 "$(post "$KEY" "$MSG")"
CONV=$(python3 -c 'import json;print(json.load(open("'"$T/out.json"'"))["conversation_id"])')
expect_eq "the same external_id again: a duplicate" 202 "$(post "$KEY" "$MSG")"
check "answered as such" grep -q '"duplicate":true' "$T/out.json"

# The client reads its conversation: the acknowledgement is there, delivered (it pulls).
code=$(curl -s -o "$T/msgs.json" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  "$U/v1/conversations/$CONV/messages")
expect_eq "GET messages with the key" 200 "$code"
check "lists the customer's message and the automatic reply" python3 - "$T/msgs.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
dirs = [m["direction"] for m in d["messages"]]
out = [m for m in d["messages"] if m["direction"] == "out"]
assert dirs[0] == "in" and out, dirs
assert out[0]["delivery"]["state"] == "sent", out[0]
assert d["next_after"] == d["messages"][-1]["id"]
PY
AFTER=$(python3 -c 'import json;print(json.load(open("'"$T/msgs.json"'"))["next_after"])')
curl -s -H "Authorization: Bearer $KEY" "$U/v1/conversations/$CONV/messages?after=$AFTER" > "$T/after.json"
check "after=ID gives only newer ones" grep -q '"messages":\[\]' "$T/after.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  "$U/v1/conversations/$CONV/messages?limit=0")
expect_eq "a bad limit is 400" 400 "$code"

# A second client, created while the daemon runs, works at once but sees only its own.
KEY2=$("$CCD_BIN" api-key create shop --config "$CFG" 2> /dev/null)
expect_eq "a key created while running works at once" 202 \
  "$(post "$KEY2" '{"from":{"id":"c1"},"text":"where is my parcel"}')"
CONV2=$(python3 -c 'import json;print(json.load(open("'"$T/out.json"'"))["conversation_id"])')
check "two clients' c1 are two conversations" test "$CONV2" != "$CONV"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY2" \
  "$U/v1/conversations/$CONV/messages")
expect_eq "another client's conversation is not found" 404 "$code"

ID2=$(cut -d_ -f2 <<<"$KEY2")
"$CCD_BIN" api-key list --config "$CFG" > "$T/list.txt" 2>&1
check "list shows both clients" grep -q "shop" "$T/list.txt"
check "and no key" test -z "$(grep -F "$KEY" "$T/list.txt")"
"$CCD_BIN" api-key revoke "$ID2" --config "$CFG" > /dev/null 2>&1
revoked=""
for _ in $(seq 1 30); do
  [ "$(post "$KEY2" '{"from":{"id":"c2"},"text":"hello"}')" = 401 ] && { revoked=yes; break; }
  sleep 0.5
done
expect_eq "a revoked key is refused within seconds" yes "$revoked"
expect_eq "the other key still works" 202 "$(post "$KEY" '{"from":{"id":"c3"},"text":"thanks"}')"
check "no key was logged" test -z "$(grep -F -e "$KEY" -e "$KEY2" "$T/ccd.log")"

kill -TERM "$CCD_PID"; wait_exit "$CCD_PID" 10
finish
