#!/usr/bin/env bash
# End to end: `ccd contacts import` with the real binary on a real database. A CSV with a BOM,
# CRLF, Chinese names and quoted fields (commas, doubled quotes, a line break) is imported and
# read back with sqlite3 and over HTTP; a bad file imports nothing and names FILE:LINE: column;
# a running daemon holding the database lock makes the import stop with exit 4.
# Usage: contacts_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
DB=$T/db/ccd.db
write_config "$T/ccd.yaml" "$DB"
q() { sqlite3 -batch -noheader "$DB" "$1"; }

printf '\xef\xbb\xbfkey,name,email,phone,tier,locale,telegram,whatsapp,webchat,api,products,attr.region\r\n' > "$T/contacts.csv"
cat >> "$T/contacts.csv" <<'CSV'
C-1,张伟,Zhang.Wei@Example.COM,+8613800000000,vip,zh-Hans,1001;1002,+8613800000000,,,"P-100|Printer, large|2024-01-10|2099-01-09;INK|Ink ""XL""",华东
C-2,"李娜, ""Nana""",,,,,,,w-77,,,
C-3,"Multi
Line",c3@example.com,,gold,en,,,,api-3,,
CSV

rc=0; "$CCD_BIN" contacts --help > "$T/help.txt" 2>&1 || rc=$?
expect_eq "contacts --help exits 0" 0 "$rc"
rc=0; "$CCD_BIN" contacts import "$T/contacts.csv" --config "$T/ccd.yaml" --dry-run > "$T/dry.out" 2>&1 || rc=$?
expect_eq "dry run exits 0" 0 "$rc"
check "dry run counts 3 contacts" grep -q "3 contact(s) OK" "$T/dry.out"
check "dry run creates no database" test ! -e "$DB"

rc=0; "$CCD_BIN" contacts import "$T/contacts.csv" --config "$T/ccd.yaml" > "$T/import.out" 2>&1 || rc=$?
expect_eq "import exits 0" 0 "$rc"
check "import reports 3 contacts" grep -q "imported 3 contact(s)" "$T/import.out"
expect_eq "Chinese name stored" "张伟" "$(q "SELECT name FROM contacts WHERE external_id = 'C-1'")"
expect_eq "quoted name with comma and quotes" '李娜, "Nana"' "$(q "SELECT name FROM contacts WHERE external_id = 'C-2'")"
expect_eq "name with a line break" $'Multi\nLine' "$(q "SELECT name FROM contacts WHERE external_id = 'C-3'")"
expect_eq "email lower-cased" "zhang.wei@example.com" "$(q "SELECT email FROM contacts WHERE external_id = 'C-1'")"
expect_eq "tier" "gold" "$(q "SELECT tier FROM contacts WHERE external_id = 'C-3'")"
expect_eq "default tier" "standard" "$(q "SELECT tier FROM contacts WHERE external_id = 'C-2'")"
expect_eq "attribute in Chinese" '{"region":"华东"}' "$(q "SELECT attributes FROM contacts WHERE external_id = 'C-1'")"
expect_eq "C-1 addresses: 2 telegram, whatsapp, email, voice" 5 \
  "$(q "SELECT count(*) FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id WHERE c.external_id = 'C-1'")"
expect_eq "products with a quoted name" 'Ink "XL"' "$(q "SELECT name FROM contact_products WHERE sku = 'INK'")"
expect_eq "warranty date" "2099-01-09" "$(q "SELECT warranty_until FROM contact_products WHERE sku = 'P-100'")"

# The same file again updates in place.
rc=0; "$CCD_BIN" contacts import "$T/contacts.csv" --config "$T/ccd.yaml" > /dev/null 2>&1 || rc=$?
expect_eq "re-import exits 0" 0 "$rc"
expect_eq "re-import keeps 3 contacts" 3 "$(q "SELECT count(*) FROM contacts")"
expect_eq "re-import keeps 2 products" 2 "$(q "SELECT count(*) FROM contact_products")"

# A file with bad rows: every problem as FILE:LINE: column: message, and nothing imported.
cat > "$T/bad.csv" <<'CSV'
key,name,email,phone,products
C-9,Good,good@example.com,,
C-10,Bad mail,not-an-email,,
C-11,"Bad
phone",,12345,
C-12,Bad warranty,,,P|n|2024-05-02|2024-05-01
CSV
rc=0; "$CCD_BIN" contacts import "$T/bad.csv" --config "$T/ccd.yaml" > "$T/bad.out" 2>&1 || rc=$?
expect_eq "bad rows exit 3" 3 "$rc"
check "bad email named at line 3" grep -q "bad.csv:3: email: " "$T/bad.out"
check "bad phone named at line 4 (its record starts there)" grep -q "bad.csv:4: phone: .*E.164" "$T/bad.out"
check "warranty before purchase named at line 6" grep -q "bad.csv:6: products: .*before purchased_on" "$T/bad.out"
expect_eq "nothing of the bad file imported" 0 "$(q "SELECT count(*) FROM contacts WHERE external_id = 'C-9'")"

# A running daemon holds the lock: the import refuses with exit 4 and points to the API.
# Customer records are for supervisors: one with a password (agents.yaml beside ccd.yaml).
printf 'accounts:\n  - name: sup\n    role: supervisor\n' > "$T/agents.yaml"
printf 'sup password\n' | "$CCD_BIN" agent passwd sup --config "$T/ccd.yaml" > /dev/null 2>&1
start_ccd "$T/ccd.yaml" "$T/ccd.log"
rc=0; "$CCD_BIN" contacts import "$T/contacts.csv" --config "$T/ccd.yaml" > "$T/locked.out" 2>&1 || rc=$?
expect_eq "import with a daemon running exits 4" 4 "$rc"
check "it says the database is locked" grep -q "locked by another ccd" "$T/locked.out"
check "it suggests PUT /v1/contacts" grep -q "PUT /v1/contacts" "$T/locked.out"

code=$(curl -s -o "$T/c1.json" -w '%{http_code}' "http://127.0.0.1:$CCD_PORT/v1/contacts/C-1")
expect_eq "GET without a token answers 401" 401 "$code"
token=$(curl -s -H 'Content-Type: application/json' -d '{"name":"sup","password":"sup password"}' \
  "http://127.0.0.1:$CCD_PORT/v1/auth/login" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/')
auth=(-H "Authorization: Bearer $token")
code=$(curl -s "${auth[@]}" -o "$T/c1.json" -w '%{http_code}' "http://127.0.0.1:$CCD_PORT/v1/contacts/C-1")
{
  expect_eq "GET /v1/contacts/C-1 answers 200" 200 "$code"
  check "GET shows the Chinese name" grep -q '"name":"张伟"' "$T/c1.json"
  check "GET shows in_warranty" grep -q '"in_warranty":true' "$T/c1.json"
  code=$(curl -s "${auth[@]}" -o "$T/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    -d '{"name":"王芳","tier":"vip","addresses":{"telegram":["2001"]}}' \
    "http://127.0.0.1:$CCD_PORT/v1/contacts/C-4")
  expect_eq "PUT a new contact answers 201" 201 "$code"
  code=$(curl -s "${auth[@]}" -o "$T/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    -d '{"phone":"0800"}' "http://127.0.0.1:$CCD_PORT/v1/contacts/C-4")
  expect_eq "PUT with a bad phone answers 422" 422 "$code"
  check "the 422 names the field" grep -q '"field":"phone"' "$T/put.json"
}
kill -TERM "$CCD_PID"
wait_exit "$CCD_PID" 10
expect_eq "daemon stops cleanly" 0 "$EXIT_CODE"

finish
