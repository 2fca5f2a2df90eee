// The web chat end to end: the real ccd binary on temporary configuration and free ports,
// Debian's chromium driven by playwright-core. A customer opens /chat/demo, starts a chat in the
// widget, writes and attaches a photo; an agent in the console accepts and answers; the answer
// appears in the widget; the customer reloads the page and sees the history once. Screenshots of
// both sides are saved.
//   node webchat_e2e.js CCD_BINARY REPO_ROOT ARTIFACT_DIR
'use strict';
const { chromium } = require('playwright-core');
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const [ccdBin, repo, artifacts] = process.argv.slice(2);
if (!ccdBin || !repo) {
  console.error('usage: node webchat_e2e.js CCD_BINARY REPO_ROOT [ARTIFACT_DIR]');
  process.exit(2);
}
const outDir = artifacts || os.tmpdir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccd-webchat-e2e-'));
const PASSWORD = 'correct horse battery staple';
// A 1x1 PNG: the widget uploads it as the photo of the fault.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
let ccd = null;
let passed = 0;
let failed = 0;

function check(ok, what) {
  if (ok) { passed++; console.log('ok   ' + what); } else { failed++; console.log('FAIL ' + what); }
}

// A free port for the HTTP listener: the chat's allowed origin must name it before ccd starts.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function writeConfig(httpPort) {
  fs.writeFileSync(path.join(tmp, 'agents.yaml'), 'accounts:\n' +
    '  - name: alice\n    role: agent\n    skills: [general, technical, billing, returns]\n' +
    '    languages: [en, zh-Hans, zh-Hant]\n    password_hash: ""\n');
  fs.writeFileSync(path.join(tmp, 'ccd.yaml'), [
    `routing: ${path.join(repo, 'config/routing.yaml')}`,
    'agents: agents.yaml',
    'templates:',
    `  path: ${path.join(repo, 'templates/default')}`,
    'server:',
    `  listen: "127.0.0.1:${httpPort}"`,
    'storage:',
    '  sqlite:',
    `    path: ${path.join(tmp, 'ccd.db')}`,
    'console:',
    '  listen: "127.0.0.1:0"',
    `  static_dir: ${path.join(repo, 'console/www')}`,
    'channels:',
    `  - {name: web, type: webchat, port: 0, allowed_origins: ["http://127.0.0.1:${httpPort}"],`,
    '     email_instance: support-mail}',
    // Transcripts are queued for this instance; no mail server is needed to see them queued
    // (tests/e2e/webchat_email_e2e.py sends them through real ones).
    '  - {name: support-mail, type: email, imap_url: "imap://127.0.0.1:9/INBOX",',
    '     smtp_url: "smtp://127.0.0.1:9", username: support, password: unused,',
    '     address: support@example.com, poll_interval: 1h}',
    '',
  ].join('\n'));
  const r = spawnSync(ccdBin, ['agent', 'passwd', 'alice', '--config', path.join(tmp, 'ccd.yaml')],
    { input: PASSWORD + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error('ccd agent passwd failed: ' + r.stderr);
}

function startCcd() {
  return new Promise((resolve, reject) => {
    ccd = spawn(ccdBin, ['run', '--config', path.join(tmp, 'ccd.yaml')]);
    let log = '';
    const timer = setTimeout(() => reject(new Error('ccd did not start:\n' + log)), 20000);
    const onData = (d) => {
      log += d;
      const http = log.match(/listening on http:\/\/[^\s]*:(\d+)/);
      const chat = log.match(/webchat web: listening on ws:\/\/[^\s]*:(\d+)/);
      if (http && chat) { clearTimeout(timer); resolve(); }
    };
    ccd.stdout.on('data', onData);
    ccd.stderr.on('data', onData);
    ccd.on('exit', (code) => reject(new Error(`ccd exited (${code}):\n` + log)));
  });
}

async function main() {
  const httpPort = await freePort();
  writeConfig(httpPort);
  await startCcd();
  const base = `http://127.0.0.1:${httpPort}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const customerCtx = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const agentCtx = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  const customer = await customerCtx.newPage();
  const agent = await agentCtx.newPage();
  for (const p of [customer, agent]) p.on('pageerror', (e) => console.log('page error: ' + e.message));
  try {
    // The agent is at work.
    await agent.goto(base + '/console');
    await agent.fill('#login-name', 'alice');
    await agent.fill('#login-password', PASSWORD);
    await agent.click('#login-submit');
    await agent.waitForSelector('#conn-dot.on', { timeout: 10000 });
    await agent.selectOption('#presence', 'available');

    // The customer opens the shop's page and the chat (Playwright's selectors pierce the
    // widget's open shadow root), with the keyboard where it matters.
    await customer.goto(base + '/chat/demo');
    await customer.waitForSelector('.launcher', { timeout: 10000 });
    await customer.click('.launcher');
    await customer.waitForSelector('#f-name', { timeout: 10000 });
    await customer.fill('#f-name', 'Ann Lee');
    await customer.fill('#f-email', 'ann@example.com');
    await customer.press('#f-email', 'Enter');
    await customer.waitForSelector('form.compose:not([hidden]) textarea', { timeout: 10000 });
    check(true, 'the widget started a chat');
    const question = 'My printer shows error E05 and will not print';
    await customer.fill('form.compose textarea', question);
    await customer.press('form.compose textarea', 'Enter');
    await customer.waitForSelector('.log li.me:not(.pending)', { timeout: 10000 });
    check(true, 'the message was acknowledged (stored)');
    // Before anyone answers, the customer sends a photo of the fault; then the agent gets the
    // offer and accepts, and the console shows everything that came while it rang.
    await customer.setInputFiles('input.file', { name: 'broken-printer.png', mimeType: 'image/png', buffer: PNG });
    await customer.waitForSelector('.log li.me:not(.pending) >> text=broken-printer.png', { timeout: 10000 });
    check(true, 'the photo was uploaded');
    await agent.waitForSelector('[data-offer]', { timeout: 15000 });
    const conv = await agent.getAttribute('[data-offer]', 'data-offer');
    await agent.click(`[data-accept="${conv}"]`);
    await agent.waitForSelector(`[data-conversation="${conv}"]`, { timeout: 10000 });
    await agent.click(`[data-conversation="${conv}"]`);
    await customer.waitForSelector('.log li >> text=alice joined the chat', { timeout: 10000 });
    await agent.waitForSelector('.attachment-link >> text=broken-printer.png', { timeout: 10000 });
    check(true, 'the console shows the photo');
    // The customer types: the agent sees it under the messages.
    await customer.type('form.compose textarea', 'one more', { delay: 20 });
    await agent.waitForSelector('#customer-typing:not([hidden]) >> text=Ann Lee is typing', { timeout: 10000 });
    check(true, 'the console shows that the customer is typing');
    await customer.fill('form.compose textarea', '');
    const reply = 'Hello Ann, please switch the printer off and on again <b>now</b>.';
    await agent.fill('#reply-text', reply);
    await agent.click('#send');
    await agent.waitForSelector('.msg.out:not(.pending)', { timeout: 10000 });

    await customer.waitForSelector(`.log li.them >> text=${reply}`, { timeout: 10000 });
    check(true, 'the answer appears in the widget (as text: the <b> is shown, not bold)');
    check(await customer.locator('.log li >> text=alice joined the chat').count() === 1, 'agent joined is shown');
    await customer.screenshot({ path: path.join(outDir, 'webchat_e2e_customer.png') });
    await agent.screenshot({ path: path.join(outDir, 'webchat_e2e_agent.png') });

    // A reload: the token in localStorage resumes the chat with its history, each message once.
    await customer.reload();
    await customer.waitForSelector(`.log li.them >> text=${reply}`, { timeout: 10000 });
    check(await customer.locator(`.log li >> text=${question}`).count() === 1, 'the question once after the reload');
    check(await customer.locator(`.log li.them >> text=${reply}`).count() === 1, 'the answer once after the reload');
    check(await customer.locator('.log li >> text=broken-printer.png').count() === 1, 'the photo once after the reload');
    await customer.screenshot({ path: path.join(outDir, 'webchat_e2e_reloaded.png') });

    // The end: the widget offers the transcript by email, prefilled with the start form's address.
    await customer.click('button.end');
    await customer.waitForSelector('form.transcript:not([hidden])', { timeout: 10000 });
    check(await customer.inputValue('form.transcript input') === 'ann@example.com', 'the transcript form has her address');
    await customer.click('form.transcript button');
    await customer.waitForSelector('.log li >> text=The transcript is on its way to your email.', { timeout: 10000 });
    check(true, 'the transcript is queued by email');
    await customer.reload();
    await customer.waitForSelector(`.log li.them >> text=${reply}`, { timeout: 10000 });
    check(await customer.locator('.log li >> text=Here is the transcript').count() === 0,
      'the emailed transcript is not in the chat\'s history');
    await customer.screenshot({ path: path.join(outDir, 'webchat_e2e_transcript.png') });
  } catch (e) {
    failed++;
    console.log('FAIL ' + e.message);
    await customer.screenshot({ path: path.join(outDir, 'webchat_e2e_customer_failure.png') }).catch(() => {});
    await agent.screenshot({ path: path.join(outDir, 'webchat_e2e_agent_failure.png') }).catch(() => {});
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
