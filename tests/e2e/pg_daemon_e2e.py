#!/usr/bin/env python3
"""The real ccd on PostgreSQL (storage.driver: postgres, the DSN from the environment) against
the test cluster: customers post through the generic API channel and are answered 202; their
conversations are routed and the automatic replies queued in the outbox, all in PostgreSQL; a
repeat is answered with the original id; after a restart the engine's routing state comes back
from PostgreSQL and the customers' next messages join their conversations. A server that cannot
be reached stops the start with exit code 4 and a message without the password.

Usage: pg_daemon_e2e.py PATH/TO/ccd SOURCE_DIR PG_CLUSTER_DIR
"""
import http.client
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_e2e  # noqa: E402

CCD, SRC, CLUSTER_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
CUSTOMERS = 20


def storage(dsn_yaml, extra=""):
    return f"  driver: postgres\n  postgres:\n    dsn: {dsn_yaml}\n    readers: 2\n{extra}"


def refused_start(session):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = pg_e2e.write_config(os.path.join(session.tmp, "refused"), SRC, storage(
        f"postgresql://postgres:sekrit@127.0.0.1:{port}/nodb", "    connect_timeout: 2s\n"))
    r = subprocess.run([CCD, "run", "--config", cfg], capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    session.checks.check(
        r.returncode == 4 and "cannot open PostgreSQL database "
        f"postgresql://postgres:***@127.0.0.1:{port}/nodb" in out and "sekrit" not in out,
        f"an unreachable server stops the start with exit code 4 (got {r.returncode}), the DSN "
        "shown without its password")


def main():
    with pg_e2e.Session(SRC, CLUSTER_DIR, "daemon") as session:
        cluster, checks, database = session.cluster, session.checks, session.database
        refused_start(session)

        cfg = pg_e2e.write_config(session.tmp, SRC, storage("${CCD_PG_DSN}"))
        env = dict(os.environ, CCD_PG_DSN=session.dsn)
        proc, port, log = session.start_ccd(CCD, cfg, "ccd-1.log", env)
        # The log masks the user name as it masks an email address's.
        where = session.dsn.split("@", 1)[1]
        opened = re.search(r"store: postgres postgresql://\S*@" + re.escape(where) + r"\s",
                           open(log).read())
        checks.check(opened is not None, "ccd logs the PostgreSQL store it opened: " +
                     (opened.group(0).strip() if opened else "no line"))
        status, health = pg_e2e.get(port, "/healthz")
        checks.check(status == 200 and health["store"]["driver"] == "postgres",
                     f"/healthz answers {status} with the postgres store")

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        acked = {}  # external id -> (message id, conversation id)
        statuses = []
        for round_no in range(2):
            for c in range(CUSTOMERS):
                ext = f"m{round_no}-{c}"
                status, body = pg_e2e.post_message(conn, f"cust-{c}", ext)
                statuses.append(status)
                if status == 202:
                    acked[ext] = (body["message_id"], body["conversation_id"])
        checks.check(statuses == [202] * (2 * CUSTOMERS),
                     f"{statuses.count(202)} of {2 * CUSTOMERS} messages answered 202")
        status, body = pg_e2e.post_message(conn, "cust-3", "m0-3")
        checks.check(status == 202 and body["duplicate"] and
                     body["message_id"] == acked["m0-3"][0], "a repeat is answered with its id")

        stored = pg_e2e.stored_inbound(cluster, database)
        checks.check(all(stored.get(ext) == [mid] for ext, (mid, _) in acked.items()) and
                     len(stored) == len(acked), f"{len(stored)} inbound messages stored once "
                     "each in PostgreSQL, with the ids answered")
        conversations = {conv for _, conv in acked.values()}
        per_customer = {c: {acked[f"m{r}-{c}"][1] for r in range(2)} for c in range(CUSTOMERS)}
        checks.check(len(conversations) == CUSTOMERS and
                     all(len(v) == 1 for v in per_customer.values()),
                     f"{len(conversations)} conversations, one per customer")
        routed = cluster.psql("SELECT count(*) FROM conversations WHERE routing IS NOT NULL "
                              "AND queue IS NOT NULL", database)[0][0]
        replies = cluster.psql(
            "SELECT count(DISTINCT o.conversation_id) FROM outbox o JOIN messages m "
            "ON m.id = o.message_id WHERE m.direction = 'out' AND o.channel = 'api'",
            database)[0][0]
        checks.check(int(routed) == CUSTOMERS and int(replies) == CUSTOMERS,
                     f"{routed} conversations routed (their queue and routing state stored), "
                     f"{replies} with an automatic reply in the outbox")
        session.stop_ccd(proc)

        proc, port, log = session.start_ccd(CCD, cfg, "ccd-2.log", env)
        restored = re.search(r"engine: restored (\d+) open conversations, replaying (\d+)",
                             open(log).read())
        checks.check(restored is not None and int(restored.group(1)) == CUSTOMERS and
                     restored.group(2) == "0",
                     "after the restart the engine restores every conversation from PostgreSQL: " +
                     (restored.group(0) if restored else "no restore logged"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        joined = []
        for c in range(CUSTOMERS):
            status, body = pg_e2e.post_message(conn, f"cust-{c}", f"m2-{c}", "any news?")
            joined.append(status == 202 and body["conversation_id"] == acked[f"m0-{c}"][1])
        checks.check(all(joined), f"{joined.count(True)} of {CUSTOMERS} customers' next "
                     "messages join their conversations")
        status, body = pg_e2e.post_message(conn, "cust-0", "m0-0")
        checks.check(status == 202 and body["duplicate"] and
                     body["message_id"] == acked["m0-0"][0],
                     "a repeat of a message stored before the restart keeps its id")
        status, body = pg_e2e.post_message(conn, "cust-new", "m3-new")
        reply = cluster.psql(
            "SELECT count(*) FROM outbox WHERE conversation_id = "
            f"{int(body['conversation_id'])}", database) if status == 202 else [["0"]]
        checks.check(status == 202 and int(reply[0][0]) >= 1,
                     "a new customer after the restart is routed and gets an automatic reply")
        session.stop_ccd(proc, "SIGTERM after the restart")
        return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
