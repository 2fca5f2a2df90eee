#!/usr/bin/env python3
"""Service cases end to end (docs/cases.md): the real ccd with its shipped routing (follow-ups
made seconds long), an email instance on real servers (dovecot, aiosmtpd), an agent's console.

  cases_e2e.py CCD SOURCE_DIR flow
      a customer mails about a broken air conditioner bought two years ago: a rule opens a repair
      case, out of warranty; the agent diagnoses, proposes a plan and a quote, which the customer
      accepts; an engineer visit is booked and moved; the repair is recorded; the case is
      repaired and the conversation resolved; the satisfaction follow-up is offered to the agent
      seconds later, answered with a rating, and the case is closed. Every step is in
      GET /v1/cases/{id}, and the customer's mails say what they must.
"""
import json
import os
import re

from mail_servers import (Ccd, Console, Dovecot, Smtp, check, run, utf8_mail, wait_for)


def mails_to(smtp, address, n, timeout=20):
    """The mails sent to `address`, once there are at least n (or what there is)."""
    wait_for(f"{n} mails to {address}", lambda: len(
        [m for m in smtp.messages() if m["X-Envelope-To"] == address]) >= n, timeout)
    return [m for m in smtp.messages() if m["X-Envelope-To"] == address]


def text(mail):
    return mail.get_body(("plain",)).get_content() if mail is not None else ""


def seconds_long_follow_ups(cfg_dir):
    """The shipped routing with the satisfaction follow-up due 3 s after the repair."""
    path = os.path.join(cfg_dir, "routing.yaml")
    src = open(path).read()
    start = src.index("    - name: repair_satisfaction")
    end = src.index("    - name: closure_check")
    block = src[start:end].replace("after: 2h", "after: 3s")
    open(path, "w").write(src[:start] + block + src[end:])


def flow(base):
    dovecot = Dovecot(os.path.join(base, "imap"))
    dovecot.start()
    smtp = Smtp(os.path.join(base, "smtp"), refused="ghost@example.cn")
    ccd = Ccd(base, dovecot, smtp)
    seconds_long_follow_ups(os.path.join(base, "config"))
    ccd.start()
    sam = ccd.login("sam", "sam password!")
    alice = ccd.login("alice", "alice password!")

    # The customer and her product: bought two years ago, so out of warranty.
    status, body = ccd.request("PUT", "/v1/contacts/cust-li", {
        "name": "Li Wei", "email": "li@example.cn", "locale": "en",
        "products": [{"sku": "AC-2000", "name": "Air conditioner", "serial": "SN-77",
                      "purchased_on": "2024-05-01"}]}, token=sam)
    check("the customer record is stored", status in (200, 201), body)

    # 1. She mails; the fault rule opens a repair case for her conversation.
    dovecot.deliver(utf8_mail("li-1@example.cn", "Li Wei <li@example.cn>",
                              "Air conditioner broken", "My air conditioner is broken, it does "
                              "not cool at all and makes a loud noise."))
    rows = wait_for("her mail to be stored", lambda: ccd.sql(
        "SELECT conversation_id FROM messages WHERE provider_id = 'li-1@example.cn'"))
    check("her mail is stored", bool(rows))
    if not rows:
        return
    conv = rows[0][0]

    def case_of_conversation():
        status, body = ccd.request("GET", f"/v1/cases?conversation={conv}", token=alice)
        cases = json.loads(body).get("cases", []) if status == 200 else []
        return cases[0] if cases else None
    case = wait_for("the rule to open a case", case_of_conversation)
    check("a repair case is opened for her conversation", case is not None and case["type"] == "repair",
          json.dumps(case))
    if case is None:
        return
    cid = case["id"]
    check("it is registered, for her product, out of warranty since 2025-04-30",
          case["stage"] == "registered" and case["product"]["sku"] == "AC-2000" and
          case["warranty"] == {"in_warranty": False, "until": "2025-04-30", "basis": "purchase_date"},
          json.dumps(case))

    def patch(body, who=alice):
        status, text_ = ccd.request("PATCH", f"/v1/cases/{cid}", body, token=who)
        return status, json.loads(text_)

    # 2. alice takes the conversation and works the case.
    ws = Console(ccd.ws_port, alice)
    ws.send({"type": "presence", "presence": "available", "id": 1})
    offer = ws.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") == conv, 20)
    check("alice is offered the conversation", offer is not None)
    ws.send({"type": "accept", "conversation_id": conv, "id": 2})
    check("she accepts it", ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "2") is not None)

    status, c = patch({"action": "move_stage", "to": "in_repair"})
    check("a jump past the stages is refused (409 invalid_transition)",
          status == 409 and c.get("error") == "invalid_transition", json.dumps(c))
    status, c = patch({"action": "move_stage", "to": "diagnosing"})
    check("she moves it to diagnosing; the plan clock starts",
          status == 200 and c["stage"] == "diagnosing" and c["clock"]["milestone"] == "plan",
          json.dumps(c)[:400])
    status, c = patch({"action": "move_stage", "to": "plan_proposed", "note": "compressor"})
    check("a plan is proposed", status == 200 and c["stage"] == "plan_proposed", json.dumps(c)[:300])
    mails = mails_to(smtp, "li@example.cn", 2)
    plan_mail = next((m for m in mails if f"#{cid}" in text(m) and "plan" in text(m).lower()), None)
    check("the customer is told of the plan, with the case number", plan_mail is not None,
          " | ".join(text(m)[:120] for m in mails))
    check("the plan mail tells her the product is out of warranty and a quote comes first",
          plan_mail is not None and "out of warranty" in text(plan_mail) and
          "quote" in text(plan_mail) and "free of charge" not in text(plan_mail),
          text(plan_mail)[:600] if plan_mail else "")

    status, c = patch({"action": "move_stage", "to": "in_repair"})
    check("work cannot start before she accepts a quote (409 quote_required)",
          status == 409 and c.get("error") == "quote_required", json.dumps(c))
    status, c = patch({"action": "propose_quote", "currency": "CNY", "labour": "120.00",
                       "parts": [{"part_number": "CMP-9", "description": "compressor",
                                  "quantity": 1, "unit_price": "260.00"}]})
    check("a quote of 380.00 CNY is recorded", status == 200 and c["quote"]["total"] == "380.00" and
          c["quote"]["status"] == "proposed", json.dumps(c.get("quote")))
    quote_mail = wait_for("the quote mail", lambda: next(
        (m for m in smtp.messages() if m["X-Envelope-To"] == "li@example.cn" and "380.00" in text(m)),
        None))
    check("the customer is sent the quote", quote_mail is not None)
    status, c = patch({"action": "answer_quote", "accepted": True, "channel": "email"})
    check("her acceptance is recorded with its channel and time",
          status == 200 and c["quote"]["status"] == "accepted" and c["quote"]["answer_channel"] == "email"
          and c["quote"]["answered_at"], json.dumps(c.get("quote")))
    status, c = patch({"action": "move_stage", "to": "in_repair"})
    check("now the repair may start", status == 200 and c["stage"] == "in_repair", json.dumps(c)[:300])

    # 3. An engineer visit, booked and moved: engineers are accounts serving areas.
    status, body = ccd.request("GET", "/v1/engineers?area=pudong", token=alice)
    check("the engineers serving Pudong are listed", status == 200 and
          [e["name"] for e in json.loads(body)["engineers"]] == ["zhang"], body)
    visit = {"action": "book_visit", "slot_start": "2031-03-02T01:00:00Z",
             "slot_end": "2031-03-02T03:00:00Z", "address": "8 Garden Rd, Shanghai"}
    status, c = patch(dict(visit, engineer="alice", area="pudong"))
    check("an account that is no engineer cannot be booked (400 unknown_engineer)",
          status == 400 and c.get("error") == "unknown_engineer", json.dumps(c))
    status, c = patch(dict(visit, engineer="zhang", area="minhang"))
    check("nor an engineer outside their area (409 outside_service_area)",
          status == 409 and c.get("error") == "outside_service_area", json.dumps(c))
    status, c = patch(dict(visit, engineer="zhang", area="pudong"))
    check("a visit is booked", status == 200 and c["visits"][0]["status"] == "booked" and
          c["repair_mode"] == "on_site", json.dumps(c.get("visits")))
    status, c = patch({"action": "reschedule_visit", "visit": 1, "slot_start": "2031-03-03T06:00:00Z",
                       "slot_end": "2031-03-03T08:00:00Z"})
    check("moving it without a reason is refused (400 reason_required)",
          status == 400 and c.get("error") == "reason_required", json.dumps(c))
    status, c = patch({"action": "reschedule_visit", "visit": 1, "slot_start": "2031-03-03T06:00:00Z",
                       "slot_end": "2031-03-03T08:00:00Z", "reason": "customer away on Monday"})
    visit = c.get("visits", [{}])[0]
    check("the visit moves and keeps the old slot and the reason",
          status == 200 and visit["slot_start"].startswith("2031-03-03T06:00") and
          visit["changes"][0]["from_start"].startswith("2031-03-02T01:00") and
          visit["changes"][0]["reason"] == "customer away on Monday", json.dumps(visit))
    moved = wait_for("the changed-visit mail", lambda: next(
        (m for m in smtp.messages() if m["X-Envelope-To"] == "li@example.cn" and
         "customer away on Monday" in text(m)), None))
    check("the customer is told the new slot, the engineer's name and why",
          moved is not None and "Zhang Qiang" in text(moved),
          text(moved)[:300])

    # The visit is set: alice resolves the conversation; the case goes on without it.
    ws.send({"type": "resolve", "conversation_id": conv, "id": 3, "disposition": "visit_booked"})
    check("alice resolves the conversation",
          ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "3") is not None)

    # 4. The repair record, then repaired: the follow-up is scheduled.
    status, c = patch({"action": "record_repair", "fault_found": "compressor seized",
                       "measures": "replaced the compressor, refilled", "result": "fixed",
                       "parts": [{"part_number": "CMP-9", "quantity": 1}]})
    check("the repair is recorded with its parts", status == 200 and
          c["repairs"][0]["parts"] == [{"part_number": "CMP-9", "quantity": 1}] and
          c["repairs"][0]["engineer"] == "alice", json.dumps(c.get("repairs")))
    status, c = patch({"action": "finish_visit", "visit": 1})
    status, c = patch({"action": "move_stage", "to": "repaired"})
    check("the case is repaired and a satisfaction follow-up is scheduled",
          status == 200 and c["stage"] == "repaired" and
          [f["policy"] for f in c["follow_ups"]] == ["repair_satisfaction"], json.dumps(c.get("follow_ups")))
    repaired_mail = wait_for("the repaired mail", lambda: next(
        (m for m in smtp.messages() if m["X-Envelope-To"] == "li@example.cn" and
         f"#{cid}" in text(m) and "repair" in text(m).lower() and "complete" in text(m).lower()), None))
    check("the customer is told the repair is done", repaired_mail is not None)

    # 5. The follow-up, seconds later, is offered to her like a conversation.
    again = ws.wait(lambda f: f.get("type") == "offer" and f.get("conversation_id") == conv, 25)
    check("the follow-up is offered to alice (the case's owner)", again is not None)
    # (The work is queued first, then the case records it: a crash between offers it again.)
    listed = wait_for("the follow-up to be listed as offered", lambda: [
        f for f in json.loads(ccd.request("GET", "/v1/follow-ups?status=offered", token=alice)[1])
        .get("follow_ups", []) if f["case_id"] == cid and f["conversation_id"] == conv], 10)
    check("it is listed as offered, with its conversation", bool(listed))
    ws.send({"type": "accept", "conversation_id": conv, "id": 4})
    check("she accepts it", ws.wait(lambda f: f.get("type") == "ack" and f.get("id") == "4") is not None)
    status, c = patch({"action": "record_follow_up", "follow_up": 1, "outcome": "satisfied"})
    check("'satisfied' needs a rating (400 rating_required)",
          status == 400 and c.get("error") == "rating_required", json.dumps(c))
    status, c = patch({"action": "record_follow_up", "follow_up": 1, "outcome": "satisfied", "rating": 5})
    fu = c.get("follow_ups", [{}])[0]
    check("the rating is recorded", status == 200 and fu["status"] == "done" and fu["rating"] == 5 and
          fu["conversation_id"] == conv, json.dumps(fu))
    resolved = wait_for("the follow-up's conversation to be resolved", lambda: ccd.sql(
        "SELECT 1 FROM events WHERE conversation_id = ? AND type = 'resolved' AND data LIKE ?",
        conv, "%follow_up:satisfied%"))
    check("recording it resolves the follow-up's conversation", bool(resolved))

    # 6. Closed; every step on record.
    status, c = patch({"action": "move_stage", "to": "followed_up"})
    status, c = patch({"action": "move_stage", "to": "closed", "note": "customer satisfied"})
    check("the case is closed", status == 200 and c["stage"] == "closed" and c["closed_at"], json.dumps(c)[:300])
    status, body = ccd.request("GET", f"/v1/cases/{cid}", token=sam)
    c = json.loads(body)
    steps = [h["what"] for h in c["history"]]
    for step in ("opened", "stage", "quote", "quote_answer", "visit", "repair", "follow_up"):
        check(f"the history has the {step} step", step in steps, json.dumps(steps))
    check("the first step is the rule's", c["history"][0]["by"].startswith("rule:"), json.dumps(c["history"][0]))
    check("alice's steps are hers", any(h["by"] == "agent:alice" for h in c["history"]))
    check("the closure check is scheduled",
          any(f["policy"] == "closure_check" and f["status"] == "scheduled" for f in c["follow_ups"]),
          json.dumps(c["follow_ups"]))
    status, body = ccd.request("GET", "/v1/cases?owner=alice&open=true", token=alice)
    check("her open cases no longer list it", status == 200 and
          all(x["id"] != cid for x in json.loads(body)["cases"]), body[:300])
    status, body = ccd.request("PATCH", f"/v1/cases/{cid}", {"action": "move_stage", "to": "diagnosing"},
                               token=alice)
    check("a closed case does not move (409 case_closed)", status == 409 and "case_closed" in body, body)
    status, body = ccd.request("PATCH", f"/v1/cases/{cid}", {"action": "fly"}, token=alice)
    check("an unknown action is a 400 naming the actions", status == 400 and "move_stage" in body, body)
    status, body = ccd.request("GET", f"/v1/cases/{cid}")
    check("cases need a signed-in caller (401)", status == 401, body)


if __name__ == "__main__":
    run({"flow": flow})
