#!/usr/bin/env bash
# End to end: multi-factor authentication with the real daemon on a copy of the shipped
# configuration, MFA required for supervisors and admins (mfa.required_for). sam (supervisor)
# logs in with the password alone and may only enrol; enrols (otpauth:// URI, QR code), confirms
# with a code and gets ten recovery codes; then a login needs a code: a wrong one, a replayed one
# and a spent recovery code are refused, a right one and a recovery code work once.
# `ccd agent mfa reset sam` applies to the running daemon; disabling needs a code; wrong codes
# count toward the login throttle. Secrets stay in the data directory (0600), out of the log and
# out of config/.
# Usage: mfa_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
S=$T/shipped
shipped_config_on_free_ports "$ROOT" "$S"
sed -i -E 's|^(  required_for: )\[\]|\1[supervisor, admin]|' "$CFG"
check "the policy is set in the copy" grep -q '^  required_for: \[supervisor, admin\]' "$CFG"
cp -r "$S/config" "$T/config.orig"
printf 'sam password 1\n' | "$CCD_BIN" agent passwd sam --config "$CFG" > /dev/null 2>&1
printf 'alice password\n' | "$CCD_BIN" agent passwd alice --config "$CFG" > /dev/null 2>&1

# TOTP of a base32 secret at a time step (RFC 6238, SHA1, 6 digits), and a JSON member.
totp() {
  python3 -c 'import base64,hmac,hashlib,struct,sys
s=sys.argv[1]; key=base64.b32decode(s+"="*(-len(s)%8))
mac=hmac.new(key,struct.pack(">Q",int(sys.argv[2])),hashlib.sha1).digest()
o=mac[-1]&15; print("%06d"%((struct.unpack(">I",mac[o:o+4])[0]&0x7fffffff)%1000000))' "$1" "$2"
}
now_step() { python3 -c 'import time; print(int(time.time())//30)'; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(v if not isinstance(v,(list,dict,bool)) else json.dumps(v))' "$1" "$2"; }

start_ccd "$CFG" "$T/ccd.log"
base="http://127.0.0.1:$CCD_PORT"
# post PATH JSON [TOKEN] -> body in $T/out.json, status in $status
post() {
  local auth=()
  [ -n "${3:-}" ] && auth=(-H "Authorization: Bearer $3")
  status=$(curl -s -o "$T/out.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    "${auth[@]}" -d "$2" "$base$1")
}
get() { status=$(curl -s -o "$T/out.json" -w '%{http_code}' -H "Authorization: Bearer $2" "$base$1"); }

# Without MFA, the policy lets sam log in only to enrol.
post /v1/auth/login '{"name":"sam","password":"sam password 1"}'
expect_eq "sam logs in with the password" 200 "$status"
expect_eq "the session may only enrol" true "$(field "$T/out.json" mfa_enrolment_required)"
sam=$(field "$T/out.json" token)
get /v1/contacts/nobody "$sam"
expect_eq "a supervisor endpoint refuses it" 403 "$status"
expect_eq "saying why" mfa_enrolment_required "$(field "$T/out.json" error)"
get /v1/auth/me "$sam"
expect_eq "/v1/auth/me answers it" 200 "$status"
get /v1/auth/mfa "$sam"
expect_eq "GET /v1/auth/mfa" 200 "$status"
check "not enabled, required" grep -q '"enabled":false.*"required":true' "$T/out.json"

# Enrolment.
post /v1/auth/mfa/confirm '{"code":"123456"}' "$sam"
expect_eq "confirming before enrolling is 409" 409 "$status"
post /v1/auth/mfa/enrol '' "$sam"
expect_eq "enrol" 200 "$status"
secret=$(field "$T/out.json" secret)
uri=$(field "$T/out.json" otpauth_uri)
expect_eq "the secret is 160 bits of base32 without padding" 32 "${#secret}"
expect_eq "the otpauth URI" "otpauth://totp/ccd:sam?secret=$secret&issuer=ccd&algorithm=SHA1&digits=6&period=30" "$uri"
check "a QR code as SVG" grep -q '"qr_svg":"<svg xmlns' "$T/out.json"
check "no mfa file before the code confirms" test ! -e "$S/var/mfa.yaml"
step=$(now_step)
post /v1/auth/mfa/confirm "{\"code\":\"$(totp "$secret" $((step + 5)))\"}" "$sam"
expect_eq "a wrong code does not confirm" 422 "$status"
post /v1/auth/mfa/confirm "{\"code\":\"$(totp "$secret" "$step")\"}" "$sam"
expect_eq "a current code confirms" 200 "$status"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["recovery_codes"]; assert len(c)==10; open(sys.argv[2],"w").write("\n".join(c)+"\n")' \
  "$T/out.json" "$T/recovery.txt" && pass "ten recovery codes" || fail "ten recovery codes"
get /v1/contacts/nobody "$sam"
expect_eq "the enrolled session may do what a supervisor may (no such contact)" 404 "$status"
expect_eq "the MFA file is for its owner only" 600 "$(stat -c %a "$S/var/mfa.yaml")"
check "the MFA file names sam" grep -q '^  "sam":' "$S/var/mfa.yaml"

# A login needs the second factor.
post /v1/auth/login '{"name":"sam","password":"sam password 1"}'
expect_eq "the password alone is 401" 401 "$status"
expect_eq "mfa_required" mfa_required "$(field "$T/out.json" error)"
check "no token with it" bash -c "! grep -q '\"token\"' '$T/out.json'"
challenge=$(field "$T/out.json" challenge)
post /v1/auth/login "{\"name\":\"sam\",\"challenge\":\"$challenge\",\"code\":\"$(totp "$secret" $((step + 7)))\"}"
expect_eq "a wrong code is refused" 401 "$status"
expect_eq "as invalid_code" invalid_code "$(field "$T/out.json" error)"
post /v1/auth/login "{\"name\":\"sam\",\"challenge\":\"$challenge\",\"code\":\"$(totp "$secret" "$step")\"}"
expect_eq "the code that confirmed the enrolment is spent" code_used "$(field "$T/out.json" error)"
code1=$(totp "$secret" $((step + 1)))
post /v1/auth/login "{\"name\":\"sam\",\"challenge\":\"$challenge\",\"code\":\"$code1\"}"
expect_eq "the next step's code logs in" 200 "$status"
get /v1/contacts/nobody "$(field "$T/out.json" token)"
expect_eq "with a full session (no such contact)" 404 "$status"
post /v1/auth/login "{\"name\":\"sam\",\"password\":\"sam password 1\",\"code\":\"$code1\"}"
expect_eq "replaying it is refused" 401 "$status"
expect_eq "as code_used" code_used "$(field "$T/out.json" error)"
rec=$(sed -n 1p "$T/recovery.txt")
post /v1/auth/login '{"name":"sam","password":"sam password 1"}'
challenge=$(field "$T/out.json" challenge)
post /v1/auth/login "{\"name\":\"sam\",\"challenge\":\"$challenge\",\"code\":\"$rec\"}"
expect_eq "a recovery code logs in" 200 "$status"
expect_eq "nine left" 9 "$(field "$T/out.json" recovery_codes_left)"
post /v1/auth/login "{\"name\":\"sam\",\"password\":\"sam password 1\",\"code\":\"$rec\"}"
expect_eq "a recovery code works once" invalid_code "$(field "$T/out.json" error)"
check "no recovery code in the file" bash -c "! grep -qFf '$T/recovery.txt' '$S/var/mfa.yaml'"

# An admin resets sam's MFA from the command line; the running daemon applies it.
rc=0; "$CCD_BIN" agent mfa reset sam --config "$CFG" > "$T/reset.out" 2>&1 || rc=$?
expect_eq "agent mfa reset exits 0" 0 "$rc"
check "it says what it did" grep -q 'MFA of "sam" removed from' "$T/reset.out"
rc=0; "$CCD_BIN" agent mfa reset nobody --config "$CFG" > /dev/null 2>&1 || rc=$?
expect_eq "an unknown account is refused (2)" 2 "$rc"
post /v1/auth/login '{"name":"sam","password":"sam password 1"}'
expect_eq "after the reset the password logs in" 200 "$status"
expect_eq "to enrol again (the policy)" true "$(field "$T/out.json" mfa_enrolment_required)"
sam=$(field "$T/out.json" token)

# Enrol again, then disable: a current code is needed.
post /v1/auth/mfa/enrol '' "$sam"
secret=$(field "$T/out.json" secret)
step=$(now_step)
post /v1/auth/mfa/confirm "{\"code\":\"$(totp "$secret" "$step")\"}" "$sam"
expect_eq "re-enrolled" 200 "$status"
post /v1/auth/mfa/disable '{"code":"000000x"}' "$sam"
expect_eq "disabling with a wrong code is refused" 422 "$status"
post /v1/auth/mfa/disable "{\"code\":\"$(totp "$secret" $((step + 1)))\"}" "$sam"
expect_eq "disabling with a current code" 200 "$status"
get /v1/auth/mfa "$sam"
check "MFA is off" grep -q '"enabled":false' "$T/out.json"

# alice (an agent: not required) enrols by choice; wrong codes lock her out like wrong passwords.
post /v1/auth/login '{"name":"alice","password":"alice password"}'
alice=$(field "$T/out.json" token)
expect_eq "alice's session is a full one" None "$(field "$T/out.json" mfa_enrolment_required)"
post /v1/auth/mfa/enrol '' "$alice"
asecret=$(field "$T/out.json" secret)
post /v1/auth/mfa/confirm "{\"code\":\"$(totp "$asecret" "$(now_step)")\"}" "$alice"
expect_eq "alice enrolled" 200 "$status"
statuses=""
wrong=$(totp "$asecret" $(($(now_step) + 9)))
for i in 1 2 3 4 5 6; do
  post /v1/auth/login "{\"name\":\"alice\",\"password\":\"alice password\",\"code\":\"$wrong\"}"
  statuses="$statuses $status"
done
expect_eq "five wrong codes, then throttled" " 401 401 401 401 401 429" "$statuses"
post /v1/auth/login "{\"name\":\"alice\",\"password\":\"alice password\",\"code\":\"$(totp "$asecret" $(($(now_step) + 1)))\"}"
expect_eq "even a right code waits out the lock" 429 "$status"

check "no secret in the log" bash -c "! grep -q -e '$secret' -e '$asecret' '$T/ccd.log'"
check "no recovery code in the log" bash -c "! grep -qFf '$T/recovery.txt' '$T/ccd.log'"
check "no file of config/ changed" diff -r "$T/config.orig" "$S/config"

kill -TERM "$CCD_PID"
wait_exit "$CCD_PID" 5
expect_eq "SIGTERM exits 0" 0 "$EXIT_CODE"
finish
