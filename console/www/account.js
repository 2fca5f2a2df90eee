// ccd agent console: the account page, two-step sign-in (TOTP) enrolment and disabling.
// Endpoints: docs/http-api.md, "Multi-factor authentication". Uses console.js's $, api, t, state.
'use strict';

Object.assign(I18N.en, {
  'mfa.title': 'Two-step sign-in', 'mfa.on': 'On: a sign-in needs a code from your authenticator app. Recovery codes left: {n}.',
  'mfa.off': 'Off: your password alone signs you in.', 'mfa.enrol': 'Set up two-step sign-in',
  'mfa.required': 'Your role needs two-step sign-in: set it up to continue.',
  'mfa.scan': 'Scan this code with an authenticator app, or type the key in it.', 'mfa.key': 'Key',
  'mfa.code': 'Code the app shows', 'mfa.confirm': 'Turn on', 'mfa.disable': 'Turn off',
  'mfa.recovery': 'Recovery codes: each signs in once without the app. Keep them somewhere safe; they are shown only now.',
  'mfa.continue': 'Continue', 'mfa.bad_code': 'Wrong or already used code.',
  'mfa.expired': 'The set-up expired; start again.', 'mfa.disabled': 'Two-step sign-in is off.',
});
Object.assign(I18N.zh, {
  'mfa.title': '两步登录', 'mfa.on': '已开启：登录需要身份验证器应用中的验证码。剩余恢复码：{n}。',
  'mfa.off': '未开启：仅凭密码即可登录。', 'mfa.enrol': '设置两步登录',
  'mfa.required': '您的角色需要两步登录：请先完成设置。',
  'mfa.scan': '用身份验证器应用扫描此二维码，或手动输入密钥。', 'mfa.key': '密钥',
  'mfa.code': '应用显示的验证码', 'mfa.confirm': '开启', 'mfa.disable': '关闭',
  'mfa.recovery': '恢复码：每个可在没有应用时登录一次。请妥善保存，仅显示这一次。',
  'mfa.continue': '继续', 'mfa.bad_code': '验证码错误或已使用。',
  'mfa.expired': '设置已过期，请重新开始。', 'mfa.disabled': '两步登录已关闭。',
});
Object.assign(I18N['zh-Hant'], {
  'mfa.title': '兩步驟登入', 'mfa.on': '已開啟：登入需要驗證器應用程式中的驗證碼。剩餘復原碼：{n}。',
  'mfa.off': '未開啟：僅憑密碼即可登入。', 'mfa.enrol': '設定兩步驟登入',
  'mfa.required': '您的角色需要兩步驟登入：請先完成設定。',
  'mfa.scan': '用驗證器應用程式掃描此 QR 碼，或手動輸入金鑰。', 'mfa.key': '金鑰',
  'mfa.code': '應用程式顯示的驗證碼', 'mfa.confirm': '開啟', 'mfa.disable': '關閉',
  'mfa.recovery': '復原碼：每個可在沒有應用程式時登入一次。請妥善保存，僅顯示這一次。',
  'mfa.continue': '繼續', 'mfa.bad_code': '驗證碼錯誤或已使用。',
  'mfa.expired': '設定已過期，請重新開始。', 'mfa.disabled': '兩步驟登入已關閉。',
});

function mfaError(r) {
  const error = r.json && r.json.error;
  $('mfa-error').textContent = error === 'invalid_code' || error === 'code_used' ? t('mfa.bad_code')
    : error === 'no_enrolment' ? t('mfa.expired')
    : r.status === 429 ? t('login.throttled') : t('error', { reason: (r.json && r.json.reason) || r.status });
}

async function showAccount() {
  $('mfa-error').textContent = '';
  const r = await api('GET', '/v1/auth/mfa');
  if (r.status !== 200 || !r.json) { mfaError(r); return; }
  const on = r.json.enabled;
  $('mfa-status').textContent = on ? t('mfa.on', { n: r.json.recovery_codes_left }) : t('mfa.off');
  $('mfa-enrol').hidden = on || !$('mfa-setup').hidden;
  $('mfa-disable-form').hidden = !on || r.json.required;
}

async function mfaEnrol() {
  $('mfa-error').textContent = '';
  const r = await api('POST', '/v1/auth/mfa/enrol');
  if (r.status !== 200 || !r.json) { mfaError(r); return; }
  // The server's SVG as an image: it is shown, never run.
  $('mfa-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.json.qr_svg);
  $('mfa-qr').title = r.json.otpauth_uri;
  $('mfa-secret').textContent = r.json.secret.replace(/(.{4})/g, '$1 ').trim();
  $('mfa-setup').hidden = false; $('mfa-enrol').hidden = true;
  $('mfa-code').value = ''; $('mfa-code').focus();
}

async function mfaConfirm(ev) {
  ev.preventDefault();
  $('mfa-error').textContent = '';
  const r = await api('POST', '/v1/auth/mfa/confirm', { code: $('mfa-code').value.trim() });
  if (r.status !== 200 || !r.json) {
    mfaError(r);
    if (r.json && r.json.error === 'no_enrolment') { $('mfa-setup').hidden = true; showAccount(); }
    return;
  }
  $('mfa-setup').hidden = true; $('mfa-qr').removeAttribute('src'); $('mfa-secret').textContent = '';
  $('mfa-required-note').hidden = true;
  $('mfa-recovery-list').replaceChildren(...r.json.recovery_codes.map((c) => el('li', {}, c)));
  $('mfa-recovery').hidden = false;
  showAccount();
}

function mfaContinue() {
  $('mfa-recovery').hidden = true; $('mfa-recovery-list').replaceChildren();
  if (state.enrolmentOnly) { state.enrolmentOnly = false; location.reload(); }  // now a full session
}

async function mfaDisable(ev) {
  ev.preventDefault();
  $('mfa-error').textContent = '';
  const r = await api('POST', '/v1/auth/mfa/disable', { code: $('mfa-disable-code').value.trim() });
  $('mfa-disable-code').value = '';
  if (r.status !== 200) { mfaError(r); return; }
  toast(t('mfa.disabled'));
  showAccount();
}

// The session may only enrol: the account page alone, until the enrolment is confirmed.
function enrolmentOnly() {
  state.enrolmentOnly = true;
  document.querySelectorAll('.tab').forEach((b) => { b.hidden = b.dataset.view !== 'account'; });
  $('presence').hidden = true;
  $('mfa-required-note').hidden = false;
  showView('account');
}

document.addEventListener('DOMContentLoaded', () => {
  $('mfa-enrol').addEventListener('click', mfaEnrol);
  $('mfa-confirm-form').addEventListener('submit', mfaConfirm);
  $('mfa-continue').addEventListener('click', mfaContinue);
  $('mfa-disable-form').addEventListener('submit', mfaDisable);
});
