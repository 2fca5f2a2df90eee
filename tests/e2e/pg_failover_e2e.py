#!/usr/bin/env python3
"""Two ccd nodes on one PostgreSQL database: one active, one standby. The active node (A) holds
the engine's lease and takes the load; the standby (B) neither listens nor routes. A is killed
with kill -9 under load: B takes the lease, restores the engine from PostgreSQL and listens; the
fail-over time (kill to B listening) is printed and must stay under 5 s. An agent who logged in
on A before the kill keeps working on B with the same token (sessions are in PostgreSQL; the two
nodes share one passwords file, as they share their configuration). Every message answered
202 by either node is stored once, every conversation is routed once (one conversation per
customer, one automatic acknowledgement each), and customers' next messages through B join
their conversations. A stopped standby exits 0 without ever listening; an active node whose
lease another session has taken exits at once with code 6.

Usage: pg_failover_e2e.py PATH/TO/ccd SOURCE_DIR PG_CLUSTER_DIR
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_e2e  # noqa: E402

CCD, SRC, CLUSTER_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
CUSTOMERS = 30
LEASE_KEY = 0x6363646c656164  # store/postgres/pg_lease.hpp kEngineLeaseKey
STORAGE = "  driver: postgres\n  postgres:\n    dsn: ${CCD_PG_DSN}\n    keepalive_idle: 2s\n"


def wait_for(log_path, pattern, proc, seconds):
    """The first match of `pattern` in the log within `seconds`, or None (also when proc ends)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        m = re.search(pattern, open(log_path).read())
        if m or proc.poll() is not None:
            return m
        time.sleep(0.01)
    return None


class Load:
    """Posts messages from CUSTOMERS customers to a node, round after round, until it stops
    answering; keeps what was answered 202: {external id: (message id, conversation id)}."""

    def __init__(self, port):
        self.port = port
        self.acked = {}
        self.failed = 0
        self.thread = threading.Thread(target=self.run)

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        n = 0
        while True:
            ext = f"a{n}"
            try:
                status, body = pg_e2e.post_message(conn, f"cust-{n % CUSTOMERS}", ext)
            except (OSError, http.client.HTTPException):
                return  # the node is gone
            if status == 202:
                self.acked[ext] = (body["message_id"], body["conversation_id"])
            else:
                self.failed += 1
            n += 1


def login(port, name, password):
    """POST /v1/auth/login: (status, token or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/v1/auth/login", json.dumps({"name": name, "password": password}),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, (json.loads(body).get("token") if r.status == 200 else None)


def me(port, token):
    """The status of GET /v1/auth/me with `token`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


def share_passwords(session, configs, env):
    """One passwords file for every node, with alice's password set: returns the password."""
    passwords = os.path.join(session.tmp, "passwords.yaml")
    for cfg in configs:
        with open(cfg, "a") as f:
            f.write(f"passwords: {passwords}\n")
    password = "alice failover password"
    subprocess.run([CCD, "agent", "passwd", "alice", "--config", configs[0]],
                   input=password + "\n", text=True, check=True, capture_output=True, env=env)
    return password


def standby_stops_cleanly(session, cfg, env):
    proc = subprocess.Popen([CCD, "run", "--config", cfg],
                            stdout=open(os.path.join(session.tmp, "c.log"), "w"),
                            stderr=subprocess.STDOUT, env=env)
    session.procs.append(proc)
    log = os.path.join(session.tmp, "c.log")
    standing = wait_for(log, r"standing by", proc, 10)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    session.checks.check(standing is not None and rc == 0 and
                         "listening on" not in open(log).read(),
                         f"a standby stopped with SIGTERM exits {rc} without having listened")


def main():
    with pg_e2e.Session(SRC, CLUSTER_DIR, "failover") as session:
        cluster, checks, database = session.cluster, session.checks, session.database
        env = dict(os.environ, CCD_PG_DSN=session.dsn)
        cfg_a = pg_e2e.write_config(os.path.join(session.tmp, "a"), SRC, STORAGE)
        cfg_b = pg_e2e.write_config(os.path.join(session.tmp, "b"), SRC, STORAGE)
        password = share_passwords(session, [cfg_a, cfg_b], env)

        a, port_a, log_a = session.start_ccd(CCD, cfg_a, "a.log", env)
        checks.check("engine lease: held" in open(log_a).read(),
                     "the first node takes the engine's lease and listens")
        status, token = login(port_a, "alice", password)
        checks.check(status == 200 and token, f"alice logs in on the active node ({status})")
        log_b = os.path.join(session.tmp, "b.log")
        b = subprocess.Popen([CCD, "run", "--config", cfg_b], stdout=open(log_b, "w"),
                             stderr=subprocess.STDOUT, env=env)
        session.procs.append(b)
        checks.check(wait_for(log_b, r"standing by", b, 10) is not None and
                     "listening on" not in open(log_b).read(),
                     "the second node stands by: it does not listen")
        standby_stops_cleanly(session, cfg_b, env)

        load = Load(port_a)
        load.thread.start()
        time.sleep(1.5)
        killed_at = time.time()
        a.send_signal(signal.SIGKILL)
        a.wait()
        load.thread.join()
        listening = wait_for(log_b, r"listening on http://127\.0\.0\.1:(\d+)", b, 15)
        failover = time.time() - killed_at
        checks.check(listening is not None,
                     "after kill -9 of the active node the standby listens")
        if listening is None:
            print(open(log_b).read())
            return checks.finish()
        print(f"fail-over: {failover:.2f} s from kill -9 to the standby listening; "
              f"{len(load.acked)} messages acknowledged by the killed node, {load.failed} "
              "refused", flush=True)
        checks.check(failover < 5.0, f"fail-over within 5 s ({failover:.2f} s)")
        checks.check(len(load.acked) >= CUSTOMERS, f"the killed node had acknowledged "
                     f"{len(load.acked)} messages under load")
        restored = re.search(r"engine: restored (\d+) open conversations, replaying (\d+)",
                             open(log_b).read())
        checks.check(restored is not None and int(restored.group(1)) == CUSTOMERS,
                     "the new active node restores the engine from PostgreSQL: " +
                     (restored.group(0) if restored else "no restore logged"))

        port_b = int(listening.group(1))
        checks.check(token and me(port_b, token) == 200,
                     "alice's token from the killed node works on the node that took over")
        checks.check(me(port_b, "0" * 64) == 401, "a made-up token does not")
        conn = http.client.HTTPConnection("127.0.0.1", port_b, timeout=10)
        first = {}
        for ext, (_, conv) in load.acked.items():
            first.setdefault(int(ext[1:]) % CUSTOMERS, conv)
        joined = []
        for c in range(CUSTOMERS):
            status, body = pg_e2e.post_message(conn, f"cust-{c}", f"b{c}")
            joined.append(status == 202 and body["conversation_id"] == first.get(c))
        checks.check(all(joined), f"{joined.count(True)} of {CUSTOMERS} customers' next "
                     "messages, through the new node, join their conversations")

        stored = pg_e2e.stored_inbound(cluster, database)
        lost = [ext for ext, (mid, _) in load.acked.items() if stored.get(ext) != [mid]]
        twice = [ext for ext, ids in stored.items() if len(ids) > 1]
        checks.check(not lost and not twice, f"every acknowledged message stored once "
                     f"({len(lost)} missing or with another id, {len(twice)} stored twice)")
        per_customer = cluster.psql(
            "SELECT count(*) FROM conversations GROUP BY contact_id HAVING count(*) > 1", database)
        routed = cluster.psql("SELECT count(*) FROM conversations WHERE routing IS NOT NULL "
                              "AND queue IS NOT NULL", database)[0][0]
        acks = cluster.psql(
            "SELECT o.conversation_id, count(*) FROM outbox o JOIN messages m "
            "ON m.id = o.message_id WHERE m.direction = 'out' GROUP BY o.conversation_id",
            database)
        checks.check(not per_customer and int(routed) == CUSTOMERS,
                     f"one conversation per customer, {routed} routed")
        checks.check(len(acks) == CUSTOMERS and all(n == "1" for _, n in acks),
                     f"one automatic acknowledgement in each of {len(acks)} conversations "
                     "(none routed twice)")
        # An active node whose lease session ends takes the lease again (PostgreSQL restarted:
        # pg_restart_e2e); one that finds another session holding it by then stops at once.
        # Here one psql session ends B's lease session and takes the lease in its place.
        cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE application_name = 'ccd lease' AND datname = '{database}'; "
                     f"SELECT pg_advisory_lock({LEASE_KEY}); SELECT pg_sleep(3)", database)
        try:
            rc = b.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        checks.check(rc == 6 and "engine lease: taken by another node" in open(log_b).read(),
                     "an active node whose lease another session has taken exits at once with "
                     f"code 6 (got {rc})")
        return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
