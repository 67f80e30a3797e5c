// tests/web/console.test.mjs - the staff console in chromium (playwright-core).
//
// Run by tests/web/run, which starts sekishod, makes the accounts and sends the
// mail, then gives this script its setup (a JSON file: URLs, accounts with
// their passwords and TOTP secrets, the items' receipt ids and notice links);
// the checks are listed there.  Every page visited is kept as a screenshot
// (NN-name.png in the setup's folder).  Prints one line per check
// ("ok   web  NAME" or "FAIL web  NAME: DETAIL"); exit status 0 all passed,
// 1 some failed, 2 the script itself broke.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { totpAt } from './totp.mjs';

const S = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const BASE = S.url;
const ITEMS = S.items;
let failures = 0;

function check(name, ok, detail = '') {
  if (ok) {
    console.log(`ok   web  ${name}`);
  } else {
    failures++;
    const d = String(detail).replace(/\s+/g, ' ').slice(0, 700);
    console.log(`FAIL web  ${name}${d ? ': ' + d : ''}`);
  }
  return ok;
}

// ---- TOTP (RFC 6238: SHA-1, 30 s, 6 digits; totp.mjs) --------------------------------
// The server takes a step in now-1..now+1, each once, and only one greater
// than the last it accepted: the last step used is kept per account.
const lastStep = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A fresh code for the account: the current step, or the next one not used
// yet within the server's window (waiting for the clock when there is none).
async function freshCode(user) {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(now, (lastStep[user] ?? -1) + 1);
    if (step <= now + 1) {
      lastStep[user] = step;
      return totpAt(S.users[user].totp_secret, step);
    }
    await sleep(1000);
  }
}

// ---- screenshots, clicks, dialogs ----------------------------------------------------
let shotNo = 0;
async function shot(page, name) {
  shotNo++;
  const file = path.join(S.shots, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true });
  } catch (e) {
    console.log(`web: screenshot ${file} failed: ${e.message}`);
  }
}

let clicks = 0;
let dialogs = 0;

// Click what makes the page navigate; the last document response (after
// redirects) is returned.
async function navClick(page, selector) {
  clicks++;
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await page.click(selector);
  return nav;
}

// Chromium sends "Origin: null" with a form's POST when the page's
// Referrer-Policy is no-referrer (Fetch: serializing a request origin).  If the
// console refuses that login (400), the failure is a check of its own, and the
// other checks go on with the login page served under Referrer-Policy:
// same-origin (a route rewrites that header of GET /login only: originFix),
// under which chromium sends its origin; a login form is then always posted
// from a GET of /login.
let originFix = false;
const contexts = [];

async function fixOrigin(ctx) {
  await ctx.route((u) => u.pathname === '/login', async (route) => {
    const rq = route.request();
    if (rq.method() !== 'GET' || !rq.isNavigationRequest()) return route.continue();
    const resp = await route.fetch({ maxRedirects: 0 });
    return route.fulfill({ response: resp,
      headers: { ...resp.headers(), 'referrer-policy': 'same-origin' } });
  });
}

async function newPage(browser) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true,
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  ctx.setDefaultTimeout(10000);
  ctx.setDefaultNavigationTimeout(15000);
  contexts.push(ctx);
  if (originFix) await fixOrigin(ctx);
  const page = await ctx.newPage();
  page.on('dialog', async (d) => {
    dialogs++;
    await d.dismiss().catch(() => {});
  });
  return page;
}

// Every page visited is kept as a screenshot (named after its path if not named).
async function go(page, url, name) {
  const r = await page.goto(url.startsWith('http') ? url : BASE + url, { waitUntil: 'load' });
  await shot(page, name ?? (new URL(page.url()).pathname.replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'root'));
  return r;
}

// The login form filled and sent; the final response.
let originChecked = false;
async function login(page, user, { password, code, shotName } = {}) {
  const fill = async () => {
    await page.fill('#user', user);
    await page.fill('#password', password ?? S.users[user].password);
    await page.fill('#totp', code);
  };
  if (!page.sekishoPosted) page.sekishoForm = page.url();
  // (a page reached by a redirect was not routed: fetched again)
  if (originFix) await page.goto(page.sekishoForm, { waitUntil: 'load' });
  code = code ?? await freshCode(user);
  await fill();
  let r = await navClick(page, '#login-submit');
  if (!originChecked) {
    // the first login: the form as chromium posts it
    originChecked = true;
    const sent = r?.request().redirectedFrom()?.headers().origin ?? r?.request().headers().origin;
    if (!check('the login form as chromium posts it (Origin: null under Referrer-Policy: ' +
      'no-referrer) is accepted', r?.status() !== 400,
      `POST /login with Origin: ${sent} got ${r?.status()} ` +
      `"${(await text(page, '#message-title')) ?? ''}": foreign_origin() takes "null" for ` +
      'another site; the other checks go on with the login page under Referrer-Policy: ' +
      'same-origin')) {
      await shot(page, 'login-origin-null-refused');
      originFix = true;
      for (const ctx of contexts) await fixOrigin(ctx);
      await page.goto(page.sekishoForm, { waitUntil: 'load' });
      await fill();
      clicks--;		// the same click again, counted once
      r = await navClick(page, '#login-submit');
    }
  }
  page.sekishoPosted = new URL(page.url()).pathname === '/login';
  await shot(page, shotName ?? `login-${user}-${r?.status()}`);
  return r;
}

async function text(page, selector) {
  const el = await page.$(selector);
  return el ? (await el.textContent()) ?? '' : null;
}

async function csrfOf(page) {
  return page.getAttribute('input[name=csrf]', 'value');
}

// A request outside the browser, bytes exactly as given (no normalised path).
function raw(p, { method = 'GET', cookie, body } = {}) {
  const u = new URL(BASE);
  const headers = {};
  if (cookie) headers.Cookie = cookie;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const rq = https.request({ host: u.hostname, port: u.port, path: p, method, headers,
      rejectUnauthorized: false, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8') }));
    });
    rq.on('error', reject);
    rq.setTimeout(15000, () => rq.destroy(new Error(`timeout: ${p}`)));
    if (body !== undefined) rq.write(body);
    rq.end();
  });
}

async function sessionCookie(page) {
  const c = (await page.context().cookies(BASE)).find((x) => x.name === '__Host-sk_session');
  return c;
}

function sekisho(...args) {
  return execFileSync(path.join(S.build, 'sekisho'), args, { encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'] });
}

function journal() {
  return fs.readFileSync(S.journal, 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function consoleEvents(filter = {}) {
  return journal().filter((r) => r.receipt?.schema === 'sekisho.console/1' &&
    Object.entries(filter).every(([k, v]) => r.receipt[k] === v));
}

// Run a step; a thrown error is its check failing, not the whole test.
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, `threw: ${e.stack ?? e}`);
  }
}

// ------------------------------------------------------------------------------------
async function main() {
  const browser = await chromium.launch({ executablePath: S.chromium,
    args: S.root ? ['--no-sandbox'] : [] });
  const stripped = ITEMS.stripped, malware = ITEMS.malware, hostile = ITEMS.hostile;
  const other = ITEMS.other;
  const staff = await newPage(browser);      // tanaka
  const approver = await newPage(browser);   // suzuki
  let requestId = null;
  let approveCode = null;

  // 1. the notice link, the login, the request
  await step('staff: from the notice link, logged in, asks for the original', async () => {
    clicks = 0;
    const link = S.links.stripped;
    await go(staff, link, 'notice-link-login');
    const u = new URL(staff.url());
    check('a notice link without a session leads to the login page (next = the item)',
      u.pathname === '/login' && u.searchParams.get('next') === `/items/${stripped}` &&
      await staff.$('form#login-form') !== null, staff.url());
    const r = await login(staff, 'tanaka', { shotName: 'staff-item-after-login' });
    check('staff logs in with password and TOTP and is brought back to the item',
      r?.status() === 200 && new URL(staff.url()).pathname === `/items/${stripped}` &&
      (await text(staff, 'dd#receipt-id'))?.trim() === stripped,
      `${r?.status()} ${staff.url()}`);
    const subj = await text(staff, 'h1#subject');
    const files = await staff.$$eval('table#parts tr.part td.filename', (t) => t.map((x) => x.textContent));
    check('the item page shows the Japanese subject and the removed 見積書.exe',
      subj === '【至急】見積書の送付について' && files.includes('見積書.exe'),
      `${subj} ${JSON.stringify(files)}`);
    await staff.fill('textarea#reason', '取引先からの見積書の原本を確認するため');
    const r2 = await navClick(staff, 'button#request-submit');
    await shot(staff, 'staff-requested');
    const state = await staff.getAttribute('#original p.request', 'data-state');
    const flash = await text(staff, 'div#flash');
    check(`staff asks for the original in ${clicks} clicks from the link (at most 3); the ` +
      'page shows the pending request',
      clicks <= 3 && r2?.status() === 200 && state === 'pending' &&
      (flash ?? '').includes('申請しました') && await staff.$('form#request-form') === null,
      `clicks ${clicks}, status ${r2?.status()}, state ${state}, flash ${flash}`);
  });

  // 2. the approver: login, a replayed login code, the queue
  await step('approver approves from the queue', async () => {
    await go(approver, '/approvals', 'approver-login');
    const code = await freshCode('suzuki');
    const r = await login(approver, 'suzuki', { code, shotName: 'approver-queue' });
    const rows = await approver.$$eval('table#queue tr.request', (t) => t.map((x) => x.dataset.id));
    requestId = rows[0] ?? null;
    check('the approver logs in with TOTP and sees the request in the queue',
      r?.status() === 200 && new URL(approver.url()).pathname === '/approvals' &&
      rows.length === 1 && /^RQ-/.test(requestId ?? '') &&
      await approver.$('a#nav-approvals') !== null, `${r?.status()} ${approver.url()} ${rows}`);

    // the same code again, in another browser: refused
    const second = await newPage(browser);
    await go(second, '/login');
    const r2 = await login(second, 'suzuki', { code, shotName: 'login-code-reused' });
    const flash = await text(second, 'div#flash');
    check('reused TOTP code refused at login (403, no session)',
      r2?.status() === 403 && (flash ?? '').includes('ユーザー名、パスワードまたは確認コードが違います') &&
      await sessionCookie(second) === undefined, `${r2?.status()} ${flash}`);
    await second.context().close();

    clicks = 0;
    approveCode = await freshCode('suzuki');
    const row = `tr.request[data-id="${requestId}"]`;
    await approver.fill(`${row} input.totp`, approveCode);
    const r3 = await navClick(approver, `${row} button.approve`);
    await shot(approver, 'approver-approved');
    check(`the approver approves from the queue in ${clicks} clicks (at most 2); the queue ` +
      'is then empty',
      clicks <= 2 && r3?.status() === 200 && await approver.$('p#queue-empty') !== null &&
      await approver.$('table#queue') === null, `clicks ${clicks}, ${r3?.status()}`);
  });

  // 3. the download
  let downloaded = null;
  await step('staff downloads the original', async () => {
    await go(staff, `/items/${stripped}`, 'staff-approved');
    const state = await staff.getAttribute('#original p.request', 'data-state');
    const href = await staff.getAttribute('a#download', 'href');
    const dl = staff.waitForEvent('download');
    clicks++;
    await staff.click('a#download');
    const d = await dl;
    const file = path.join(path.dirname(process.argv[2]), 'original.eml');
    await d.saveAs(file);
    downloaded = fs.readFileSync(file);
    const sha = createHash('sha256').update(downloaded).digest('hex');
    const show = sekisho('quarantine', '-c', S.conf, 'show', stripped);
    const m = /original:\s+\d+ bytes, sha256 ([0-9a-f]{64})/.exec(show);
    check('staff downloads the original once approved; its SHA-256 is the quarantined original\'s',
      state === 'approved' && href === `/items/${stripped}/original` && m !== null &&
      sha === m[1] && d.suggestedFilename() === `${stripped}.eml`,
      `state ${state}, href ${href}, got ${sha}, quarantine ${m?.[1]}, name ${d.suggestedFilename()}`);
    // the same through the context's request API: headers
    const r = await staff.request.get(`${BASE}/items/${stripped}/original`);
    const body = await r.body();
    check('the original is served as an attachment with X-Sekisho-SHA256',
      r.status() === 200 && r.headers()['content-type'] === 'application/octet-stream' &&
      /^attachment;/.test(r.headers()['content-disposition'] ?? '') &&
      r.headers()['x-sekisho-sha256'] === m?.[1] && body.equals(downloaded),
      JSON.stringify(r.headers()));
  });

  // 3b. a file from the transfer folders: withheld, its original on approval
  await step('transfer: the original of a withheld transferred file, on approval', async () => {
    const tr = ITEMS.transfer;
    await go(staff, S.links.transfer, 'transfer-item');
    const files = await staff.$$eval('table#parts tr.part td.filename', (t) => t.map((x) => x.textContent));
    check('the notice in the transfer folder links to the file\'s item, which shows its name',
      new URL(staff.url()).pathname === `/items/${tr}` && S.link_in_notice.transfer &&
      files.includes(S.transfer_name), `${staff.url()} ${JSON.stringify(files)}`);
    await staff.fill('textarea#reason', '取引先から受け取った暗号化PDFの原本を確認するため');
    const r = await navClick(staff, 'button#request-submit');
    const state = await staff.getAttribute('#original p.request', 'data-state');
    check('staff asks for the transferred file\'s original',
      r?.status() === 200 && state === 'pending', `${r?.status()} ${state}`);
    await go(approver, '/approvals', 'transfer-approval-queue');
    const rows = await approver.$$eval('table#queue tr.request', (t) => t.map((x) => x.dataset.id));
    const row = `tr.request[data-id="${rows[0]}"]`;
    await approver.fill(`${row} input.totp`, await freshCode('suzuki'));
    const r2 = await navClick(approver, `${row} button.approve`);
    await shot(approver, 'transfer-approved');
    check('the approver approves it from the queue with a fresh code',
      rows.length === 1 && r2?.status() === 200 && await approver.$('p#queue-empty') !== null,
      `${rows} ${r2?.status()}`);
    await go(staff, `/items/${tr}`, 'transfer-download');
    const dl = staff.waitForEvent('download');
    await staff.click('a#download');
    const d = await dl;
    const file = path.join(path.dirname(process.argv[2]), 'transferred-original');
    await d.saveAs(file);
    const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    check('staff downloads the original: the very bytes dropped in the transfer folder',
      sha === S.transfer_sha, `got ${sha}, dropped ${S.transfer_sha}`);
  });

  // 3c. a file brought in through the console in chromium (its own multipart
  // form), sanitised, kept out of the folder until an approver allows it
  await step('upload: a file brought in through the console, delivered on approval', async () => {
    await go(staff, '/upload', 'upload');
    const name = '会議資料（持込）.csv';
    const content = Buffer.from('項目,金額\r\n会場費,"30,000"\r\n', 'utf8');
    await staff.setInputFiles('input#file', { name, mimeType: 'text/csv', buffer: content });
    const r = await navClick(staff, 'button#upload-submit');
    await shot(staff, 'upload-taken');
    const taken = await staff.textContent('#taken').catch(() => null);
    check('chromium\'s multipart form is taken, the page names the file',
      r?.status() === 200 && taken === name, `${r?.status()} ${taken}`);
    let id = null;
    for (let i = 0; i < 120 && !id; i++) {
      const j = await (await staff.request.get(BASE + '/api/items')).json();
      const it = (j.items ?? j).find?.((x) => x.subject === name);
      id = it?.id ?? null;
      if (!id) await sleep(500);
    }
    const notes = () => fs.readdirSync(S.transfer_out).filter((f) => f.endsWith('.承認待ち.txt') &&
      f.startsWith('会議資料'));
    const waiting = id ? notes() : [];
    const final = waiting.length === 1 ? waiting[0].slice(0, -'.承認待ち.txt'.length) : null;
    check('it crossed, and waits: its note in the folder, not the file',
      id !== null && final !== null && !fs.existsSync(path.join(S.transfer_out, final)),
      `${id} ${JSON.stringify(fs.readdirSync(S.transfer_out))}`);
    await go(staff, `/items/${id}`, 'upload-item');
    check('its page says it waits for an approval',
      await staff.getAttribute('#hold', 'data-hold') === 'awaiting');
    await staff.fill('textarea#reason', '会議資料を庁内で共有するため');
    const r2 = await navClick(staff, 'button#request-submit');
    check('staff asks for its delivery', r2?.status() === 200 &&
      await staff.getAttribute('#original p.request', 'data-state') === 'pending');
    await go(approver, '/approvals', 'upload-approval-queue');
    const rows = await approver.$$eval('table#queue tr.request', (t) => t.map((x) => x.dataset.id));
    const row = `tr.request[data-id="${rows[0]}"]`;
    await approver.fill(`${row} input.totp`, await freshCode('suzuki'));
    const r3 = await navClick(approver, `${row} button.approve`);
    check('the approver approves it with a fresh code', rows.length === 1 && r3?.status() === 200,
      `${rows} ${r3?.status()}`);
    const got = final !== null && fs.existsSync(path.join(S.transfer_out, final)) ?
      fs.readFileSync(path.join(S.transfer_out, final), 'utf8') : '';
    check('approved: the sanitised file is in the folder, its note gone',
      got.includes('会場費') && notes().length === 0, `${JSON.stringify(got)} ${notes()}`);
    await go(staff, `/items/${id}`, 'upload-delivered');
    check('its page says it was delivered', await staff.getAttribute('#hold', 'data-hold') === 'sent');
  });

  // 4. the journal
  await step('the journal', async () => {
    let out = '', ok = true;
    try {
      out = sekisho('audit', 'verify', '-c', S.conf);
    } catch (e) {
      ok = false;
      out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    check('the journal verifies (sekisho audit verify)', ok && /verified:/.test(out), out);
    const recs = consoleEvents();
    const seqOf = (pred) => recs.find((r) => pred(r.receipt))?.seq;
    const login = seqOf((r) => r.event === 'login' && r.user === 'tanaka');
    const loginA = seqOf((r) => r.event === 'login' && r.user === 'suzuki');
    const req = seqOf((r) => r.event === 'request' && r.item === stripped && r.user === 'tanaka' &&
      r.request === requestId);
    const appr = seqOf((r) => r.event === 'approve' && r.item === stripped && r.user === 'suzuki' &&
      r.request === requestId);
    const sha = downloaded ? createHash('sha256').update(downloaded).digest('hex') : '-';
    const dl = seqOf((r) => r.event === 'download' && r.item === stripped && r.user === 'tanaka' &&
      r.sha256 === sha);
    check('the journal holds each step as sekisho.console/1: login, request, approve, download',
      [login, loginA, req, appr, dl].every((x) => x !== undefined) && login < req &&
      req < appr && appr < dl,
      JSON.stringify({ login, loginA, req, appr, dl }));
    const refused = consoleEvents({ event: 'login-failed', user: 'suzuki' });
    check('the refused login with a reused code is in the journal (replayed-code)',
      refused.some((r) => r.receipt.detail === 'replayed-code'),
      JSON.stringify(refused.map((r) => r.receipt.detail)));
  });

  // 5. the malware class
  await step('malware class', async () => {
    await go(staff, S.links.malware, 'malware-item-from-its-notice');
    const never = await text(staff, 'p#never');
    check('a YARA match, opened from its withheld notice: the page says it cannot be released, ' +
      'no request form, no download',
      new URL(staff.url()).pathname === `/items/${malware}` && never !== null && never.includes('取り出せません') &&
      await staff.$('form#request-form') === null && await staff.$('a#download') === null,
      `never ${never}`);
    const csrf = await csrfOf(staff);
    const r = await staff.request.post(`${BASE}/items/${malware}/request`,
      { form: { csrf, reason: '確認のため' }, maxRedirects: 0 });
    const r2 = await staff.request.get(`${BASE}/items/${malware}/original`, { maxRedirects: 0 });
    const j = await (await staff.request.get(`${BASE}/api/items/${malware}`)).json();
    check('a forged request for it, with a valid CSRF token, is refused (403); its download too',
      r.status() === 403 && r2.status() === 403 && (j.requests ?? []).length === 0 &&
      j.release_class === 'never' && j.can_request === false,
      `request ${r.status()}, original ${r2.status()}, api ${JSON.stringify(j).slice(0, 300)}`);
  });

  // 6. CSRF
  await step('csrf', async () => {
    await go(staff, `/items/${hostile}`);
    // in the browser: the form without its hidden token
    await staff.evaluate(() => document.querySelector('#request-form input[name=csrf]').remove());
    await staff.fill('textarea#reason', 'CSRF なし');
    const r = await navClick(staff, 'button#request-submit');
    await shot(staff, 'csrf-missing');
    const r2 = await staff.request.post(`${BASE}/items/${hostile}/request`,
      { form: { csrf: 'a'.repeat(64), reason: 'wrong token' }, maxRedirects: 0 });
    const r3 = await staff.request.post(`${BASE}/items/${hostile}/request`,
      { form: { reason: 'no token' }, maxRedirects: 0 });
    const r4 = await staff.request.post(`${BASE}/logout`, { form: {}, maxRedirects: 0 });
    const j = await (await staff.request.get(`${BASE}/api/items/${hostile}`)).json();
    const events = consoleEvents({ event: 'request', item: hostile });
    check('a POST without its CSRF token is refused (400) and changes nothing',
      r?.status() === 400 && r3.status() === 400 && r4.status() === 400 &&
      (j.requests ?? []).length === 0 && j.can_request === true && events.length === 0,
      `form ${r?.status()}, fetch ${r3.status()}, logout ${r4.status()}, requests ` +
      `${JSON.stringify(j.requests)}, journal ${events.length}`);
    const still = await go(staff, '/items', 'items-after-csrf');
    check('a POST with a wrong CSRF token is refused (400) and changes nothing (the session lives)',
      r2.status() === 400 && still?.status() === 200 && new URL(staff.url()).pathname === '/items',
      `wrong token ${r2.status()}, then /items ${still?.status()} ${staff.url()}`);
  });

  // the reused approval code: a second request, the same code again
  await step('reused code to approve', async () => {
    await go(staff, `/items/${hostile}`);
    await staff.fill('textarea#reason', '請求書の原本を確認するため');
    await navClick(staff, 'button#request-submit');
    await go(approver, '/approvals', 'approver-queue-2');
    const rows = await approver.$$eval('table#queue tr.request', (t) => t.map((x) => x.dataset.id));
    const row = `tr.request[data-id="${rows[0]}"]`;
    await approver.fill(`${row} input.totp`, approveCode);
    const r = await navClick(approver, `${row} button.approve`);
    await shot(approver, 'approve-code-reused');
    const flash = await text(approver, 'div#flash');
    const j = await (await staff.request.get(`${BASE}/api/items/${hostile}`)).json();
    check('reused TOTP code refused to approve (403, the request stays pending)',
      rows.length === 1 && r?.status() === 403 && (flash ?? '').includes('使用済み') &&
      j.requests?.[0]?.state === 'pending',
      `rows ${rows}, ${r?.status()}, ${flash}, ${JSON.stringify(j.requests)}`);
    // rejected, with a comment: the staff member sees it
    await approver.fill(`${row} input.comment`, '不要と判断しました');
    const r2 = await navClick(approver, `${row} button.reject`);
    await go(staff, `/items/${hostile}`, 'staff-rejected');
    const st = await staff.getAttribute('#original p.request', 'data-state');
    check('the approver rejects (no code needed); the staff member sees 却下 and the comment',
      r2?.status() === 200 && st === 'rejected' &&
      ((await text(staff, '#original p.request')) ?? '').includes('不要と判断しました') &&
      await staff.$('a#download') === null, `${r2?.status()} ${st}`);
  });

  // 10. <script> and U+202E shown as text
  await step('escaping', async () => {
    await go(staff, `/items/${hostile}`, 'hostile-item');
    await staff.waitForTimeout(300);
    const subj = await text(staff, 'h1#subject');
    const files = await staff.$$eval('table#parts tr.part td.filename', (t) => t.map((x) => x.textContent));
    const scripts = await staff.evaluate(() => document.scripts.length);
    const bidi = await staff.evaluate(() => document.body.innerText.includes('\u202e'));
    const subjVisible = await staff.isVisible('h1#subject');
    check('a subject with <script> and U+202E renders as text ([U+202E] shown)',
      (subj ?? '').includes('<script>alert(1)</script>') && (subj ?? '').includes('[U+202E]') &&
      subjVisible, JSON.stringify(subj));
    check('a file name with <script> and U+202E renders as text ([U+202E] shown)',
      files.some((f) => f.includes('<script>alert(1)</script>') && f.includes('invoice[U+202E]fdp.exe')),
      JSON.stringify(files));
    await go(staff, '/items', 'items-list');
    const listed = await staff.$$eval('table#items tr.item', (t) => t.map((x) => x.textContent));
    check('no dialog opened, no script element, no bidi control left in the page text ' +
      '(item page and the list)',
      dialogs === 0 && scripts === 0 && !bidi &&
      listed.some((x) => x.includes('<script>alert(1)</script>') && x.includes('[U+202E]')) &&
      await staff.evaluate(() => document.scripts.length) === 0,
      `dialogs ${dialogs}, scripts ${scripts}, bidi ${bidi}, list ${JSON.stringify(listed)}`);
  });

  // 7. another user's item, guessed ids
  const satoPage = await newPage(browser);
  await step('access', async () => {
    await go(satoPage, '/login');
    await login(satoPage, 'sato');
    const own = await go(satoPage, `/items/${other}`, 'sato-own-item');
    const ownSubj = await text(satoPage, 'h1#subject');
    const r = await go(satoPage, `/items/${stripped}`, 'sato-other-users-item');
    const msg = await text(satoPage, '#message');
    const r2 = await go(satoPage, `/items/SK-20200101-0123456789abcdef`, 'sato-no-such-item');
    const msg2 = await text(satoPage, '#message');
    check('another user\'s item gives 404, the same page as an id that does not exist',
      own?.status() === 200 && ownSubj === '企画課への資料' && r?.status() === 404 &&
      r2?.status() === 404 && msg === msg2 && msg !== null,
      `own ${own?.status()} ${ownSubj}, other's ${r?.status()} ${msg}, none ${r2?.status()} ${msg2}`);

    const cookie = `__Host-sk_session=${(await sessionCookie(satoPage)).value}`;
    const today = stripped.slice(3, 11);
    const ids = [];
    for (let i = 0; i < 24; i++) ids.push(`SK-${today}-${randomBytes(8).toString('hex')}`);
    for (const day of ['20200101', '20991231']) ids.push(`SK-${day}-${randomBytes(8).toString('hex')}`);
    for (const pos of [3, 7, 12, 15, 20, 27]) {
      const c = stripped[pos];
      const n = /\d/.test(c) ? String((Number(c) + 1) % 10) : (c === 'f' ? '0' : String.fromCharCode(c.charCodeAt(0) + 1));
      ids.push(stripped.slice(0, pos) + n + stripped.slice(pos + 1));
    }
    ids.push(stripped.toUpperCase(), stripped.slice(0, -1), `${stripped}0`, malware, hostile,
      requestId ?? 'RQ-20200101-0000000000000000', '..', '.', '%2e%2e', '%2E%2E%2F', '..%2f',
      `..%2f${stripped}`, `%2e%2e/${stripped}`, `../items/${stripped}`, `${other}/../${stripped}`,
      `${stripped}%00`, `${stripped}%20`, ` ${stripped}`.replace(' ', '%20'), `sk-${stripped.slice(3)}`,
      '*', `${stripped};`, `${stripped}.eml`);
    const bad = [];
    for (const id of ids) {
      for (const p of [`/items/${id}`, `/api/items/${id}`]) {
        const res = await raw(p, { cookie });
        if (res.status !== 404) bad.push(`${p} ${res.status}`);
      }
    }
    const orig = await raw(`/items/${stripped}/original`, { cookie });
    if (orig.status !== 404) bad.push(`/items/${stripped}/original ${orig.status}`);
    const list = JSON.parse((await raw('/api/items', { cookie })).body);
    if (list.some((x) => x.id !== other)) bad.push(`/api/items lists ${list.map((x) => x.id)}`);
    check(`${ids.length} guessed ids (random, one digit changed, ../, %2e%2e, others' items) ` +
      'give 404 to another user, never 200', bad.length === 0, bad.join(', '));
    // without a session: the login page, never the item
    const anon = [];
    for (const id of [stripped, ...ids.slice(0, 12)]) {
      const res = await raw(`/items/${id}`);
      if (!(res.status === 303 && /^\/login(\?|$)/.test(res.headers.location ?? '')) &&
        res.status !== 404) anon.push(`${id} ${res.status} ${res.headers.location}`);
    }
    const apiAnon = await raw(`/api/items/${stripped}`);
    if (apiAnon.status === 200) anon.push(`/api/items/${stripped} 200`);
    check('without a session the same ids lead to the login page (303) or 404, never 200',
      anon.length === 0, anon.join(', '));
  });

  // 1b (after the queue checks, which want one request at a time) a picture previewed from its notice link, then asked for from the preview
  await step('staff: previews an attachment as a picture and asks for it from there', async () => {
    clicks = 0;
    const picture = ITEMS.picture;
    await go(staff, S.links.picture, 'picture-item');
    const link = await staff.$('a.preview-link');
    check('the item page offers a preview of the picture', link !== null, staff.url());
    await navClick(staff, 'a.preview-link');
    await shot(staff, 'picture-preview');
    const src = await staff.getAttribute('img#preview', 'src');
    const dims = await staff.$eval('img#preview', (i) => [i.naturalWidth, i.naturalHeight]);
    const html = await staff.content();
    const orig = fs.readFileSync(`${S.dir}/picture-original.png`).toString('base64').slice(0, 60);
    check('the preview is a picture drawn by sekisho (a data: PNG, drawn: ' +
      `${dims[0]}x${dims[1]}), not the original's bytes`,
      (src ?? '').startsWith('data:image/png;base64,') && dims[0] > 100 && dims[1] > 50 &&
      !html.includes(orig), `${(src ?? '').slice(0, 40)} ${dims}`);
    await staff.fill('textarea#reason', '画像の原本が必要なため');
    const r = await navClick(staff, 'button#request-submit');
    const state = await staff.getAttribute('#original p.request', 'data-state');
    check(`from the notice link: preview and request in ${clicks} clicks (at most 3)`,
      clicks <= 3 && r?.status() === 200 && state === 'pending' &&
      new URL(staff.url()).pathname === `/items/${picture}/request`,
      `clicks ${clicks}, ${r?.status()}, ${state}, ${staff.url()}`);
  });

  // the first login's set-up: password and TOTP from the QR code's key
  await step('first-login set-up in the browser', async () => {
    const p = await newPage(browser);
    await go(p, '/login');
    await p.fill('input#user', 'kimura');
    await p.fill('input#password', S.users.kimura.password);
    await navClick(p, 'button#login-submit');
    await shot(p, 'enrol');
    const svg = await p.$('div#qr svg');
    const key = (await text(p, 'code#secret'))?.trim() ?? '';
    check('a first login with the one-time password leads to the set-up: a QR code and its key',
      new URL(p.url()).pathname === '/enrol' && svg !== null && /^[A-Z2-7]{16,}$/.test(key),
      `${p.url()} ${key}`);
    const pw = 'きむら-新しいパスワード-1';
    await p.fill('input#password', pw);
    await p.fill('input#password2', pw);
    await p.fill('input#totp', totpAt(key, Math.floor(Date.now() / 1000 / 30)));
    await navClick(p, 'button#enrol-submit');
    await shot(p, 'enrol-recovery-codes');
    const codes = await p.$$eval('ol#recovery-codes code', (c) => c.map((x) => x.textContent));
    check('the set-up done, ten recovery codes are shown once',
      codes.length === 10 && codes.every((c) => /^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}$/.test(c)),
      JSON.stringify(codes));
    const r = await go(p, '/approvals', 'enrolled-approver-queue');
    check('the enrolled approver reaches the queue', r?.status() === 200 &&
      new URL(p.url()).pathname === '/approvals', p.url());
    // later, the password changed from the header's link (the next TOTP step: each once)
    await navClick(p, 'a#nav-password');
    await shot(p, 'password');
    const pw2 = 'きむら-二つ目のパスワード-2';
    await p.fill('input#current', pw);
    await p.fill('input#password', pw2);
    await p.fill('input#password2', pw2);
    await p.fill('input#totp', totpAt(key, Math.floor(Date.now() / 1000 / 30) + 1));
    await navClick(p, 'button#password-submit');
    await shot(p, 'password-changed');
    const done = await text(p, '#flash');
    check('the password changed from the header link (current password, new one twice, a code)',
      new URL(p.url()).pathname === '/password' && (done ?? '').includes('変更しました'),
      `${p.url()} ${done}`);
    await p.close();
  });

  // PPAP: the encrypted zip opened with its password, one wrong then the right one
  await step('ppap', async () => {
    const ppap = ITEMS.ppap;
    await go(staff, S.links.ppap, 'ppap-item');
    const form = await staff.$('form.unlock');
    check('an encrypted zip (PPAP) offers opening with the password sent apart', form !== null,
      staff.url());
    await staff.fill('form.unlock input.unlock-password', 'Machigai-9999');
    const r1 = await navClick(staff, 'form.unlock button.unlock-submit');
    await shot(staff, 'ppap-wrong-password');
    const flash = await text(staff, 'div#flash');
    check('a wrong password is refused, said so', r1?.status() === 200 &&
      (flash ?? '').includes('パスワードが違います'), `${r1?.status()} ${flash}`);
    await staff.fill('form.unlock input.unlock-password', 'Himitsu-2026');
    const dl = staff.waitForEvent('download');
    clicks++;
    await staff.click('form.unlock button.unlock-submit');
    const d = await dl;
    const file = path.join(path.dirname(process.argv[2]), 'ppap-opened.zip');
    await d.saveAs(file);
    let member = '';
    try {
      member = execFileSync('unzip', ['-p', file], { encoding: 'utf8' });
    } catch (e) {
      member = String(e);
    }
    check('the right password gives the zip sanitised, its member readable (' +
      d.suggestedFilename() + ')', member.includes('1,234,000'), member.slice(0, 80));
    const ev = consoleEvents({ item: ppap }).map((r) => r.receipt.event);
    check('recorded: ppap-wrong-password, then ppap-open', JSON.stringify(ev) ===
      JSON.stringify(['ppap-wrong-password', 'ppap-open']), JSON.stringify(ev));
  });

  // 9. an expired session
  await step('expired session', async () => {
    const c = await sessionCookie(satoPage);
    const digest = createHash('sha256').update(c.value).digest('hex');
    const py = 'import sqlite3, sys\n' +
      'db = sqlite3.connect(sys.argv[1], timeout=10)\n' +
      'n = db.execute("UPDATE sessions SET seen_at = seen_at - 100000, created_at = ' +
      'created_at - 100000 WHERE token_digest = ?", (sys.argv[2],)).rowcount\n' +
      'db.commit()\nprint(n)\n';
    // as the store's owner, so that no file of the database becomes root's
    const out = execFileSync(S.python, ['-c', py, S.db, digest], { encoding: 'utf8', cwd: '/',
      ...(S.db_uid !== null ? { uid: S.db_uid, gid: S.db_gid } : {}) }).trim();
    const r = await go(satoPage, '/items', 'expired-session');
    const u = new URL(satoPage.url());
    const api = await raw('/api/items', { cookie: `__Host-sk_session=${c.value}` });
    check('an expired session (aged in the database) leads to the login page',
      out === '1' && r?.status() === 200 && u.pathname === '/login' &&
      u.searchParams.get('next') === '/items' && api.status === 401,
      `rows ${out}, ${r?.status()} ${satoPage.url()}, api ${api.status}`);
  });

  // 8. lockout
  await step('lockout', async () => {
    const p = await newPage(browser);
    await go(p, '/login');
    const statuses = [];
    for (let i = 0; i < S.login_failures; i++) {
      const r = await login(p, 'yamada', { password: `wrong-password-${i}`,
        code: totpAt(S.users.yamada.totp_secret, Math.floor(Date.now() / 30000)) });
      statuses.push(r?.status());
    }
    await shot(p, 'login-wrong-password');
    const r = await login(p, 'yamada', { shotName: 'login-locked' });
    const flash = await text(p, 'div#flash');
    check(`lockout: after ${S.login_failures} wrong passwords the right password and code ` +
      'are refused with the locked message',
      statuses.every((s) => s === 403) && r?.status() === 403 &&
      (flash ?? '').includes('ロックされています') && await sessionCookie(p) === undefined,
      `${statuses} then ${r?.status()} ${flash}`);
    const ev = consoleEvents({ event: 'login-failed', user: 'yamada' }).map((x) => x.receipt.detail);
    check('the failures and the lock are in the journal',
      ev.filter((x) => x === 'wrong-password').length >= S.login_failures - 1 &&
      ev.includes('locked-now') && ev.includes('locked'), JSON.stringify(ev));
    await p.context().close();
  });

  // 12. security headers and the cookie
  await step('headers', async () => {
    const p = await newPage(browser);
    await go(p, '/login');
    let setCookie = null;
    p.on('response', async (resp) => {
      if (resp.request().method() === 'POST' && resp.url() === `${BASE}/login`) {
        setCookie = (await resp.allHeaders())['set-cookie'] ?? setCookie;
      }
    });
    await login(p, 'tanaka');
    const r = await go(p, '/items', 'items-headers');
    const h = r ? await r.allHeaders() : {};
    const csp = h['content-security-policy'] ?? '';
    check('security headers: Content-Security-Policy default-src \'none\', X-Frame-Options DENY',
      /(^|;)\s*default-src 'none'/.test(csp) && /frame-ancestors 'none'/.test(csp) &&
      h['x-frame-options'] === 'DENY' && h['x-content-type-options'] === 'nosniff',
      JSON.stringify(h));
    const c = await sessionCookie(p);
    check('the session cookie is Secure, HttpOnly, SameSite=Strict (__Host-, Path=/)',
      c !== undefined && c.secure && c.httpOnly && c.sameSite === 'Strict' && c.path === '/' &&
      (setCookie === null || (/;\s*Secure/i.test(setCookie) && /;\s*HttpOnly/i.test(setCookie) &&
        /;\s*SameSite=Strict/i.test(setCookie))),
      `${JSON.stringify(c && { ...c, value: '…' })} ${setCookie?.replace(/=[0-9a-f]{64}/, '=…')}`);

    // 13. English
    const en = await go(p, '/items?lang=en', 'items-english');
    const h1 = await text(p, 'main h1');
    const logout = await text(p, 'button#logout');
    const lang = await p.getAttribute('html', 'lang');
    await go(p, `/items/${stripped}`, 'item-english');
    const h2 = await p.$$eval('main h2', (t) => t.map((x) => x.textContent));
    check('English: /items?lang=en shows the pages in English (and keeps it)',
      en?.status() === 200 && h1 === 'My mail' && logout === 'Log out' && lang === 'en' &&
      h2.includes('Original') && (await text(p, 'a#lang')) === '日本語',
      `${h1} / ${logout} / ${lang} / ${h2}`);
    await go(p, '/items?lang=ja');

    // 11. logout
    const before = (await sessionCookie(p)).value;
    const lo = await navClick(p, 'button#logout');
    await shot(p, 'logged-out');
    const after = await raw('/items', { cookie: `__Host-sk_session=${before}` });
    const api = await raw('/api/items', { cookie: `__Host-sk_session=${before}` });
    check('logout ends the session: the old cookie leads to the login page',
      lo?.status() === 200 && new URL(p.url()).pathname === '/login' &&
      await sessionCookie(p) === undefined && after.status === 303 &&
      /^\/login/.test(after.headers.location ?? '') && api.status === 401,
      `${lo?.status()} ${p.url()}, old cookie: ${after.status} ${after.headers.location}, api ${api.status}`);
    const ev = consoleEvents({ event: 'logout', user: 'tanaka' });
    check('the logout is in the journal', ev.length === 1, `${ev.length} records`);
    await p.context().close();
  });

  await go(staff, '/login?lang=en', 'login-english');
  check('no dialog opened on any page', dialogs === 0, `${dialogs} dialogs`);
  await browser.close();
}

try {
  await main();
  console.log(`web: ${shotNo} screenshots in ${S.shots}`);
  process.exit(failures ? 1 : 0);
} catch (e) {
  console.log(`web: the browser test broke: ${e.stack ?? e}`);
  process.exit(2);
}
