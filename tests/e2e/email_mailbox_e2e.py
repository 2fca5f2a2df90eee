#!/usr/bin/env python3
"""More of the email channel end to end, against the real servers of mail_servers.py:

  email_mailbox_e2e.py CCD SOURCE_DIR attachments  a mail's attachments are kept up to
                        max_attachment_bytes and served to a supervisor with safe headers; a
                        larger one is described, not kept; a repeat stores nothing again
  email_mailbox_e2e.py CCD SOURCE_DIR move         `after_read: move` on a server without MOVE:
                        COPY, \\Deleted and UID EXPUNGE move every stored message, none twice
  email_mailbox_e2e.py CCD SOURCE_DIR tls          imaps:// + smtps:// and imap:// + smtp:// with
                        STARTTLS required, trusting a private CA (`ca_file`); without that CA
                        the mailbox is shown down with the certificate error
"""
import base64
import hashlib
import json
import os
import subprocess
from urllib.parse import quote

from mail_servers import (CCD, Ccd, Dovecot, Smtp, check, make_certificates, own, run,
                          utf8_mail, wait_for)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def email_instance(name, user, imap_url, smtp_url, extra=""):
    return f"""  - name: {name}
    type: email
    imap_url: {imap_url}
    smtp_url: {smtp_url}
    username: {user}
    password: ${{CCD_E2E_MAIL_PASSWORD}}
    address: {user}@example.com
    poll_interval: 1s
    retry: {{initial: 1s, max: 2s}}
{extra}"""


def mail_with_files(message_id, files):
    """A multipart/mixed mail from wang@example.cn with a text part and `files`:
    [(file name, content type, bytes)], names in RFC 2231 UTF-8."""
    parts = ["Content-Type: text/plain; charset=utf-8\r\n\r\n打印机坏了，照片在附件里。\r\n"]
    for name, ctype, data in files:
        b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
        parts.append(f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
                     f"Content-Disposition: attachment; filename*=UTF-8''{quote(name)}\r\n\r\n"
                     f"{b64}")
    body = "".join(f"--B\r\n{p}" for p in parts) + "--B--\r\n"
    return (f"From: 王小明 <wang@example.cn>\r\nTo: support@example.com\r\n"
            f"Subject: printer photo\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=B\r\n\r\n{body}").encode()


def attachments(base):
    dovecot = Dovecot(os.path.join(base, "imap"))
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="ghost@example.cn")
    ccd = Ccd(base, dovecot, smtp, channels=email_instance(
        "support-mail", "support", f"imap://127.0.0.1:{dovecot.port}/INBOX",
        f"smtp://127.0.0.1:{smtp.port}", "    max_attachment_bytes: 64KiB\n"))
    ccd.start()

    big = os.urandom(100 * 1024)
    page = b"<html><script>alert(1)</script></html>"
    raw = mail_with_files("files1@example.cn", [("故障照片.png", "image/png", PNG),
                                                ("manual.pdf", "application/pdf", big),
                                                ("page.html", "text/html", page)])
    dovecot.deliver(raw)
    rows = wait_for("the mail to be stored", lambda: ccd.sql(
        "SELECT conversation_id, id FROM messages WHERE provider_id = 'files1@example.cn'"))
    check("the mail with attachments is stored", bool(rows))
    if not rows:
        return
    conv, msg = rows[0]
    sup = ccd.login("sam", "sam password!")
    status, body = ccd.request("GET", f"/v1/conversations/{conv}", token=sup)
    inbound = [m for m in json.loads(body)["messages"] if m["direction"] == "in"]
    files = inbound[0]["attachments"] if inbound else []
    check("three attachments are described", len(files) == 3, body[:500])
    if len(files) != 3:
        return
    png, pdf, html = files
    url = f"/v1/conversations/{conv}/messages/{msg}/attachments/1"
    check("the photo is kept: its content_url", png.get("stored") is True and
          png.get("content_url") == url, json.dumps(png, ensure_ascii=False))
    check("its name and type are the mail's", png.get("file_name") == "故障照片.png" and
          png.get("mime_type") == "image/png" and png.get("size") == len(PNG), json.dumps(png))
    check("the file over max_attachment_bytes is described, not kept",
          "content_url" not in pdf and not pdf.get("stored") and pdf.get("size") == len(big),
          json.dumps(pdf))

    status, headers, data = ccd.fetch(url, sup)
    check("a supervisor gets the photo's bytes", status == 200 and data == PNG, f"{status}")
    check("as image/png, to be saved under its name",
          headers.get("content-type") == "image/png" and
          "filename*=UTF-8''%E6%95%85%E9%9A%9C%E7%85%A7%E7%89%87.png" in
          headers.get("content-disposition", ""), json.dumps(headers))
    check("never sniffed nor run as a page of ccd",
          headers.get("x-content-type-options") == "nosniff" and
          "sandbox" in headers.get("content-security-policy", ""), json.dumps(headers))
    check("its ETag is the content's SHA-256",
          headers.get("etag") == '"' + hashlib.sha256(PNG).hexdigest() + '"', headers.get("etag"))
    status, headers, data = ccd.fetch(url[:-1] + "3", sup)
    check("an HTML attachment is served as bytes, not as HTML", status == 200 and data == page and
          headers.get("content-type") == "application/octet-stream", json.dumps(headers))
    status, _, data = ccd.fetch(url[:-1] + "2", sup)
    check("the file not kept answers 404 not_stored",
          status == 404 and json.loads(data).get("error") == "not_stored", f"{status} {data[:200]}")
    for bad in (url[:-1] + "4", url[:-1] + "0", url[:-1] + "x",
                f"/v1/conversations/{conv}/messages/{msg + 999}/attachments/1",
                f"/v1/conversations/{conv + 999}/messages/{msg}/attachments/1"):
        status, _, data = ccd.fetch(bad, sup)
        check(f"{bad} is 404 with a reason", status == 404 and "reason" in json.loads(data),
              f"{status} {data[:200]}")
    status, _, _ = ccd.fetch(url)
    check("without a token: 401", status == 401, f"{status}")

    stored = ccd.sql("SELECT position, size, sha256 FROM attachment_content WHERE message_id = ?",
                     msg)
    check("the store keeps two files, with their sizes and hashes",
          sorted(stored) == [(1, len(PNG), hashlib.sha256(PNG).hexdigest()),
                             (3, len(page), hashlib.sha256(page).hexdigest())], f"{stored}")

    # The same mail again (a resync, another copy): nothing stored twice.
    dovecot.deliver(raw)
    wait_for("the copy to be read", lambda: all(dovecot.seen_flags().values()), 10)
    n = ccd.sql("SELECT count(*) FROM messages WHERE provider_id = 'files1@example.cn'")[0][0]
    files_n = ccd.sql("SELECT count(*) FROM attachment_content")[0][0]
    check("a repeat of the mail stores neither it nor its files again", n == 1 and files_n == 2,
          f"{n} {files_n}")
    ccd.stop()


def move(base):
    # The server announces no MOVE (dovecot would take one: the raw log shows what was sent).
    dovecot = Dovecot(os.path.join(base, "imap"), rawlog=True,
                      capability="IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                                 "UIDPLUS")
    done = os.path.join(dovecot.maildir, ".Done")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(done, sub), exist_ok=True)
    own(dovecot.base)
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="ghost@example.cn")
    ccd = Ccd(base, dovecot, smtp, channels=email_instance(
        "support-mail", "support", f"imap://127.0.0.1:{dovecot.port}/INBOX",
        f"smtp://127.0.0.1:{smtp.port}", "    after_read: move\n    move_to: Done\n"))
    ccd.start()
    for i in range(3):
        dovecot.deliver(utf8_mail(f"mv{i}@example.cn", f"Li <li{i}@example.cn>", "refund",
                                  f"I want to return order {i}."))

    def moved():
        inbox = sum(len(os.listdir(os.path.join(dovecot.maildir, s))) for s in ("new", "cur"))
        there = sum(len(os.listdir(os.path.join(done, s))) for s in ("new", "cur"))
        return (inbox, there) if inbox == 0 and there == 3 else None
    check("the three mails leave INBOX for Done", wait_for("the moves", moved, 20) is not None,
          f"{os.listdir(os.path.join(dovecot.maildir, 'cur'))}")
    log = dovecot.rawlog("support")
    check("without MOVE: UID COPY, \\Deleted, UID EXPUNGE",
          "UID COPY" in log and "\\Deleted" in log and "UID EXPUNGE" in log and
          "UID MOVE" not in log, log[-800:])
    n = ccd.sql("SELECT count(*) FROM messages WHERE provider_id LIKE 'mv%'")[0][0]
    check("each stored once", n == 3, f"{n}")
    dovecot.deliver(utf8_mail("mv3@example.cn", "Li <li3@example.cn>", "refund", "one more"))
    check("a later mail is moved too", wait_for("the fourth move", lambda: sum(
        len(os.listdir(os.path.join(done, s))) for s in ("new", "cur")) == 4, 20) is not None)
    ccd.stop()


def tls(base):
    certs = make_certificates(os.path.join(base, "certs"))
    dovecot = Dovecot(os.path.join(base, "imap"), users=("support", "sales", "third"), tls=certs)
    dovecot.start()
    smtps = Smtp(os.path.join(base, "smtps"), refused="ghost@example.cn", tls=certs, mode="smtps")
    starttls = Smtp(os.path.join(base, "starttls"), refused="ghost@example.cn", tls=certs,
                    mode="starttls")
    ca = f"    ca_file: {certs['ca']}\n"
    channels = (email_instance("support-mail", "support",
                               f"imaps://127.0.0.1:{dovecot.tls_port}/INBOX",
                               f"smtps://127.0.0.1:{smtps.port}", ca) +
                email_instance("sales-mail", "sales", f"imap://127.0.0.1:{dovecot.port}/INBOX",
                               f"smtp://127.0.0.1:{starttls.port}", ca + "    starttls: required\n") +
                email_instance("third-mail", "third", f"imaps://127.0.0.1:{dovecot.tls_port}/INBOX",
                               f"smtps://127.0.0.1:{smtps.port}"))
    ccd = Ccd(base, dovecot, smtps, channels=channels)

    # A ca_file that is not there is a configuration error at its place.
    bad = ccd.cfg + ".bad.yaml"
    with open(ccd.cfg) as f, open(bad, "w") as g:
        g.write(f.read().replace(certs["ca"], "/nonexistent/ca.pem"))
    r = subprocess.run([CCD, "check-config", "--config", bad], capture_output=True, env=ccd.env)
    out = r.stdout.decode() + r.stderr.decode()
    check("check-config names a missing ca_file with its line",
          r.returncode != 0 and "ca_file" in out and "no such file: /nonexistent/ca.pem" in out and
          ".bad.yaml:" in out, out[:500])

    ccd.start()
    dovecot.deliver(utf8_mail("t1@example.cn", "Wang <wang@example.cn>", "broken printer",
                              "The printer is broken."), user="support")
    dovecot.deliver(utf8_mail("t2@example.cn", "Zhao <zhao@example.cn>", "broken screen",
                              "The screen is broken."), user="sales")
    for mid, what in (("t1@example.cn", "imaps://"), ("t2@example.cn", "imap:// + STARTTLS")):
        check(f"a mail read over {what} is stored", wait_for(mid, lambda: ccd.sql(
            "SELECT id FROM messages WHERE provider_id = ?", mid)) is not None)
    check("its acknowledgement leaves over smtps://",
          wait_for("smtps", lambda: smtps.messages(), 20) is not None)
    check("the other's leaves over smtp:// + STARTTLS",
          wait_for("starttls", lambda: starttls.messages(), 20) is not None,
          f"{ccd.sql('SELECT channel, status, attempts, last_error FROM outbox')}")

    def third_down():
        status, body = ccd.request("GET", "/healthz")
        ch = json.loads(body).get("channels", {})
        t = ch.get("third-mail", {})
        return body if not t.get("healthy", True) and t.get("error") else None
    body = wait_for("the mailbox without the CA to show down", third_down, 20)
    check("without ca_file the private CA is not trusted: the mailbox is down, saying why",
          body is not None and "certificate" in body.lower() and
          json.loads(body)["channels"]["support-mail"]["healthy"] is True, body)
    ccd.stop()


if __name__ == "__main__":
    run({"attachments": attachments, "move": move, "tls": tls})
