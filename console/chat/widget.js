// ccd web chat widget: one script tag on any page,
//   <script src="https://ccd.example/chat/widget.js" data-instance="web" async></script>
// optional data-lang="en|zh-Hans|zh-Hant" (default: the page's <html lang>).
// A floating button opens a panel in a shadow root (the host page's styles do not reach it);
// the protocol is docs/webchat-protocol.md. Plain JavaScript, no build step. Text is always
// inserted as text, never as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var instance = script.getAttribute("data-instance") || "web";
  var base = new URL(script.src, location.href);
  var origin = base.origin;

  var TEXT = {
    en: {
      open: "Chat with us", close: "Close chat", title: "Customer service",
      name: "Your name", email: "Email (optional)", phone: "Phone (optional)",
      start: "Start chat", send: "Send", message: "Type your message",
      end: "End chat", waiting: "Waiting for an agent", position: "Your place in the queue: {n}",
      joined: "{agent} joined the chat", left: "{agent} left the chat",
      typing: "{agent} is typing…", ended: "The chat has ended.", rate: "How did we do?",
      comment: "Comment (optional)", submit: "Send rating", thanks: "Thank you for your rating!",
      offline: "Reconnecting…", you: "You", agent: "Agent", auto: "Service",
      newchat: "New chat", attach: "Attach a photo or file", stars: "{n} of 5 stars",
      error: "Not sent: {reason}",
      leave: "Nobody can answer right now: leave your email and we will answer there.", leaveBtn: "Save email", wait: "about {m} min",
      byEmail: "Thank you: we will answer you by email.", transcript: "Email me the transcript",
      transcriptBtn: "Send transcript", transcriptSent: "The transcript is on its way to your email.", viaEmail: "by email"
    },
    "zh-Hans": {
      open: "在线客服", close: "关闭", title: "客户服务",
      name: "您的姓名", email: "电子邮箱（可选）", phone: "电话（可选）",
      start: "开始咨询", send: "发送", message: "请输入消息",
      end: "结束对话", waiting: "正在为您转接客服", position: "您前面还有 {n} 位",
      joined: "{agent} 已加入对话", left: "{agent} 已离开对话",
      typing: "{agent} 正在输入…", ended: "对话已结束。", rate: "请为本次服务评分",
      comment: "意见（可选）", submit: "提交评分", thanks: "感谢您的评价！",
      offline: "正在重新连接…", you: "我", agent: "客服", auto: "服务",
      newchat: "新的对话", attach: "发送图片或文件", stars: "{n} 星（满分 5 星）",
      error: "未发送：{reason}",
      leave: "暂时无人应答：留下邮箱，我们会通过邮件回复您。", leaveBtn: "保存邮箱", wait: "预计等待约 {m} 分钟",
      byEmail: "谢谢，我们将通过邮件答复您。", transcript: "将对话记录发送到我的邮箱",
      transcriptBtn: "发送记录", transcriptSent: "对话记录已发送到您的邮箱。", viaEmail: "邮件"
    },
    "zh-Hant": {
      open: "線上客服", close: "關閉", title: "客戶服務",
      name: "您的姓名", email: "電子郵件（選填）", phone: "電話（選填）",
      start: "開始諮詢", send: "傳送", message: "請輸入訊息",
      end: "結束對話", waiting: "正在為您轉接客服", position: "您前面還有 {n} 位",
      joined: "{agent} 已加入對話", left: "{agent} 已離開對話",
      typing: "{agent} 正在輸入…", ended: "對話已結束。", rate: "請為本次服務評分",
      comment: "意見（選填）", submit: "送出評分", thanks: "感謝您的評價！",
      offline: "正在重新連線…", you: "我", agent: "客服", auto: "服務",
      newchat: "新的對話", attach: "傳送圖片或檔案", stars: "{n} 星（滿分 5 星）",
      error: "未傳送：{reason}",
      leave: "暫時無人回應：留下電子郵件，我們會以郵件回覆您。", leaveBtn: "儲存郵件", wait: "預計等候約 {m} 分鐘",
      byEmail: "謝謝，我們將以郵件回覆您。", transcript: "將對話記錄寄到我的信箱",
      transcriptBtn: "寄送記錄", transcriptSent: "對話記錄已寄到您的信箱。", viaEmail: "郵件"
    }
  };

  function pickLocale() {
    var l = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en";
    l = l.toLowerCase();
    if (l.indexOf("zh") !== 0) return "en";
    if (l.indexOf("hant") >= 0 || /-(tw|hk|mo)$/.test(l)) return "zh-Hant";
    return "zh-Hans";
  }
  var locale = pickLocale();
  function t(key, vars) {
    var s = (TEXT[locale] && TEXT[locale][key]) || TEXT.en[key] || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }

  // ---- state ------------------------------------------------------------------------------
  var storeKey = "ccd-chat:" + origin + ":" + instance;
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { saved = {}; }
  function save() { try { localStorage.setItem(storeKey, JSON.stringify(saved)); } catch (e) {} }
  var settings = null, ws = null, backoff = 500, shown = {}, lastId = 0, pending = {}, seq = 0;
  var agentName = "", typingTimer = null;
  var typingSent = 0;  // when "typing" was last sent: at most every 3 s within a burst

  // ---- DOM --------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-ccd-chat", instance);
  var root = host.attachShadow({ mode: "open" });
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  var css = el("link", { rel: "stylesheet", href: new URL("widget.css", base).href });
  var button = el("button", { "class": "launcher", type: "button", "aria-expanded": "false", "aria-controls": "panel" }, t("open"));
  var panel = el("section", { id: "panel", "class": "panel", role: "dialog", "aria-label": t("title"), hidden: "" });
  var header = el("header", {});
  var title = el("h2", {}, t("title"));
  var closeBtn = el("button", { type: "button", "class": "close", "aria-label": t("close") }, "×");
  header.append(title, closeBtn);
  var status = el("p", { "class": "status", role: "status", "aria-live": "polite" });
  var log = el("ol", { "class": "log", role: "log", "aria-live": "polite", tabindex: "0" });

  var form = el("form", { "class": "start" });
  function field(name, label, type, required) {
    var id = "f-" + name;
    var l = el("label", { "for": id }, label);
    var i = el("input", { id: id, name: name, type: type, autocomplete: name === "name" ? "name" : name === "email" ? "email" : name === "phone" ? "tel" : "off" });
    if (required) i.required = true;
    form.append(l, i);
    return i;
  }
  var nameInput = field("name", t("name"), "text", true);
  var emailInput = field("email", t("email"), "email", false);
  var phoneInput = field("phone", t("phone"), "tel", false);
  var orderInput = null;
  var startBtn = el("button", { type: "submit" }, t("start"));
  form.append(startBtn);

  var compose = el("form", { "class": "compose", hidden: "" });
  var text = el("textarea", { rows: "2", "aria-label": t("message"), placeholder: t("message"), maxlength: "4000" });
  var file = el("input", { type: "file", accept: "image/*,application/pdf", "aria-label": t("attach"), "class": "file" });
  var sendBtn = el("button", { type: "submit" }, t("send"));
  var endBtn = el("button", { type: "button", "class": "end" }, t("end"));
  var attachLabel = el("label", { "class": "attach", title: t("attach") }, "📎");
  attachLabel.append(file);
  compose.append(text, attachLabel, sendBtn, endBtn);

  var survey = el("form", { "class": "survey", hidden: "" });
  var legend = el("p", {}, t("rate"));
  var stars = el("div", { role: "radiogroup", "aria-label": t("rate"), "class": "stars" });
  for (var i = 1; i <= 5; i++) {
    var lab = el("label", {});
    var r = el("input", { type: "radio", name: "stars", value: String(i), "aria-label": t("stars", { n: i }) });
    lab.append(r, document.createTextNode("★"));
    stars.append(lab);
  }
  var comment = el("textarea", { rows: "2", "aria-label": t("comment"), placeholder: t("comment") });
  var submit = el("button", { type: "submit" }, t("submit"));
  var again = el("button", { type: "button" }, t("newchat"));
  survey.append(legend, stars, comment, submit, again);

  // After hours or nobody there: an address for an answer by email.
  var leave = el("form", { "class": "leave", hidden: "" });
  var leaveText = el("p", {}, t("leave"));
  var leaveEmail = el("input", { type: "email", required: "", autocomplete: "email", "aria-label": t("email") });
  leave.append(leaveText, leaveEmail, el("button", { type: "submit" }, t("leaveBtn")));
  leave.addEventListener("submit", function (e) {
    e.preventDefault();
    if (send({ type: "contact", email: leaveEmail.value.trim() })) {
      leave.hidden = true;
      saved.email = true; saved.address = leaveEmail.value.trim(); save();
    }
  });

  // At the end: the transcript by email (when the instance has an email channel).
  var transcript = el("form", { "class": "transcript", hidden: "" });
  var transcriptEmail = el("input", { type: "email", required: "", autocomplete: "email", "aria-label": t("email") });
  transcript.append(el("p", {}, t("transcript")), transcriptEmail, el("button", { type: "submit" }, t("transcriptBtn")));
  transcript.addEventListener("submit", function (e) {
    e.preventDefault();
    if (send({ type: "transcript", email: transcriptEmail.value.trim() })) transcript.hidden = true;
  });

  panel.append(header, status, log, form, leave, compose, survey, transcript);
  root.append(css, button, panel);

  function openPanel(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      connect();
      (compose.hidden ? nameInput : text).focus();
    } else {
      button.focus();
    }
  }
  button.addEventListener("click", function () { openPanel(panel.hidden); });
  closeBtn.addEventListener("click", function () { openPanel(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") openPanel(false); });

  // ---- messages ---------------------------------------------------------------------------
  function addLine(cls, who, body) {
    var li = el("li", { "class": cls });
    if (who) li.append(el("span", { "class": "who" }, who));
    li.append(el("span", { "class": "text" }, body));
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function showMessage(m) {
    if (shown[m.message_id]) return;
    if (m.client_id && pending[m.client_id]) {  // our own message, known by its client id
      pending[m.client_id].li.setAttribute("data-id", m.message_id);
      delete pending[m.client_id];
      shown[m.message_id] = true;
      return;
    }
    shown[m.message_id] = true;
    if (m.direction === "in") {
      var mine = log.querySelector('[data-client="' + m.client_id + '"]');
      if (mine) return;
    }
    var who = m.author === "customer" ? t("you") : m.author === "agent" ? (m.agent || t("agent")) : t("auto");
    if (m.via === "email") who += " · " + t("viaEmail");
    var body = m.text;
    (m.attachments || []).forEach(function (a) { body += (body ? "\n" : "") + "📎 " + (a.name || a.kind); });
    var li = addLine(m.author === "customer" ? "me" : "them", who, body);  // text, never HTML
    if (m.client_id) li.setAttribute("data-client", m.client_id);
    if (m.author === "auto" && !agentName && !saved.email) leave.hidden = false;
    if (m.message_id > lastId) { lastId = m.message_id; saved.after = lastId; save(); }
  }
  function setStatus(s) { status.textContent = s || ""; }

  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function sendMessage(body) {
    var id = "c" + Date.now().toString(36) + "-" + (++seq);
    var li = addLine("me pending", t("you"), body);
    li.setAttribute("data-client", id);
    pending[id] = { text: body, li: li };
    typingSent = 0;
    send({ type: "message", id: id, text: body });
  }

  // ---- the socket -------------------------------------------------------------------------
  function connect() {
    if (ws && ws.readyState <= 1) return;
    var ready = settings ? Promise.resolve(settings) :
      fetch(origin + "/chat/config/" + encodeURIComponent(instance)).then(function (r) {
        if (!r.ok) throw new Error("no chat " + instance);
        return r.json();
      });
    ready.then(function (s) {
      settings = s;
      if (s.order_field && !orderInput) {
        orderInput = field("order", s.order_field, "text", !!s.order_required);
        form.insertBefore(startBtn, null);
      }
      var scheme = base.protocol === "https:" ? "wss://" : "ws://";
      ws = new WebSocket(scheme + base.hostname + ":" + s.websocket_port + (s.websocket_path || "/"));
      ws.onopen = function () {
        backoff = 500;
        setStatus("");
        if (saved.token) send({ type: "resume", token: saved.token, after: 0 });
      };
      ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
      ws.onclose = function (e) {
        if (e.code === 4001 || e.code === 4002) return;
        setStatus(t("offline"));
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 15000);
      };
    }).catch(function (err) { setStatus(String(err.message || err)); });
  }

  function onFrame(f) {
    switch (f.type) {
      case "session":
        saved.token = f.token; save();
        form.hidden = true; compose.hidden = false; survey.hidden = true; transcript.hidden = true;
        // Messages not acknowledged before the connection dropped: sent again, same ids.
        Object.keys(pending).forEach(function (id) { send({ type: "message", id: id, text: pending[id].text }); });
        break;
      case "history": f.messages.forEach(showMessage); break;
      case "message": showMessage(f); break;
      case "ack":
        if (f.id === "transcript") { addLine("event", "", t("transcriptSent")); break; }
        if (pending[f.id]) {
          pending[f.id].li.classList.remove("pending");
          shown[f.message_id] = true;
          delete pending[f.id];
        }
        break;
      case "queue":
        setStatus(t("position", { n: f.position }) +
          (f.expected_wait_seconds != null ? " · " + t("wait", { m: Math.max(1, Math.round(f.expected_wait_seconds / 60)) }) : ""));
        break;
      case "agent_joined": agentName = f.agent; leave.hidden = true; setStatus(""); addLine("event", "", t("joined", { agent: f.agent })); break;
      case "agent_left": addLine("event", "", t("left", { agent: f.agent })); setStatus(t("waiting")); break;
      case "typing":
        setStatus(t("typing", { agent: f.agent || agentName || t("agent") }));
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { setStatus(""); }, 5000);
        break;
      case "ended":
        addLine("event", "", t("ended"));
        compose.hidden = true;
        survey.hidden = !f.survey;
        if (settings && settings.email) {
          transcriptEmail.value = transcriptEmail.value || saved.address || "";
          transcript.hidden = false;
        }
        break;
      case "contact_saved":
        if (f.by_email) addLine("event", "", t("byEmail"));
        break;
      case "error":
        if (f.code === "invalid_token") { delete saved.token; save(); form.hidden = false; compose.hidden = true; return; }
        if (f.id && pending[f.id]) { pending[f.id].li.classList.add("failed"); delete pending[f.id]; }
        addLine("event", "", t("error", { reason: f.reason || f.code }));
        break;
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var frame = { type: "start", name: nameInput.value.trim(), locale: locale };
    // The address stays on this device (the customer's own), for the transcript form after a reload.
    if (emailInput.value.trim()) { frame.email = emailInput.value.trim(); saved.email = true; saved.address = frame.email; save(); }
    if (phoneInput.value.trim()) frame.phone = phoneInput.value.trim();
    if (orderInput && orderInput.value.trim()) frame.order = orderInput.value.trim();
    send(frame);
  });
  compose.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value.trim();
    if (!body) return;
    text.value = "";
    sendMessage(body);
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); compose.requestSubmit(); }
  });
  // "Typing" at most every 3 s: ccd shows it to the agent for a few seconds each time. A sent
  // message ends the burst: the next key stroke says so at once.
  text.addEventListener("input", function () {
    var now = Date.now();
    if (now - typingSent < 3000) return;
    typingSent = now;
    send({ type: "typing" });
  });
  // A photo or file: POST /chat/upload/<instance> with the session's token (same id on a retry).
  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f || !saved.token) return;
    var id = "f" + Date.now().toString(36) + "-" + (++seq);
    var li = addLine("me pending", t("you"), "📎 " + f.name);
    li.setAttribute("data-client", id);
    fetch(origin + "/chat/upload/" + encodeURIComponent(instance) + "?id=" + id + "&name=" + encodeURIComponent(f.name), {
      method: "POST", body: f,
      headers: { "Authorization": "Bearer " + saved.token, "Content-Type": f.type || "application/octet-stream" }
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (r) {
        if (!r.ok) throw new Error(r.body.reason || r.body.error);
        li.classList.remove("pending");
        shown[r.body.message_id] = true;
      })
      .catch(function (err) { li.classList.add("failed"); addLine("event", "", t("error", { reason: err.message })); });
    file.value = "";
  });
  endBtn.addEventListener("click", function () { send({ type: "end" }); });
  survey.addEventListener("submit", function (e) {
    e.preventDefault();
    var chosen = survey.querySelector("input[name=stars]:checked");
    if (!chosen) return;
    send({ type: "survey", stars: Number(chosen.value), comment: comment.value });
    survey.hidden = true;
    addLine("event", "", t("thanks"));
  });
  again.addEventListener("click", function () {
    delete saved.token; delete saved.after; delete saved.address; delete saved.email; save();
    log.textContent = ""; shown = {}; survey.hidden = true; transcript.hidden = true; form.hidden = false;
    nameInput.focus();
  });

  (document.body || document.documentElement).append(host);
  if (saved.token) openPanel(true);
})();
