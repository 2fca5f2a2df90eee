#!/usr/bin/env python3
"""The bad-input catalogue: the real ccd binary against hostile input, case by case, each with
the answer it must give (HTTP status and JSON `error` code, or what happens to the connection:
closed, a websocket close code). Ends by checking the daemon is still alive and healthy.
docs/security.md lists the catalogue ("Bad-input catalogue"); `--table` prints that table.

Usage: bad_input.py PATH/TO/ccd REPO_ROOT [--table]
Python 3 standard library only.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

CCD = sys.argv[1] if len(sys.argv) > 1 else ""
ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""

TG_SECRET = "tg-secret_0123456789"
WA_SECRET = "wa-app-secret-0123456789"
WA_VERIFY = "verify-me"
WA_NUMBER = "123456789012345"
WC_TOKEN = "wctoken123"
ERP_SECRET = "erp-webhook-secret-0123456789"
PASSWORD = "a hostile password"
READ_TIMEOUT = 1.5  # server.limits.read_timeout below
IDLE_TIMEOUT = 2.0  # server.limits.idle_timeout below
MAX_BODY = 64 * 1024

CASES = []  # (id, area, what, expected, function)


def case(cid, area, what, expected):
    def register(fn):
        CASES.append((cid, area, what, expected, fn))
        return fn
    return register


# ---- plumbing --------------------------------------------------------------------------------

class Env:
    http_port = 0
    ws_port = 0
    key = ""            # an API key of client "crm"
    revoked_key = ""    # revoked before the start
    other_key = ""      # an API key of client "other"
    tokens = {}         # name -> bearer token
    conv_foreign = 0    # a conversation nobody holds (opened through the public API instance)
    conv_crm = 0        # a conversation of client crm


ENV = Env()


def summarize(status, body):
    """'STATUS error_code' (or just 'STATUS' when the body is not a JSON error)."""
    code = ""
    try:
        j = json.loads(body)
        if isinstance(j, dict) and "error" in j:
            code = j["error"]
    except (ValueError, UnicodeDecodeError):
        pass
    return f"{status} {code}".strip()


def raw(data, source="127.0.0.1", read_for=3.0, half_close=False):
    """Sends bytes on a new connection; returns 'STATUS code', plus ' +closed' when the server
    closed the connection after its answer, or 'closed' when it closed without answering."""
    s = socket.create_connection(("127.0.0.1", ENV.http_port), timeout=read_for,
                                 source_address=(source, 0))
    try:
        if data:
            s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        buf = b""
        closed = False
        deadline = time.time() + read_for
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    # The answer is whole: does the server close after it?
                    s.settimeout(0.5)
                    try:
                        closed = s.recv(1) == b""
                    except socket.timeout:
                        closed = False
                    except ConnectionResetError:
                        closed = True
                    break
        if not buf:
            return "closed" if closed else "no answer"
        head, _, body = buf.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/") else "?"
        return summarize(status, body) + (" +closed" if closed else "")
    finally:
        s.close()


def request(method, path, body=b"", headers=None, source="127.0.0.1", ctype="application/json"):
    """A well-formed request; returns (status, body bytes, headers)."""
    c = http.client.HTTPConnection("127.0.0.1", ENV.http_port, timeout=10,
                                   source_address=(source, 0))
    h = dict(headers or {})
    if ctype is not None and body:
        h.setdefault("Content-Type", ctype)
    if isinstance(body, str):
        body = body.encode()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, data, hdrs


def call(method, path, body=b"", headers=None, source="127.0.0.1", ctype="application/json"):
    status, data, _ = request(method, path, body, headers, source, ctype)
    return summarize(status, data)


def bearer(token):
    return {"Authorization": "Bearer " + token}


def api(body, headers=None, key=None, source="127.0.0.1", ctype="application/json"):
    h = dict(headers or {})
    h.update(bearer(key if key is not None else ENV.key))
    return call("POST", "/v1/messages", body, h, source, ctype)


def msg(text="my printer is broken", sender="c1", **extra):
    j = {"from": {"id": sender}, "text": text}
    j.update(extra)
    return json.dumps(j)


# ---- websocket (RFC 6455), just enough --------------------------------------------------------

class WS:
    def __init__(self, headers=None, path="/"):
        self.s = socket.create_connection(("127.0.0.1", ENV.ws_port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{ENV.ws_port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(4096)
            if not chunk:
                break
            buf += chunk
        head, _, self.buf = buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0

    def send(self, payload, opcode=1, mask=True, fin=True, rsv=0, length=None):
        if isinstance(payload, str):
            payload = payload.encode()
        n = len(payload) if length is None else length
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        m = 0x80 if mask else 0
        if n < 126:
            head = struct.pack("!BB", b0, m | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, m | 126, n)
        else:
            head = struct.pack("!BBQ", b0, m | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(b ^ k[i % 4] for i, b in enumerate(payload))
            head += k
        try:
            self.s.sendall(head + payload)
        except OSError:
            pass

    def _read(self, n, deadline):
        while len(self.buf) < n:
            self.s.settimeout(max(0.01, deadline - time.time()))
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=3.0):
        """('text', dict) | ('close', code) | ('eof',) | ('timeout',)."""
        deadline = time.time() + timeout
        try:
            b0, b1 = self._read(2, deadline)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2, deadline))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8, deadline))[0]
            payload = self._read(n, deadline)
        except (socket.timeout, TimeoutError):
            return ("timeout",)
        except (EOFError, ConnectionResetError):
            return ("eof",)
        op = b0 & 0x0F
        if op == 8:
            return ("close", struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005)
        if op == 1:
            return ("text", json.loads(payload))
        if op == 9:  # ping: answer and go on
            self.send(payload, opcode=10)
        return self.recv(max(0.01, deadline - time.time()))

    def until(self, want, timeout=3.0):
        """Frames until one of type `want` (or an error, or a close); returns it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            f = self.recv(deadline - time.time())
            if f[0] != "text":
                return f
            if f[1].get("type") in (want, "error"):
                return f
        return ("timeout",)

    def close(self):
        self.s.close()


def ws_auth(name):
    w = WS()
    w.send(json.dumps({"type": "auth", "token": ENV.tokens[name], "id": "a"}))
    f = w.until("hello")
    if f[0] != "text" or f[1].get("type") != "hello":
        raise RuntimeError(f"console auth of {name} failed: {f}")
    w.until("ack")
    return w


def ws_answer(w, frame, timeout=3.0):
    """Sends a frame on an authenticated connection: 'ack', 'error CODE', or the close."""
    w.send(frame)
    f = w.until("ack", timeout)
    if f[0] == "text":
        t = f[1]
        return "ack" if t["type"] == "ack" else "error " + t.get("code", "?")
    return " ".join(str(x) for x in f)


def ws_then_close(w, timeout=3.0):
    """Frames until the connection closes: 'error CODE, close N' / 'close N'."""
    parts = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        f = w.recv(deadline - time.time())
        if f[0] == "text":
            if f[1].get("type") == "error":
                parts.append("error " + f[1].get("code", "?"))
            continue
        parts.append(" ".join(str(x) for x in f))
        break
    return ", ".join(parts)


# ---- signing helpers --------------------------------------------------------------------------

def tg_update(update_id, text="my order is broken"):
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": 4242, "type": "private"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Tess", "language_code": "en"}}})


def wa_notification(wamid, text="hello there"):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": WA_NUMBER},
            "contacts": [{"profile": {"name": "Wanda"}, "wa_id": "8613800000001"}],
            "messages": [{"from": "8613800000001", "id": wamid, "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": text}}]}}]}]})


def wa_sign(body, secret=WA_SECRET):
    if isinstance(body, str):
        body = body.encode()
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wc_query(token=WC_TOKEN, extra=""):
    ts, nonce = str(int(time.time())), "n0nce"
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    return f"signature={sig}&timestamp={ts}&nonce={nonce}{extra}"


def wc_text(msg_id, content="hi, my order"):
    return (f"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser1]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
            f"</MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def erp_headers(body, ts=None, secret=ERP_SECRET):
    ts = str(int(time.time())) if ts is None else ts
    if isinstance(body, str):
        body = body.encode()
    sig = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Signature-Timestamp": ts, "X-Signature-256": "sha256=" + sig}


# ---- HTTP framing ------------------------------------------------------------------------------

H = "HTTP framing"


@case("h01", H, "TLS ClientHello on the plain HTTP port", "400 bad_request +closed")
def _():
    return raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(32) + b"\r\n\r\n")


@case("h02", H, "a line that is not a request line", "400 bad_request +closed")
def _():
    return raw(b"GARBAGE\r\n\r\n")


@case("h03", H, "HTTP/9.9", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n")


@case("h04", H, "a space inside the target", "400 bad_request +closed")
def _():
    return raw(b"GET /heal thz HTTP/1.1\r\nHost: x\r\n\r\n")


@case("h05", H, "a NUL byte in the request line", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz\x00 HTTP/1.1\r\nHost: x\r\n\r\n")


@case("h06", H, "a header line without a colon", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n")


@case("h07", H, "whitespace between a header name and the colon", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n")


@case("h08", H, "an obsolete folded header line (read as a space, RFC 9112 5.2)", "200")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n")


@case("h09", H, "a control character in a header value", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n")


@case("h10", H, "one header of 20 KiB (max_header_bytes 16 KiB)", "431 headers_too_large +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20480 + b"\r\n\r\n")


@case("h11", H, "3,000 small headers (24 KB)", "431 headers_too_large +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n")


@case("h12", H, "a 20 KiB request target", "431 headers_too_large +closed")
def _():
    return raw(b"GET /" + b"a" * 20480 + b" HTTP/1.1\r\nHost: x\r\n\r\n")


@case("h13", H, "Content-Length and Transfer-Encoding: chunked (CL.TE smuggling)",
      "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n")


@case("h14", H, "Transfer-Encoding: chunked then Content-Length (TE.CL smuggling)",
      "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n")


@case("h15", H, "Transfer-Encoding: gzip (last coding not chunked)", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc")


@case("h16", H, "Transfer-Encoding: gzip, chunked", "501 not_implemented +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
               b"\r\n0\r\n\r\n")


@case("h17", H, "Transfer-Encoding: xchunked", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
               b"0\r\n\r\n")


@case("h18", H, "two different Content-Length headers", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               b"Content-Length: 5\r\n\r\n{}abc")


@case("h19", H, "Content-Length: -1", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")


@case("h20", H, "Content-Length: 1e3", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n")


@case("h21", H, "Content-Length: 99999999999999999999 (past 64 bits)", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
               b"\r\n\r\n")


@case("h22", H, "Content-Length of 100 MB (max_body_bytes 64 KiB)", "413 payload_too_large +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 100000000\r\n\r\n{")


@case("h23", H, "Expect: 100-continue with a body over the limit: refused before it is sent",
      "413 payload_too_large +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n")


@case("h24", H, "a chunk size that is not hex", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")


@case("h25", H, "a chunk size past 64 bits", "400 bad_request +closed")
def _():
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n{}\r\n0\r\n\r\n")


@case("h26", H, "chunks adding up past max_body_bytes", "413 payload_too_large +closed")
def _():
    chunk = b"8000\r\n" + b"a" * 0x8000 + b"\r\n"
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n")


@case("h27", H, "a request line split by a bare CR", "400 bad_request +closed")
def _():
    return raw(b"GET /healthz HTTP/1.1\rHost: x\r\n\r\n")


@case("h28", H, "a request smuggled after a refused one is never answered",
      "400 bad_request +closed")
def _():
    # The second request would answer 200: only one answer comes, then the close.
    return raw(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
               b"Content-Length: 0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")


@case("h29", H, "headers trickled in slower than read_timeout (slowloris)", "closed")
def _():
    s = socket.create_connection(("127.0.0.1", ENV.http_port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\n")
    start = time.time()
    try:
        while time.time() - start < READ_TIMEOUT + 4:
            s.sendall(b"X-A: b\r\n")
            time.sleep(0.3)
            s.settimeout(0.01)
            try:
                if s.recv(1) == b"":
                    return "closed"
            except socket.timeout:
                pass
            except ConnectionResetError:
                return "closed"
        return "still open"
    except (BrokenPipeError, ConnectionResetError):
        return "closed"
    finally:
        s.close()


@case("h30", H, "a body trickled in slower than read_timeout", "closed")
def _():
    s = socket.create_connection(("127.0.0.1", ENV.http_port), timeout=READ_TIMEOUT + 3)
    s.sendall(b"POST /webhooks/api/open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{")
    try:
        return "closed" if s.recv(1) == b"" else "answered"
    except socket.timeout:
        return "still open"
    except ConnectionResetError:
        return "closed"
    finally:
        s.close()


@case("h31", H, "a connection that never sends a request (idle_timeout)", "closed")
def _():
    s = socket.create_connection(("127.0.0.1", ENV.http_port), timeout=IDLE_TIMEOUT + 3)
    try:
        return "closed" if s.recv(1) == b"" else "answered"
    except socket.timeout:
        return "still open"
    except ConnectionResetError:
        return "closed"
    finally:
        s.close()


@case("h32", H, "an unknown method", "405 method_not_allowed")
def _():
    return raw(b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n").replace(" +closed", "")


@case("h33", H, "DELETE /v1/messages", "405 method_not_allowed")
def _():
    return call("DELETE", "/v1/messages")


# ---- paths -------------------------------------------------------------------------------------

P = "Paths"


@case("p01", P, "GET /console/../../etc/passwd", "404 not_found")
def _():
    return raw(b"GET /console/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n").replace(" +closed", "")


@case("p02", P, "GET /console/%2e%2e/%2e%2e/config/ccd.yaml", "404 not_found")
def _():
    return call("GET", "/console/%2e%2e/%2e%2e/config/ccd.yaml")


@case("p03", P, "GET /console/..%2f..%2fconfig%2fccd.yaml", "404 not_found")
def _():
    return call("GET", "/console/..%2f..%2fconfig%2fccd.yaml")


@case("p04", P, "GET /console/%00", "404 not_found")
def _():
    return call("GET", "/console/%00")


@case("p05", P, "GET //etc/passwd", "404 not_found")
def _():
    return call("GET", "//etc/passwd")


@case("p06", P, "absolute-form target http://evil/healthz", "404 not_found")
def _():
    return raw(b"GET http://evil.example/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n").replace(" +closed", "")


@case("p07", P, "a path of 8 KiB", "404 not_found")
def _():
    return call("GET", "/" + "a/" * 4096)


@case("p08", P, "POST /webhooks/telegram/../api/open", "404 not_found")
def _():
    return call("POST", "/webhooks/telegram/../api/open", msg())


@case("p09", P, "an instance that does not exist", "404 not_found")
def _():
    return call("POST", "/webhooks/telegram/nope", tg_update(1))


@case("p10", P, "a channel type that does not exist", "404 not_found")
def _():
    return call("POST", "/webhooks/fax/erp", "{}")


# ---- JSON bodies (POST /v1/messages with a key) ------------------------------------------------

J = "JSON bodies"


@case("j01", J, "{valid}\\0garbage", "400 invalid_json")
def _():
    return api(msg().encode() + b"\x00garbage")


@case("j02", J, "bytes after the JSON value", "400 invalid_json")
def _():
    return api(msg() + " x")


@case("j03", J, "two JSON values", "400 invalid_json")
def _():
    return api(msg() + msg())


@case("j04", J, "an empty body", "400 invalid_json")
def _():
    return api(b"", headers={"Content-Type": "application/json"})


@case("j05", J, "a truncated object", "400 invalid_json")
def _():
    return api(msg()[:-3])


@case("j06", J, "100,000 unclosed brackets", "400 invalid_json")
def _():
    return api("[" * 60000)


@case("j07", J, "a member nested 20,000 deep", "422 invalid_field")
def _():
    return api('{"from":{"id":"c1"},"text":"x","locale":' + "[" * 20000 + "]" * 20000 + "}")


@case("j08", J, "a number too large for a double (1e999)", "400 invalid_json")
def _():
    return api('{"from":{"id":"c1"},"text":1e999}')


@case("j09", J, "an integer past 64 bits as text", "422 invalid_field")
def _():
    return api('{"from":{"id":"c1"},"text":123456789012345678901234567890}')


@case("j10", J, "invalid UTF-8 in a string", "400 invalid_json")
def _():
    return api(b'{"from":{"id":"c1"},"text":"\xff\xfe broken"}')


@case("j11", J, "an overlong UTF-8 encoding of '/'", "400 invalid_json")
def _():
    return api(b'{"from":{"id":"c1"},"text":"\xc0\xaf"}')


@case("j12", J, "a lone UTF-16 surrogate escape", "400 invalid_json")
def _():
    return api('{"from":{"id":"c1"},"text":"\\ud800"}')


@case("j13", J, "a raw control character in a string", "400 invalid_json")
def _():
    return api(b'{"from":{"id":"c1"},"text":"a\x01b"}')


@case("j14", J, "the body is an array", "422 invalid_body")
def _():
    return api("[1,2]")


@case("j15", J, "the body is null", "422 invalid_body")
def _():
    return api("null")


@case("j16", J, "an unknown member", "422 unknown_field")
def _():
    return api(msg(colour="red"))


@case("j17", J, "no text", "422 missing_field")
def _():
    return api('{"from":{"id":"c1"}}')


@case("j18", J, "text only blanks", "422 invalid_field")
def _():
    return api(msg(text=" \t\n "))


@case("j19", J, "from.id of 300 bytes", "422 invalid_field")
def _():
    return api(msg(sender="x" * 300))


@case("j20", J, "from is a string", "422 invalid_field")
def _():
    return api('{"from":"c1","text":"x"}')


@case("j21", J, "from.email without @", "422 invalid_field")
def _():
    return api('{"from":{"id":"c1","email":"nobody"},"text":"x"}')


@case("j22", J, "locale that is not a language tag", "422 invalid_field")
def _():
    return api(msg(locale="en us; DROP TABLE"))


@case("j23", J, "Content-Type text/plain", "415 unsupported_media_type")
def _():
    return api(msg(), ctype="text/plain")


@case("j24", J, "no Content-Type", "415 unsupported_media_type")
def _():
    return api(msg(), ctype=None)


@case("j25", J, "Content-Type application/jsonx", "415 unsupported_media_type")
def _():
    return api(msg(), ctype="application/jsonx")


@case("j26", J, "a body over max_body_bytes", "413 payload_too_large")
def _():
    return api(msg(text="a" * (MAX_BODY + 10)))


@case("j27", J, "an empty Idempotency-Key", "422 invalid_header")
def _():
    return api(msg(), headers={"Idempotency-Key": ""})


@case("j28", J, "an Idempotency-Key of 300 bytes", "422 invalid_header")
def _():
    return api(msg(), headers={"Idempotency-Key": "k" * 300})


@case("j29", J, "external_id reused by the same sender for other text", "409 conflict")
def _():
    first = api(msg(text="first text", sender="dup", external_id="ext-1"))
    if first != "202":
        return "first: " + first
    return api(msg(text="other text", sender="dup", external_id="ext-1"))


@case("j30", J, "external_id reused by another sender: a message of its own", "202 new")
def _():
    status, data, _ = request("POST", "/v1/messages",
                              msg(text="first text", sender="dup2", external_id="ext-1"),
                              bearer(ENV.key))
    if status != 202:
        return summarize(status, data)
    return "202 duplicate" if json.loads(data)["duplicate"] else "202 new"


# ---- API keys ----------------------------------------------------------------------------------

K = "API keys"


@case("k01", K, "no Authorization", "401 unauthorized")
def _():
    return call("POST", "/v1/messages", msg())


@case("k02", K, "Bearer with nothing after it", "401 unauthorized")
def _():
    return call("POST", "/v1/messages", msg(), {"Authorization": "Bearer "})


@case("k03", K, "Basic credentials", "401 unauthorized")
def _():
    return call("POST", "/v1/messages", msg(), {"Authorization": "Basic YWRtaW46YWRtaW4="})


@case("k04", K, "a well-formed key that was never issued", "401 unauthorized")
def _():
    return api(msg(), key="ccdk_0123456789ab_" + "0" * 43)


@case("k05", K, "a key of 8 KiB", "401 unauthorized")
def _():
    return api(msg(), key="ccdk_" + "a" * 8192)


@case("k06", K, "a revoked key", "401 unauthorized")
def _():
    return api(msg(), key=ENV.revoked_key)


@case("k07", K, "a key of a client the instance does not accept", "403 forbidden")
def _():
    return call("POST", "/webhooks/api/crm-only", msg(), bearer(ENV.other_key))


@case("k08", K, "an agent's login token instead of an API key", "401 unauthorized")
def _():
    return api(msg(), key=ENV.tokens["alice"])


@case("k09", K, "a key for another client's conversation", "404 not_found")
def _():
    return call("GET", f"/v1/conversations/{ENV.conv_crm}/messages", headers=bearer(ENV.other_key))


@case("k10", K, "limit=0 on a conversation's messages", "400 invalid_query")
def _():
    return call("GET", f"/v1/conversations/{ENV.conv_crm}/messages?limit=0", headers=bearer(ENV.key))


@case("k11", K, "after=-1 on a conversation's messages", "400 invalid_query")
def _():
    return call("GET", f"/v1/conversations/{ENV.conv_crm}/messages?after=-1", headers=bearer(ENV.key))


@case("k12", K, "a conversation id past 64 bits", "404 not_found")
def _():
    return call("GET", "/v1/conversations/99999999999999999999999/messages", headers=bearer(ENV.key))


# ---- webhooks ----------------------------------------------------------------------------------

W = "Webhooks"


@case("t01", W, "Telegram: no secret token", "401 unauthorized")
def _():
    return call("POST", "/webhooks/telegram/tg", tg_update(101))


@case("t02", W, "Telegram: a wrong secret token", "401 unauthorized")
def _():
    return call("POST", "/webhooks/telegram/tg", tg_update(102),
                {"X-Telegram-Bot-Api-Secret-Token": "wrong"})


@case("t03", W, "Telegram: the secret token in other case", "401 unauthorized")
def _():
    return call("POST", "/webhooks/telegram/tg", tg_update(103),
                {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET.upper()})


@case("t04", W, "Telegram: not JSON", "400 invalid_json")
def _():
    return call("POST", "/webhooks/telegram/tg", "{not json",
                {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})


@case("t05", W, "Telegram: {valid}\\0garbage", "400 invalid_json")
def _():
    return call("POST", "/webhooks/telegram/tg", tg_update(105).encode() + b"\x00x",
                {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})


@case("t06", W, "Telegram: an update_id past 64 bits", "400")
def _():
    return call("POST", "/webhooks/telegram/tg", tg_update(10 ** 30),
                {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}).split(" ")[0]


@case("t07", W, "Telegram: GET", "405 method_not_allowed")
def _():
    return call("GET", "/webhooks/telegram/tg")


@case("t08", W, "Telegram: a valid update, then the same again (stored once)", "200, 200, 1 stored")
def _():
    h = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    a = call("POST", "/webhooks/telegram/tg", tg_update(108), h)
    b = call("POST", "/webhooks/telegram/tg", tg_update(108), h)
    n = count_messages("tg")
    return f"{a}, {b}, {n} stored"


@case("w01", W, "WhatsApp: handshake with a wrong verify token", "403 forbidden")
def _():
    return call("GET", "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42")


@case("w02", W, "WhatsApp: no signature", "401 unauthorized")
def _():
    return call("POST", "/webhooks/whatsapp/wa", wa_notification("wamid.w02"))


@case("w03", W, "WhatsApp: a signature with another secret", "401 unauthorized")
def _():
    body = wa_notification("wamid.w03")
    return call("POST", "/webhooks/whatsapp/wa", body,
                {"X-Hub-Signature-256": wa_sign(body, "not-the-secret")})


@case("w04", W, "WhatsApp: a signature over another body", "401 unauthorized")
def _():
    body = wa_notification("wamid.w04")
    return call("POST", "/webhooks/whatsapp/wa", body,
                {"X-Hub-Signature-256": wa_sign(body + " ")})


@case("w05", W, "WhatsApp: a sha1= signature", "401 unauthorized")
def _():
    body = wa_notification("wamid.w05")
    sig = "sha1=" + hmac.new(WA_SECRET.encode(), body.encode(), hashlib.sha1).hexdigest()
    return call("POST", "/webhooks/whatsapp/wa", body, {"X-Hub-Signature-256": sig})


@case("w06", W, "WhatsApp: signed, not JSON", "400 invalid_json")
def _():
    body = "{nope"
    return call("POST", "/webhooks/whatsapp/wa", body, {"X-Hub-Signature-256": wa_sign(body)})


@case("w07", W, "WhatsApp: signed, then replayed (stored once)", "200, 200, 1 stored")
def _():
    body = wa_notification("wamid.w07")
    h = {"X-Hub-Signature-256": wa_sign(body)}
    a = call("POST", "/webhooks/whatsapp/wa", body, h)
    b = call("POST", "/webhooks/whatsapp/wa", body, h)
    return f"{a}, {b}, {count_messages('wa')} stored"


@case("c01", W, "WeChat: handshake with a wrong signature", "403 forbidden")
def _():
    return call("GET", "/webhooks/wechat/wc?" + wc_query("wrongtoken") + "&echostr=e1")


@case("c02", W, "WeChat: a message with a wrong signature", "401 unauthorized")
def _():
    return call("POST", "/webhooks/wechat/wc?" + wc_query("wrongtoken"), wc_text(2), ctype="text/xml")


@case("c03", W, "WeChat: no signature at all", "401 unauthorized")
def _():
    return call("POST", "/webhooks/wechat/wc", wc_text(3), ctype="text/xml")


@case("c04", W, "WeChat: XML with an external entity (XXE)", "400 invalid_xml")
def _():
    body = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "<xml><MsgType>text</MsgType><Content>&e;</Content></xml>")
    return call("POST", "/webhooks/wechat/wc?" + wc_query(), body, ctype="text/xml")


@case("c05", W, "WeChat: nested entities (billion laughs)", "400 invalid_xml")
def _():
    ents = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    body = f'<?xml version="1.0"?><!DOCTYPE x [{ents}]><xml><Content>&i;</Content></xml>'
    return call("POST", "/webhooks/wechat/wc?" + wc_query(), body, ctype="text/xml")


@case("c06", W, "WeChat: signed, not XML", "400 invalid_xml")
def _():
    return call("POST", "/webhooks/wechat/wc?" + wc_query(), "{\"json\": true}", ctype="text/xml")


@case("c07", W, "WeChat: signed, unclosed tags", "400 invalid_xml")
def _():
    return call("POST", "/webhooks/wechat/wc?" + wc_query(), "<xml><MsgType>text", ctype="text/xml")


@case("c08", W, "WeChat: a message twice (stored once)", "200, 200, 1 stored")
def _():
    a = call("POST", "/webhooks/wechat/wc?" + wc_query(), wc_text(808), ctype="text/xml")
    b = call("POST", "/webhooks/wechat/wc?" + wc_query(), wc_text(808), ctype="text/xml")
    return f"{a}, {b}, {count_messages('wc')} stored"


@case("e01", W, "signed webhook: no signature", "401 unauthorized")
def _():
    return call("POST", "/webhooks/webhook/erp", msg(sender="e1"))


@case("e02", W, "signed webhook: a timestamp an hour old", "401 stale_signature")
def _():
    body = msg(sender="e2")
    return call("POST", "/webhooks/webhook/erp", body,
                erp_headers(body, ts=str(int(time.time()) - 3600)))


@case("e03", W, "signed webhook: a timestamp an hour ahead", "401 stale_signature")
def _():
    body = msg(sender="e3")
    return call("POST", "/webhooks/webhook/erp", body,
                erp_headers(body, ts=str(int(time.time()) + 3600)))


@case("e04", W, "signed webhook: a timestamp past 64 bits", "401 unauthorized")
def _():
    body = msg(sender="e4")
    return call("POST", "/webhooks/webhook/erp", body, erp_headers(body, ts="9" * 30))


@case("e05", W, "signed webhook: a timestamp that is not a number", "401 unauthorized")
def _():
    body = msg(sender="e5")
    return call("POST", "/webhooks/webhook/erp", body, erp_headers(body, ts="soon"))


@case("e06", W, "signed webhook: signed with another secret", "401 unauthorized")
def _():
    body = msg(sender="e6")
    return call("POST", "/webhooks/webhook/erp", body, erp_headers(body, secret="x" * 32))


@case("e07", W, "signed webhook: the signature of another body", "401 unauthorized")
def _():
    body = msg(sender="e7")
    h = erp_headers(msg(sender="e7", text="other"))
    return call("POST", "/webhooks/webhook/erp", body, h)


@case("e08", W, "signed webhook: a valid request, then replayed", "202, 409 replayed")
def _():
    body = msg(sender="e8", external_id="e8-1")
    h = erp_headers(body)
    a = call("POST", "/webhooks/webhook/erp", body, h)
    b = call("POST", "/webhooks/webhook/erp", body, h)
    return f"{a}, {b}"


@case("e09", W, "signed webhook: signed {valid}\\0garbage", "400 invalid_json")
def _():
    body = msg(sender="e9").encode() + b"\x00garbage"
    return call("POST", "/webhooks/webhook/erp", body, erp_headers(body))


# ---- login -------------------------------------------------------------------------------------

L = "Login"


def login(body, source="127.0.0.1", ctype="application/json"):
    return call("POST", "/v1/auth/login", body, source=source, ctype=ctype)


@case("l01", L, "Content-Type text/plain", "415 unsupported_media_type")
def _():
    return login('{"name":"alice","password":"x"}', ctype="text/plain")


@case("l02", L, "{valid}\\0garbage", "400 invalid_json")
def _():
    return login(b'{"name":"alice","password":"x"}\x00garbage')


@case("l03", L, "bytes after the JSON", "400 invalid_json")
def _():
    return login('{"name":"alice","password":"x"} {}')


@case("l04", L, "a name of 65 bytes", "422 invalid_field")
def _():
    return login(json.dumps({"name": "a" * 65, "password": "x"}))


@case("l05", L, "a password of 1,025 bytes", "422 invalid_field")
def _():
    return login(json.dumps({"name": "alice", "password": "p" * 1025}))


@case("l06", L, "another member (otp)", "422 unknown_field")
def _():
    return login('{"name":"alice","password":"x","otp":1}')


@case("l07", L, "no password", "422 missing_field")
def _():
    return login('{"name":"alice"}')


@case("l08", L, "a name that is not a string", "422 invalid_field")
def _():
    return login('{"name":["alice"],"password":"x"}')


@case("l09", L, "an empty name", "422 invalid_field")
def _():
    return login('{"name":"","password":"x"}')


@case("l10", L, "an array", "422 invalid_body")
def _():
    return login('["alice","x"]')


@case("l11", L, "a wrong password and an unknown name: the same answer", "401 invalid_credentials x2")
def _():
    a_status, a_body, _ = request("POST", "/v1/auth/login",
                                  '{"name":"alice","password":"wrong one"}', source="127.0.0.11")
    b_status, b_body, _ = request("POST", "/v1/auth/login",
                                  '{"name":"mallory","password":"wrong one"}', source="127.0.0.11")
    if a_body != b_body:
        return "different bodies"
    return summarize(a_status, a_body) + " x2" if a_status == b_status else "different statuses"


@case("l12", L, "an account without a password", "401 invalid_credentials")
def _():
    return login('{"name":"nopw","password":""}', source="127.0.0.12")


@case("l13", L, "6 wrong passwords for one name from one address", "429 too_many_attempts")
def _():
    out = ""
    for _ in range(6):
        out = login('{"name":"bob","password":"guess"}', source="127.0.0.13")
    return out


@case("l14", L, "the name locked from that address stays open from another", "200")
def _():
    return login(json.dumps({"name": "bob", "password": PASSWORD}), source="127.0.0.14")


@case("l15", L, "GET /v1/auth/me with a made-up token", "401 unauthorized")
def _():
    return call("GET", "/v1/auth/me", headers=bearer("f" * 64))


@case("l16", L, "GET /v1/auth/me with a token of 10 KiB", "401 unauthorized")
def _():
    return call("GET", "/v1/auth/me", headers=bearer("f" * 10240))


@case("l17", L, "logout with a made-up token", "401 unauthorized")
def _():
    return call("POST", "/v1/auth/logout", headers=bearer("0" * 64))


@case("l18", L, "reload without a token", "401 unauthorized")
def _():
    return call("POST", "/v1/admin/reload")


@case("l19", L, "reload with an agent's token", "403 forbidden")
def _():
    return call("POST", "/v1/admin/reload", headers=bearer(ENV.tokens["alice"]))


@case("l20", L, "an agent reads a conversation that is not theirs", "403 forbidden")
def _():
    return call("GET", f"/v1/conversations/{ENV.conv_foreign}", headers=bearer(ENV.tokens["alice"]))


@case("l21", L, "a supervisor reads a conversation id that is not a number", "404 not_found")
def _():
    return call("GET", "/v1/conversations/1%20OR%201=1", headers=bearer(ENV.tokens["sam"]))


@case("l22", L, "a second factor's code of 33 bytes", "422 invalid_field")
def _():
    return login(json.dumps({"name": "alice", "password": "x", "code": "1" * 33}))


@case("l23", L, "an MFA challenge without a code", "422 missing_field")
def _():
    return login(json.dumps({"name": "alice", "challenge": "a" * 64}))


@case("l24", L, "an MFA challenge and a password", "422 invalid_field")
def _():
    return login(json.dumps({"name": "alice", "challenge": "a" * 64, "password": "x", "code": "1"}))


@case("l25", L, "a made-up MFA challenge", "401 invalid_challenge")
def _():
    return login(json.dumps({"name": "alice", "challenge": "a" * 64, "code": "123456"}),
                 source="127.0.0.25")


@case("l26", L, "confirming MFA without enrolling", "409 no_enrolment")
def _():
    return call("POST", "/v1/auth/mfa/confirm", '{"code":"123456"}',
                headers=bearer(ENV.tokens["alice"]))


@case("l27", L, "an MFA code that is a number", "422 invalid_field")
def _():
    return call("POST", "/v1/auth/mfa/disable", '{"code":123456}',
                headers=bearer(ENV.tokens["alice"]))


@case("l28", L, "MFA state without a token", "401 unauthorized")
def _():
    return call("GET", "/v1/auth/mfa")


# ---- contacts ----------------------------------------------------------------------------------

N = "Contacts"


def put_contact(key, body, token="sam", ctype="application/json"):
    h = bearer(ENV.tokens[token]) if token else {}
    return call("PUT", "/v1/contacts/" + key, body, h, ctype=ctype)


@case("n01", N, "PUT without a token", "401 unauthorized")
def _():
    return put_contact("C-1", '{"name":"A"}', token=None)


@case("n02", N, "PUT with an agent's token", "403 forbidden")
def _():
    return put_contact("C-1", '{"name":"A"}', token="alice")


@case("n03", N, "a key of dots only", "422 invalid_key")
def _():
    return put_contact("..", '{"name":"A"}')


@case("n04", N, "a key with an encoded slash", "422 invalid_key")
def _():
    return put_contact("a%2Fb", '{"name":"A"}')


@case("n05", N, "a key of 200 characters", "422 invalid_key")
def _():
    return put_contact("k" * 200, '{"name":"A"}')


@case("n06", N, "{valid}\\0garbage", "400 invalid_json")
def _():
    return put_contact("C-2", b'{"name":"A"}\x00garbage')


@case("n07", N, "an unknown member", "422 unknown_field")
def _():
    return put_contact("C-3", '{"colour":"red"}')


@case("n08", N, "an email without a domain", "422 invalid_field")
def _():
    return put_contact("C-4", '{"email":"ann@"}')


@case("n09", N, "101 addresses", "422 invalid_field")
def _():
    return put_contact("C-5", json.dumps({"addresses": {"telegram": [str(i) for i in range(101)]}}))


@case("n10", N, "an attribute that is not a string", "422 invalid_field")
def _():
    return put_contact("C-6", '{"attributes":{"a":{"b":[1,2,3]}}}')


@case("n11", N, "a date that does not exist", "422 invalid_field")
def _():
    return put_contact("C-7", '{"products":[{"sku":"P","purchased_on":"2026-02-30"}]}')


@case("n12", N, "a name with control characters", "422 invalid_field")
def _():
    return put_contact("C-8", '{"name":"A\\u0007\\u001b[31m"}')


@case("n13", N, "Content-Type text/plain", "415 unsupported_media_type")
def _():
    return put_contact("C-9", '{"name":"A"}', ctype="text/plain")


@case("n14", N, "a tier that is not a lower-case name", "422 invalid_field")
def _():
    return put_contact("C-10", '{"tier":"VIP!"}')


@case("n15", N, "attributes nested 10,000 deep", "422 invalid_field")
def _():
    return put_contact("C-11", '{"attributes":{"a":' + "[" * 10000 + "]" * 10000 + "}}")


@case("n16", N, "a phone that is not E.164", "422 invalid_field")
def _():
    return put_contact("C-12", '{"phone":"call me maybe"}')


@case("n17", N, "GET a key that does not exist", "404 not_found")
def _():
    return call("GET", "/v1/contacts/NOPE-1", headers=bearer(ENV.tokens["sam"]))


# ---- console websocket -------------------------------------------------------------------------

S = "Console websocket"


@case("s01", S, "upgrade with a foreign Origin", "403")
def _():
    w = WS({"Origin": "https://evil.example"})
    w.close()
    return str(w.status)


@case("s02", S, "upgrade with a made-up bearer token", "401")
def _():
    w = WS({"Authorization": "Bearer " + "e" * 64})
    w.close()
    return str(w.status)


@case("s03", S, "a command before auth", "error not_authenticated, close 1008")
def _():
    w = WS()
    w.send('{"type":"presence","presence":"available"}')
    out = ws_then_close(w)
    w.close()
    return out


@case("s04", S, "not JSON before auth", "error bad_json, close 1008")
def _():
    w = WS()
    w.send("hello?")
    out = ws_then_close(w)
    w.close()
    return out


@case("s05", S, "auth with a made-up token", "error unauthorized, close 4001")
def _():
    w = WS()
    w.send(json.dumps({"type": "auth", "token": "d" * 64}))
    out = ws_then_close(w)
    w.close()
    return out


@case("s06", S, "auth with a token of 300 bytes", "error bad_request, close 1008")
def _():
    w = WS()
    w.send(json.dumps({"type": "auth", "token": "d" * 300}))
    out = ws_then_close(w)
    w.close()
    return out


@case("s07", S, "auth{valid}\\0garbage", "error bad_json, close 1008")
def _():
    w = WS()
    w.send(json.dumps({"type": "auth", "token": ENV.tokens["alice"]}).encode() + b"\x00garbage")
    out = ws_then_close(w)
    w.close()
    return out


@case("s08", S, "a frame over max_frame_bytes (64 KiB)", "close 1009")
def _():
    w = WS()
    w.send("x" * (70 * 1024))
    out = ws_then_close(w)
    w.close()
    return out


@case("s09", S, "a frame header claiming 2^63 bytes", "close 1009")
def _():
    w = WS()
    w.send(b"", length=1 << 62)
    out = ws_then_close(w)
    w.close()
    return out


@case("s10", S, "an unmasked client frame", "close 1002")
def _():
    w = WS()
    w.send('{"type":"auth"}', mask=False)
    out = ws_then_close(w)
    w.close()
    return out


@case("s11", S, "a reserved opcode", "close 1002")
def _():
    w = WS()
    w.send("x", opcode=3)
    out = ws_then_close(w)
    w.close()
    return out


@case("s12", S, "RSV bits set without an extension", "close 1002")
def _():
    w = WS()
    w.send("x", rsv=4)
    out = ws_then_close(w)
    w.close()
    return out


@case("s13", S, "a continuation frame with nothing to continue", "close 1002")
def _():
    w = WS()
    w.send("x", opcode=0)
    out = ws_then_close(w)
    w.close()
    return out


@case("s14", S, "invalid UTF-8 in a text frame", "close 1007")
def _():
    w = WS()
    w.send(b'{"type":"auth","token":"\xff\xfe"}')
    out = ws_then_close(w)
    w.close()
    return out


@case("s15", S, "authenticated: {valid}\\0garbage (the connection stays open)",
      "error bad_json, ack")
def _():
    w = ws_auth("alice")
    a = ws_answer(w, b'{"type":"presence","presence":"away","id":"1"}\x00garbage')
    b = ws_answer(w, '{"type":"presence","presence":"away","id":"2"}')
    w.close()
    return f"{a}, {b}"


@case("s16", S, "authenticated: a binary frame", "error bad_request")
def _():
    w = ws_auth("alice")
    w.send(b'{"type":"presence","presence":"away","id":"b"}', opcode=2)
    f = w.until("ack")
    w.close()
    return ("error " + f[1]["code"]) if f[0] == "text" and f[1]["type"] == "error" else str(f[:2])


@case("s17", S, "a disposition of 300 bytes", "error bad_request")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "wrap_up", "disposition": "d" * 300, "id": "w"}))
    w.close()
    return out


@case("s18", S, "a reply text of 40 KiB", "error bad_request")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "reply", "conversation_id": ENV.conv_foreign, "id": "r",
                                   "text": "t" * (40 * 1024)}))
    w.close()
    return out


@case("s19", S, "33 template variables", "error bad_request")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "reply", "conversation_id": ENV.conv_foreign, "id": "v",
                                   "template": "ack", "vars": {f"v{i}": "x" for i in range(33)}}))
    w.close()
    return out


@case("s20", S, "a command id of 200 characters", "error bad_request")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "presence", "presence": "away", "id": "i" * 200}))
    w.close()
    return out


@case("s21", S, "open a conversation that is not the agent's", "error not_assigned")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "open", "conversation_id": ENV.conv_foreign, "id": "o"}))
    w.close()
    return out


@case("s22", S, "reply in a conversation that is not the agent's", "error not_assigned")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "reply", "conversation_id": ENV.conv_foreign, "id": "r2",
                                   "text": "I am not your agent"}))
    w.close()
    return out


@case("s23", S, "wrap_up a conversation the agent never held", "error not_assigned")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "wrap_up", "conversation_id": ENV.conv_foreign,
                                   "disposition": "solved", "id": "u"}))
    w.close()
    return out


@case("s24", S, "note on a conversation that is not the agent's", "error not_assigned")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "note", "conversation_id": ENV.conv_foreign,
                                   "text": "hidden", "id": "n"}))
    w.close()
    return out


@case("s25", S, "an agent subscribes to the supervisor board", "error forbidden")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, '{"type":"subscribe","stream":"supervisor","id":"s"}')
    w.close()
    return out


@case("s26", S, "accept a conversation that does not exist", "error not_offered")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, '{"type":"accept","conversation_id":987654321,"id":"x"}')
    w.close()
    return out


@case("s27", S, "a negative conversation id", "error bad_request")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, '{"type":"accept","conversation_id":-5,"id":"x"}')
    w.close()
    return out


@case("s28", S, "an unknown command", "error unknown_type")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, '{"type":"shell","cmd":"rm -rf /","id":"x"}')
    w.close()
    return out


@case("s29", S, "auth again on an authenticated connection", "error already_authenticated")
def _():
    w = ws_auth("alice")
    out = ws_answer(w, json.dumps({"type": "auth", "token": ENV.tokens["alice"], "id": "again"}))
    w.close()
    return out


@case("s30", S, "300 frames at once (frame_burst 200)", "close 1008")
def _():
    w = ws_auth("alice")
    for i in range(300):
        w.send('{"type":"typing","conversation_id":1}')
    deadline = time.time() + 5
    while time.time() < deadline:
        f = w.recv(deadline - time.time())
        if f[0] != "text":
            w.close()
            return " ".join(str(x) for x in f)
    w.close()
    return "still open"


# ---- setup -------------------------------------------------------------------------------------

def count_messages(instance):
    import sqlite3
    db = sqlite3.connect(f"file:{os.path.join(TMP, 'ccd.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM messages WHERE direction = 'in' AND "
                          "channel_instance = ?", (instance,)).fetchone()[0]
    finally:
        db.close()


def ccd(*args, stdin=None):
    r = subprocess.run([CCD, *args, "--config", os.path.join(TMP, "ccd.yaml")], input=stdin,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"ccd {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout.strip()


def configure():
    with open(os.path.join(TMP, "ccd.yaml"), "w") as f:
        f.write(f"""routing: {ROOT}/config/routing.yaml
agents: agents.yaml
templates:
  path: {ROOT}/templates/default
server:
  listen: "127.0.0.1:0"
  limits:
    max_body_bytes: {MAX_BODY}
    read_timeout: {int(READ_TIMEOUT * 1000)}ms
    idle_timeout: {int(IDLE_TIMEOUT * 1000)}ms
storage:
  sqlite:
    path: "{os.path.join(TMP, 'ccd.db')}"
console:
  listen: "127.0.0.1:0"
  static_dir: {ROOT}/console/www
channels:
  - {{name: api, type: api}}
  - {{name: open, type: api, public: true}}
  - {{name: crm-only, type: api, clients: [crm]}}
  - {{name: tg, type: telegram, bot_token: "123:TEST", secret_token: {TG_SECRET},
      api_base: "http://127.0.0.1:9"}}
  - {{name: wa, type: whatsapp, app_secret: {WA_SECRET}, verify_token: {WA_VERIFY},
      access_token: EAAG-test, phone_number_id: "{WA_NUMBER}", api_base: "http://127.0.0.1:9"}}
  - {{name: wc, type: wechat, app_id: wx0123456789abcdef, app_secret: s3cret, token: {WC_TOKEN},
      api_base: "http://127.0.0.1:9"}}
  - {{name: erp, type: webhook, secret: {ERP_SECRET}, callback_url: "http://127.0.0.1:9/cb"}}
""")
    with open(os.path.join(TMP, "agents.yaml"), "w") as f:
        f.write("accounts:\n")
        for name, role in [("alice", "agent"), ("bob", "agent"), ("sam", "supervisor"),
                           ("nopw", "agent")]:
            f.write(f"  - {{name: {name}, role: {role}, skills: [general, technical, billing]}}\n")
    for name in ("alice", "bob", "sam"):
        ccd("agent", "passwd", name, stdin=PASSWORD + "\n")
    ENV.key = ccd("api-key", "create", "crm")
    ENV.other_key = ccd("api-key", "create", "other")
    ENV.revoked_key = ccd("api-key", "create", "crm")
    key_id = ENV.revoked_key.split("_")[1]
    ccd("api-key", "revoke", key_id)


def start():
    log_path = os.path.join(TMP, "ccd.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([CCD, "run", "--config", os.path.join(TMP, "ccd.yaml")], stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 120  # the classifier trains on its corpus first
    while time.time() < deadline:
        text = open(log_path).read()
        h = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
        w = re.search(r"websocket listening on ws://127\.0\.0\.1:(\d+)", text)
        if h and w:
            ENV.http_port, ENV.ws_port = int(h.group(1)), int(w.group(1))
            return proc
        if proc.poll() is not None:
            sys.exit("ccd exited during start-up:\n" + text)
        time.sleep(0.05)
    proc.kill()
    sys.exit("ccd did not start:\n" + open(log_path).read())


def prepare():
    for name in ("alice", "sam"):
        status, data, _ = request("POST", "/v1/auth/login",
                                  json.dumps({"name": name, "password": PASSWORD}))
        if status != 200:
            sys.exit(f"login of {name}: {status} {data}")
        ENV.tokens[name] = json.loads(data)["token"]
    status, data, _ = request("POST", "/webhooks/api/open", msg(sender="someone-else"))
    if status != 202:
        sys.exit(f"a message on the public instance: {status} {data}")
    ENV.conv_foreign = json.loads(data)["conversation_id"]
    status, data, _ = request("POST", "/v1/messages", msg(sender="crm-customer"), bearer(ENV.key))
    if status != 202:
        sys.exit(f"a message with the key: {status} {data}")
    ENV.conv_crm = json.loads(data)["conversation_id"]


def table():
    print("| case | input | expected answer |")
    print("|---|---|---|")
    area = None
    for cid, a, what, expected, _ in CASES:
        if a != area:
            print(f"| **{a}** | | |")
            area = a
        print(f"| {cid} | {what.replace('|', '/')} | `{expected}` |")


def main():
    global TMP
    if "--table" in sys.argv:
        return table()
    TMP = tempfile.mkdtemp(prefix="ccd-bad-input-")
    proc = None
    passed = failed = 0
    try:
        configure()
        proc = start()
        prepare()
        for cid, area, what, expected, fn in CASES:
            try:
                actual = fn()
            except Exception as e:  # noqa: BLE001 - a case that cannot run is a failure
                actual = f"exception {type(e).__name__}: {e}"
            if actual == expected:
                passed += 1
                print(f"ok   {cid} {what}: {actual}")
            else:
                failed += 1
                print(f"FAIL {cid} {what}: expected {expected!r}, got {actual!r}")
            if proc.poll() is not None:
                failed += 1
                print(f"FAIL ccd exited ({proc.returncode}) after {cid}")
                break
        # Still alive and healthy, and nothing alarming in the log.
        alive = proc.poll() is None
        status = 0
        body = b""
        if alive:
            status, body, _ = request("GET", "/healthz")
        healthy = alive and status == 200 and json.loads(body).get("status") == "ok"
        log = open(os.path.join(TMP, "ccd.log"), errors="replace").read()
        bad_log = [m for m in ("terminate called", "AddressSanitizer", "runtime error",
                               "Segmentation", "internal error") if m in log]
        for ok, what in [(healthy, "ccd is alive and /healthz says ok"),
                         (not bad_log, "no crash or sanitizer report in the log " + str(bad_log))]:
            if ok:
                passed += 1
                print(f"ok   {what}")
            else:
                failed += 1
                print(f"FAIL {what}")
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if failed and os.environ.get("BAD_INPUT_KEEP"):
            print("kept", TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


TMP = ""
if __name__ == "__main__":
    main()
