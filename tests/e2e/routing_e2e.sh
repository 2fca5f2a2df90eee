#!/usr/bin/env bash
# The routing core end to end on the shipped configuration (routing.yaml, template catalog,
# agents.yaml copied to a temp folder): a message posted to /v1/messages is classified, given a
# priority, queue and SLA clocks and acknowledged in the customer's language before the 202;
# a safety message is P1; a restart restores open conversations; an invalid routing file is
# refused by POST /v1/admin/reload and the old rules keep serving; ccd classify and ccd simulate.
#   routing_e2e.sh CCD_BINARY SOURCE_DIR
set -uo pipefail
CCD_BIN=$1
SRC=$2
source "$SRC/tests/e2e/lib.sh"

T=$(mktemp -d)
trap 'e2e_cleanup; rm -rf "$T"' EXIT
mkdir -p "$T/config" "$T/templates"
cp "$SRC"/config/*.yaml "$SRC"/config/*.jsonl "$T/config/"
cp -r "$SRC/templates/default" "$T/templates/"
# Free ports; the rest as shipped.
sed -i -E 's|^(  listen: )"127.0.0.1:8080"|\1"127.0.0.1:0"|; s|^(  listen: )"127.0.0.1:8081"|\1"127.0.0.1:0"|' \
  "$T/config/ccd.yaml"
# The API without keys (api_keys_e2e.sh tests the keys).
sed -i -E 's|^(    public: )false|\1true|' "$T/config/ccd.yaml"
printf 'sam password!\n' | "$CCD_BIN" agent passwd sam --config "$T/config/ccd.yaml" > /dev/null 2>&1
# An admin, for reloads.
cat >> "$T/config/agents.yaml" <<'YAML'
  - name: root
    role: admin
YAML
printf 'root password!\n' | "$CCD_BIN" agent passwd root --config "$T/config/ccd.yaml" > /dev/null 2>&1
check "shipped configuration is valid" "$CCD_BIN" check-config --config "$T/config/ccd.yaml"

start_ccd "$T/config/ccd.yaml" "$T/ccd.log" || exit 1
U="http://127.0.0.1:$CCD_PORT"
login() {
  curl -s -H 'Content-Type: application/json' -d "{\"name\":\"$1\",\"password\":\"$2\"}" \
    "$U/v1/auth/login" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/'
}
SUP=$(login sam 'sam password!')
ADMIN=$(login root 'root password!')
conversation() { curl -s -H "Authorization: Bearer $SUP" "$U/v1/conversations/$1"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

resp=$(curl -s -d '{"from":{"id":"c1","name":"王小明"},"text":"我的打印机坏了，一直卡纸"}' \
  -H 'Content-Type: application/json' "$U/v1/messages")
conv=$(field 'd["conversation_id"]' <<<"$resp")
c=$(conversation "$conv")
expect_eq "fault classified" fault "$(field 'd["routing"]["category"]' <<<"$c")"
expect_eq "fault is P3" P3 "$(field 'd["routing"]["priority"]' <<<"$c")"
expect_eq "fault queued for technical" technical "$(field 'd["routing"]["queue"]' <<<"$c")"
expect_eq "first response clock runs" running \
  "$(field 'd["routing"]["sla"]["first_response"]["state"]' <<<"$c")"
# Acknowledgement or after-hours notice, depending on the hour: in Chinese either way.
expect_eq "an automatic reply is stored with the 202" 1 \
  "$(field 'len([m for m in d["messages"] if m["direction"]=="out" and m["author"]=="auto"])' <<<"$c")"
expect_eq "it is in the customer's language" zh-Hans \
  "$(field '[m for m in d["messages"] if m["direction"]=="out"][0]["locale"]' <<<"$c")"
check "it names the ticket" grep -q "#$conv" <<<"$(field '[m for m in d["messages"] if m["direction"]=="out"][0]["text"]' <<<"$c")"

resp=$(curl -s -d '{"from":{"id":"c2"},"text":"The charger caught fire and there was smoke"}' \
  -H 'Content-Type: application/json' "$U/v1/messages")
conv2=$(field 'd["conversation_id"]' <<<"$resp")
c=$(conversation "$conv2")
expect_eq "safety is P1" P1 "$(field 'd["routing"]["priority"]' <<<"$c")"
expect_eq "safety goes to escalation" escalation "$(field 'd["routing"]["queue"]' <<<"$c")"
expect_eq "safety acknowledgement" ack_safety \
  "$(field '[m for m in d["messages"] if m["direction"]=="out"][0]["template"]' <<<"$c")"

# A second message of the same customer joins the conversation and gets no second reply.
curl -s -d '{"from":{"id":"c1"},"text":"还是不行"}' -H 'Content-Type: application/json' \
  "$U/v1/messages" > /dev/null
c=$(conversation "$conv")
expect_eq "no second automatic reply" 1 \
  "$(field 'len([m for m in d["messages"] if m["direction"]=="out"])' <<<"$c")"

# Admin reload: an agent's token is refused, an invalid file is refused with its position.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $SUP" "$U/v1/admin/reload")
expect_eq "reload needs an admin" 403 "$code"
code=$(curl -s -o "$T/reload.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$U/v1/admin/reload")
expect_eq "reload of valid files answers 200" 200 "$code"
cp "$T/config/routing.yaml" "$T/routing.good"
sed -i 's|then: {priority: P3, queue: billing}|then: {priority: P3, queue: bilin}|' "$T/config/routing.yaml"
code=$(curl -s -o "$T/reload.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$U/v1/admin/reload")
expect_eq "invalid rules are refused with 422" 422 "$code"
check "the refusal names the line and the queue" grep -q 'no queue named \\"bilin\\"' "$T/reload.json"
check "it gives the position" grep -q '"line":[0-9]' "$T/reload.json"
cp "$T/routing.good" "$T/config/routing.yaml"
resp=$(curl -s -d '{"from":{"id":"c3"},"text":"I was charged twice on my invoice"}' \
  -H 'Content-Type: application/json' "$U/v1/messages")
c=$(conversation "$(field 'd["conversation_id"]' <<<"$resp")")
expect_eq "the old rules kept serving" billing "$(field 'd["routing"]["queue"]' <<<"$c")"

# kill -9 and restart: open conversations come back to the engine.
kill -9 "$CCD_PID"; wait "$CCD_PID" 2>/dev/null || true
start_ccd "$T/config/ccd.yaml" "$T/ccd2.log" || exit 1
check "open conversations restored" grep -q "restored 3 open conversations" "$T/ccd2.log"
U="http://127.0.0.1:$CCD_PORT"
SUP=$(login sam 'sam password!')
# An edited routing file is picked up without a signal (the watcher polls every 2 s).
sed -i 's|then: {priority: P3, queue: billing}|then: {priority: P3, queue: general}|' "$T/config/routing.yaml"
# A reload retrains the classifier on the corpus: a second here, 10-15 s in the sanitizer build
# beside another test, so the wait is generous (it ends as soon as the reload is logged).
for _ in $(seq 1 600); do grep -q "configuration reloaded" "$T/ccd2.log" && break; sleep 0.1; done
check "the edited file was reloaded" grep -q "configuration files changed: reloading" "$T/ccd2.log"
check "the reload finished" grep -q "configuration reloaded" "$T/ccd2.log"
resp=$(curl -s -d '{"from":{"id":"c4"},"text":"I was charged twice on my invoice"}' \
  -H 'Content-Type: application/json' "$U/v1/messages")
c=$(conversation "$(field 'd["conversation_id"]' <<<"$resp")")
expect_eq "the edited rule is in force" general "$(field 'd["routing"]["queue"]' <<<"$c")"
# An edit reloaded by POST /v1/admin/reload (or SIGHUP) is not reloaded again by the watcher
# (which would hold the engine a second time). It settles over two polls: wait three.
ADMIN=$(login root 'root password!')
sed -i 's|then: {priority: P3, queue: general}|then: {priority: P3, queue: billing}|' "$T/config/routing.yaml"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$U/v1/admin/reload")
expect_eq "the admin reload of the edit answers 200" 200 "$code"
sleep 6.5
expect_eq "the watcher did not reload the same edit" 1 "$(grep -c 'configuration files changed' "$T/ccd2.log")"
kill -TERM "$CCD_PID"; wait_exit "$CCD_PID" 10
expect_eq "daemon stops cleanly" 0 "$EXIT_CODE"

# ccd classify and ccd simulate on the same files.
out=$("$CCD_BIN" classify --config "$T/config/ccd.yaml" --now 2026-11-24T10:00:00+08:00 \
  "煤气灶有很重的煤气味")
expect_eq "classify: gas leak is P1" P1 "$(field 'd["priority"]' <<<"$out")"
check "classify: names the rule" grep -q '"rule":"safety"' <<<"$out"
cat > "$T/events.jsonl" <<'JSONL'
{"type":"agent","id":"alice","skills":["technical"],"at":"2026-11-24T10:00:00+08:00"}
{"type":"presence","agent":"alice","presence":"available"}
{"type":"message","conversation":1,"text":"The TV has no picture, only sound"}
{"type":"accept","conversation":1,"agent":"alice"}
{"type":"message","conversation":2,"text":"The fridge is not cooling"}
{"type":"advance","by":"31m"}
JSONL
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$T/events.jsonl" > "$T/sim.out"
check "simulate: offer to alice" grep -q '"action":"offer".*"agent":"alice"' "$T/sim.out"
check "simulate: assigned" grep -q '"action":"assigned"' "$T/sim.out"
check "simulate: the waiting one breaches its first response" \
  grep -q '"action":"sla_breach".*"conversation_id":2.*"milestone":"first_response"' "$T/sim.out"
# Issue 13's defects as ccd simulate shows them: offers one agent ignores go round and set
# them away; resolving starts a wrap-up that ends by itself; a night request is not breached.
cat > "$T/missed.jsonl" <<'JSONL'
{"type":"agent","id":"ivan","skills":["technical"],"at":"2026-11-24T10:00:00+08:00"}
{"type":"presence","agent":"ivan","presence":"available"}
{"type":"agent","id":"bob","skills":["technical"],"at":"2026-11-24T10:00:01+08:00"}
{"type":"presence","agent":"bob","presence":"available"}
{"type":"message","conversation":1,"text":"My laptop will not turn on","at":"2026-11-24T10:00:02+08:00"}
{"type":"advance","by":"2m"}
{"type":"decline","conversation":1,"agent":"bob"}
{"type":"advance","by":"2m"}
{"type":"accept","conversation":1,"agent":"bob"}
{"type":"message","conversation":2,"channel":"telegram","text":"The TV has no picture"}
{"type":"accept","conversation":2,"agent":"bob"}
{"type":"resolve","conversation":2,"agent":"bob","disposition":"fixed"}
{"type":"advance","by":"1m"}
JSONL
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$T/missed.jsonl" > "$T/missed.out"
expect_eq "simulate: offers go ivan, bob, ivan, bob" "ivan bob ivan bob" \
  "$(grep '"action":"offer"' "$T/missed.out" | grep -o '"agent":"[a-z]*"' | cut -d'"' -f4 | head -4 | xargs)"
check "simulate: ivan set away after two missed offers" \
  grep -q '"action":"agent_state".*"agent":"ivan".*"presence":"away".*"reason":"missed_offers"' "$T/missed.out"
check "simulate: supervisors told" grep -q '"reason":"agent_set_away"' "$T/missed.out"
check "simulate: bob's wrap-up starts after the messaging conversation" \
  grep -q '"action":"agent_state".*"agent":"bob".*"presence":"wrap_up".*"reason":"messaging".*"until"' "$T/missed.out"
check "simulate: and ends 30 s later" \
  grep -q '"action":"agent_state".*"agent":"bob".*"presence":"available"' "$T/missed.out"
cat > "$T/night.jsonl" <<'JSONL'
{"type":"message","conversation":1,"text":"My washing machine is broken","at":"2026-11-24T07:53:00+08:00"}
{"type":"advance","by":"96m"}
JSONL
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$T/night.jsonl" > "$T/night.out"
check "simulate: 07:53 gets the after-hours reply" grep -q '"template":"after_hours"' "$T/night.out"
if grep -q '"action":"sla_breach"' "$T/night.out"; then
  fail "simulate: a 07:53 request breaches before 09:30"; else pass "simulate: no breach before 09:30"; fi
# Service cases in ccd simulate: a fault opens a repair case (rule open_case), the repair
# schedules the satisfaction call, and 2 h later it is offered to an available agent.
cat > "$T/cases.jsonl" <<'JSONL'
{"type":"agent","id":"alice","skills":["technical"],"at":"2026-11-24T10:00:00+08:00"}
{"type":"presence","agent":"alice","presence":"available"}
{"type":"message","conversation":1,"text":"The TV has no picture, only sound","contact":{"id":7,"products":[{"sku":"TV-55","purchased_on":"2026-06-01"}]}}
{"type":"accept","conversation":1,"agent":"alice"}
{"type":"case","case":1,"action":"move_stage","to":"in_repair"}
{"type":"case","case":1,"action":"move_stage","to":"diagnosing"}
{"type":"case","case":1,"action":"move_stage","to":"plan_proposed"}
{"type":"case","case":1,"action":"move_stage","to":"in_repair"}
{"type":"case","case":1,"action":"move_stage","to":"repaired"}
{"type":"resolve","conversation":1,"agent":"alice","disposition":"fixed"}
{"type":"advance","by":"2h"}
{"type":"accept","conversation":1,"agent":"alice"}
{"type":"case","case":1,"action":"record_follow_up","follow_up":1,"outcome":"satisfied","rating":5,"agent":"alice"}
JSONL
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$T/cases.jsonl" > "$T/cases.out"
# sim_has CONDITION FILE: a Python condition on L, the printed lines read as JSON.
sim_has() {
  python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[2])]; sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" "$2"
}
check "simulate: the fault rule opens a repair case for the conversation" sim_has \
  'any(l["action"]=="case_opened" and l["case"]==1 and l["type"]=="repair" and l["stage"]=="registered" and l["conversation_id"]==1 and l["by"].startswith("rule:") for l in L)' "$T/cases.out"
check "simulate: in warranty from the purchase date" sim_has \
  'any(l["action"]=="case_opened" and l["warranty"]["in_warranty"] and l["warranty"]["basis"]=="purchase_date" for l in L)' "$T/cases.out"
check "simulate: a step the stages do not allow is refused" sim_has \
  'any(l["action"]=="case_refused" and l["case"]==1 and l["error"]=="invalid_transition" for l in L)' "$T/cases.out"
check "simulate: repaired schedules the satisfaction call" sim_has \
  'any(l["action"]=="case_changed" and l["stage"]=="repaired" and any(f["policy"]=="repair_satisfaction" and f["status"]=="scheduled" for f in l["follow_ups"]) for l in L)' "$T/cases.out"
check "simulate: the follow-up falls due when scheduled" sim_has \
  'any(l["action"]=="follow_up_due" and l["case"]==1 and l["policy"]=="repair_satisfaction" and any(l["at"]==f["due_at"] for c in L if c["action"]=="case_changed" and c["stage"]=="repaired" for f in c["follow_ups"]) for l in L)' "$T/cases.out"
check "simulate: and the conversation is offered to alice" sim_has \
  'any(l["action"]=="follow_up_due" and any(o["action"]=="offer" and o["conversation_id"]==1 and o["agent"]=="alice" and o["at"]==l["at"] for o in L[i+1:]) for i,l in enumerate(L))' "$T/cases.out"
check "simulate: the outcome is recorded" sim_has \
  'any(l["action"]=="case_changed" and any(f["status"]=="done" for f in l["follow_ups"]) for l in L)' "$T/cases.out"
# A case's stage clock: awaiting_customer wants an update within 24 h; supervisors are warned
# at 80 %, then the breach escalates the case's conversation, still with alice.
cat > "$T/case_clock.jsonl" <<'JSONL'
{"type":"agent","id":"alice","skills":["technical"],"at":"2026-11-24T10:00:00+08:00"}
{"type":"presence","agent":"alice","presence":"available"}
{"type":"message","conversation":1,"text":"The TV has no picture","contact":{"id":7,"products":[{"sku":"TV-55","purchased_on":"2026-06-01"}]}}
{"type":"accept","conversation":1,"agent":"alice"}
{"type":"reply","conversation":1,"agent":"alice","plan":true}
{"type":"case","case":1,"action":"move_stage","to":"diagnosing"}
{"type":"case","case":1,"action":"move_stage","to":"plan_proposed"}
{"type":"case","case":1,"action":"move_stage","to":"awaiting_customer"}
{"type":"advance","by":"25h"}
JSONL
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$T/case_clock.jsonl" > "$T/case_clock.out"
check "simulate: a case clock warns supervisors at 80 % of its 24 h" sim_has \
  'any(l["action"]=="supervisor_notice" and l["reason"]=="case_sla_warning" and l["at"]=="2026-11-24T21:12:00.000Z" for l in L)' "$T/case_clock.out"
check "simulate: its breach notifies them once" sim_has \
  '[l["at"] for l in L if l["action"]=="supervisor_notice" and l["reason"]=="case_sla_breach"]==["2026-11-25T02:00:00.000Z"]' "$T/case_clock.out"
check "simulate: and escalates the case's conversation one priority step" sim_has \
  'any(l["action"]=="priority_changed" and l["conversation_id"]==1 and l["reason"]=="case_sla_breach" and l["from"]=="P3" and l["to"]=="P2" for l in L)' "$T/case_clock.out"
# A day of calls (issue 10): announcements while queued, the maximum wait to voicemail and
# call-back work, an abandoned call's call-back, the follow-up call 2 h after phone guidance.
"$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events "$SRC/docs/examples/day_of_calls.jsonl" \
  > "$T/calls.out"
check "simulate calls: the first call is dialled to alice" sim_has \
  'any(l["action"]=="call_decision" and l["conversation"]==1 and l["decision"]=="dial" and l["agent"]=="alice" for l in L)' "$T/calls.out"
check "simulate calls: a queued caller hears place and wait from the handle times" sim_has \
  'any(l["action"]=="call_decision" and l["conversation"]==3 and l["decision"]=="queue" and l["position"]==1 and l["wait_from"]=="handle_times" and l["estimated_wait_s"]==240 and l["poll_after"]==60 and "next in line" in l["speech"] for l in L)' "$T/calls.out"
check "simulate calls: the announcement is repeated every minute" sim_has \
  'sum(1 for l in L if l["action"]=="call_decision" and l["conversation"]==3 and l["decision"]=="queue")==10' "$T/calls.out"
check "simulate calls: in the caller's language" sim_has \
  'any(l["action"]=="call_decision" and l["conversation"]==4 and l["position"]==2 and "第 2 位" in l["speech"] for l in L)' "$T/calls.out"
check "simulate calls: the abandoned call is a call-back" sim_has \
  'any(l["action"]=="call_back" and l["conversation"]==4 and l["reason"]=="abandoned" and l["stage"]=="waiting" for l in L)' "$T/calls.out"
check "simulate calls: after 10 minutes the caller leaves a voicemail" sim_has \
  'any(l["action"]=="call_decision" and l["conversation"]==3 and l["decision"]=="voicemail" and l["at"].startswith("2026-11-24T02:16:00") and "still busy" in l["speech"] for l in L)' "$T/calls.out"
check "simulate calls: the voicemail is call-back work" sim_has \
  'any(l["action"]=="call_back" and l["conversation"]==3 and l["reason"]=="voicemail" for l in L)' "$T/calls.out"
check "simulate calls: the phone guidance gets its follow-up call 2 h later" sim_has \
  'any(l["action"]=="follow_up_due" and l["policy"]=="guidance_check" and l["at"].startswith("2026-11-24T04:04:00") for l in L)' "$T/calls.out"
rc=0; echo '{"type":"voicemail","conversation":9,"text":"hi"}' | "$CCD_BIN" simulate \
  --config "$T/config/ccd.yaml" --events - > /dev/null 2>"$T/sim.err" || rc=$?
expect_eq "simulate: a voicemail without its call exits 2" 2 "$rc"
rc=0; echo '{"type":"nonsense"}' | "$CCD_BIN" simulate --config "$T/config/ccd.yaml" --events - \
  > /dev/null 2>"$T/sim.err" || rc=$?
expect_eq "simulate: a bad event exits 2" 2 "$rc"
check "simulate: says which line" grep -q -- '-:1: type: unknown event type' "$T/sim.err"

finish
