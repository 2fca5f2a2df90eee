// ccd agent console: plain JavaScript, no build step. Protocol: docs/console-protocol.md.
'use strict';

// I18N (the strings in en, zh = zh-Hans, zh-Hant) is in i18n.js, loaded first.
const $ = (id) => document.getElementById(id);
const state = {
  lang: localStorage.getItem('ccd.lang') || browserLanguage(),
  lastTyping: 0,
  token: sessionStorage.getItem('ccd.token'),
  lastSeq: Number(sessionStorage.getItem('ccd.lastSeq') || 0),
  ws: null, retry: 0, nextId: 1, pending: new Map(),
  me: null, role: null, offers: new Map(), convs: new Map(), selected: null, templates: [],
  statuses: new Map(),  // message_status frames that came before their reply's ack
};

function t(key, vars) {
  let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace('{' + k + '}', v);
  return s;
}

function applyI18n() {
  document.documentElement.lang = LANG_TAGS[state.lang] || 'en';
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  $('lang').value = state.lang;
  renderAll();
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

let toastTimer = null;
function toast(text, bad) {
  const box = $('toast');
  box.textContent = text; box.className = 'toast' + (bad ? ' bad' : ''); box.hidden = false;
  clearTimeout(toastTimer); toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

function fmtDuration(ms) {
  const neg = ms < 0; ms = Math.abs(ms);
  const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const txt = (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(sec).padStart(2, '0');
  return neg ? '-' + txt : txt;
}

function countdown(untilIso, label) {
  const ms = Date.parse(untilIso) - Date.now();
  const span = el('span', { class: 'countdown' + (ms < 0 ? ' late' : ms < 5 * 60000 ? ' warn' : ''), 'data-until': untilIso, 'data-label': label || '' });
  span.textContent = (label ? t(label) + ' ' : '') + (ms < 0 ? t('overdue') + ' ' + fmtDuration(-ms) : fmtDuration(ms));
  return span;
}

function tickCountdowns() {
  document.querySelectorAll('.countdown').forEach((span) => {
    const ms = Date.parse(span.dataset.until) - Date.now();
    span.className = 'countdown' + (ms < 0 ? ' late' : ms < 5 * 60000 ? ' warn' : '');
    span.textContent = (span.dataset.label ? t(span.dataset.label) + ' ' : '') + (ms < 0 ? t('overdue') + ' ' + fmtDuration(-ms) : fmtDuration(ms));
  });
}

function nextDeadline(c) {
  const open = (c.deadlines || []).filter((d) => !d.met_at).sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  return open[0];
}

// ---- HTTP -------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  let json = null;
  try { json = await res.json(); } catch (e) { json = null; }
  return { status: res.status, json };
}

// A login with MFA takes two steps: the password, then a code with the challenge it answered.
function loginStep(challenge) {
  state.challenge = challenge;
  $('login-password-row').hidden = !!challenge; $('login-password').required = !challenge;
  $('login-code-row').hidden = !challenge; $('login-code').required = !!challenge;
  $('login-code').value = '';
  if (challenge) $('login-code').focus();
}

async function login(ev) {
  ev.preventDefault();
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  try {
    const name = $('login-name').value.trim();
    const body = state.challenge ? { name, challenge: state.challenge, code: $('login-code').value.trim() }
      : { name, password: $('login-password').value };
    const r = await api('POST', '/v1/auth/login', body);
    const error = r.json && r.json.error;
    if (r.status === 200 && r.json && r.json.token) {
      state.token = r.json.token;
      sessionStorage.setItem('ccd.token', state.token);
      state.lastSeq = 0; sessionStorage.setItem('ccd.lastSeq', '0');
      $('login-password').value = '';
      loginStep(null);
      start();
    } else if (error === 'mfa_required') {
      $('login-password').value = '';
      loginStep(r.json.challenge);
    } else {
      if (error === 'invalid_challenge' || r.status === 429) loginStep(null);
      $('login-error').textContent = t(r.status === 429 ? 'login.throttled'
        : error === 'invalid_code' || error === 'code_used' ? 'login.bad_code' : 'login.failed');
    }
  } catch (e) {
    $('login-error').textContent = t('error', { reason: e.message });
  } finally {
    $('login-submit').disabled = false;
  }
}

async function loadTemplates() {
  try {
    const r = await api('GET', '/v1/templates');
    if (r.status !== 200 || !r.json) return;
    const list = Array.isArray(r.json) ? r.json : (r.json.templates || []);
    state.templates = list.map((x) => (typeof x === 'string' ? { id: x } : x)).filter((x) => x && x.id);
    const sel = $('canned');
    sel.replaceChildren(el('option', { value: '', 'data-i18n': 'canned' }, t('canned')));
    for (const tpl of state.templates) sel.append(el('option', { value: tpl.id }, tpl.name || tpl.title || tpl.id));
  } catch (e) { /* canned responses are optional */ }
}

// ---- websocket ----------------------------------------------------------------------------

let wsPort = null;
let wsScheme = null;
async function connect() {
  if (!wsPort) {
    const r = await api('GET', '/console/config.json');
    wsPort = r.json && r.json.websocket_port;
    wsScheme = r.json && r.json.websocket_scheme;
  }
  // The daemon says whether its websocket listener has a certificate (wss) or not (ws).
  const proto = wsScheme ? wsScheme + ':' : (location.protocol === 'https:' ? 'wss:' : 'ws:');
  const ws = new WebSocket(proto + '//' + location.hostname + ':' + wsPort + '/');
  state.ws = ws;
  setConn('wait');
  ws.onopen = () => {
    const auth = { type: 'auth', token: state.token, id: 'auth-' + state.nextId++ };
    if (state.lastSeq > 0) auth.last_seq = state.lastSeq;
    ws.send(JSON.stringify(auth));
  };
  ws.onmessage = (ev) => {
    let f; try { f = JSON.parse(ev.data); } catch (e) { return; }
    if (typeof f.seq === 'number') {
      if (f.seq <= state.lastSeq) return;  // already applied
      state.lastSeq = f.seq; sessionStorage.setItem('ccd.lastSeq', String(f.seq));
    }
    handle(f);
  };
  ws.onclose = (ev) => {
    setConn(false);
    if (ev.code === 4001) { logout(); return; }
    if (!state.token) return;
    const delay = Math.min(10000, 500 * 2 ** state.retry++);
    setTimeout(connect, delay);
  };
}

function send(cmd, onAck) {
  cmd.id = String(state.nextId++);
  if (onAck) state.pending.set(cmd.id, onAck);
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(cmd));
  return cmd.id;
}

function setConn(on) {
  $('conn-dot').className = 'dot' + (on === true ? ' on' : on === 'wait' ? ' wait' : '');
  $('conn-dot').title = t(on === true ? 'conn.on' : 'conn.off');
}

function conv(id) {
  if (!state.convs.has(id)) state.convs.set(id, { id, history: [], unread: 0, deadlines: [] });
  return state.convs.get(id);
}

function handle(f) {
  switch (f.type) {
    case 'hello':
      state.me = f.agent; state.role = f.role; state.retry = 0; setConn(true);
      $('who').textContent = f.agent + ' · ' + f.role;
      $('tab-board').hidden = f.role === 'agent';
      if (f.role !== 'agent') send({ type: 'subscribe', stream: 'supervisor' });
      send({ type: 'subscribe', stream: 'queues' });
      if (!f.resumed) {
        state.offers.clear();
        for (const id of f.conversations || []) { conv(id); send({ type: 'open', conversation_id: id }); }
      }
      break;
    case 'offer': state.offers.set(f.conversation_id, f); break;
    case 'offer_revoked':
      state.offers.delete(f.conversation_id);
      toast(t('revoked', { id: f.conversation_id, reason: f.reason }));
      break;
    case 'assigned': {
      const o = state.offers.get(f.conversation_id);
      const c = conv(f.conversation_id);
      if (o) Object.assign(c, o, { type: undefined });
      state.offers.delete(f.conversation_id);
      // The offer's history stops at the offer: what came while it rang is read again.
      send({ type: 'open', conversation_id: f.conversation_id });
      if (!state.selected) state.selected = f.conversation_id;
      break;
    }
    case 'conversation': Object.assign(conv(f.conversation_id), f); break;
    case 'customer_typing': {
      // Shown under the messages for a few seconds; the web chat repeats it every 4 s while
      // the customer types.
      const c = state.convs.get(f.conversation_id);
      if (!c) return;
      c.typingUntil = Date.now() + 6000;
      clearTimeout(c.typingTimer);
      c.typingTimer = setTimeout(() => { if (state.selected === c.id) renderChat(); }, 6100);
      if (state.selected === c.id) renderChat();
      return;
    }
    case 'message': {
      const c = conv(f.conversation_id);
      if (f.message && f.message.direction === 'in') c.typingUntil = 0;
      c.history.push(f.message);
      if (state.selected !== f.conversation_id) c.unread++;
      break;
    }
    case 'message_status': {
      // ✓ sent, ✓✓ delivered or read, ✗ failed: on the reply it is about.
      const c = state.convs.get(f.conversation_id);
      const m = c && c.history.find((x) => x.id === f.message_id);
      if (m) { m.status = f.status; m.status_reason = f.reason; }
      else state.statuses.set(f.message_id, f);  // before the reply's ack: applied with it
      if (f.status === 'failed') toast(t('status.failed', { reason: f.reason || '' }), true);
      break;
    }
    case 'conversation_updated':
      if (f.change === 'resolved' || f.change === 'queued' || f.change === 'transferred') {
        state.convs.delete(f.conversation_id);
        if (state.selected === f.conversation_id) state.selected = null;
        toast(t(f.change === 'resolved' ? 'resolved' : 'transferred', { id: f.conversation_id }));
      } else if (f.change === 'priority') conv(f.conversation_id).priority = f.priority;
      else if (f.change === 'milestone_met') {
        const c = conv(f.conversation_id);
        for (const d of c.deadlines || []) if (d.milestone === f.milestone) d.met_at = new Date().toISOString();
      }
      break;
    case 'sla_warning': case 'sla_breach':
      toast(t(f.type, { id: f.conversation_id, milestone: t(f.milestone) }), f.type === 'sla_breach');
      addNotice(t(f.type, { id: f.conversation_id, milestone: t(f.milestone) }));
      break;
    case 'supervisor_notice': addNotice('#' + f.conversation_id + ' ' + f.reason + (f.detail ? ': ' + f.detail : '')); break;
    case 'presence':
      // Wrap-up is the engine's (after resolving): shown, and ended by choosing Available.
      $('presence').value = f.presence;
      if (f.presence === 'wrap_up' && f.until) toast(t('wrap_up_until', { time: new Date(f.until).toLocaleTimeString() }));
      if (f.reason === 'missed_offers') toast(t('set_away'), true);
      break;
    case 'board': renderBoard(f); return;
    case 'queues': renderWaiting(f); return;
    case 'ack': {
      const cb = state.pending.get(f.id); state.pending.delete(f.id);
      if (cb) cb(null, f);
      break;
    }
    case 'error': {
      const cb = state.pending.get(f.id); state.pending.delete(f.id);
      if (cb) cb(f); else toast(t('error', { reason: f.reason }), true);
      break;
    }
    default: break;
  }
  renderAll();
}

// ---- rendering ----------------------------------------------------------------------------

function pClass(p) { return 'p' + Math.min(4, Math.max(1, p || 4)); }

function renderAll() {
  if (!state.token) return;
  const offers = $('offers'); offers.replaceChildren();
  for (const o of state.offers.values()) {
    const customer = (o.customer && (o.customer.name || o.customer.id)) || '#' + o.conversation_id;
    const last = (o.history || []).slice(-1)[0];
    offers.append(el('li', { class: 'item ' + pClass(o.priority), 'data-offer': o.conversation_id },
      el('div', { class: 'row' }, el('span', { class: 'name' }, customer), el('span', { class: 'badge ' + pClass(o.priority) }, 'P' + o.priority)),
      el('div', { class: 'row' }, el('span', { class: 'meta' }, [channelName(o), categoryText(o), o.queue].filter(Boolean).join(' · ')), countdown(o.expires_at, 'expires')),
      last ? el('div', { class: 'snippet' }, last.text) : null,
      o.transfer ? el('div', { class: 'snippet', 'data-transfer-note': '' }, '↪ ' + o.transfer.from + (o.transfer.note ? ': ' + o.transfer.note : '')) : null,
      el('div', { class: 'buttons' },
        el('button', { class: 'primary', 'data-accept': o.conversation_id, onclick: () => send({ type: 'accept', conversation_id: o.conversation_id }) }, t('accept')),
        el('button', { onclick: () => send({ type: 'decline', conversation_id: o.conversation_id }) }, t('decline')))));
  }
  $('offers-empty').hidden = state.offers.size > 0;

  const mine = $('mine'); mine.replaceChildren();
  for (const c of state.convs.values()) {
    const d = nextDeadline(c);
    const name = (c.customer && (c.customer.name || c.customer.id)) || '#' + c.id;
    const last = c.history.slice(-1)[0];
    mine.append(el('li', { class: 'item ' + pClass(c.priority) + (state.selected === c.id ? ' selected' : ''), 'data-conversation': c.id, onclick: () => select(c.id) },
      el('div', { class: 'row' }, el('span', { class: 'name' }, name), c.unread ? el('span', { class: 'unread' }, c.unread) : el('span', { class: 'badge ' + pClass(c.priority) }, 'P' + (c.priority || 4))),
      el('div', { class: 'row' }, el('span', { class: 'meta' }, '#' + c.id + ' · ' + channelName(c)), d ? countdown(d.due_at, 'due') : null),
      last ? el('div', { class: 'snippet' }, last.text) : null));
  }
  $('mine-empty').hidden = state.convs.size > 0;
  renderChat();
}

function select(id) {
  state.selected = id;
  const c = conv(id); c.unread = 0;
  renderAll();
  $('reply-text').focus();
}

function renderChat() {
  const c = state.selected && state.convs.get(state.selected);
  $('chat-empty').hidden = !!c; $('chat-inner').hidden = !c; $('details').hidden = !c;
  if (!c) return;
  const cust = c.customer || {};
  $('chat-title').textContent = (cust.name || cust.id || '') + '  #' + c.id;
  $('chat-sub').textContent = [channelName(c), categoryText(c), c.queue, c.language].filter(Boolean).join(' · ');
  const sla = $('chat-sla'); sla.replaceChildren();
  for (const d of (c.deadlines || []).filter((x) => !x.met_at)) sla.append(countdown(d.due_at, d.milestone));
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren();
  for (const m of c.history) {
    const cls = m.kind === 'note' ? 'note' : m.direction === 'out' ? 'out' : 'in';
    const by = m.kind === 'note' ? t('note') : m.direction === 'out' ? (m.author === 'agent:' + state.me ? t('you') : m.author) : (cust.name || m.author);
    const time = m.created_at ? new Date(m.created_at).toLocaleTimeString(TIME_LOCALES[state.lang] || 'en-GB', { hour: '2-digit', minute: '2-digit' }) : '';
    list.append(el('li', { class: 'msg ' + cls + (m.pending ? ' pending' : ''), 'data-message': m.id || '' },
      el('div', { class: 'by' }, by + ' · ' + time), m.text,
      ...(m.attachments || []).map(attachmentLine),
      cls === 'out' && m.status ? statusMark(m.status, m.status_reason) : null));
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
  const typing = $('customer-typing');
  typing.hidden = !(c.typingUntil > Date.now());
  typing.textContent = typing.hidden ? '' : t('customer.typing', { name: cust.name || t('customer.someone') });
  const dl = $('customer'); dl.replaceChildren();
  const rows = [['customer.name', cust.name], ['customer.tier', cust.tier], ['customer.email', cust.email], ['customer.phone', cust.phone],
    ['customer.channel', c.channel], ['customer.category', c.category], ['customer.subtype', subtypeText(c.subtype)], ['customer.language', c.language], ['customer.queue', c.queue], ['customer.priority', c.priority && 'P' + c.priority]];
  for (const [k, v] of rows) if (v) dl.append(el('dt', {}, t(k)), el('dd', {}, v));
  renderArchive($('archive'), c.customer_history);
}

// A subtype as the classifier names it ("no_power"), readable: "no power"; '' for none.
function subtypeText(subtype) { return subtype ? String(subtype).replace(/_/g, ' ') : ''; }

// "fault · no power": the category, and its subtype when the classifier found one.
function categoryText(c) { return [c.category, subtypeText(c.subtype)].filter(Boolean).join(' · '); }

// "telegram (support-bot)": the kind, and the instance when it has a name of its own.
function channelName(c) {
  if (!c.channel) return '';
  return c.channel_instance && c.channel_instance !== c.channel ? c.channel + ' (' + c.channel_instance + ')' : c.channel;
}

// A file the customer sent, as a line under the message: its kind, name, size and caption; a
// link to its content when ccd keeps it (fetched with the session's token, then saved).
function attachmentLine(a) {
  const size = a.size ? ' · ' + (a.size >= 1048576 ? (a.size / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(a.size / 1024)) + ' KB') : '';
  const label = '📎 ' + [a.kind, a.file_name].filter(Boolean).join(' ') + size + (a.caption ? ' — ' + a.caption : '');
  if (!a.content_url) return el('div', { class: 'attachment', 'data-attachment': a.kind }, label);
  const link = el('a', { href: '#', class: 'attachment-link', onclick: (ev) => { ev.preventDefault(); openAttachment(a); } }, label);
  return el('div', { class: 'attachment', 'data-attachment': a.kind }, link);
}

async function openAttachment(a) {
  const res = await fetch(a.content_url, { headers: { Authorization: 'Bearer ' + state.token } });
  if (!res.ok) {
    let reason = String(res.status);
    try { reason = (await res.json()).reason || reason; } catch (e) { /* not JSON */ }
    return toast(t('attachment.unavailable', { reason }), true);
  }
  const url = URL.createObjectURL(await res.blob());
  const save = el('a', { href: url, download: a.file_name || 'attachment' });
  document.body.append(save); save.click(); save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function statusMark(status, reason) {
  const mark = status === 'failed' ? '✗' : status === 'delivered' || status === 'read' ? '✓✓' : status === 'sent' ? '✓' : '…';
  return el('span', { class: 'status ' + status, 'data-status': status, title: t('status.' + status, { reason: reason || '' }) }, mark);
}

function sendReply(ev) {
  ev.preventDefault();
  const c = state.selected && state.convs.get(state.selected);
  const text = $('reply-text').value.trim();
  const tpl = $('canned').value;
  if (!c || (!text && !tpl)) return;
  const note = $('as-note').checked;
  const local = { direction: 'out', author: 'agent:' + state.me, text: text || tpl, created_at: new Date().toISOString(), pending: true, kind: note ? 'note' : undefined };
  c.history.push(local);
  const cmd = note ? { type: 'note', conversation_id: c.id, text }
    : tpl && !text ? { type: 'reply', conversation_id: c.id, template: tpl, vars: { agent: state.me, customer: (c.customer && c.customer.name) || '' } }
      : { type: 'reply', conversation_id: c.id, text };
  $('send-state').textContent = t('sending');
  const done = (err, ack) => {
    local.pending = false;
    if (err && err.code === 'outside_window' && /window_template/.test(err.reason) && !cmd.window_template &&
        window.confirm(t('window.template', { reason: err.reason }))) {
      cmd.window_template = true;
      local.pending = true;
      send(cmd, done);
      return;
    }
    if (err) { c.history.splice(c.history.indexOf(local), 1); toast(t('error', { reason: err.reason }), true); $('send-state').textContent = ''; }
    else {
      $('send-state').textContent = t('sent');
      if (ack && ack.message_id && !note) {
        local.id = ack.message_id;
        const early = state.statuses.get(ack.message_id);
        state.statuses.delete(ack.message_id);
        if (early) local.status = early.status;
        local.status_reason = early && early.reason;
      }
    }
    renderChat();
  };
  send(cmd, done);
  $('reply-text').value = ''; $('canned').value = '';
  renderChat();
}

// The waiting lists of the agent's queues (every queue for supervisors), most urgent first.
function renderWaiting(f) {
  const list = $('waiting'); list.replaceChildren();
  let total = 0;
  for (const q of f.queues) {
    total += q.waiting;
    if (!q.waiting) continue;
    list.append(el('li', { class: 'queue-head', 'data-queue': q.name },
      el('span', { class: 'name' }, q.name), el('span', { class: 'meta' }, t('waiting.count', { n: q.waiting, wait: fmtDuration(q.oldest_wait_ms) }))));
    for (const w of q.conversations) {
      list.append(el('li', { class: 'item ' + pClass(w.priority), 'data-waiting': w.conversation_id },
        el('div', { class: 'row' }, el('span', { class: 'name' }, '#' + w.conversation_id), el('span', { class: 'badge ' + pClass(w.priority) }, 'P' + w.priority)),
        el('div', { class: 'row' }, el('span', { class: 'meta' }, [w.channel, categoryText(w), w.language].filter(Boolean).join(' · ')), el('span', { class: 'waited' }, fmtDuration(w.waiting_ms)))));
    }
  }
  $('waiting-empty').hidden = total > 0;
}

function renderBoard(f) {
  const q = $('board-queues'); q.replaceChildren();
  for (const x of f.queues) q.append(el('tr', {}, el('td', {}, x.name), el('td', {}, x.waiting), el('td', {}, fmtDuration(x.oldest_wait_ms))));
  const a = $('board-agents'); a.replaceChildren();
  for (const x of f.agents) {
    a.append(el('tr', {}, el('td', {}, x.id + (x.connected ? '' : ' ⦸')), el('td', {}, el('span', { class: 'state ' + x.presence }, t('presence.' + x.presence))),
      el('td', {}, el('span', { class: 'bar' }, el('span', { style: 'width:' + Math.round(x.occupancy * 100) + '%' })), ' ' + Math.round(x.occupancy * 100) + '%'),
      el('td', {}, x.conversations)));
  }
  const r = $('board-risk'); r.replaceChildren();
  for (const x of f.at_risk) r.append(el('tr', {}, el('td', {}, x.conversation_id), el('td', {}, t(x.milestone) + (x.type === 'sla_breach' ? ' ⚠' : '')), el('td', {}, countdown(x.due_at)), el('td', {}, x.agent || '')));
}

function addNotice(text) {
  const li = el('li', {}, new Date().toLocaleTimeString() + '  ' + text);
  $('notices').prepend(li);
  while ($('notices').children.length > 50) $('notices').lastChild.remove();
}

function showView(view) {
  document.querySelectorAll('.tab').forEach((b) => b.classList.toggle('active', b.dataset.view === view));
  $('work-view').hidden = view !== 'work'; $('board-view').hidden = view !== 'board';
  $('account-view').hidden = view !== 'account';
  if (view === 'account') showAccount();  // account.js
}

async function start() {
  $('login-view').hidden = true; $('tabs').hidden = false; $('status').hidden = false;
  // A session that may only enrol in MFA (docs/security.md) gets the account page alone.
  const me = await api('GET', '/v1/auth/me').catch(() => ({ status: 0 }));
  if (me.status === 401) { logout(); return; }
  if (me.json && me.json.mfa_enrolment_required) { enrolmentOnly(); return; }  // account.js
  showView('work');
  loadTemplates();
  connect();
}

function logout() {
  if (state.token) api('POST', '/v1/auth/logout').catch(() => {});
  state.token = null; sessionStorage.removeItem('ccd.token'); sessionStorage.removeItem('ccd.lastSeq');
  if (state.ws) state.ws.close();
  location.reload();
}

document.addEventListener('DOMContentLoaded', () => {
  if (!I18N[state.lang]) state.lang = 'en';
  $('lang').addEventListener('change', (e) => { state.lang = e.target.value; localStorage.setItem('ccd.lang', state.lang); applyI18n(); });
  $('login-form').addEventListener('submit', login);
  $('login-submit').disabled = false;  // disabled in the HTML until this handler is attached
  $('composer').addEventListener('submit', sendReply);
  $('reply-text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) sendReply(e);
    else if (state.selected && Date.now() - state.lastTyping > 3000) {
      state.lastTyping = Date.now();
      send({ type: 'typing', conversation_id: state.selected });
    }
  });
  $('presence').addEventListener('change', (e) => send({ type: 'presence', presence: e.target.value }));
  $('logout').addEventListener('click', logout);
  $('tabs').addEventListener('click', (e) => { if (e.target.dataset.view) showView(e.target.dataset.view); });
  $('transfer').addEventListener('click', () => {
    const target = $('transfer-target').value.trim();
    if (!state.selected || !target) return;
    const cmd = { type: 'transfer', conversation_id: state.selected, note: $('transfer-note').value };
    cmd[$('transfer-kind').value === 'agent' ? 'to_agent' : 'to_queue'] = target;
    send(cmd, (err) => { if (err) toast(t('error', { reason: err.reason }), true); });
  });
  $('resolve').addEventListener('click', () => {
    if (!state.selected) return;
    send({ type: 'resolve', conversation_id: state.selected, disposition: $('disposition').value },
      (err) => { if (err) toast(t('error', { reason: err.reason }), true); });
  });
  setInterval(tickCountdowns, 1000);
  applyI18n();
  if (state.token) start();
});
