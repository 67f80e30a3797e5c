// tests/web/outbound_hold.mjs - a held message leaving, asked for and approved in
// chromium (playwright-core), run by tests/outbound/console_holds with a setup
// file (JSON: url, chromium, root, shots, notice_link, the sender's and the
// approver's names, passwords, TOTP secrets and the last TOTP step each used).
// The sender opens the item from her 【送信保留】 notice's link, logs in, sees
// what was found and asks for approval to send (at most 3 clicks); the approver
// logs in and approves from the queue with a fresh code (at most 2 clicks).
// Each page is kept as a screenshot (oNN-name.png).  Prints "ok   web  NAME" or
// "FAIL web  NAME: DETAIL" per check, then one line "steps {JSON}": the last
// TOTP step used per account, for the caller's next codes.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { totpAt } from './totp.mjs';

const S = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const steps = { ...S.steps };
let failures = 0;
let shotNo = 0;
let clicks = 0;

function check(name, ok, detail = '') {
  if (ok) console.log(`ok   web  ${name}`);
  else {
    failures++;
    console.log(`FAIL web  ${name}${detail ? ': ' + String(detail).slice(0, 500) : ''}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A code for a step after the last one the server accepted for the account.
async function freshCode(user) {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(now - 1, (steps[user] ?? -1) + 1);
    if (step <= now + 1) {
      steps[user] = step;
      return totpAt(S.users[user].totp_secret, step);
    }
    await sleep(1000);
  }
}

async function shot(page, name) {
  shotNo++;
  await page.screenshot({ path: path.join(S.shots, `o${String(shotNo).padStart(2, '0')}-${name}.png`),
    fullPage: true }).catch(() => {});
}

async function click(page, selector) {
  clicks++;
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await page.click(selector);
  return nav;
}

async function login(page, user) {
  await page.fill('#user', user);
  await page.fill('#password', S.users[user].password);
  await page.fill('#totp', await freshCode(user));
  return click(page, '#login-submit');
}

async function main() {
  const browser = await chromium.launch({ executablePath: S.chromium,
    args: S.root ? ['--no-sandbox'] : [] });
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo' });
  ctx.setDefaultTimeout(10000);
  let dialogs = 0;
  const sender = await ctx.newPage();
  sender.on('dialog', async (d) => { dialogs++; await d.dismiss().catch(() => {}); });

  // the sender: from the notice's link, through the login, to the request
  await sender.goto(S.notice_link, { waitUntil: 'load' });
  await shot(sender, 'login-from-notice');
  clicks = 0;
  await login(sender, S.sender);
  await shot(sender, 'held-item');
  const found = await sender.$$eval('table#findings tr.finding td.masked', (t) => t.map((x) => x.textContent));
  const hold = await sender.getAttribute('div#hold', 'data-hold');
  check('the sender, from her notice, sees the hold and what was found (masked)',
    new URL(sender.url()).pathname === new URL(S.notice_link).pathname && hold === 'held' &&
    found.length > 0 && found.every((m) => /^\*{4}-\*{4}-\d{4}$/.test(m)),
    `${sender.url()} ${hold} ${JSON.stringify(found)}`);
  await sender.fill('textarea#reason', '住民ご本人からの依頼のため送信が必要です');
  await click(sender, 'button#request-submit');
  await shot(sender, 'send-requested');
  const flash = (await sender.textContent('#flash').catch(() => '')) ?? '';
  check(`the sender asks for approval to send in ${clicks} clicks (at most 3)`,
    clicks <= 3 && flash.includes('承認されると送信されます'), `${clicks} ${flash}`);

  // the approver: a fresh context, the queue, the code, approve
  const actx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo' });
  actx.setDefaultTimeout(10000);
  const approver = await actx.newPage();
  approver.on('dialog', async (d) => { dialogs++; await d.dismiss().catch(() => {}); });
  await approver.goto(`${S.url}/login?next=/approvals`, { waitUntil: 'load' });
  await login(approver, S.approver);
  await shot(approver, 'approvals');
  clicks = 0;
  const row = `tr.request:has(a[href="/items/${S.item}"])`;
  check('the approver\'s queue holds the request to send', await approver.$(row) !== null,
    approver.url());
  await approver.fill(`${row} input[name=totp]`, await freshCode(S.approver));
  await click(approver, `${row} button[value=approve]`);
  await shot(approver, 'approved');
  check(`the approver approves from the queue in ${clicks} clicks (at most 2)`,
    clicks <= 2 && new URL(approver.url()).pathname.startsWith('/'), approver.url());
  await sender.goto(`${S.url}/items/${S.item}`, { waitUntil: 'load' });
  await shot(sender, 'sent');
  check('the sender\'s page says it was sent, and offers nothing more',
    await sender.getAttribute('div#hold', 'data-hold') === 'sent' &&
    await sender.$('button#recall') === null && await sender.$('button#send') === null);
  check('no dialog opened', dialogs === 0, String(dialogs));
  await browser.close();
}

try {
  await main();
} catch (e) {
  check('the browser steps ran to their end', false, e.stack ?? e);
}
console.log(`steps ${JSON.stringify(steps)}`);
process.exit(failures ? 1 : 0);
