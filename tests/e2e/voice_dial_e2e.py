"""ccd places the call-backs its agents accept: the real ccd, a missed call (a Twilio status
callback or a CTI hangup while the call was queued), alice accepting the call-back in the
console, and a stand-in phone system on a loopback port that records what ccd asks for:

    twilio: POST {api_base}/2010-04-01/Accounts/{sid}/Calls.json (basic auth, To, From, Url,
            StatusCallback...): 503 first, then 201 with a CallSid; then the test plays Twilio:
            the fetch of Url (answered <Dial><Sip>alice</Sip></Dial>) and the status callbacks,
            signed, and reads the call log in GET /v1/conversations/{id}.
    cti:    POST dial_url (Bearer token, JSON): 503 first, then 200; the phone system reports
            the call (newCall/answer/hangup, direction out) under ccd's call_id; a second
            call-back the phone system refuses (400) is recorded as call.dial_failed.

    voice_dial_e2e.py CCD SOURCE_DIR twilio|cti
"""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import urllib.parse

from mail_servers import Ccd, Console, check, run, voice_desk, wait_for

SID = "AC00000000000000000000000000000042"
AUTH = "twilio-auth-token-0123456789abcd"
PUBLIC = "https://ccd.example.com/webhooks/twilio/hotline"
CTI_TOKEN = "cti-token-0123456789abcdef"
ALICE_SIP = "sip:alice@127.0.0.1:5070"


class StandIn:
    """A phone system's HTTP endpoint on a loopback port: answers each POST with the next of
    `answers` ((status, body); the last one repeats) and records (path, headers, body)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                stand_in.requests.append((self.path, dict(self.headers), body))
                i = min(len(stand_in.requests), len(stand_in.answers)) - 1
                status, text = stand_in.answers[i]
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def start_ccd(base, channel):
    ccd = Ccd(base, None, None, channels=channel)
    voice_desk(ccd, ALICE_SIP)
    ccd.start()
    return ccd


def conversation(ccd, token, conv, done=lambda c: True, timeout=10):
    def read():
        status, body = ccd.request("GET", f"/v1/conversations/{conv}", token=token)
        if status != 200:
            return None
        c = json.loads(body)
        return c if done(c) else None
    return wait_for(f"conversation {conv}", read, timeout)


def call_of(c, call_id):
    return next((x for x in (c or {}).get("calls", []) if x.get("call_id") == call_id), None)


def accept_call_back(ccd, alice, number, tag):
    """alice becomes available, is offered the missed caller's conversation and accepts it."""
    alice.send({"type": "presence", "presence": "available", "id": f"p{tag}"})
    offer = alice.wait(lambda f: f.get("type") == "offer", 20)
    check(f"{tag}: alice is offered the missed call", offer is not None and
          offer.get("channel") == "voice", str(offer))
    conv = offer["conversation_id"] if offer else 0
    rows = ccd.sql("SELECT c.id FROM conversations c JOIN contact_addresses a ON"
                   " a.contact_id = c.contact_id WHERE a.address = ?", number)
    check(f"{tag}: it is the caller's conversation", rows and rows[0][0] == conv, f"{rows} {conv}")
    alice.send({"type": "accept", "conversation_id": conv, "id": f"a{tag}"})
    check(f"{tag}: alice accepts the call-back",
          alice.wait(lambda f: f.get("id") == f"a{tag}" and f["type"] == "ack") is not None)
    return conv


# ---- Twilio -------------------------------------------------------------------------------

def twilio_post(ccd, url, params):
    """A request as Twilio makes it to `url` (public_url + query), signed."""
    data = url + "".join(k + v for k, v in sorted(params))
    sig = base64.b64encode(hmac.new(AUTH.encode(), data.encode(), hashlib.sha1).digest()).decode()
    path = "/webhooks/twilio/hotline" + url[len(PUBLIC):]
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", ccd.port, timeout=10)
    conn.request("POST", path, urllib.parse.urlencode(params),
                 {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def leg(sid, status, direction, frm, to, extra=()):
    return [("AccountSid", SID), ("CallSid", sid), ("From", frm), ("To", to),
            ("CallStatus", status), ("Direction", direction), ("ApiVersion", "2010-04-01")] + list(extra)


def twilio(base):
    rest = StandIn([(503, '{"code":20500,"message":"Service unavailable"}'),
                    (201, json.dumps({"sid": "CAdial0000000000000000000000000001",
                                      "status": "queued"}))])
    ccd = start_ccd(base, f"""  - name: hotline
    type: twilio
    account_sid: {SID}
    auth_token: {AUTH}
    public_url: {PUBLIC}
    api_base: http://127.0.0.1:{rest.port}
    outbound_caller_ids: [{{dest: "+86138*", caller_id: "+864008001234"}}]
    default_caller_id: "+864008000000"
    retry: {{initial: 1s, max: 2s}}
""")
    sam = ccd.login("sam", "sam password!")
    alice = Console(ccd.ws_port, ccd.login("alice", "alice password!"))

    # A caller rings while nobody is available: queued; they hang up: a call-back.
    status, twiml = twilio_post(ccd, PUBLIC, leg("CAin01", "ringing", "inbound", "+8613800138000",
                                                 "+864008001234"))
    check("the missed call is answered with TwiML (queued)", status == 200 and "<Enqueue" in twiml and ">general</Enqueue>" in twiml,
          f"{status} {twiml}")
    status, _ = twilio_post(ccd, PUBLIC, leg("CAin01", "completed", "inbound", "+8613800138000",
                                             "+864008001234",
                                             [("CallbackSource", "call-progress-events"),
                                              ("CallDuration", "7")]))
    check("the caller's hangup is taken", status == 200)
    conv = accept_call_back(ccd, alice, "+8613800138000", "twilio")

    # ccd asks Twilio to call: 503 first, tried again, then 201.
    got = wait_for("two Calls.json requests", lambda: len(rest.requests) >= 2, 20)
    check("the REST API is asked twice (503, then again)", got and len(rest.requests) == 2,
          str([r[0] for r in rest.requests]))
    path, headers, body = rest.requests[-1] if rest.requests else ("", {}, "")
    form = urllib.parse.parse_qs(body)
    check("POST /2010-04-01/Accounts/{sid}/Calls.json",
          path == f"/2010-04-01/Accounts/{SID}/Calls.json", path)
    check("basic auth with the account sid and auth token",
          headers.get("Authorization") == "Basic " + base64.b64encode(f"{SID}:{AUTH}".encode()).decode())
    check("To the customer, From the caller id of the table",
          form.get("To") == ["+8613800138000"] and form.get("From") == ["+864008001234"], str(form))
    url = (form.get("Url") or [""])[0]
    check("Url is the public URL of the outbound leg with alice's SIP address",
          url.startswith(PUBLIC + f"?dial={conv}&") and
          urllib.parse.parse_qs(urllib.parse.urlparse(url).query).get("target") == [ALICE_SIP], url)
    check("status callbacks: initiated, ringing, answered, completed",
          form.get("StatusCallback") == [f"{PUBLIC}?dial={conv}"] and
          form.get("StatusCallbackEvent") == ["initiated", "ringing", "answered", "completed"],
          str(form))
    check("the same request on both tries", rest.requests and rest.requests[0][2] == body)
    status_frame = alice.wait(lambda f: f.get("type") == "message_status" and
                              f.get("conversation_id") == conv, 10)
    check("alice's console hears that the phone system took the call",
          status_frame is not None and status_frame.get("status") == "sent", str(status_frame))

    # Twilio calls the customer; the callbacks land in the conversation's call log.
    sid = "CAdial0000000000000000000000000001"
    cb = f"{PUBLIC}?dial={conv}"
    out = ("+864008001234", "+8613800138000")
    twilio_post(ccd, cb, leg(sid, "initiated", "outbound-api", *out,
                             [("CallbackSource", "call-progress-events")]))
    twilio_post(ccd, cb, leg(sid, "ringing", "outbound-api", *out,
                             [("CallbackSource", "call-progress-events")]))
    status, twiml = twilio_post(ccd, url, leg(sid, "in-progress", "outbound-api", *out))
    check("the customer answered: ccd's TwiML rings alice's phone",
          status == 200 and f"<Dial><Sip>{ALICE_SIP}</Sip></Dial>" in twiml, f"{status} {twiml}")
    twilio_post(ccd, cb, leg(sid, "in-progress", "outbound-api", *out,
                             [("CallbackSource", "call-progress-events")]))
    twilio_post(ccd, cb, leg(sid, "completed", "outbound-api", *out,
                             [("CallbackSource", "call-progress-events"), ("CallDuration", "42")]))
    c = conversation(ccd, sam, conv, lambda c: (call_of(c, sid) or {}).get("ended_at"))
    call = call_of(c, sid) or {}
    check("the call log has the call ccd placed, with its outcome and duration",
          call.get("direction") == "out" and call.get("customer") == "+8613800138000" and
          call.get("cause") == "completed" and call.get("duration_s") == "42" and
          "answered_at" in call, json.dumps(call))
    types = [e["type"] for e in call.get("events", [])]
    check("dial requested, initiated, ringing, answered, hung up — each once",
          types == ["call.dial", "call.initiated", "call.ringing", "call.answered", "call.hangup"],
          str(types))
    dial = (call.get("events") or [{}])[0]
    check("the dial request names alice and its two tries",
          dial.get("agent") == "alice" and dial.get("attempts") == 2, json.dumps(dial))
    check("the conversation stays alice's call-back",
          c and c["routing"]["agent"] == "alice" and "call_back" in c["routing"]["tags"],
          json.dumps(c and c.get("routing")))
    alice.send({"type": "open", "conversation_id": conv, "id": "o1"})
    opened = alice.wait(lambda f: f.get("type") == "conversation", 10)
    check("alice's console shows the call in the conversation",
          opened is not None and call_of(opened, sid) is not None, str(opened)[:400])
    ccd.stop()


# ---- CTI ----------------------------------------------------------------------------------

def cti_post(ccd, fields):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", ccd.port, timeout=10)
    conn.request("POST", f"/webhooks/cti/pbx/{CTI_TOKEN}", urllib.parse.urlencode(fields),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def missed_cti_call(ccd, call_id, number):
    status, body = cti_post(ccd, {"event": "newCall", "direction": "in", "callId": call_id,
                                  "from": number, "to": "4008001234"})
    # Queued (nobody available), or ringing alice's phone (she is available): missed either way.
    check(f"{call_id}: the call is routed", status == 200 and
          ('"queue"' in body or ALICE_SIP in body), f"{status} {body}")
    status, _ = cti_post(ccd, {"event": "hangup", "direction": "in", "callId": call_id,
                               "from": number, "to": "4008001234", "cause": "cancel"})
    check(f"{call_id}: the caller hangs up", status == 200)


def cti(base):
    pbx = StandIn([(503, "busy"), (200, "{}"), (400, '{"error":"unknown agent"}')])
    ccd = start_ccd(base, f"""  - name: pbx
    type: cti
    token: {CTI_TOKEN}
    dial_url: http://127.0.0.1:{pbx.port}/click-to-dial
    outbound_caller_ids: [{{dest: "86138*", caller_id: "4008001234"}}]
    retry: {{initial: 1s, max: 2s}}
""")
    sam = ccd.login("sam", "sam password!")
    alice = Console(ccd.ws_port, ccd.login("alice", "alice password!"))
    missed_cti_call(ccd, "in-1", "013800138000")
    conv = accept_call_back(ccd, alice, "+8613800138000", "cti")

    got = wait_for("two dial requests", lambda: len(pbx.requests) >= 2, 20)
    check("dial_url is asked twice (503, then again)", got and len(pbx.requests) == 2,
          str(len(pbx.requests)))
    path, headers, body = pbx.requests[-1] if pbx.requests else ("", {}, "{}")
    req = json.loads(body)
    check("authorised with the instance token", headers.get("Authorization") == "Bearer " + CTI_TOKEN)
    check("the dial request: number, caller id, alice's SIP address, the conversation",
          path == "/click-to-dial" and req.get("action") == "dial" and
          req.get("number") == "+8613800138000" and req.get("caller_id") == "4008001234" and
          req.get("target") == ALICE_SIP and req.get("agent") == "alice" and
          req.get("conversation") == conv and req.get("call_id", "").startswith("ccd-dial-"),
          body)
    check("the same Idempotency-Key on both tries",
          pbx.requests[0][1].get("Idempotency-Key") == headers.get("Idempotency-Key") != None)

    # The phone system reports the call under ccd's call id.
    call_id = req.get("call_id", "")
    base_fields = {"direction": "out", "callId": call_id, "from": "4008001234",
                   "to": "+8613800138000"}
    status, answer = cti_post(ccd, dict(base_fields, event="newCall", user="alice"))
    check("newCall out is answered with the caller id", status == 200 and "4008001234" in answer,
          answer)
    cti_post(ccd, dict(base_fields, event="answer", user="alice"))
    cti_post(ccd, dict(base_fields, event="hangup", cause="normalClearing"))
    c = conversation(ccd, sam, conv, lambda c: (call_of(c, call_id) or {}).get("ended_at"))
    call = call_of(c, call_id) or {}
    types = [e["type"] for e in call.get("events", [])]
    check("the call log: dial requested, placed, answered by alice, hung up",
          types == ["call.dial", "call.outbound", "call.answered", "call.hangup"] and
          call.get("answered_by") == "alice" and call.get("cause") == "normalClearing",
          json.dumps(call))

    # alice is done; a second call-back the phone system refuses for good (400).
    for command, cid in (("resolve", "r1"), ("wrap_up", "w1")):
        alice.send({"type": command, "conversation_id": conv, "disposition": "called back",
                    "id": cid})
        check(f"alice's {command}", alice.wait(lambda f: f.get("id") == cid and
                                               f["type"] == "ack") is not None)
    missed_cti_call(ccd, "in-2", "013700137000")
    conv2 = accept_call_back(ccd, alice, "+8613700137000", "refused")
    failed = alice.wait(lambda f: f.get("type") == "message_status" and
                        f.get("conversation_id") == conv2 and f.get("status") == "failed", 20)
    check("alice's console shows the refused call", failed is not None and
          "400" in failed.get("reason", ""), str(failed))
    c2 = conversation(ccd, sam, conv2, lambda c: any(
        e["type"] == "call.dial_failed" for x in c.get("calls", []) for e in x["events"]))
    check("the refusal is in the call log", c2 is not None, json.dumps(c2 and c2.get("calls")))
    check("the phone system was asked once for it (a 4xx is not retried)",
          len(pbx.requests) == 3, str(len(pbx.requests)))
    check("the refused call-back stays alice's work",
          c2 and c2["routing"]["agent"] == "alice" and c2["status"] == "open",
          json.dumps(c2 and c2.get("routing")))

    # To try again she hands the call-back to herself: accepting it again asks for a new call.
    alice.send({"type": "transfer", "conversation_id": conv2, "to_agent": "alice",
                "note": "try again", "id": "t1"})
    check("alice hands the call-back to herself",
          alice.wait(lambda f: f.get("id") == "t1" and f["type"] == "ack") is not None)
    again = alice.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") == conv2, 20)
    alice.send({"type": "accept", "conversation_id": conv2, "id": "a2"})
    check("she is offered it again and accepts", again is not None and
          alice.wait(lambda f: f.get("id") == "a2" and f["type"] == "ack") is not None)
    check("the phone system is asked for a new call",
          wait_for("a fourth dial request", lambda: len(pbx.requests) >= 4, 20) and
          json.loads(pbx.requests[3][2]).get("conversation") == conv2 and
          pbx.requests[3][1].get("Idempotency-Key") != pbx.requests[2][1].get("Idempotency-Key"))
    ccd.stop()


run({"twilio": twilio, "cti": cti})
