// The agent console end to end: the real ccd binary on temporary configuration and free ports,
// Debian's chromium driven by playwright-core. An agent logs in, a message posted to
// /v1/messages appears as an offer, the agent accepts and replies, and the reply is in
// GET /v1/conversations/{id} read with a supervisor's token. An admin, who must use two-step
// sign-in (mfa.required_for), logs in, sets it up on the account page (QR code, a code from the
// authenticator, recovery codes), reaches the console, and signs in again with a code. A
// supervisor opens the Reports page (charts, CSV export) and the wallboard. The agent opens a
// repair case from her conversation and moves it to diagnosing (docs/cases.md).
// Screenshots are saved.
//   node console_e2e.js CCD_BINARY REPO_ROOT ARTIFACT_DIR
'use strict';
const { chromium } = require('playwright-core');
const { spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
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
  const accounts = [['alice', 'agent', '[general, technical, billing]'], ['sam', 'supervisor', '[general]'],
    ['ada', 'admin', '[general]']];
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
    '  - {name: api2, type: api, public: true}',
    'mfa:',
    '  required_for: [admin]',
    '',
  ].join('\n'));
  for (const name of ['alice', 'sam', 'ada']) {
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

// The TOTP code (RFC 6238: SHA1, 6 digits, 30 s) of a base32 secret at a time step.
function totp(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/\s/g, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// ada must use two-step sign-in: the password opens the account page only; she sets it up there
// and reaches the console; the next sign-in asks for a code.
async function adminEnrols(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error: ' + e.message));
  await page.goto(base + '/console');
  await page.fill('#login-name', 'ada');
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#account-view:not([hidden]) #mfa-required-note:not([hidden])', { timeout: 10000 });
  check(await page.isHidden('#work-view'), 'an admin without MFA sees the account page only');
  await page.click('#mfa-enrol');
  await page.waitForSelector('#mfa-setup:not([hidden])', { timeout: 10000 });
  const qr = await page.getAttribute('#mfa-qr', 'src');
  check(qr.startsWith('data:image/svg+xml') && decodeURIComponent(qr).includes('<path'), 'a QR code is shown');
  const secret = (await page.textContent('#mfa-secret')).replace(/\s/g, '');
  check(/^[A-Z2-7]{32}$/.test(secret), 'and the key in base32');
  const step = Math.floor(Date.now() / 30000);
  await page.fill('#mfa-code', totp(secret, step + 5));
  await page.click('#mfa-confirm');
  await page.waitForSelector('#mfa-error:not(:empty)', { timeout: 10000 });  // no eval: the page's CSP
  check(await page.isHidden('#mfa-recovery'), 'a wrong code does not turn it on');
  await page.fill('#mfa-code', totp(secret, step));
  await page.click('#mfa-confirm');
  await page.waitForSelector('#mfa-recovery:not([hidden])', { timeout: 10000 });
  check(await page.locator('#mfa-recovery-list li').count() === 10, 'ten recovery codes are shown');
  await page.screenshot({ path: path.join(outDir, 'console_e2e_mfa.png') });
  await page.click('#mfa-continue');
  await page.waitForSelector('#conn-dot.on', { timeout: 10000 });
  check(true, 'after enrolling, the admin reaches the console');

  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])', { timeout: 10000 });
  await page.fill('#login-name', 'ada');
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#login-code-row:not([hidden])', { timeout: 10000 });
  check(true, 'the next sign-in asks for a code');
  await page.fill('#login-code', totp(secret, step));  // spent by the enrolment
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not(:empty)', { timeout: 10000 });
  check(await page.isVisible('#login-view'), 'a used code is refused');
  await page.fill('#login-code', totp(secret, step + 1));
  await page.click('#login-submit');
  await page.waitForSelector('#conn-dot.on', { timeout: 10000 });
  check(true, 'the next code signs in');
  await context.close();
}

// A returning customer (issue 13): she wrote before through another API instance; the offer of
// her new conversation brings her archive, and the conversation view shows the earlier one in
// the "Customer archive" panel, with its text escaped, and the service case opened from it.
async function returningCustomer(page, base) {
  const from = { id: 'e2e-returning', name: 'Mei' };
  const earlier = await fetch(base + '/webhooks/api/api2', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from, external_id: 'ret-1', text: 'The toner <b>leaks</b> on my desk' }),
  });
  check(earlier.status === 202, 'the earlier message through api2 answered 202');
  const before = (await earlier.json()).conversation_id;
  // An agent opens a service case from it: the archive of her next conversation lists it.
  const login = await fetch(base + '/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'alice', password: PASSWORD }),
  });
  const opened = await fetch(base + '/v1/cases', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + (await login.json()).token },
    body: JSON.stringify({ type: 'replacement', conversation_id: before, description: 'toner leaks',
      product: { sku: 'TN-42', name: 'Toner', purchased_on: '2020-01-01' } }),
  });
  check(opened.status === 201, `POST /v1/cases for the earlier conversation answered 201 (got ${opened.status})`);
  const caseId = (await opened.json()).id;
  const posted = await fetch(base + '/v1/messages', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from, external_id: 'ret-2', text: 'The new cartridge leaks too' }),
  });
  const conv = (await posted.json()).conversation_id;
  check(conv !== before, 'the new message opened another conversation');
  await page.waitForSelector(`[data-offer="${conv}"]`, { timeout: 10000 });
  await page.click(`[data-accept="${conv}"]`);
  await page.waitForSelector(`[data-conversation="${conv}"]`, { timeout: 10000 });
  await page.click(`[data-conversation="${conv}"]`);
  const item = `#archive [data-archive-conversation="${before}"]`;
  await page.waitForSelector(item, { timeout: 10000 });
  const text = await page.textContent(item);
  check(text.includes('The toner <b>leaks</b> on my desk') && text.includes('api'),
    'the Customer archive panel shows the earlier conversation, as text');
  check(await page.locator(`${item} b`).count() === 0, 'its text is not read as HTML');
  check(await page.locator(`#archive [data-archive-conversation="${conv}"]`).count() === 0,
    'the current conversation is not in its own archive');
  const caseItem = `#archive [data-archive-case="${caseId}"]`;
  check(await page.locator(caseItem).count() === 1, 'the archive lists her service case');
  const caseText = await page.textContent(caseItem).catch(() => '');
  check(caseText.includes(`#${caseId}`) && caseText.includes('Replacement') && caseText.includes('Registered')
    && caseText.includes('TN-42') && caseText.includes('out of warranty'),
    `the case shows its number, type, stage, product and warranty (got "${caseText}")`);
  check(await page.getAttribute(`${caseItem} [data-archive-case-state]`, 'data-archive-case-state').catch(() => null) === 'open'
    && (await page.textContent(`${caseItem} [data-archive-case-state]`).catch(() => '')) === 'open',
    'with an "open" badge');
  const summary = await page.textContent('#archive [data-archive-summary]');
  const counted = summary.match(/cases: (\d+) \((\d+) open\)/);
  check(counted && Number(counted[1]) >= 1 && Number(counted[2]) >= 1,
    `the summary counts her cases (got "${summary}")`);
  await page.screenshot({ path: path.join(outDir, 'console_e2e_archive.png') });
}

// The panel's first read of one case (GET /v1/cases/{id}: the case a rule opened, shown when the
// conversation is selected) is answered only when `release()` is called.
async function holdFirstCaseRead(page) {
  let release;
  const released = new Promise((r) => { release = r; });
  const held = { release, count: 0 };
  const pattern = /\/v1\/cases\/\d+$/;
  await page.route((url) => pattern.test(url.pathname), async (route) => {
    if (route.request().method() === 'GET' && held.count++ === 0) await released;
    await route.continue();
  });
  return held;
}

// A service case (docs/cases.md) from the conversation's details panel: alice opens a repair, sees
// it registered, moves it to diagnosing, and GET /v1/cases/{id} (with her own token) has the move
// by her. The rule's case, read when the conversation was selected, is answered (`held`) only after
// her case is shown: the late answer must not replace her case in the panel.
async function agentOpensCase(page, base, conv, held) {
  const login = await fetch(base + '/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'alice', password: PASSWORD }),
  });
  const auth = { Authorization: 'Bearer ' + (await login.json()).token };
  const probe = await fetch(`${base}/v1/cases?conversation=${conv}`, { headers: auth });
  check(probe.status === 200, `GET /v1/cases answers 200 (got ${probe.status})`);
  await page.click('#cases [data-case-open]');
  await page.selectOption('#cases [data-case-type]', 'repair');
  await page.fill('#cases [data-case-description]', 'Error E5, will not print');
  await page.click('#cases [data-case-create]');
  const stage = '#cases [data-case-panel] [data-case-stage]';
  await page.waitForSelector('#cases [data-case-panel] [data-case-stage="registered"]', { timeout: 10000 });
  check(await page.textContent(stage) === 'Registered', 'the agent opened a repair case: stage Registered');
  const id = await page.getAttribute('#cases [data-case-panel]', 'data-case-panel');
  check(await page.locator(`#cases [data-case-item="${id}"]`).count() === 1, 'the conversation lists its case');
  if (held) {
    const wasHeld = held.count > 0;
    held.release();
    await page.waitForTimeout(wasHeld ? 1000 : 0);
    check(await page.getAttribute('#cases [data-case-panel]', 'data-case-panel') === id,
      `a late answer for the rule's case does not replace hers in the panel (a read was held: ${wasHeld})`);
  }
  await page.click('#cases [data-case-move="diagnosing"]');
  await page.waitForSelector('#cases [data-case-panel] [data-case-stage="diagnosing"]', { timeout: 10000 });
  check(await page.textContent(stage) === 'Diagnosing', 'the move to Diagnosing shows in the panel');
  check(await page.textContent('#cases [data-case-error]') === '', 'with no error');
  await page.screenshot({ path: path.join(outDir, 'console_e2e_case.png') });
  const got = await fetch(`${base}/v1/cases/${id}`, { headers: auth });
  const c = await got.json();
  check(got.status === 200 && c.stage === 'diagnosing' && c.type === 'repair', `GET /v1/cases/{id}: a repair, diagnosing (got ${got.status} ${c.type} ${c.stage})`);
  check((c.conversations || []).includes(conv), 'the case spans the conversation');
  check((c.history || []).some((h) => h.by === 'agent:alice' && JSON.stringify(h).includes('diagnosing')),
    'its history has the move by alice');
}

// A supervisor's Reports page (charts of the conversations this test opened, a CSV export) and
// the wallboard (live figures from the supervisor stream).
async function supervisorReports(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error: ' + e.message));
  await page.goto(base + '/console');
  await page.fill('#login-name', 'sam');
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#tab-reports:not([hidden])', { timeout: 10000 });
  check(true, 'a supervisor has the Reports tab');
  await page.click('#tab-reports');
  // A range around today whatever the browser's zone (the server reads dates in the calendar's).
  const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
  await page.fill('#rep-from', day(-2));
  await page.fill('#rep-to', day(2));
  await page.selectOption('#rep-kind', 'volume');
  await page.click('#rep-show');
  await page.waitForSelector('#rep-out svg.chart rect[fill]', { timeout: 10000 });
  const cells = await page.locator('#rep-out table tbody tr').count();
  check(cells >= 1, 'the volume report shows a chart and a table');
  await page.screenshot({ path: path.join(outDir, 'console_e2e_reports.png') });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rep-csv')]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  check(csv.startsWith('\uFEFFday,conversations,'), 'the CSV export has a BOM and the header');
  await page.selectOption('#rep-kind', 'sla');
  await page.click('#rep-show');
  await page.waitForSelector('#rep-out th:text("milestone")', { timeout: 10000 });
  check(true, 'the SLA report shows its milestones');
  await page.selectOption('#rep-kind', 'quality');
  await page.click('#rep-show');
  await page.waitForSelector('#rep-out th:text("FCR rate")', { timeout: 10000 });
  check(true, 'the quality report shows first-contact resolution');
  // Traditional Chinese: the picker offers it and the Reports page speaks it.
  await page.selectOption('#lang', 'zh-Hant');
  await page.waitForSelector('#tab-reports:text("報表")', { timeout: 10000 });
  await page.click('#rep-show');
  await page.waitForSelector('#rep-out th:text("首次解決率")', { timeout: 10000 });
  check(await page.getAttribute('html', 'lang') === 'zh-Hant', 'the Reports page in zh-Hant');
  await page.selectOption('#lang', 'en');
  // The agents of this run logged in and held conversations: time in presence and occupancy.
  await page.selectOption('#rep-kind', 'agent_time');
  await page.click('#rep-show');
  await page.waitForSelector('#rep-out th:text("Occupancy")', { timeout: 10000 });
  const occupancy = await page.locator('#rep-out tbody tr td:last-child').allTextContents();
  check(occupancy.length >= 1 && occupancy.every((v) => /^\d+(\.\d)?%$/.test(v)),
        'the agent time report shows each agent\'s occupancy: ' + occupancy.join(' '));
  // The service-case reports: this run opened cases today (agentOpensCase, returningCustomer).
  for (const [kind, heading] of [['cases', 'Case type'], ['case_stages', 'Stage']]) {
    await page.selectOption('#rep-kind', kind);
    await page.click('#rep-show');
    await page.waitForSelector(`#rep-out th:text-is("${heading}")`, { timeout: 10000 });
    const rows = await page.locator('#rep-out table tbody tr').count();
    check(rows >= 1, `the ${kind} report shows the run's service case (${rows} rows)`);
  }
  await page.click('#tab-wallboard');
  await page.waitForSelector('#wb-waiting:text-matches("^[0-9]+$")', { timeout: 10000 });
  check(true, 'the wallboard shows live figures');
  await page.screenshot({ path: path.join(outDir, 'console_e2e_wallboard.png') });
  await context.close();
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
    check(await page.isHidden('#tab-reports'), 'an agent has no Reports tab');
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
    const heldRead = await holdFirstCaseRead(page);
    await page.click(`[data-accept="${conv}"]`);
    await page.waitForSelector(`[data-conversation="${conv}"]`, { timeout: 10000 });
    await page.click(`[data-conversation="${conv}"]`);
    check(true, 'the offer was accepted');
    const reply = 'Hello Ann, please switch the printer off and on again.';
    await page.fill('#reply-text', reply);
    await page.click('#send');
    await page.waitForSelector('.msg.out:not(.pending)', { timeout: 10000 });
    check(true, 'the reply was acknowledged');
    await agentOpensCase(page, base, conv, heldRead);

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
    // The classifier's subtype beside the category, readable (routing.yaml: fault/leak and
    // fault/error_code).
    const waitingMeta = await page.textContent(`[data-waiting="${waitingConv}"] .meta`);
    check(waitingMeta.includes('fault · leak'), 'the waiting list shows category · subtype: ' + waitingMeta);
    const chatSub = await page.textContent('#chat-sub');
    check(chatSub.includes('fault · error code'), 'the chat header shows the subtype without underscores: ' + chatSub);
    const panel = await page.textContent('#customer');
    check(panel.includes('Subtype') && panel.includes('error code'), 'the customer panel has a Subtype field: ' + panel);
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
    check(body.routing && body.routing.category === 'fault' && body.routing.subtype === 'error_code',
      'the conversation keeps its category and subtype');
    await page.selectOption('#presence', 'available');
    await returningCustomer(page, base);
    await supervisorReports(browser, base);
    await adminEnrols(browser, base);
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
