"""A real phone system in front of ccd: Kamailio (tests/e2e/voice/kamailio.cfg) posts a CTI
event to ccd for each new call and relays the call to the SIP address ccd answers, or answers
486/480 as ccd says; a scripted SIP caller and a SIP endpoint playing the agent, over UDP on
loopback. The call's path is checked end to end: INVITE -> newCall -> relayed to the agent ccd
chose -> 200 -> answer event -> BYE -> hangup event -> wrap-up in the console -> the call log in
GET /v1/conversations/{id}.

    voice_kamailio_e2e.py CCD SOURCE_DIR calls
"""
import json
import os
import queue
import re
import socket
import subprocess
import threading
import time
import uuid

from mail_servers import (CCD, GROUPS, PROCS, SRC, Ccd, Console, check, run, voice_desk,
                          wait_for)

TOKEN = "cti-token-0123456789abcdef"
MPATH = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"


# ---- SIP over UDP, as much as a caller and an agent's phone need ----------------------------

def parse(data):
    """A SIP message: (first line, [(name, value)], body)."""
    head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers, body


def values(headers, name):
    short = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m"}.get(name.lower())
    return [v for n, v in headers if n.lower() in (name.lower(), short)]


def one(headers, name):
    found = values(headers, name)
    return found[0] if found else ""


def uri_of(header_value):
    m = re.search(r"<([^>]+)>", header_value)
    return m.group(1) if m else header_value.split(";")[0]


def tag():
    return uuid.uuid4().hex[:10]


SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class Phone:
    """A SIP user agent on a UDP port of its own; what it receives is queued for the test."""

    def __init__(self, user, proxy_port):
        self.user = user
        self.proxy = ("127.0.0.1", proxy_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.inbox = queue.Queue()
        self.answering = False  # as the agent's phone: ring, then answer every INVITE
        self.dialogs = {}       # call id -> what a BYE of ours needs
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def uri(self):
        return f"sip:{self.user}@127.0.0.1:{self.port}"

    def _read(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(65535)
            except OSError:
                return
            msg = parse(data)
            if self.answering and msg[0].startswith("INVITE "):
                self._answer(msg, peer)
            elif msg[0].startswith("BYE "):
                self._reply(msg, peer, "200 OK")
            self.inbox.put(msg)

    def _reply(self, msg, peer, status, to_tag=None, extra="", body=""):
        first, headers, _ = msg
        lines = [f"SIP/2.0 {status}"]
        lines += [f"Via: {v}" for v in values(headers, "Via")]
        lines += [f"Record-Route: {v}" for v in values(headers, "Record-Route")]
        to = one(headers, "To")
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        lines += [f"From: {one(headers, 'From')}", f"To: {to}",
                  f"Call-ID: {one(headers, 'Call-ID')}", f"CSeq: {one(headers, 'CSeq')}"]
        text = "\r\n".join(lines) + "\r\n" + extra + f"Content-Length: {len(body)}\r\n\r\n" + body
        self.sock.sendto(text.encode(), peer)

    def _answer(self, msg, peer):
        first, headers, _ = msg
        to_tag = tag()
        self._reply(msg, peer, "180 Ringing", to_tag)
        contact = f"Contact: <{self.uri}>\r\nContent-Type: application/sdp\r\n"
        self._reply(msg, peer, "200 OK", to_tag, contact, SDP)
        # For a BYE of ours (RFC 3261 12.1.1): the route set is Record-Route in order.
        to = one(headers, "To")
        self.dialogs[one(headers, "Call-ID")] = {
            "target": uri_of(one(headers, "Contact")), "routes": values(headers, "Record-Route"),
            "from": f"{to};tag={to_tag}" if ";tag=" not in to else to,
            "to": one(headers, "From")}

    def expect(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                msg = self.inbox.get(timeout=max(0.05, deadline - time.time()))
            except queue.Empty:
                break
            if pred(msg):
                return msg
        return None

    def request(self, method, target, call_id, from_, to, cseq, routes=(), body=""):
        lines = [f"{method} {target} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{tag()};rport",
                 "Max-Forwards: 70", f"From: {from_}", f"To: {to}", f"Call-ID: {call_id}",
                 f"CSeq: {cseq} {method}", f"Contact: <{self.uri}>"]
        lines += [f"Route: {r}" for r in routes]
        if body:
            lines.append("Content-Type: application/sdp")
        text = "\r\n".join(lines) + f"\r\nContent-Length: {len(body)}\r\n\r\n" + body
        self.sock.sendto(text.encode(), self.proxy)

    def call(self, dialled):
        """Dials `dialled` through the proxy: (final status code, dialog for ack and bye)."""
        call_id = f"{uuid.uuid4().hex}@127.0.0.1"
        from_ = f"<sip:{self.user}@127.0.0.1>;tag={tag()}"
        to = f"<sip:{dialled}@127.0.0.1>"
        self.request("INVITE", f"sip:{dialled}@127.0.0.1:{self.proxy[1]}", call_id, from_, to, 1,
                     body=SDP)
        final = self.expect(lambda m: m[0].startswith("SIP/2.0 ") and
                            not m[0].startswith("SIP/2.0 1") and
                            one(m[1], "Call-ID") == call_id, timeout=15)
        if not final:
            return None, None
        code = int(final[0].split()[1])
        dialog = {"call_id": call_id, "from": from_, "to": one(final[1], "To"),
                  "target": uri_of(one(final[1], "Contact")),
                  # the caller's route set is Record-Route reversed
                  "routes": list(reversed(values(final[1], "Record-Route")))}
        if code >= 300:  # the proxy's transaction wants an ACK for a failure too
            self.request("ACK", f"sip:{dialled}@127.0.0.1:{self.proxy[1]}", call_id, from_,
                         dialog["to"], 1)
        else:
            self.request("ACK", dialog["target"], call_id, from_, dialog["to"], 1,
                         dialog["routes"])
        return code, dialog

    def hang_up(self, dialog):
        """BYE on a dialog this phone started (caller) or answered (agent): the 200's code."""
        if "call_id" in dialog:
            call_id, from_, to = dialog["call_id"], dialog["from"], dialog["to"]
        else:
            call_id = dialog["id"]
            from_, to = dialog["from"], dialog["to"]
        self.request("BYE", dialog["target"], call_id, from_, to, 2, dialog["routes"])
        done = self.expect(lambda m: m[0].startswith("SIP/2.0 ") and
                           one(m[1], "CSeq").endswith("BYE") and one(m[1], "Call-ID") == call_id)
        return int(done[0].split()[1]) if done else None


# ---- Kamailio ---------------------------------------------------------------------------------

def udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_kamailio(base, sip_port, cti_url):
    template = open(os.path.join(SRC, "tests", "e2e", "voice", "kamailio.cfg")).read()
    cfg = os.path.join(base, "kamailio.cfg")
    with open(cfg, "w") as f:
        f.write(template.replace("@@SIP_PORT@@", str(sip_port)).replace("@@CTI_URL@@", cti_url)
                .replace("@@MPATH@@", MPATH))
    runtime = os.path.join(base, "kamailio-run")
    os.makedirs(runtime, exist_ok=True)
    log = os.path.join(base, "kamailio.log")
    proc = subprocess.Popen(["kamailio", "-DD", "-E", "-f", cfg, "-Y", runtime, "-m", "32",
                             "-M", "4", "-P", os.path.join(runtime, "kamailio.pid")],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    PROCS.append(proc)
    GROUPS.append(proc.pid)
    up = wait_for("kamailio to listen", lambda: proc.poll() is not None or
                  "udp: 127.0.0.1" in open(log).read() and "INFO: <core>" in open(log).read(), 15)
    check("kamailio starts with tests/e2e/voice/kamailio.cfg", up and proc.poll() is None,
          open(log).read()[-3000:])
    time.sleep(0.5)  # its children bind the socket after the banner
    return proc


# ---- the test -------------------------------------------------------------------------------

def calls(base):
    sip_port = udp_port()
    agent = Phone("alice", sip_port)
    agent.answering = True
    ccd = Ccd(base, None, None, channels=f"""  - name: pbx
    type: cti
    token: {TOKEN}
    blocked_callers: ["13900000000"]
""")
    voice_desk(ccd, agent.uri)
    subprocess.run([CCD, "agent", "passwd", "admin", "--config", ccd.cfg], env=ccd.env,
                   input=b"admin password!\n", capture_output=True, check=True)
    ccd.start()
    start_kamailio(base, sip_port, f"http://127.0.0.1:{ccd.port}/webhooks/cti/pbx/{TOKEN}")

    alice = Console(ccd.ws_port, ccd.login("alice", "alice password!"))
    alice.send({"type": "presence", "presence": "available", "id": "p"})
    check("alice is available", alice.wait(lambda f: f.get("type") == "ack" and f.get("id") == "p"))
    sam = ccd.login("sam", "sam password!")

    # 1. A caller dials the hotline: ccd routes the call to alice's phone through Kamailio.
    caller = Phone("13800138000", sip_port)
    code, dialog1 = caller.call("4008001234")
    check("call 1: the caller is connected to the agent (200)", code == 200, f"got {code}")
    invite = [m for m in list(agent.inbox.queue) if m[0].startswith("INVITE ")]
    check("call 1: Kamailio relayed the INVITE to the SIP address ccd chose",
          len(invite) == 1 and invite[0][0].startswith(f"INVITE {agent.uri} "),
          str([m[0] for m in invite]))
    offer = alice.wait(lambda f: f.get("type") == "offer")
    check("call 1: alice's console offers the ringing call", offer is not None and
          offer.get("channel") == "voice" and offer.get("channel_instance") == "pbx", str(offer))
    conv1 = offer["conversation_id"] if offer else 0
    alice.send({"type": "accept", "conversation_id": conv1, "id": "a1"})
    check("call 1: alice accepts", alice.wait(lambda f: f.get("id") == "a1" and f["type"] == "ack"))
    check("call 1: the agent's phone got the ACK",
          agent.expect(lambda m: m[0].startswith("ACK ")) is not None)

    # 2. A second caller while alice is on the phone: ccd queues it, Kamailio answers 480.
    second = Phone("13700137000", sip_port)
    code, _ = second.call("4008001234")
    check("call 2: alice busy on a call, the caller is queued (480)", code == 480, f"got {code}")

    # 3. A blocked number: ccd says reject, Kamailio answers 486.
    blocked = Phone("13900000000", sip_port)
    code, _ = blocked.call("4008001234")
    check("call 3: a blocked caller is rejected (486)", code == 486, f"got {code}")

    # The first caller hangs up: the BYE reaches the agent, ccd gets the hangup.
    check("call 1: the caller's BYE is answered 200", caller.hang_up(dialog1) == 200)
    check("call 1: the agent's phone got the BYE",
          agent.expect(lambda m: m[0].startswith("BYE ")) is not None)

    def call_log(conv, done):
        status, body = ccd.request("GET", f"/v1/conversations/{conv}", token=sam)
        if status != 200:
            return None
        c = json.loads(body)
        return c if done(c) else None

    c1 = wait_for("call 1's hangup", lambda: call_log(
        conv1, lambda c: c.get("calls") and c["calls"][0].get("ended_at")), 10)
    call = (c1 or {}).get("calls", [{}])[0]
    check("call 1: the call log has the caller in E.164",
          call.get("customer") == "+8613800138000" and c1["contact"].get("phone") == "+8613800138000",
          json.dumps(call))
    check("call 1: answered by alice, ended by normal clearing",
          call.get("answered_by") == "alice" and call.get("cause") == "normalClearing",
          json.dumps(call))
    check("call 1: ringing, answered, hung up, once each",
          [e["type"] for e in call.get("events", [])] ==
          ["call.ringing", "call.answered", "call.hangup"], json.dumps(call.get("events")))

    # Wrap-up: alice resolves the call with a disposition; she is free for the next call.
    alice.send({"type": "resolve", "conversation_id": conv1, "disposition": "repair booked",
                "id": "r1"})
    check("call 1: alice resolves it", alice.wait(lambda f: f.get("id") == "r1" and
                                                  f["type"] == "ack"))
    alice.send({"type": "wrap_up", "conversation_id": conv1, "disposition": "repair booked",
                "id": "w1"})
    check("call 1: alice wraps up", alice.wait(lambda f: f.get("id") == "w1" and
                                               f["type"] == "ack"))

    # The queued caller hung up on the 480 but still waits: alice is offered the call-back.
    queued = ccd.sql("SELECT c.id FROM conversations c JOIN contact_addresses a ON"
                     " a.contact_id = c.contact_id WHERE a.address = '+8613700137000'")
    offer2 = alice.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") != conv1)
    check("call 2: after the wrap-up alice is offered the missed caller's conversation",
          offer2 is not None and queued and offer2["conversation_id"] == queued[0][0],
          f"{offer2} {queued}")
    conv2 = offer2["conversation_id"] if offer2 else 0
    c2 = call_log(conv2, lambda c: c.get("calls") and c["calls"][0].get("ended_at"))
    check("call 2: the missed call is logged as ended, unanswered",
          c2 is not None and c2["calls"][0].get("cause") == "unavailable" and
          "answered_by" not in c2["calls"][0], json.dumps(c2 and c2.get("calls")))
    for command, cid in (("accept", "a2"), ("resolve", "r2"), ("wrap_up", "w2")):
        alice.send({"type": command, "conversation_id": conv2, "disposition": "called back",
                    "id": cid})
        check(f"call 2: alice's {command} of the call-back",
              alice.wait(lambda f: f.get("id") == cid and f["type"] == "ack"))

    # 4. A new caller now reaches alice, and alice hangs up.
    third = Phone("13600136000", sip_port)
    while not agent.inbox.empty():
        agent.inbox.get()
    code, _ = third.call("4008001234")
    check("call 4: after the wrap-up the next call reaches alice (200)", code == 200,
          f"got {code}")
    offer4 = alice.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") != conv1)
    conv4 = offer4["conversation_id"] if offer4 else 0
    call_id4 = next((one(m[1], "Call-ID") for m in list(agent.inbox.queue)
                     if m[0].startswith("INVITE ")), None)
    agent.expect(lambda m: m[0].startswith("ACK "))
    check("call 4: the agent's BYE is answered 200",
          call_id4 is not None and agent.hang_up(dict(agent.dialogs[call_id4], id=call_id4)) == 200)
    check("call 4: the caller's phone got the BYE",
          third.expect(lambda m: m[0].startswith("BYE ")) is not None)
    c4 = wait_for("call 4's hangup", lambda: call_log(
        conv4, lambda c: c.get("calls") and c["calls"][0].get("ended_at")), 10)
    call4 = (c4 or {}).get("calls", [{}])[0]
    check("call 4: the agent's hangup is logged with the caller (not the agent) as from",
          call4.get("from") == "13600136000" and call4.get("customer") == "+8613600136000" and
          call4.get("cause") == "normalClearing",
          json.dumps(call4))

    # The queued call and the blocked one.
    rows = ccd.sql("SELECT type FROM events WHERE type LIKE 'call.%' ORDER BY id")
    types = [r[0] for r in rows]
    check("the blocked attempt is logged as call.rejected", "call.rejected" in types, str(types))

    # Erasure reaches the call log: the first caller's number is gone from every call step.
    admin = ccd.login("admin", "admin password!")
    # The caller's contact was made by the call, without a key: naming its address gives it one.
    status, body = ccd.request("PUT", "/v1/contacts/caller-1",
                               {"addresses": {"voice": ["+8613800138000"]}}, token=admin)
    check("the caller's contact takes a key by its address (adopted, not a new one)",
          status == 201 and json.loads(body).get("id") == c1["contact"].get("id"),
          f"{status} {body} {c1 and c1.get('contact')}")
    status, body = ccd.request("DELETE", "/v1/contacts/caller-1", token=admin)
    check("the first caller's data is erased", status == 200, f"{status} {body}")
    status, body = ccd.request("GET", f"/v1/conversations/{conv1}", token=admin)
    leftover = ccd.sql("SELECT type, data FROM events WHERE data LIKE '%13800138000%'")
    check("no call step keeps the erased caller's number",
          status == 200 and "13800138000" not in body and not leftover, f"{body} {leftover}")

    log = open(os.path.join(base, "kamailio.log")).read()
    check("Kamailio had no error talking to ccd", "ccd answered" not in log, log[-2000:])
    ccd.stop()


run({"calls": calls})
