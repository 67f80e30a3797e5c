// bench/console_load.js - the client of bench/console_load (node 18+, no
// packages): S staff sessions against one sekishod console, each its own
// keep-alive HTTPS connection (one https.Agent per session, one socket).
//
// Environment (set by bench/console_load):
//   PORT          the console's HTTPS port on 127.0.0.1
//   USERS         a file of JSON lines {"name":…,"password":…}, one a session
//   DURATION      seconds of each measured phase
//   WARMUP        seconds over which the sessions log in, one after another,
//                 each paging from its login on (not counted)
//   THINK         mean milliseconds a session waits after each answer
//                 (exponential; 0: closed loop, no wait)
//   SEKISHOD_PID  sekishod's master: its children's CPU is sampled per phase
//   PG_PID        PostgreSQL's postmaster, or empty: its children's CPU too
//   CLK_TCK       clock ticks a second (getconf CLK_TCK)
//
// Phases: each session connects (one untimed request: the TLS handshake is
// not in the baseline), DURATION s of GET /static/console.css (the
// baseline: TLS, HTTP and libmicrohttpd, no session and no monitor round
// trip); then the sessions log in (password only: console_totp_staff = no)
// one after another over WARMUP s, each paging from its login on; then
// DURATION s of pages, counted: GET /items (the list), then GET /items/<id>
// for one of the ids that list shows, chosen at random, again and again.
// Each answer's time is from the request written to its last byte read.
// Why the logins are spread: the monitor writes a session's seen_at at its
// first request 30 s or more after the last write (MONITOR_SEEN_EVERY), a
// committed transaction each; sessions that logged in together would all
// write at once every 30 s, which staff who arrive at different times do
// not do.
// Prints a report; the last line is a JSON summary for the driver.
'use strict';
const https = require('https');
const fs = require('fs');

const PORT = +process.env.PORT;
const DURATION = +(process.env.DURATION || 30) * 1000;
const WARMUP = +(process.env.WARMUP || 30) * 1000;
const THINK = +(process.env.THINK || 0);
const TCK = +(process.env.CLK_TCK || 100);
const users = fs.readFileSync(process.env.USERS, 'utf8').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l));

function request(s, method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (s.cookie) headers.Cookie = s.cookie;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const t0 = process.hrtime.bigint();
    const rq = https.request({ host: '127.0.0.1', port: PORT, method, path, agent: s.agent,
      headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (counting && ms > 1000) slow.push(`${path.replace(/\/SK-.*/, '/<id>')} ${(ms / 1000).toFixed(1)} s at ${new Date(Date.now() - ms).toISOString().slice(11, 19)}`);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), ms });
      });
      res.on('error', reject);
    });
    rq.on('error', reject);
    rq.end(body);
  });
}

const slow = [];
let counting = false;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// staff reading: exponential with mean THINK (sessions do not stay in step)
const think = () => (THINK ? sleep(-THINK * Math.log(1 - Math.random())) : null);

// CPU of the server's processes, by name (children of sekishod; every child of
// the postmaster as "postgres"), this client and the whole machine.
function ticks(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return { ppid: +f[1], t: +f[11] + +f[12], comm: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')) };
  } catch (e) {
    return null;
  }
}
function snapshot() {
  const by = {}, rest = {};
  const roots = { [process.env.SEKISHOD_PID]: null };
  if (process.env.PG_PID) roots[process.env.PG_PID] = 'postgres';
  const all = {};
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const t = ticks(p);
    if (t) all[p] = t;
  }
  const label = (pid) => {	// the nearest root's name, or the child's own
    for (let p = pid, d = 0; p && all[p] && d < 6; p = all[p].ppid, d++) {
      if (p in roots) return roots[p] || (p === pid ? 'sekishod' : all[pid].comm);
    }
    return null;
  };
  for (const p of Object.keys(all)) {
    const l = label(p);
    if (l) by[l] = (by[l] || 0) + all[p].t;
    else if (+p !== process.pid) rest[p] = all[p];
  }
  // user nice system idle iowait irq softirq steal
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const u = process.cpuUsage();
  return { by, rest, client: (u.user + u.system) / 1e6, idle: cpu[3] + cpu[4], irq: cpu[5] + cpu[6],
    steal: cpu[7], total: cpu.reduce((x, y) => x + y, 0), at: Date.now() };
}
function cpuDelta(a, b) {
  const out = {}, others = {};
  for (const k of Object.keys(b.by)) {
    const d = (b.by[k] - (a.by[k] || 0)) / TCK;
    if (d > 0) out[k] = d;
  }
  out['client (node)'] = b.client - a.client;
  for (const p of Object.keys(b.rest)) {	// processes of others, by name
    const d = (b.rest[p].t - (a.rest[p] ? a.rest[p].t : 0)) / TCK;
    const name = b.rest[p].comm.replace(/^(kworker)\/.*/, '$1');	// kworker/1:2-events
    if (d > 0) others[name] = (others[name] || 0) + d;
  }
  const total = b.total - a.total;
  return { cpu: out, others, secs: (b.at - a.at) / 1000, idle: (b.idle - a.idle) / total,
    irq: (b.irq - a.irq) / total, steal: (b.steal - a.steal) / total };
}

function pct(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
function stats(ms, secs) {
  const s = Float64Array.from(ms).sort();
  return { n: s.length, rate: s.length / secs, p50: pct(s, 0.5), p90: pct(s, 0.9), p99: pct(s, 0.99),
    max: s.length ? s[s.length - 1] : NaN };
}

async function login(s) {
  const body = new URLSearchParams({ user: s.name, password: s.password, totp: '' }).toString();
  const r = await request(s, 'POST', '/login', body);
  const c = [].concat(r.headers['set-cookie'] || []).find((v) => v.startsWith('__Host-sk_session='));
  if (r.status !== 303 || !c) throw new Error(`login of ${s.name}: ${r.status} ${r.body.toString().slice(0, 200)}`);
  s.cookie = c.split(';')[0];
  return r.ms;
}

const ID = /<tr class="item" data-id="([^"]+)"/g;
async function pages(s, until, rec) {
  while (Date.now() < until) {
    const l = await request(s, 'GET', '/items');
    if (l.status !== 200) { rec.errors.push(`/items ${l.status}`); await sleep(100); continue; }
    const ids = [...l.body.toString('latin1').matchAll(ID)].map((m) => m[1]);
    rec.list.push(l.ms);
    rec.listed.push(ids.length);
    await think();
    if (!ids.length) { rec.errors.push('/items: no item'); continue; }
    const i = await request(s, 'GET', '/items/' + ids[Math.floor(Math.random() * ids.length)]);
    if (i.status !== 200) rec.errors.push(`/items/<id> ${i.status}`);
    else rec.item.push(i.ms);
    await think();
  }
}
async function statics(s, until, rec) {
  while (Date.now() < until) {
    const r = await request(s, 'GET', '/static/console.css');
    if (r.status !== 200) rec.errors.push(`/static/console.css ${r.status}`);
    else rec.static.push(r.ms);
    await think();
  }
}

async function phase(sessions, fn) {
  const rec = { list: [], item: [], static: [], listed: [], errors: [] };
  const a = snapshot();
  const until = Date.now() + DURATION;
  counting = true;
  await Promise.all(sessions.map(async (s) => {
    if (THINK) await sleep(Math.random() * THINK);	// not all at once
    await fn(s, until, rec);
  }));
  counting = false;
  return Object.assign(rec, cpuDelta(a, snapshot()));
}

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
function row(label, st) {
  console.log(`  ${label.padEnd(22)} ${String(st.n).padStart(7)} ${f1(st.rate).padStart(8)}/s` +
    `  p50 ${f1(st.p50).padStart(6)}  p90 ${f1(st.p90).padStart(6)}  p99 ${f1(st.p99).padStart(6)}` +
    `  max ${f1(st.max).padStart(7)} ms`);
}
function cpuLine(ph, pagesDone) {
  const ncpu = require('os').cpus().length;
  const parts = Object.entries(ph.cpu).filter(([, v]) => v / ph.secs >= 0.005).sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(100 * v / ph.secs).toFixed(0)}% (${(1000 * v / pagesDone).toFixed(2)} ms/page)`);
  console.log(`  CPU (of one core; per answer): ${parts.join(', ')}`);
  // everything else: the machine's busy time less ours and interrupts (also
  // processes that came and went within the phase)
  const ours = Object.values(ph.cpu).reduce((a, b) => a + b, 0) / ph.secs;
  const others = Math.max(0, (1 - ph.idle - ph.irq - ph.steal) * ncpu - ours);
  const top = Object.entries(ph.others).sort((a, b) => b[1] - a[1]).slice(0, 3)
    .filter(([, v]) => v / ph.secs >= 0.01).map(([k, v]) => `${k} ${(100 * v / ph.secs).toFixed(0)}%`);
  console.log(`  machine (${ncpu} cores): other processes ${(100 * others).toFixed(0)}%` +
    (top.length ? ` (${top.join(', ')})` : '') + `, interrupts ${(100 * ph.irq * ncpu).toFixed(0)}%,` +
    ` steal ${(100 * ph.steal * ncpu).toFixed(0)}%, idle ${(100 * ph.idle * ncpu).toFixed(0)}% of one core`);
}

(async () => {
  const sessions = users.map((u) => ({ name: u.name, password: u.password,
    agent: new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }) }));
  await Promise.all(sessions.map((s) => request(s, 'GET', '/static/console.css')));	// connect
  const base = await phase(sessions, statics);
  for (const s of sessions) {	// staff arriving: a new connection each
    s.agent.destroy();
    s.agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  }
  const warm = { list: [], item: [], listed: [], errors: [] }, logins = [];
  const until = Date.now() + WARMUP;
  await Promise.all(sessions.map(async (s, i) => {
    await sleep(i * WARMUP / sessions.length);
    logins.push(await login(s));
    await pages(s, until, warm);
  }));
  if (warm.errors.length) throw new Error(`warm-up: ${warm.errors.slice(0, 3).join('; ')}`);
  console.log(`  ${sessions.length} sessions logged in (password only) one by one over ${WARMUP / 1000} s, each` +
    ` paging from then on (not counted); login p50 ${f1(pct(Float64Array.from(logins).sort(), 0.5))} ms,` +
    ` max ${f1(Math.max(...logins))} ms`);
  const pg = await phase(sessions, pages);
  const st = stats(base.static, base.secs);
  const li = stats(pg.list, pg.secs), it = stats(pg.item, pg.secs);
  const all = stats(pg.list.concat(pg.item), pg.secs);
  const listed = pg.listed.length ? pg.listed.reduce((a, b) => a + b, 0) / pg.listed.length : 0;
  console.log(`  ${sessions.length} sessions, ${DURATION / 1000} s a phase, ${THINK ? THINK + ' ms think time' : 'closed loop (no think time)'};` +
    ' answers, answers/s, times in ms:');
  row('baseline static css', st);
  row('console: list', li);
  row('console: item page', it);
  row('console: both', all);
  console.log(`  list shows ${listed.toFixed(0)} items on average; bodies: errors ${base.errors.length + pg.errors.length}` +
    (pg.errors.length ? ` (${[...new Set(pg.errors)].slice(0, 3).join('; ')})` : ''));
  if (slow.length) console.log(`  answers over 1 s: ${slow.length} (${slow.slice(0, 4).join(', ')}${slow.length > 4 ? ', …' : ''})`);
  console.log(`  ratios: p99 pages / p99 static ${(all.p99 / st.p99).toFixed(1)}x, ` +
    `pages/s / static/s ${(all.rate / st.rate).toFixed(3)}`);
  console.log('  baseline phase:');
  cpuLine(base, st.n);
  console.log('  pages phase:');
  cpuLine(pg, all.n);
  console.log(JSON.stringify({ static: st, list: li, item: it, all, listed,
    errors: base.errors.length + pg.errors.length, cpu_static: base.cpu, cpu_pages: pg.cpu,
    others_static: base.others, others_pages: pg.others, idle_static: base.idle, idle_pages: pg.idle }));
})().catch((e) => { console.error('console_load.js: ' + (e && e.stack || e)); process.exit(1); });
