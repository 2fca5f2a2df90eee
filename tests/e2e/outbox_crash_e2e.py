#!/usr/bin/env python3
"""The outbox across a crash: 1,000 customers write to a Telegram bot, each gets an automatic
acknowledgement through the stand-in Bot API (which answers slowly), ccd is killed with -9 while
those replies are being sent, and restarted. Every reply must reach its chat, and a chat may
get one twice only for a send that was in flight at the kill: the duplicates are at most what
ccd counts in ccd_outbox_possible_duplicates_total. Prints the figures.

Usage: outbox_crash_e2e.py PATH/TO/ccd PATH/TO/provider_standin SOURCE_DIR
"""
import collections
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccd_e2e  # noqa: E402

CCD, STANDIN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
CUSTOMERS = 1000
SECRET = "crash-secret"


def wait_for(pattern, path, proc, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path) as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        if proc.poll() is not None:
            sys.exit(f"{what} exited during start-up:\n" + open(path).read())
        time.sleep(0.05)
    proc.kill()
    sys.exit(f"{what} did not start:\n" + open(path).read())


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body, headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def start_ccd(cfg, log_path):
    return ccd_e2e.start_ccd(CCD, cfg, log_path)


def main():
    tmp = tempfile.mkdtemp(prefix="ccd-outbox-crash-")
    try:
        # The stand-in answers each send after 400 ms: with 32 sends at a time the backlog
        # takes ~12 s, so the kill lands in the middle of it.
        slog = os.path.join(tmp, "standin.log")
        standin = subprocess.Popen([STANDIN, "--delay-ms", "400", "--record", "full"],
                                   stdout=subprocess.PIPE, stderr=open(slog, "w"), text=True)
        line = standin.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            sys.exit("provider_standin did not start: " + line + open(slog).read())
        sport = int(m.group(1))

        cfg = ccd_e2e.write_config(tmp, SRC, f"""storage:
  sqlite:
    path: {tmp}/ccd.db
console:
  enabled: false
channels:
  - name: bot
    type: telegram
    bot_token: "777:CRASH"
    secret_token: {SECRET}
    api_base: http://127.0.0.1:{sport}
    max_in_flight: 32
    retry: {{initial: 200ms, max: 1s}}
""")
        log1 = os.path.join(tmp, "ccd-1.log")
        proc, port = start_ccd(cfg, log1)

        def update(i):
            chat = 9000000 + i
            body = json.dumps({"update_id": 500000 + i, "message": {
                "message_id": 1, "date": 1733100000,
                "chat": {"id": chat, "type": "private", "first_name": "C"},
                "from": {"id": chat, "is_bot": False, "first_name": "C", "language_code": "en"},
                "text": "my washing machine is leaking water"}})
            return request(port, "POST", "/webhooks/telegram/bot", body,
                           {"Content-Type": "application/json",
                            "X-Telegram-Bot-Api-Secret-Token": SECRET})[0]

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(update, range(CUSTOMERS)))
        if statuses.count(200) != CUSTOMERS:
            sys.exit(f"FAIL: {statuses.count(200)} of {CUSTOMERS} updates acknowledged")

        def sends():
            _, data = request(sport, "GET", "/_standin/requests?match=sendMessage")
            return json.loads(data)

        # Kill once a few hundred replies have gone out: the rest are pending or in flight.
        deadline = time.time() + 60
        while len(sends()) < 250 and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(sends())
        print(f"killed ccd with -9 after {before} of {CUSTOMERS} replies were sent")

        proc, port = start_ccd(cfg, os.path.join(tmp, "ccd-2.log"))
        deadline = time.time() + 120
        while time.time() < deadline:
            delivered = {json.loads(r["body"])["chat_id"] for r in sends() if r["status"] == 200}
            if len(delivered) >= CUSTOMERS:
                break
            time.sleep(0.2)
        _, metrics = request(port, "GET", "/metrics")
        m = re.search(r'ccd_outbox_possible_duplicates_total\{cause="in_flight_at_start"\} (\d+)',
                      metrics.decode())
        in_flight = int(m.group(1)) if m else 0
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)

        per_chat = collections.Counter(json.loads(r["body"])["chat_id"] for r in sends()
                                       if r["status"] == 200)
        duplicates = sum(n - 1 for n in per_chat.values())
        missing = CUSTOMERS - len(per_chat)
        print(f"after the restart: {len(per_chat)} of {CUSTOMERS} chats got their reply, "
              f"{duplicates} got it twice, {in_flight} sends were in flight at the kill")
        failures = 0
        if missing:
            print(f"FAIL: {missing} replies never delivered")
            failures += 1
        if duplicates > in_flight:
            print(f"FAIL: {duplicates} duplicates but only {in_flight} sends in flight")
            failures += 1
        standin.send_signal(signal.SIGTERM)
        standin.wait(timeout=10)
        print(f"{3 - failures} passed, {failures} failed")
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
