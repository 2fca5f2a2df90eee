// Web chat benchmark (issue 12), run by tests/bench/webchat: the real ccd, Node's WebSocket
// client (undici, --experimental-websocket) on one thread.
//  1. SESSIONS idle chat sessions (connected, `start`ed): ccd's resident memory per session
//     (VmRSS after minus before, over SESSIONS).
//  2. AGENTS agents in the console accept ACTIVE chats; then customers' messages at RATE a second
//     for DURATION s, round robin over the active chats: the time from sending each `message`
//     to the agent's console `message` frame with its text (p50/p90/p99/max). The reference
//     measured in the same run, on the same server and connections: a plain websocket echo,
//     the chat's `ping` -> `pong` round trip at the same rate (no store, no engine).
//   node --experimental-websocket webchat_bench.js HTTP_PORT CONSOLE_PORT CHAT_PORT CCD_PID PASSWORD
'use strict';
const fs = require('fs');

const [httpPort, consolePort, chatPort, pid, password] = process.argv.slice(2);
const SESSIONS = Number(process.env.SESSIONS || 10000);
const AGENTS = Number(process.env.AGENTS || 20);
const ACTIVE = Number(process.env.ACTIVE || 200);
const RATE = Number(process.env.RATE || 1000);
const DURATION = Number(process.env.DURATION || 10);

function rssKiB() {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
function summary(name, xs) {
  const f = (x) => x.toFixed(2);
  console.log(`${name}: n=${xs.length} p50 ${f(pct(xs, 50))} ms, p90 ${f(pct(xs, 90))} ms, ` +
              `p99 ${f(pct(xs, 99))} ms, max ${f(Math.max(...xs))} ms`);
}

// A websocket whose frames go to `onFrame`; resolves once open.
function open(port, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error('websocket: ' + (e.message || e.type)));
    ws.onmessage = (e) => onFrame(JSON.parse(e.data));
  });
}

// A chat session: started, its frames to `handlers` by type.
async function session(i) {
  const handlers = {};
  let started;
  const ready = new Promise((r) => { started = r; });
  const ws = await open(chatPort, (f) => {
    if (f.type === 'session') started();
    if (handlers[f.type]) handlers[f.type](f);
  });
  ws.send(JSON.stringify({ type: 'start', name: 'Bench ' + i, locale: 'en' }));
  await ready;
  return { ws, handlers };
}

async function login(name) {
  const r = await fetch(`http://127.0.0.1:${httpPort}/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${await r.text()}`);
  return (await r.json()).token;
}

async function main() {
  // Logins first (argon2id: slow by design, nothing to measure).
  const tokens = [];
  for (let a = 0; a < AGENTS; a++) tokens.push(await login('a' + String(a).padStart(3, '0')));

  // 1. Idle sessions.
  await sleep(500);
  const before = rssKiB();
  const idle = [];
  const t0 = Date.now();
  for (let i = 0; i < SESSIONS; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(SESSIONS, i + 200); j++) batch.push(session(j));
    idle.push(...await Promise.all(batch));
  }
  await sleep(1000);
  const after = rssKiB();
  console.log(`idle sessions: ${SESSIONS} started in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
              `ccd RSS ${(before / 1024).toFixed(1)} MiB -> ${(after / 1024).toFixed(1)} MiB: ` +
              `${((after - before) / SESSIONS).toFixed(2)} KiB per session (target <= 20 KiB)`);

  // 2. Agents accept ACTIVE chats.
  const pending = new Map();  // text -> send time (ms, performance.now())
  const latencies = [];
  const agents = [];
  for (let a = 0; a < AGENTS; a++) {
    const token = tokens[a];
    let hello;
    const ready = new Promise((r) => { hello = r; });
    let ws;
    ws = await open(consolePort, (f) => {
      if (f.type === 'hello') hello();
      if (f.type === 'offer') ws.send(JSON.stringify({ type: 'accept', id: 'x' + f.conversation_id, conversation_id: f.conversation_id }));
      if (f.type === 'message' && f.message && pending.has(f.message.text)) {
        latencies.push(performance.now() - pending.get(f.message.text));
        pending.delete(f.message.text);
      }
    });
    ws.send(JSON.stringify({ type: 'auth', token }));
    await ready;
    ws.send(JSON.stringify({ type: 'presence', id: 'p', presence: 'available' }));
    agents.push(ws);
  }
  const active = idle.slice(0, ACTIVE);
  let joined = 0;
  active.forEach((s, i) => {
    s.handlers.agent_joined = () => { joined++; };
    s.ws.send(JSON.stringify({ type: 'message', id: 'first', text: 'my printer shows error E05 (' + i + ')' }));
  });
  for (let i = 0; i < 600 && joined < ACTIVE; i++) await sleep(100);
  console.log(`active chats: ${joined} of ${ACTIVE} accepted by ${AGENTS} agents`);
  if (joined < ACTIVE) throw new Error('not every chat was accepted (agents\' capacity?)');

  // 3. The load and the echo reference, interleaved at RATE each.
  const echo = [];
  const pingSent = new Map();
  idle.slice(ACTIVE).forEach((s, i) => {
    s.handlers.pong = () => {
      const t = pingSent.get(s);
      if (t !== undefined) { echo.push(performance.now() - t); pingSent.delete(s); }
    };
  });
  const echoers = idle.slice(ACTIVE);
  const total = RATE * DURATION;
  const start = performance.now();
  console.error('posting');
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const s = active[n % ACTIVE];
    const text = 'bench ' + n;
    pending.set(text, performance.now());
    s.ws.send(JSON.stringify({ type: 'message', id: 'm' + n, text }));
    const e = echoers[n % echoers.length];
    if (e && !pingSent.has(e)) { pingSent.set(e, performance.now()); e.ws.send('{"type":"ping"}'); }
  }
  for (let i = 0; i < 100 && pending.size > 0; i++) await sleep(100);
  const elapsed = (performance.now() - start) / 1000;
  console.log(`load: ${total} messages in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), ` +
              `${pending.size} without an agent frame after 10 s`);
  summary('customer message -> agent message frame', latencies);
  summary('reference: websocket ping -> pong (same server)', echo);
  for (const s of idle) s.ws.close();
  for (const a of agents) a.close();
}

main().then(() => process.exit(0), (e) => { console.error('webchat bench: ' + e.message); process.exit(1); });
