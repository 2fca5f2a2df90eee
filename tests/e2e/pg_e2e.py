"""What the PostgreSQL end-to-end tests share: the throwaway cluster that the CTest fixture
pg_cluster started (tests/support/pg_cluster.sh; its DSN in DIR/dsn), a database of the test's
own on it, and the real ccd started with `storage.driver: postgres` on that database, with the
shipped routing rules, templates and accounts and a public generic API channel.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.parse

import ccd_e2e


class Cluster:
    """The test cluster whose state folder (DSN, data folder) is `state_dir`."""

    def __init__(self, src, state_dir):
        self.script = os.path.join(src, "tests", "support", "pg_cluster.sh")
        self.state_dir = state_dir
        self.stopped = False
        with open(os.path.join(state_dir, "dsn")) as f:
            self.dsn = f.read().strip()

    def dsn_of(self, database):
        u = urllib.parse.urlsplit(self.dsn)
        return urllib.parse.urlunsplit(u._replace(path="/" + database))

    def psql(self, sql, database="postgres"):
        """Rows of `sql`, each a list of text fields."""
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                              "-d", self.dsn_of(database), "-c", sql],
                             check=True, capture_output=True, text=True,
                             timeout=60).stdout  # a statement that waits for ever fails here
        return [line.split("\t") for line in out.splitlines() if line]

    def create_database(self, name):
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.psql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")

    def drop_database(self, name):
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop_server(self, mode):
        subprocess.run(["bash", self.script, "stop-server", self.state_dir, mode], check=True)
        self.stopped = True

    def start_server(self):
        subprocess.run(["bash", self.script, "start-server", self.state_dir], check=True)
        self.stopped = False


class Session:
    """One test's database on the cluster (`session.database`), its temporary folder and the
    ccd processes it starts, with its checks: on leaving, the processes are killed, a stopped
    server started again, the database dropped and the folder removed."""

    def __init__(self, src, state_dir, name):
        self.src = src
        self.cluster = Cluster(src, state_dir)
        self.database = f"ccd_e2e_{name}_{os.getpid()}"
        self.dsn = self.cluster.dsn_of(self.database)
        self.tmp = tempfile.mkdtemp(prefix=f"ccd-pg-{name}-")
        self.checks = Checks()
        self.procs = []

    def __enter__(self):
        self.cluster.create_database(self.database)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.cluster.stopped:
            self.cluster.start_server()
        self.cluster.drop_database(self.database)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def start_ccd(self, ccd, cfg, log_name, env=None):
        """ccd_e2e.start_ccd with the log in the session's folder: (process, port, log)."""
        log_path = os.path.join(self.tmp, log_name)
        proc, port = ccd_e2e.start_ccd(ccd, cfg, log_path, env)
        self.procs.append(proc)
        return proc, port, log_path

    def stop_ccd(self, proc, what="SIGTERM"):
        """Stops ccd with SIGTERM and checks that it exits 0."""
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=20)
        self.checks.check(rc == 0, f"{what}: exit code {rc}")


def write_config(tmp, src, storage_yaml):
    """ccd_e2e.write_config with a public API channel, no console and `storage_yaml` (the
    storage section, indented under `storage:`)."""
    return ccd_e2e.write_config(tmp, src, f"""storage:
{storage_yaml}
console:
  enabled: false
channels:
  - {{name: api, type: api, public: true}}
""")


def post_message(conn, customer, ext, text="my washing machine is leaking water"):
    """POST /v1/messages on an open HTTPConnection: (status, body as JSON or None)."""
    conn.request("POST", "/v1/messages",
                 json.dumps({"from": {"id": customer}, "text": text, "external_id": ext}),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None


def get(port, path):
    """(status, body as JSON) of a GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data)


def stored_inbound(cluster, database):
    """{external id: [message ids]} of the inbound messages in the database."""
    out = {}
    for ext, mid in cluster.psql("SELECT provider_id, id FROM messages WHERE direction = 'in'",
                                 database):
        out.setdefault(ext, []).append(int(mid))
    return out


class Checks:
    """Counts and prints each check as `ok   - ...` or `FAIL - ...`."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        print(("ok   - " if ok else "FAIL - ") + what, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
