#!/usr/bin/env python3
"""The email channel end to end, against real servers started here on loopback ports as an
unprivileged user: dovecot (IMAP, a passwd-file user, a Maildir) and aiosmtpd (SMTP into a
Maildir), and the real ccd with the shipped routing, templates and agents.

  email_e2e.py CCD SOURCE_DIR flow    a GBK mail becomes a classified conversation; its
                                      acknowledgement leaves by SMTP in Chinese with threading
                                      headers and the ticket tag; the customer's reply (from
                                      another address) threads into it; an agent's console reply
                                      leaves by SMTP; an auto-reply and a bounce trigger nothing
                                      but what they should; an SMTP 550 fails the message
  email_e2e.py CCD SOURCE_DIR outage  dovecot stopped for 30 s (and its UIDVALIDITY changed)
                                      while mail arrives: the mailbox shows down, then every
                                      message is stored once, nothing lost, nothing doubled
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


class Dovecot:
    def __init__(self, base):
        self.base = base
        self.port = free_port()
        self.maildir = os.path.join(base, "mail", "support", "Maildir")
        for d in ("run", "state", "mail", os.path.join(self.maildir, "new"),
                  os.path.join(self.maildir, "cur"), os.path.join(self.maildir, "tmp")):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        group = grp.getgrgid(RUN_AS.pw_gid).gr_name
        with open(os.path.join(base, "users"), "w") as f:
            f.write("support:{PLAIN}mail-pass-1\n")
        self.conf = os.path.join(base, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
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
    port = 0
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

    def deliver(self, raw):
        """Puts one message into the mailbox the way an MTA does (tmp, then new)."""
        self.seq += 1
        name = f"{int(time.time())}.M{self.seq}P{os.getpid()}.e2e"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        if ROOT:
            os.chown(tmp, RUN_AS.pw_uid, RUN_AS.pw_gid)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return name

    def seen_flags(self):
        """Message file name -> whether it is flagged \\Seen (Maildir ':2,...S')."""
        out = {}
        for sub in ("new", "cur"):
            for n in os.listdir(os.path.join(self.maildir, sub)):
                base, _, flags = n.partition(":2,")
                out[base] = "S" in flags
        return out


class Smtp:
    def __init__(self, base, refused):
        self.port = free_port()
        self.dir = os.path.join(base, "sent")
        os.makedirs(base, exist_ok=True)
        # The handler beside the server's files, readable by the unprivileged user.
        shutil.copy(os.path.join(SRC, "tests", "e2e", "smtp_maildir.py"), base)
        own(base)
        env = dict(os.environ, PYTHONPATH=base)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "smtp_maildir.MaildirHandler", self.dir, refused],
            env=env, stdout=open(os.path.join(base, "smtp.log"), "a"), stderr=subprocess.STDOUT,
            preexec_fn=demote, cwd=base)
        PROCS.append(self.proc)

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    return s.recv(100).startswith(b"220")
            except OSError:
                return False
        if not wait_for("aiosmtpd to listen", up, 20):
            sys.exit("aiosmtpd did not start:\n" + open(os.path.join(base, "smtp.log")).read())

    def messages(self):
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.dir, sub)
            if not os.path.isdir(d):
                continue
            for n in sorted(os.listdir(d)):
                with open(os.path.join(d, n), "rb") as f:
                    out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out


# ---- ccd -----------------------------------------------------------------------------------

class Ccd:
    def __init__(self, base, dovecot, smtp, poll="1s"):
        self.base = base
        self.db = os.path.join(base, "ccd.db")
        cfgdir = os.path.join(base, "config")
        os.makedirs(cfgdir, exist_ok=True)
        for f in ("routing.yaml", "agents.yaml"):
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
  - name: support-mail
    type: email
    imap_url: imap://127.0.0.1:{dovecot.port}/INBOX
    smtp_url: smtp://127.0.0.1:{smtp.port}
    username: support
    password: ${{CCD_E2E_MAIL_PASSWORD}}
    address: support@example.com
    display_name: 客户服务中心
    poll_interval: {poll}
    retry: {{initial: 1s, max: 2s}}
""")
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
        got = wait_for("ccd to listen", ports, 20)
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
    """A minimal websocket client (RFC 6455): text frames of JSON, masked as a client must."""

    def __init__(self, port, token):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
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


# ---- the scenarios -------------------------------------------------------------------------

def flow(base):
    dovecot = Dovecot(os.path.join(base, "imap"))
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="ghost@example.cn")
    ccd = Ccd(base, dovecot, smtp)
    ccd.start()

    # 1. A GBK mail (labelled gb2312) becomes a classified conversation, read as UTF-8.
    first = dovecot.deliver(gbk_mail("c1@example.cn", "打印机卡纸，无法打印",
                                     "您好：\r\n我的打印机坏了，一直卡纸，无法打印。请尽快帮忙处理。\r\n王小明\r\n"))
    rows = wait_for("the first mail to be stored", lambda: ccd.sql(
        "SELECT conversation_id, id FROM messages WHERE provider_id = 'c1@example.cn'"))
    check("the GBK mail is stored", bool(rows))
    if not rows:
        return
    conv, first_msg = rows[0]
    sup = ccd.login("sam", "sam password!")
    status, body = ccd.request("GET", f"/v1/conversations/{conv}", token=sup)
    c = json.loads(body)
    inbound = [m for m in c["messages"] if m["direction"] == "in"]
    check("its subject is read as UTF-8", inbound[0].get("subject") == "打印机卡纸，无法打印",
          inbound[0].get("subject"))
    check("its body is read as UTF-8", "一直卡纸" in inbound[0]["text"], inbound[0]["text"])
    check("the conversation is on the email instance", c.get("channel") == "email" and
          c.get("channel_instance") == "support-mail", body[:300])
    check("it is classified as a fault", c.get("routing", {}).get("category") == "fault",
          json.dumps(c.get("routing"))[:300])
    check("the sender is the contact", c["contact"].get("email") == "wang@example.cn" and
          c["contact"].get("name") == "王小明", json.dumps(c["contact"], ensure_ascii=False))
    check("the mail is marked \\Seen once stored",
          wait_for("\\Seen", lambda: dovecot.seen_flags().get(first), 10) is True)

    # 2. The acknowledgement leaves by SMTP: Chinese, threaded, tagged, marked automatic.
    acks = wait_for("the acknowledgement by SMTP", lambda: smtp.messages(), 20)
    check("one acknowledgement arrives by SMTP", acks is not None and len(acks) == 1,
          f"{len(acks or [])}")
    if not acks:
        return
    ack = acks[0]
    subject = str(ack["Subject"])
    check("its subject is Chinese and carries the ticket tag",
          f"[#{conv}]" in subject and "工单" in subject, subject)
    check("it answers the customer's mail", stripped_id(ack["In-Reply-To"]) == "c1@example.cn",
          str(ack["In-Reply-To"]))
    check("its References end with the customer's mail",
          str(ack["References"]).split()[-1] == "<c1@example.cn>", str(ack["References"]))
    check("it is marked Auto-Submitted: auto-replied", str(ack["Auto-Submitted"]) == "auto-replied")
    check("it goes to the customer", ack["X-Envelope-To"] == "wang@example.cn" and
          "wang@example.cn" in str(ack["To"]), str(ack["To"]))
    check("it comes from the instance's address", "support@example.com" in str(ack["From"]) and
          "客户服务中心" in str(ack["From"]), str(ack["From"]))
    ack_text = ack.get_body(preferencelist=("plain",)).get_content()
    check("its text is Chinese", "已受理" in ack_text or "非工作时间" in ack_text, ack_text[:200])
    check("it has an HTML alternative", ack.get_body(preferencelist=("html",)) is not None)
    ack_id = stripped_id(ack["Message-ID"])
    rows = ccd.sql("SELECT provider_ref, delivery FROM messages WHERE conversation_id = ? AND "
                   "direction = 'out'", conv)
    check("our Message-ID is stored as the message's provider id",
          rows and rows[0][0] == ack_id and rows[0][1] == "sent", f"{rows} {ack_id}")

    # 3. The customer replies from another address; In-Reply-To our Message-ID joins it.
    dovecot.deliver(utf8_mail("c2@example.cn", "Wang Li <wang.li@example.cn>",
                              f"Re: 打印机卡纸，无法打印 [#{conv}]",
                              "型号是 LaserJet 1020，还是卡纸。\r\n\r\n> 您好，您的工单已受理",
                              extra=f"In-Reply-To: <{ack_id}>\r\nReferences: <c1@example.cn> <{ack_id}>\r\n"))
    rows = wait_for("the reply to be stored", lambda: ccd.sql(
        "SELECT conversation_id FROM messages WHERE provider_id = 'c2@example.cn'"))
    check("the customer's reply threads into the conversation", rows and rows[0][0] == conv,
          f"{rows} vs {conv}")
    time.sleep(1.5)
    check("the reply gets no second acknowledgement", len(smtp.messages()) == 1,
          f"{len(smtp.messages())}")

    # 4. An agent's reply in the console leaves by SMTP, threaded to the latest mail.
    alice = ccd.login("alice", "alice password!")
    ws = Console(ccd.ws_port, alice)
    ws.send({"type": "presence", "presence": "available", "id": 1})
    offer = ws.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") == conv, 20)
    check("alice is offered the conversation", offer is not None)
    ws.send({"type": "accept", "conversation_id": conv, "id": 2})
    acked = ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "2", 10)
    check("she accepts it", acked is not None)
    ws.send({"type": "reply", "conversation_id": conv, "id": 3,
             "text": "您好，我们已为您安排工程师上门维修。"})
    acked = ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "3", 10)
    check("her reply is accepted", acked is not None)
    sent = wait_for("the agent's reply by SMTP", lambda: len(smtp.messages()) >= 2, 20)
    msgs = smtp.messages()
    agent_mail = next((m for m in msgs if "工程师" in m.get_body(("plain",)).get_content()), None)
    check("the agent's reply arrives by SMTP", sent and agent_mail is not None)
    if agent_mail is None:
        return
    check("it answers the customer's latest mail",
          stripped_id(agent_mail["In-Reply-To"]) == "c2@example.cn", str(agent_mail["In-Reply-To"]))
    refs = str(agent_mail["References"]).split()
    check("its References carry the thread", refs[-1] == "<c2@example.cn>" and
          f"<{ack_id}>" in refs and "<c1@example.cn>" in refs, str(refs))
    check("its subject is the thread's, tagged once",
          str(agent_mail["Subject"]) == f"Re: 打印机卡纸，无法打印 [#{conv}]", str(agent_mail["Subject"]))
    check("an agent's reply is not marked automatic", agent_mail["Auto-Submitted"] is None)
    check("it goes to whoever wrote last", agent_mail["X-Envelope-To"] == "wang.li@example.cn")
    agent_id = stripped_id(agent_mail["Message-ID"])

    # 5. An out-of-office answer to it is stored in the conversation and answered by nothing.
    dovecot.deliver(utf8_mail("ooo-1@example.cn", "Wang Li <wang.li@example.cn>",
                              "自动回复: 打印机卡纸", "我正在休假，3月10日回来。",
                              extra=f"Auto-Submitted: auto-replied\r\nIn-Reply-To: <{agent_id}>\r\n"))
    rows = wait_for("the auto-reply to be stored", lambda: ccd.sql(
        "SELECT conversation_id FROM messages WHERE provider_id = 'ooo-1@example.cn'"))
    check("an auto-reply is stored in its conversation", rows and rows[0][0] == conv)
    # A bulk mail from a no-reply sender opens a conversation but gets no acknowledgement.
    dovecot.deliver(utf8_mail("bulk-1@shop.example", "Shop <noreply@shop.example>",
                              "本周优惠", "全场八折", extra="Precedence: bulk\r\n"))
    rows = wait_for("the bulk mail to be stored", lambda: ccd.sql(
        "SELECT conversation_id FROM messages WHERE provider_id = 'bulk-1@shop.example'"))
    check("a bulk mail is stored", bool(rows))
    time.sleep(2.5)
    bulk_out = ccd.sql("SELECT count(*) FROM messages WHERE conversation_id = ? AND direction = 'out'",
                       rows[0][0] if rows else -1)[0][0]
    check("the bulk mail gets no automatic reply", bulk_out == 0, f"{bulk_out}")
    check("nothing answers the auto-reply", len(smtp.messages()) == 2, f"{len(smtp.messages())}")

    # 6. A bounce of the agent's reply fails that message and is not a customer message.
    before = ccd.sql("SELECT count(*) FROM messages WHERE direction = 'in'")[0][0]
    dovecot.deliver(bounce_for(agent_id, "wang.li@example.cn"))
    rows = wait_for("the bounce to fail the message", lambda: ccd.sql(
        "SELECT delivery, delivery_reason FROM messages WHERE provider_ref = ? AND "
        "delivery = 'failed'", agent_id), 15)
    check("a bounce marks our message failed with the status", rows and "5.1.1" in rows[0][1],
          f"{rows}")
    after = ccd.sql("SELECT count(*) FROM messages WHERE direction = 'in'")[0][0]
    check("a bounce is not stored as a customer message", after == before, f"{before} -> {after}")
    events = ccd.sql("SELECT count(*) FROM events WHERE conversation_id = ? AND type = 'delivery'",
                     conv)[0][0]
    check("the failure is recorded on the conversation", events >= 1)
    check("nothing answers the bounce", len(smtp.messages()) == 2, f"{len(smtp.messages())}")

    # 7. An SMTP 550 for a recipient fails the acknowledgement with the server's reply.
    dovecot.deliver(utf8_mail("g1@example.cn", "ghost@example.cn", "我的订单还没到",
                              "订单 12345 一周了还没有发货。"))
    rows = wait_for("the refused acknowledgement to fail", lambda: ccd.sql(
        "SELECT m.delivery, m.delivery_reason FROM messages m JOIN messages i ON "
        "i.conversation_id = m.conversation_id WHERE i.provider_id = 'g1@example.cn' AND "
        "m.direction = 'out' AND m.delivery = 'failed'"), 20)
    check("an SMTP 550 fails the message with the server's reply",
          rows and "550" in rows[0][1] and "User unknown" in rows[0][1], f"{rows}")

    status, body = ccd.request("GET", "/healthz")
    h = json.loads(body)
    check("/healthz shows the mailbox healthy", h.get("channels", {}).get("support-mail", {})
          .get("healthy") is True and h.get("status") == "ok", body)
    status, metrics = ccd.request("GET", "/metrics")
    check("/metrics shows the mailbox up",
          'ccd_email_mailbox_up{instance="support-mail"} 1' in metrics)
    dup = ccd.sql("SELECT provider_id, count(*) FROM messages WHERE direction = 'in' "
                  "GROUP BY provider_id HAVING count(*) > 1")
    check("no mail is stored twice", not dup, f"{dup}")
    ccd.stop()


def outage(base):
    started = time.time()
    dovecot = Dovecot(os.path.join(base, "imap"))
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="")
    ccd = Ccd(base, dovecot, smtp)
    ccd.start()
    ids = []

    def deliver(n):
        mid = f"outage-{n}@example.cn"
        ids.append(mid)
        dovecot.deliver(utf8_mail(mid, f"customer{n}@example.cn", f"问题 {n}",
                                  f"我的耳机第 {n} 次连不上蓝牙了。"))
        return mid

    def stored():
        rows = ccd.sql("SELECT provider_id, count(*) FROM messages WHERE direction = 'in' "
                       "AND provider_id LIKE 'outage-%' GROUP BY 1")
        return dict(rows)

    deliver(1)
    deliver(2)
    check("mail before the outage is stored",
          wait_for("two messages", lambda: len(stored()) == 2, 15) is not None)
    seen_before = dovecot.seen_flags()

    dovecot.stop()
    down_at = time.time()
    deliver(3)
    deliver(4)

    def down():
        st, body = ccd.request("GET", "/healthz")
        h = json.loads(body).get("channels", {}).get("support-mail", {})
        return h.get("healthy") is False and h
    h = wait_for("the mailbox to show down", down, 10)
    check("/healthz shows the mailbox down, the daemon degraded but serving", bool(h), f"{h}")
    st, metrics = ccd.request("GET", "/metrics")
    check("/metrics shows it down and counts the failures",
          'ccd_email_mailbox_up{instance="support-mail"} 0' in metrics and
          re.search(r'ccd_email_poll_failures_total\{instance="support-mail"\} [1-9]', metrics))
    st, _ = ccd.request("POST", "/v1/messages", {"from": {"id": "x"}, "text": "hello"})
    check("the rest of the daemon keeps serving", st == 202, f"{st}")

    # While it is down its UIDVALIDITY changes (the uid list is lost) and a message already
    # taken becomes unseen again: the resync must read it again and store it only once.
    for f in os.listdir(dovecot.maildir):
        if f.startswith("dovecot-uidlist"):
            os.remove(os.path.join(dovecot.maildir, f))
    cur = os.path.join(dovecot.maildir, "cur")
    again = [n for n in os.listdir(cur) if n.endswith(",S")][:1]
    for n in again:
        os.rename(os.path.join(cur, n), os.path.join(cur, n[:-1]))
    time.sleep(max(0.0, 30 - (time.time() - down_at)))
    dovecot.start()
    check("after the restart every message is stored",
          wait_for("four messages", lambda: len(stored()) == 4, 15) is not None, f"{stored()}")
    time.sleep(2.5)  # a few more polls: nothing may come twice
    counts = stored()
    check("nothing is lost", all(m in counts for m in ids), f"{counts}")
    check("nothing is doubled", all(c == 1 for c in counts.values()), f"{counts}")
    check("the unseen-again message was read again and recognised", bool(again) and
          wait_for("all seen", lambda: all(dovecot.seen_flags().values()), 10) is True,
          f"{dovecot.seen_flags()}")
    up = wait_for("the mailbox up", lambda: json.loads(ccd.request("GET", "/healthz")[1])
                  .get("channels", {}).get("support-mail", {}).get("healthy") is True, 10)
    check("/healthz shows the mailbox up again", bool(up))
    acks = wait_for("four acknowledgements", lambda: len(smtp.messages()) >= 4, 15)
    st, metrics = ccd.request("GET", "/metrics")
    check("each customer got one acknowledgement", acks and len(smtp.messages()) == 4,
          f"{len(smtp.messages())}")
    ccd.stop()
    # A restart reads the saved UID state: nothing is fetched again.
    ccd.start()
    time.sleep(2.5)
    counts = stored()
    check("a restart of ccd stores nothing again", all(c == 1 for c in counts.values()) and
          len(counts) == 4, f"{counts}")
    ccd.stop()
    print(f"# outage scenario took {time.time() - started:.1f} s")


def main():
    base = tempfile.mkdtemp(prefix="ccd-email-e2e-")
    os.chmod(base, 0o755)
    try:
        {"flow": flow, "outage": outage}[MODE](base)
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
        shutil.rmtree(base, ignore_errors=True)
    print(f"{PASSES} passed, {FAILS} failed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
