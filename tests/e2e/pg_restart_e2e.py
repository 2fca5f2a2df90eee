#!/usr/bin/env python3
"""PostgreSQL restarted under load (issue 16): clients post messages steadily to the real ccd on
PostgreSQL while a poller reads /healthz; the server is stopped (pg_ctl -m immediate), the
clients keep posting for a few seconds, and it is started again. While it is away /healthz
answers 503 and no message is answered 202 (503 instead); ccd reconnects by itself (the same
process) and takes messages again; every message answered 202 is in the database exactly once
with the id it was given. Prints the outage's length, the time to recover and the counts.

The server is the shared test cluster's: CTest runs this test alone (RUN_SERIAL).

Usage: pg_restart_e2e.py PATH/TO/ccd SOURCE_DIR PG_CLUSTER_DIR
"""
import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_e2e  # noqa: E402

CCD, SRC, CLUSTER_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
CLIENTS = 4
AWAY_SECONDS = 3.0


class Load:
    """Clients posting steadily, each answer recorded as (sent, answered, status, ext, body)."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.answers = []
        self.health = []  # (sent, answered, status)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.poll_health))

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()

    def client(self, idx):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            ext = f"c{idx}-{n}"
            sent = time.monotonic()
            try:
                status, body = pg_e2e.post_message(conn, f"cust-{idx}-{n % 5}", ext)
            except (OSError, http.client.HTTPException) as e:  # recorded as status 0
                status, body = 0, str(e)
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.answers.append((sent, time.monotonic(), status, ext, body))
            n += 1
            time.sleep(0.02)

    def poll_health(self):
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                status, _ = pg_e2e.get(self.port, "/healthz")
            except (OSError, http.client.HTTPException, ValueError):
                status = 0
            with self.lock:
                self.health.append((sent, time.monotonic(), status))
            time.sleep(0.05)

    def acked_count(self):
        with self.lock:
            return sum(1 for a in self.answers if a[2] == 202)

    def first_after(self, t, status, of_health=False):
        """When the first answer with `status` to a request sent after t came."""
        with self.lock:
            rows = [(h[1], h[2]) for h in self.health] if of_health else \
                   [(a[1], a[2]) for a in self.answers]
        times = [at for at, s in rows if s == status and at > t]
        return min(times) if times else None


def wait_until(what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.02)
    return False


def main():
    with pg_e2e.Session(SRC, CLUSTER_DIR, "restart") as session:
        cluster, checks = session.cluster, session.checks
        cfg = pg_e2e.write_config(session.tmp, SRC, f"  driver: postgres\n  postgres:\n"
                                  f"    dsn: {session.dsn}\n    connect_timeout: 2s\n")
        proc, port, _ = session.start_ccd(CCD, cfg, "ccd.log")
        load = Load(port)
        load.start()
        wait_until(lambda: load.acked_count() >= 50)

        stopping = time.monotonic()
        cluster.stop_server("immediate")
        stopped = time.monotonic()
        acked_before = load.acked_count()
        time.sleep(AWAY_SECONDS)
        starting = time.monotonic()
        cluster.start_server()
        started = time.monotonic()
        recovered = wait_until(lambda: load.first_after(started, 202) is not None and
                               load.first_after(started, 200, of_health=True) is not None)
        # Some more load once it is back, then the final figures.
        back = time.monotonic()
        time.sleep(1.0)
        load.finish()
        alive = proc.poll() is None

        answers, health = load.answers, load.health
        during = [a for a in answers if a[0] > stopped and a[1] < starting]
        during_health = [h for h in health if h[0] > stopped + 0.5 and h[1] < starting]
        after = [a for a in answers if a[0] > back]
        acked = {a[3]: a[4]["message_id"] for a in answers if a[2] == 202}
        refused = [a for a in answers if a[2] == 503]
        other = sorted({a[2] for a in answers} - {202, 503})
        first_202 = load.first_after(started, 202)
        first_200 = load.first_after(started, 200, of_health=True)
        print(f"server stopped (-m immediate) {stopped - stopping:.2f} s after the stop began, "
              f"away {starting - stopped:.2f} s, started again in {started - starting:.2f} s "
              f"(outage {started - stopping:.2f} s); {acked_before} messages acknowledged before")
        if first_202 and first_200:
            print(f"recovered: first 202 {first_202 - started:.2f} s and first /healthz 200 "
                  f"{first_200 - started:.2f} s after the server accepted connections again")

        checks.check(len(during) >= 20 and all(a[2] == 503 for a in during),
                     f"while the server was away {len(during)} messages were answered "
                     f"{sorted({a[2] for a in during})}: 503, never 202")
        checks.check(len(during_health) >= 10 and all(h[2] == 503 for h in during_health),
                     f"/healthz answered {sorted({h[2] for h in during_health})} to "
                     f"{len(during_health)} polls while the server was away")
        checks.check(recovered and alive, "ccd reconnected by itself (the same process) and "
                     "answers 202 and /healthz 200 again")
        checks.check(len(after) >= 20 and all(a[2] == 202 for a in after),
                     f"after the recovery {len(after)} messages were answered "
                     f"{sorted({a[2] for a in after})}")
        checks.check(not other, f"no answer other than 202 and 503 (got {other})")

        stored = pg_e2e.stored_inbound(cluster, session.database)
        missing = [e for e in acked if e not in stored]
        twice = [e for e, ids in stored.items() if len(ids) != 1]
        wrong = [e for e, mid in acked.items() if e in stored and stored[e] != [mid]]
        refused_stored = sum(1 for a in refused if a[3] in stored)
        print(f"{len(answers)} messages posted: {len(acked)} acknowledged (202), "
              f"{len(refused)} refused (503), of which {refused_stored} stored anyway (a commit "
              f"cut off by the stop); {len(stored)} stored")
        checks.check(not missing and not twice and not wrong,
                     f"every acknowledged message stored exactly once with its id "
                     f"({len(missing)} missing, {len(twice)} stored twice, {len(wrong)} with "
                     f"another id)")
        session.stop_ccd(proc)
        return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
