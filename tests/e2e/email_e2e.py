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
import json
import os
import re
import time

from mail_servers import (Ccd, Dovecot, Smtp, alice_accepts, bounce_for, check, gbk_mail, run,
                          stripped_id, utf8_mail, wait_for)


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
    ws, _ = alice_accepts(ccd, conv)
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
    # The event follows the delivery state (the engine records it after the store's commit).
    events = wait_for("the delivery event", lambda: ccd.sql(
        "SELECT count(*) FROM events WHERE conversation_id = ? AND type = 'delivery'",
        conv)[0][0], 10)
    check("the failure is recorded on the conversation", (events or 0) >= 1, f"{events}")
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


if __name__ == "__main__":
    run({"flow": flow, "outage": outage})
