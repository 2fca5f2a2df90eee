"""Real servers for the end-to-end tests (email's, and the voice test's ccd and console client),
started on loopback ports as an unprivileged
user: dovecot (IMAP, passwd-file users, Maildirs; optionally TLS, a reduced CAPABILITY and a raw
log of the IMAP traffic) and aiosmtpd (SMTP into a Maildir; optionally SMTPS or STARTTLS), the
real ccd with an email configuration, a minimal console websocket client, the mail to deliver,
and the runner: `run({"mode": function})` calls the mode named on the command line
(`script.py CCD SOURCE_DIR MODE`) with a fresh directory and prints `N passed, N failed`.
"""
import base64
import email
import email.header
import email.policy
import grp
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import tempfile
import time

CCD, SRC, MODE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
PASSES, FAILS = 0, 0
PROCS = []
GROUPS = []  # process groups led by a server started here (dovecot and its children)


def check(name, ok, detail=""):
    global PASSES, FAILS
    if ok:
        PASSES += 1
        print(f"ok   - {name}")
    else:
        FAILS += 1
        print(f"FAIL - {name} {detail}")
    sys.stdout.flush()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, fn, timeout=20.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    print(f"# timed out waiting for {what}")
    return None


# ---- the servers, as an unprivileged user ----------------------------------------------------

ROOT = os.geteuid() == 0
RUN_AS = pwd.getpwnam("nobody") if ROOT else pwd.getpwuid(os.geteuid())


def demote():
    if ROOT:
        os.setgid(RUN_AS.pw_gid)
        os.setgroups([])
        os.setuid(RUN_AS.pw_uid)


def own(path):
    if ROOT:
        for dirpath, dirs, files in os.walk(path):
            os.chown(dirpath, RUN_AS.pw_uid, RUN_AS.pw_gid)
            for f in files:
                os.chown(os.path.join(dirpath, f), RUN_AS.pw_uid, RUN_AS.pw_gid)


def make_certificates(base):
    """A certificate authority and a server certificate it signed for 127.0.0.1 and localhost,
    made with the openssl command: {"ca": path, "cert": path, "key": path}."""
    os.makedirs(base, exist_ok=True)
    p = {k: os.path.join(base, f) for k, f in
         (("ca", "ca.pem"), ("ca_key", "ca.key"), ("cert", "server.pem"), ("key", "server.key"))}
    ext = os.path.join(base, "san.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    quiet = {"check": True, "capture_output": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=ccd test CA", "-keyout", p["ca_key"], "-out", p["ca"]], **quiet)
    csr = os.path.join(base, "server.csr")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", p["key"], "-out", csr], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca_key"],
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", p["cert"]], **quiet)
    own(base)
    return p


class Dovecot:
    """`users` each get a Maildir and the password mail-pass-1; `tls` (make_certificates())
    adds STARTTLS on the plain port and an imaps port (`tls_port`); `capability` replaces what
    the server announces; `rawlog` records every IMAP session under <base>/rawlog/<user>."""

    def __init__(self, base, users=("support",), tls=None, capability=None, rawlog=False):
        self.base = base
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.maildirs = {u: os.path.join(base, "mail", u, "Maildir") for u in users}
        self.maildir = self.maildirs[users[0]]
        for d in ("run", "state", "mail", "rawlog"):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        for u, md in self.maildirs.items():
            for sub in ("new", "cur", "tmp"):
                os.makedirs(os.path.join(md, sub), exist_ok=True)
            os.makedirs(os.path.join(base, "rawlog", u), exist_ok=True)
        group = grp.getgrgid(RUN_AS.pw_gid).gr_name
        with open(os.path.join(base, "users"), "w") as f:
            for u in users:
                f.write(f"{u}:{{PLAIN}}mail-pass-1\n")
        ssl_conf = (f"ssl = yes\nssl_cert = <{tls['cert']}\nssl_key = <{tls['key']}\n"
                    "ssl_min_protocol = TLSv1.2\n") if tls else "ssl = no\n"
        if capability:
            ssl_conf += f"imap_capability = {capability}\n"
        if rawlog:
            ssl_conf += f"protocol imap {{\n  rawlog_dir = {base}/rawlog/%u\n}}\n"
        self.conf = os.path.join(base, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
{ssl_conf}disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {RUN_AS.pw_name}
default_internal_group = {group}
default_login_user = {RUN_AS.pw_name}
mail_location = maildir:{base}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={RUN_AS.pw_uid} gid={RUN_AS.pw_gid} home={base}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
  }}
}}
service anvil {{
  chroot =
}}
""")
        own(base)
        self.proc = None
        self.seq = 0

    def start(self):
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdout=open(os.path.join(self.base, "stdout.log"), "a"),
                                     stderr=subprocess.STDOUT, preexec_fn=demote,
                                     start_new_session=True)
        PROCS.append(self.proc)
        GROUPS.append(self.proc.pid)
        ok = wait_for("dovecot to listen", lambda: self._listening(), 20)
        if not ok:
            sys.exit("dovecot did not start:\n" + open(os.path.join(self.base, "dovecot.log")).read())

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self):
        # The whole server: its master and the imap processes serving logged-in sessions
        # (which a master's SIGTERM alone leaves running for a while).
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        wait_for("dovecot to stop", lambda: not self._listening(), 10)

    def deliver(self, raw, user=None):
        """Puts one message into a mailbox the way an MTA does (tmp, then new)."""
        maildir = self.maildirs[user] if user else self.maildir
        self.seq += 1
        name = f"{int(time.time())}.M{self.seq}P{os.getpid()}.e2e"
        tmp = os.path.join(maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        if ROOT:
            os.chown(tmp, RUN_AS.pw_uid, RUN_AS.pw_gid)
        os.rename(tmp, os.path.join(maildir, "new", name))
        return name

    def rawlog(self, user):
        """Everything the clients of `user` sent (the *.in files of the raw log)."""
        d = os.path.join(self.base, "rawlog", user)
        return "".join(open(os.path.join(d, n), errors="replace").read()
                       for n in sorted(os.listdir(d)) if n.endswith(".in"))

    def seen_flags(self):
        """Message file name -> whether it is flagged \\Seen (Maildir ':2,...S')."""
        out = {}
        for sub in ("new", "cur"):
            for n in os.listdir(os.path.join(self.maildir, sub)):
                base, _, flags = n.partition(":2,")
                out[base] = "S" in flags
        return out


class Smtp:
    """`tls` (make_certificates()) with `mode` "smtps" (TLS from the start) or "starttls"
    (required before MAIL)."""

    def __init__(self, base, refused, tls=None, mode=None):
        self.port = free_port()
        self.dir = os.path.join(base, "sent")
        os.makedirs(base, exist_ok=True)
        # The handler beside the server's files, readable by the unprivileged user.
        shutil.copy(os.path.join(SRC, "tests", "e2e", "smtp_maildir.py"), base)
        own(base)
        env = dict(os.environ, PYTHONPATH=base)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             *(["--smtpscert", tls["cert"], "--smtpskey", tls["key"]] if mode == "smtps" else
               ["--tlscert", tls["cert"], "--tlskey", tls["key"]] if mode == "starttls" else []),
             "-c", "smtp_maildir.MaildirHandler", self.dir, refused],
            env=env, stdout=open(os.path.join(base, "smtp.log"), "a"), stderr=subprocess.STDOUT,
            preexec_fn=demote, cwd=base)
        PROCS.append(self.proc)

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if mode == "smtps":  # the banner comes inside TLS
                        ctx = ssl.create_default_context(cafile=tls["ca"])
                        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                            return t.recv(100).startswith(b"220")
                    return s.recv(100).startswith(b"220")
            except OSError:
                return False
        if not wait_for("aiosmtpd to listen", up, 20):
            sys.exit("aiosmtpd did not start:\n" + open(os.path.join(base, "smtp.log")).read())

    def messages(self):
        """Every accepted message, in the order the server accepted them. Maildir names are
        "SECONDS.M<micro>P<pid>Q<count>.host" with the microseconds not zero-padded, so their text
        order is not their time order within a second: the handler's counter (Q) is."""
        files = []
        for sub in ("new", "cur"):
            d = os.path.join(self.dir, sub)
            if os.path.isdir(d):
                files += [os.path.join(d, n) for n in os.listdir(d)]
        files.sort(key=lambda p: int(re.search(r"Q(\d+)", os.path.basename(p)).group(1)))
        out = []
        for path in files:
            with open(path, "rb") as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out


# ---- ccd -----------------------------------------------------------------------------------

class Ccd:
    """The real ccd with the shipped routing, templates and agents, an API instance, and the
    email instance `support-mail` on `dovecot` and `smtp` — or, when `channels` is given, that
    YAML (a list of email instances) instead — and then `extra_channels` (YAML list items)."""

    def __init__(self, base, dovecot, smtp, poll="1s", channels=None, extra_channels=""):
        self.base = base
        self.db = os.path.join(base, "ccd.db")
        cfgdir = os.path.join(base, "config")
        os.makedirs(cfgdir, exist_ok=True)
        for f in ("routing.yaml", "agents.yaml", "classification-corpus.jsonl"):
            shutil.copy(os.path.join(SRC, "config", f), cfgdir)
        shutil.copytree(os.path.join(SRC, "templates", "default"), os.path.join(base, "templates"))
        self.cfg = os.path.join(cfgdir, "ccd.yaml")
        with open(self.cfg, "w") as f:
            f.write(f"""routing: routing.yaml
agents: agents.yaml
templates:
  path: ../templates
  default_locale: en
server:
  listen: "127.0.0.1:0"
  shutdown_grace: 5s
storage:
  sqlite:
    path: "{self.db}"
logging:
  level: info
console:
  listen: "127.0.0.1:0"
channels:
  - {{name: api, type: api, public: true}}
""" + (channels or f"""  - name: support-mail
    type: email
    imap_url: imap://127.0.0.1:{dovecot.port}/INBOX
    smtp_url: smtp://127.0.0.1:{smtp.port}
    username: support
    password: ${{CCD_E2E_MAIL_PASSWORD}}
    address: support@example.com
    display_name: 客户服务中心
    poll_interval: {poll}
    retry: {{initial: 1s, max: 2s}}
""") + extra_channels)
        self.env = dict(os.environ, CCD_E2E_MAIL_PASSWORD="mail-pass-1")
        subprocess.run([CCD, "agent", "passwd", "alice", "--config", self.cfg],
                       input=b"alice password!\n", capture_output=True, env=self.env, check=True)
        subprocess.run([CCD, "agent", "passwd", "sam", "--config", self.cfg],
                       input=b"sam password!\n", capture_output=True, env=self.env, check=True)
        r = subprocess.run([CCD, "check-config", "--config", self.cfg], capture_output=True,
                           env=self.env)
        check("the configuration with an email instance is valid", r.returncode == 0,
              r.stdout.decode() + r.stderr.decode())
        self.proc = None
        self.runs = 0

    def start(self):
        self.runs += 1
        self.log = os.path.join(self.base, f"ccd-{self.runs}.log")
        self.proc = subprocess.Popen([CCD, "run", "--config", self.cfg], env=self.env,
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        PROCS.append(self.proc)

        def ports():
            text = open(self.log).read()
            http_port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            ws_port = re.search(r"websocket listening on ws://127\.0\.0\.1:(\d+)", text)
            if self.proc.poll() is not None:
                sys.exit("ccd exited:\n" + text)
            return (int(http_port.group(1)), int(ws_port.group(1))) if http_port and ws_port else None
        got = wait_for("ccd to listen", ports, 120)  # the classifier trains first
        if not got:
            sys.exit("ccd did not start:\n" + open(self.log).read())
        self.port, self.ws_port = got

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)

    def request(self, method, path, body=None, token=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data.decode()

    def fetch(self, path, token=None):
        """GET as bytes: (status, headers as a dict with lower-case names, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def login(self, name, password):
        status, body = self.request("POST", "/v1/auth/login", {"name": name, "password": password})
        return json.loads(body)["token"]

    def sql(self, query, *args):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()


class Console:
    """A minimal websocket client (RFC 6455): text frames of JSON, masked as a client must. With
    no token (a web chat customer), no Authorization header. `source`: the loopback address to
    connect from (127.0.0.2 stands for another client than 127.0.0.1)."""

    def __init__(self, port, token=None, source=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=(source, 0) if source else None)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n{auth}\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            byte = self.sock.recv(1)
            if not byte:  # closed before answering (a relay with no leader to reach)
                raise RuntimeError("websocket closed before the upgrade's answer")
            head += byte
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket upgrade refused: " + head.decode())
        self.frames = []

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("websocket closed")
            buf += chunk
        return buf

    def recv(self):
        b1, b2 = self._exact(2)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._exact(8))[0]
        data = self._exact(n)
        op = b1 & 0x0F
        if op == 9:  # ping: answer, read on
            self.sock.sendall(bytes([0x8A, 0x80]) + os.urandom(4))
            return self.recv()
        if op == 8:
            raise RuntimeError("websocket closed by ccd")
        return json.loads(data)

    def wait(self, pred, timeout=15):
        deadline = time.time() + timeout
        for f in self.frames:
            if pred(f):
                self.frames.remove(f)
                return f
        while time.time() < deadline:
            self.sock.settimeout(max(0.1, deadline - time.time()))
            try:
                f = self.recv()
            except socket.timeout:
                break
            if pred(f):
                return f
            self.frames.append(f)
        return None


def voice_desk(ccd, alice_sip):
    """Makes `ccd`'s configuration (before start) a phone desk: alice's phone at `alice_sip`,
    the default calendar open all week (a call is queued, not sent to voicemail)."""
    cfgdir = os.path.dirname(ccd.cfg)
    agents = open(os.path.join(cfgdir, "agents.yaml")).read()
    agents = agents.replace("  - name: alice ", f'  - name: alice\n    sip: "{alice_sip}"\n    #', 1)
    open(os.path.join(cfgdir, "agents.yaml"), "w").write(agents)
    routing = open(os.path.join(cfgdir, "routing.yaml")).read()
    week = "    week:\n" + "".join(f'      {d}: ["00:00-24:00"]\n'
                                   for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    routing = re.sub(r"    week:\n(      \w+: .*\n)+", week, routing, count=1)
    routing = re.sub(r"    holidays: .*\n", "    holidays: []\n", routing, count=1)
    open(os.path.join(cfgdir, "routing.yaml"), "w").write(routing)


def alice_accepts(ccd, conv):
    """alice logs in to the console, becomes available and accepts conversation `conv` when it is
    offered to her (ids 1 and 2 used); her console, and whether she got it."""
    ws = Console(ccd.ws_port, ccd.login("alice", "alice password!"))
    ws.send({"type": "presence", "presence": "available", "id": 1})
    offer = ws.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") == conv, 20)
    check("alice is offered the conversation", offer is not None)
    ws.send({"type": "accept", "conversation_id": conv, "id": 2})
    acked = ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "2", 10)
    check("she accepts it", acked is not None)
    return ws, offer is not None and acked is not None


# ---- mail to deliver -----------------------------------------------------------------------

def gbk_mail(message_id, subject, body, sender="=?gb2312?B?{}?= <wang@example.cn>".format(
        base64.b64encode("王小明".encode("gbk")).decode()), extra=""):
    subj = "=?gb2312?B?" + base64.b64encode(subject.encode("gbk")).decode() + "?="
    return (f"From: {sender}\r\nTo: support@example.com\r\nSubject: {subj}\r\n"
            f"Date: Tue, 05 Mar 2024 10:00:00 +0800\r\nMessage-ID: <{message_id}>\r\n{extra}"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + \
        base64.encodebytes(body.encode("gbk")).replace(b"\n", b"\r\n")


def utf8_mail(message_id, sender, subject, body, extra=""):
    subj = email.header.Header(subject, "utf-8").encode()
    return (f"From: {sender}\r\nTo: support@example.com\r\nSubject: {subj}\r\n"
            f"Message-ID: <{message_id}>\r\n{extra}MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}\r\n").encode()


def bounce_for(original_id, rcpt):
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.cn (Mail Delivery System)
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: <bounce-{int(time.time())}@mx.example.cn>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.cn

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: mailbox unavailable

--BOUNDARY
Content-Type: text/rfc822-headers

From: support@example.com
To: {rcpt}
Subject: Re: something
Message-ID: <{original_id}>

--BOUNDARY--
""".replace("\n", "\r\n").encode()


def stripped_id(v):
    return (v or "").strip().strip("<>")


def run(modes):
    base = tempfile.mkdtemp(prefix="ccd-email-e2e-")
    os.chmod(base, 0o755)
    try:
        modes[MODE](base)
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        for pgid in GROUPS:  # dovecot's children, in the session it leads
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if FAILS:
            for root, _, files in os.walk(base):
                for f in files:
                    if f.endswith(".log"):
                        print(f"# ---- {os.path.join(root, f)}")
                        print(open(os.path.join(root, f), errors="replace").read()[-4000:])
        if not os.environ.get("CCD_KEEP"):
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"# kept {base}")
    print(f"{PASSES} passed, {FAILS} failed")
    sys.exit(1 if FAILS else 0)


