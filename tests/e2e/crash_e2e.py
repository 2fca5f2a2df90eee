#!/usr/bin/env python3
"""Crash safety: drive load at the real ccd, kill -9 it mid-load, restart it, and check that
every message that was answered 202 is in the database exactly once. Three rounds on one file.
Then a fatal signal: the daemon prints its backtrace to its log before it ends.

Usage: crash_e2e.py PATH/TO/ccd [--sanitized]   (a sanitizer build reports crashes itself)
"""
import http.client
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccd_e2e  # noqa: E402

CCD = sys.argv[1]
SANITIZED = "--sanitized" in sys.argv[2:]
ROUNDS = 3
CLIENTS = 16


def start(cfg, log_path):
    return ccd_e2e.start_ccd(CCD, cfg, log_path)


def client(port, round_no, idx, acked, stop):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    n = 0
    while not stop.is_set():
        ext = f"r{round_no}-c{idx}-{n}"
        body = json.dumps({"from": {"id": f"cust-{idx % 7}"}, "text": f"crash test {ext}",
                           "external_id": ext})
        try:
            conn.request("POST", "/v1/messages", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            return  # the daemon was killed under us
        if resp.status == 202:
            acked.append((ext, json.loads(data)["message_id"]))
        n += 1


def main():
    tmp = tempfile.mkdtemp(prefix="ccd-crash-")
    db = os.path.join(tmp, "ccd.db")
    cfg = os.path.join(tmp, "ccd.yaml")
    with open(cfg, "w") as f:
        f.write(f'server:\n  listen: "127.0.0.1:0"\nstorage:\n  sqlite:\n    path: "{db}"\n'
                'channels:\n  - {name: api, type: api, public: true}\n')

    all_acked = []
    failures = 0
    for rnd in range(ROUNDS):
        proc, port = start(cfg, os.path.join(tmp, f"ccd-{rnd}.log"))
        acked, stop = [], threading.Event()
        threads = [threading.Thread(target=client, args=(port, rnd, i, acked, stop))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        # Kill once load is flowing: after a few hundred acknowledgements, mid-stream.
        deadline = time.time() + 30
        while len(acked) < 300 + 200 * rnd and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        print(f"round {rnd}: killed with -9 after {len(acked)} acknowledged messages")
        all_acked.extend(acked)

        con = sqlite3.connect(db)  # recovers the WAL like the daemon will
        stored = dict(con.execute(
            "SELECT provider_id, count(*) FROM messages WHERE direction='in' GROUP BY provider_id"))
        ids = dict(con.execute("SELECT provider_id, id FROM messages WHERE direction='in'"))
        con.close()
        missing = [e for e, _ in all_acked if e not in stored]
        twice = [e for e, c in stored.items() if c != 1]
        wrong = [e for e, mid in all_acked if ids.get(e) not in (None, mid)]
        if missing or twice or wrong:
            failures += 1
            print(f"FAIL - round {rnd}: {len(missing)} acknowledged but missing, "
                  f"{len(twice)} stored twice, {len(wrong)} with another id")
        else:
            print(f"ok   - round {rnd}: all {len(all_acked)} acknowledged messages stored once "
                  f"({len(stored)} rows)")

    # After the last crash the daemon starts again and answers repeats with the original ids.
    proc, port = start(cfg, os.path.join(tmp, "ccd-final.log"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    sample = all_acked[:: max(1, len(all_acked) // 50)]
    for ext, mid in sample:
        # The same message again: same sender, text and external_id (an id names a message of
        # one sender; other text under it would be 409 conflict).
        idx = int(ext.split("-")[1][1:])
        conn.request("POST", "/v1/messages",
                     json.dumps({"from": {"id": f"cust-{idx % 7}"}, "text": f"crash test {ext}",
                                 "external_id": ext}),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        if resp.status != 202 or body["message_id"] != mid or not body["duplicate"]:
            failures += 1
            print(f"FAIL - repeat of {ext}: {resp.status} {body}")
            break
    else:
        print(f"ok   - restart answers {len(sample)} repeats with their original ids")
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    if rc != 0:
        failures += 1
        print(f"FAIL - SIGTERM exit code {rc}")

    # A crash (here a SIGSEGV sent to it) leaves the crashing thread's backtrace in the log.
    log_path = os.path.join(tmp, "ccd-segv.log")
    proc, port = start(cfg, log_path)
    proc.send_signal(signal.SIGSEGV)
    rc = proc.wait(timeout=30)
    log = open(log_path, errors="replace").read()
    frames = [ln for ln in log.splitlines() if "ccd(" in ln or "ccd[" in ln]
    if rc >= 0:
        failures += 1
        print(f"FAIL - a SIGSEGV ended the daemon with exit code {rc}, not by the signal")
    elif not SANITIZED and (-rc != signal.SIGSEGV or "ccd: fatal signal 11" not in log
                            or len(frames) < 2):
        failures += 1
        print(f"FAIL - no crash report (signal {-rc}, {len(frames)} frames):\n{log[-3000:]}")
    else:
        print(f"ok   - a SIGSEGV ends the daemon (signal {-rc}) with its backtrace in the log "
              f"({len(frames)} frames)")
    passed = ROUNDS + 3 - failures
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
