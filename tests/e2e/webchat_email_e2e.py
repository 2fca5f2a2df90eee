#!/usr/bin/env python3
"""Web chat by email end to end (docs/webchat-protocol.md, "Email"): the real ccd with a web chat
instance whose `email_instance` is an email instance on real servers started here (dovecot for
IMAP, aiosmtpd for SMTP), a customer's websocket and an agent's console.

  webchat_email_e2e.py CCD SOURCE_DIR flow
      a customer writes in the chat and, nobody there, leaves an address: a confirmation in
      Chinese leaves by SMTP; the agent's reply goes by email, threaded to it, and shows in the
      widget; the customer's answer by mail joins the chat's conversation; back in the chat,
      replies go to the chat and no mail leaves; at the end the transcript is emailed
"""
import json
import os
import re
import time

from mail_servers import (Ccd, Console, Dovecot, Smtp, alice_accepts, check, run, stripped_id,
                          utf8_mail, wait_for)


def to_customer(smtp, n):
    """The first n mails sent to the customer, once there are n."""
    got = wait_for(f"{n} mails to the customer", lambda: len(
        [m for m in smtp.messages() if m["X-Envelope-To"] == "ann@example.cn"]) >= n, 20)
    mails = [m for m in smtp.messages() if m["X-Envelope-To"] == "ann@example.cn"]
    return mails if got else mails + [None] * (n - len(mails))


def body(mail):
    return mail.get_body(("plain",)).get_content() if mail is not None else ""


def flow(base):
    dovecot = Dovecot(os.path.join(base, "imap"))
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="ghost@example.cn")
    ccd = Ccd(base, dovecot, smtp, extra_channels="""  - name: web
    type: webchat
    port: 0
    email_instance: support-mail
""")
    ccd.start()
    chat_port = int(re.search(r"webchat web: listening on ws://127\.0\.0\.1:(\d+)/",
                              open(ccd.log).read()).group(1))
    status, cfg = ccd.request("GET", "/chat/config/web")
    check("the widget is told that email is offered", json.loads(cfg).get("email") is True, cfg)

    # 1. The customer writes; nobody is there; they leave an address.
    ann = Console(chat_port)
    ann.send({"type": "start", "name": "Ann Lee", "locale": "zh-Hans"})
    check("the chat starts", ann.wait(lambda f: f.get("type") == "session") is not None)
    ann.send({"type": "message", "id": "m1", "text": "我的打印机一直卡纸，怎么办？"})
    ack = ann.wait(lambda f: f.get("type") == "ack" and f.get("id") == "m1")
    check("her message is stored", ack is not None)
    if ack is None:
        return
    conv = ack["conversation_id"]
    auto = ann.wait(lambda f: f.get("type") == "message" and f.get("author") == "auto")
    check("an automatic answer comes in the chat", auto is not None and "via" not in auto,
          json.dumps(auto, ensure_ascii=False))
    ann.send({"type": "contact", "email": "Ann@Example.cn"})
    saved = ann.wait(lambda f: f.get("type") == "contact_saved")
    check("the conversation continues by email", saved is not None and saved["by_email"] is True,
          json.dumps(saved))

    # 2. The confirmation leaves by SMTP, in her language, tagged with the ticket.
    confirm = to_customer(smtp, 1)[0]
    check("a confirmation is emailed to the address she left", confirm is not None)
    if confirm is None:
        return
    check("it is in Chinese with the ticket in the subject",
          f"请求 #{conv}" in str(confirm["Subject"]) and f"[#{conv}]" in str(confirm["Subject"]),
          str(confirm["Subject"]))
    check("it says the answer comes by email", "邮件继续处理" in body(confirm), body(confirm)[:200])
    confirm_id = stripped_id(confirm["Message-ID"])
    sup = ccd.login("sam", "sam password!")
    status, conv_json = ccd.request("GET", f"/v1/conversations/{conv}", token=sup)
    check("the conversation says it continues by email",
          json.loads(conv_json).get("continues_by_email") == "support-mail", conv_json[:300])

    # 3. An agent answers in the console: the answer goes by email, threaded to the confirmation.
    ws, _ = alice_accepts(ccd, conv)
    ws.send({"type": "reply", "conversation_id": conv, "id": 3, "text": "请检查纸盒是否卡紧。"})
    check("her reply is accepted",
          ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "3") is not None)
    reply = to_customer(smtp, 2)[1]
    check("her reply leaves by email", reply is not None and "纸盒" in body(reply), body(reply)[:200])
    if reply is None:
        return
    check("it answers the confirmation (same thread)",
          stripped_id(reply["In-Reply-To"]) == confirm_id, str(reply["In-Reply-To"]))
    check("its subject is the thread's, tagged",
          str(reply["Subject"]).startswith("Re: ") and f"[#{conv}]" in str(reply["Subject"]),
          str(reply["Subject"]))
    shown = ann.wait(lambda f: f.get("type") == "message" and "纸盒" in f.get("text", ""))
    check("the widget, still open, shows it marked as sent by email",
          shown is not None and shown.get("via") == "email", json.dumps(shown, ensure_ascii=False))

    # 4. She answers by mail: the answer joins the chat's conversation and reaches alice.
    dovecot.deliver(utf8_mail("ann-r1@example.cn", "Ann Lee <ann@example.cn>",
                              str(reply["Subject"]), "纸盒已经卡紧了，还是卡纸。",
                              extra=f"In-Reply-To: <{stripped_id(reply['Message-ID'])}>\r\n"))
    rows = wait_for("her mail to be stored", lambda: ccd.sql(
        "SELECT conversation_id FROM messages WHERE provider_id = 'ann-r1@example.cn'"))
    check("her mail joins the chat's conversation", rows and rows[0][0] == conv, str(rows))
    seen = ws.wait(lambda f: f.get("type") == "message" and "还是卡纸" in json.dumps(
        f, ensure_ascii=False), 15)
    check("alice sees it in the console", seen is not None)
    contacts = ccd.sql("SELECT count(DISTINCT contact_id) FROM conversations")
    check("no second contact is made for her address", contacts[0][0] == 1, str(contacts))

    # 5. Back in the chat: replies go to the chat; no mail leaves.
    ann.send({"type": "message", "id": "m2", "text": "我回来了"})
    check("her chat message is stored",
          ann.wait(lambda f: f.get("type") == "ack" and f.get("id") == "m2") is not None)
    wait_for("the conversation to leave email", lambda: json.loads(ccd.request(
        "GET", f"/v1/conversations/{conv}", token=sup)[1]).get("continues_by_email") is None, 10)
    ws.send({"type": "reply", "conversation_id": conv, "id": 4, "text": "好的，我们继续在线处理。"})
    check("alice's next reply is accepted",
          ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "4") is not None)
    live = ann.wait(lambda f: f.get("type") == "message" and "继续在线" in f.get("text", ""))
    check("it reaches the chat", live is not None and "via" not in live,
          json.dumps(live, ensure_ascii=False))
    time.sleep(2.5)
    check("and no mail", len(to_customer(smtp, 2)) == 2, str(len(smtp.messages())))

    # 6. The end: the transcript by email, to the address she left, once.
    ann.send({"type": "end"})
    check("the chat ends", ann.wait(lambda f: f.get("type") == "ended") is not None)
    ann.send({"type": "transcript"})
    check("the transcript is queued",
          ann.wait(lambda f: f.get("type") == "ack" and f.get("id") == "transcript") is not None)
    ann.send({"type": "transcript"})
    ann.wait(lambda f: f.get("type") == "ack" and f.get("id") == "transcript")
    transcript = to_customer(smtp, 3)[2]
    check("the transcript is emailed", transcript is not None and "咨询记录" in str(
        transcript["Subject"]), str(transcript and transcript["Subject"]))
    text = body(transcript)
    for line in ("Ann Lee\n我的打印机一直卡纸，怎么办？", "alice\n请检查纸盒是否卡紧。",
                 "Ann Lee\n纸盒已经卡紧了，还是卡纸。", "alice\n好的，我们继续在线处理。"):
        check(f"it holds {line.splitlines()[1]!r} by {line.splitlines()[0]}", line in text, text)
    time.sleep(2.5)
    check("asking twice sends it once", len(to_customer(smtp, 3)) == 3, str(len(smtp.messages())))
    ann.send({"type": "transcript", "email": "not an address"})
    err = ann.wait(lambda f: f.get("type") == "error")
    check("a bad address is refused", err is not None and err.get("code") == "invalid_field",
          json.dumps(err))
    ccd.stop()


run({"flow": flow})
