// The agent console end to end: the real ccd binary on temporary configuration and free ports,
// Debian's chromium driven by playwright-core. An agent logs in, a message posted to
// /v1/messages appears as an offer, the agent accepts and replies, and the reply is in
// GET /v1/conversations/{id} read with a supervisor's token. A screenshot is saved.
//   node console_e2e.js CCD_BINARY REPO_ROOT ARTIFACT_DIR
'use strict';
const { chromium } = require('playwright-core');
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [ccdBin, repo, artifacts] = process.argv.slice(2);
if (!ccdBin || !repo) {
  console.error('usage: node console_e2e.js CCD_BINARY REPO_ROOT [ARTIFACT_DIR]');
  process.exit(2);
}
const outDir = artifacts || os.tmpdir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccd-console-e2e-'));
const PASSWORD = 'correct horse battery staple';
let ccd = null;
let passed = 0;
let failed = 0;

function check(ok, what) {
  if (ok) { passed++; console.log('ok   ' + what); } else { failed++; console.log('FAIL ' + what); }
}

function writeConfig() {
  const accounts = [['alice', 'agent', '[general, technical, billing]'], ['sam', 'supervisor', '[general]']];
  fs.writeFileSync(path.join(tmp, 'agents.yaml'), 'accounts:\n' + accounts.map(([n, r, s]) =>
    `  - name: ${n}\n    role: ${r}\n    skills: ${s}\n    password_hash: ""\n`).join(''));
  fs.writeFileSync(path.join(tmp, 'ccd.yaml'), [
    `routing: ${path.join(repo, 'config/routing.yaml')}`,
    'agents: agents.yaml',
    'templates:',
    `  path: ${path.join(repo, 'templates/default')}`,
    'server:',
    '  listen: "127.0.0.1:0"',
    'storage:',
    '  sqlite:',
    `    path: ${path.join(tmp, 'ccd.db')}`,
    'console:',
    '  listen: "127.0.0.1:0"',
    `  static_dir: ${path.join(repo, 'console/www')}`,
    '  grace: 5s',
    'channels:',
    '  - {name: api, type: api, public: true}',
    '',
  ].join('\n'));
  for (const name of ['alice', 'sam']) {
    const r = spawnSync(ccdBin, ['agent', 'passwd', name, '--config', path.join(tmp, 'ccd.yaml')],
      { input: PASSWORD + '\n', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ccd agent passwd ${name} failed: ${r.stderr}`);
  }
}

function startCcd() {
  return new Promise((resolve, reject) => {
    ccd = spawn(ccdBin, ['run', '--config', path.join(tmp, 'ccd.yaml')]);
    let log = '';
    const timer = setTimeout(() => reject(new Error('ccd did not start:\n' + log)), 20000);
    const onData = (d) => {
      log += d;
      const http = log.match(/listening on http:\/\/[^\s]*:(\d+)/);
      const ws = log.match(/websocket listening on ws:\/\/[^\s]*:(\d+)/);
      if (http && ws) { clearTimeout(timer); resolve({ http: Number(http[1]), ws: Number(ws[1]) }); }
    };
    ccd.stdout.on('data', onData);
    ccd.stderr.on('data', onData);
    ccd.on('exit', (code) => reject(new Error(`ccd exited (${code}):\n` + log)));
  });
}

async function main() {
  writeConfig();
  const ports = await startCcd();
  const base = `http://127.0.0.1:${ports.http}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.on('pageerror', (e) => console.log('page error: ' + e.message));
  try {
    await page.goto(base + '/console');
    await page.fill('#login-name', 'alice');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#conn-dot.on', { timeout: 10000 });
    check(true, 'alice logged in and the websocket is connected');
    await page.selectOption('#presence', 'available');
    await page.waitForTimeout(300);

    const posted = await fetch(base + '/v1/messages', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: { id: 'e2e-customer', name: 'Ann Lee' }, text: 'My printer shows error E5 and will not print' }),
    });
    check(posted.status === 202, 'POST /v1/messages answered 202');
    const { conversation_id: conv } = await posted.json();

    await page.waitForSelector(`[data-offer="${conv}"]`, { timeout: 10000 });
    check(true, 'the message appears as an offer');
    await page.click(`[data-accept="${conv}"]`);
    await page.waitForSelector(`[data-conversation="${conv}"]`, { timeout: 10000 });
    await page.click(`[data-conversation="${conv}"]`);
    check(true, 'the offer was accepted');
    const reply = 'Hello Ann, please switch the printer off and on again.';
    await page.fill('#reply-text', reply);
    await page.click('#send');
    await page.waitForSelector('.msg.out:not(.pending)', { timeout: 10000 });
    check(true, 'the reply was acknowledged');

    // Away, a new customer waits in one of her queues: she sees them in "Waiting in my queues".
    await page.selectOption('#presence', 'away');
    await page.waitForTimeout(300);
    const waiting = await fetch(base + '/v1/messages', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: { id: 'e2e-waiting', name: 'Bo' }, text: 'My washing machine leaks water' }),
    });
    const waitingConv = (await waiting.json()).conversation_id;
    await page.waitForSelector(`[data-waiting="${waitingConv}"]`, { timeout: 10000 });
    check(true, 'a waiting customer is listed in the agent\'s queues');
    await page.screenshot({ path: path.join(outDir, 'console_e2e.png') });

    const login = await fetch(base + '/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'sam', password: PASSWORD }),
    });
    const { token } = await login.json();
    const got = await fetch(`${base}/v1/conversations/${conv}`, { headers: { Authorization: 'Bearer ' + token } });
    const body = await got.json();
    check(got.status === 200, 'the supervisor reads the conversation');
    check((body.messages || []).some((m) => m.direction === 'out' && m.text === reply),
      'the reply is in the conversation');
  } catch (e) {
    failed++;
    console.log('FAIL ' + e.message);
    await page.screenshot({ path: path.join(outDir, 'console_e2e_failure.png') }).catch(() => {});
  } finally {
    await browser.close();
  }
}

main().catch((e) => { failed++; console.log('FAIL ' + e.message); }).finally(() => {
  if (ccd) ccd.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
});
