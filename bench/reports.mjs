// Reports against the local harness in one run: the traffic overview (GET /api/sites/:site/stats)
// and a saved funnel (GET /api/sites/:site/funnels/:id) timed next to the trivial route (/healthz)
// after 10,000 visitors sent through /v1/collect, and the ad hoc funnel
// (GET /api/sites/:site/funnels?steps=…) over the first 3,000 of them, timed once per answer.
// Usage: node bench/reports.mjs   (part of `npm run bench`; `npm run bench -- reports` for just this)
// Smaller runs while developing: BENCH_REPORTS_VISITORS (10000), BENCH_REPORTS_ADHOC (3000),
// BENCH_REPORTS_N (200 requests per route at 1 connection, 1.5x at 10), BENCH_REPORTS_SEED_S (300:
// seeding takes no new visitor after that many seconds), BENCH_REPORTS_STATE (default /dev/shm).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { freePort, startEdge } from '../scripts/edge-server.mjs';
import { prng } from '../scripts/prng.mjs';
import { load, pct } from './load.mjs';
import { HOST, send, visitor } from './reports-traffic.mjs';

const DAY_MS = 86_400_000;
const SITE = 'bench-reports';
const EMPTY = 'bench-empty';
const STEPS = [{ type: 'page', path: '/pricing' }, { name: 'Signup' }, { name: 'Purchase' }];
const GOALS = ['Signup', 'Purchase'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const id = () => randomUUID().replace(/-/g, '');
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const arrow = (steps) => steps.map(fmt).join(' → ');
const began = performance.now();
/** Progress on stderr, so a long run says where it is. */
const log = (msg) => console.error(`[reports ${((performance.now() - began) / 1000).toFixed(0)} s] ${msg}`);

export async function reports({
  visitors: total = Number(process.env.BENCH_REPORTS_VISITORS) || 10_000,
  adhocProfiles = Math.min(total, Number(process.env.BENCH_REPORTS_ADHOC) || 3_000),
  n = Number(process.env.BENCH_REPORTS_N) || 200,
  // Seeding stops taking new visitors after this long (the funnel's share is always sent whole).
  seedBoundS = Number(process.env.BENCH_REPORTS_SEED_S) || 300,
} = {}) {
  // The objects' SQLite files on tmpfs: on this machine's disk, creating a profile object per new
  // visitor (its file, its schema, fsyncs) made seeding about 2.5x slower. BENCH_REPORTS_STATE names another place.
  const stateBase = process.env.BENCH_REPORTS_STATE || (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const dir = mkdtempSync(join(stateBase, 'attune-bench-'));
  const token = id();
  const envFile = join(dir, 'vars.env');
  writeFileSync(envFile, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${id()}"\n`);
  const edge = await startEdge({ port: await freePort(), envFile, persistTo: join(dir, 'state') });
  const auth = { Authorization: `Bearer ${token}` };
  const api = async (path, init = {}) => {
    const res = await fetch(`${edge.url}/api/sites/${SITE}${path}`, { ...init, headers: { ...auth, 'content-type': 'application/json', ...init.headers } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return { body: JSON.parse(text), bytes: Buffer.byteLength(text), text };
  };
  try {
    const made = await fetch(`${edge.url}/api/sites`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ key: SITE, name: 'Bench shop', origins: [HOST], goals: GOALS }),
    });
    if (made.status !== 201) throw new Error(`creating the site: ${made.status} ${await made.text()}`);
    // A site with no traffic: its overview asks the same objects and adds up nothing.
    const empty = await fetch(`${edge.url}/api/sites`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ key: EMPTY, name: 'Empty shop', origins: [HOST] }) });
    if (empty.status !== 201) throw new Error(`creating the empty site: ${empty.status} ${await empty.text()}`);
    // The saved funnel first: it counts events from the moment it is saved, by event time.
    const funnel = (await api('/funnels', { method: 'POST', body: JSON.stringify({ name: 'Pricing to purchase', steps: STEPS, windowHours: 24 }) })).body;
    const t0 = funnel.createdAt;
    const rand = prng(20261202);

    // Phase 1, the funnel's share: visitors whose events come just after the funnel was saved (in
    // the minute after it), seconds apart.
    const recent = Array.from({ length: adhocProfiles }, () => {
      const base = t0 + 1 + Math.floor(rand() * 60_000);
      const gap = 1_000 + Math.floor(rand() * 14_000);
      return visitor(rand, (i) => base + i * gap);
    });
    // Phase 2, the overview's past: the other visitors spread over the 30 days before the funnel,
    // each over a few minutes, all before it was saved.
    const rangeStart = Date.parse(day(t0 - 29 * DAY_MS));
    const past = Array.from({ length: total - adhocProfiles }, () => {
      const base = rangeStart + Math.floor(rand() * (t0 - 30 * 60_000 - rangeStart));
      const gap = 10_000 + Math.floor(rand() * 290_000);
      return visitor(rand, (i) => base + i * gap);
    });
    const expected = [1, 2, 3].map((k) => recent.filter((v) => v.reached >= k).length);
    const events = (list) => list.reduce((s, v) => s + v.events.length, 0);

    const stats = (query = '') => `${edge.url}/api/sites/${SITE}/stats${query}`;
    const statsNow = async () => (await api('/stats')).body;
    const savedNow = async () => (await api(`/funnels/${funnel.id}`)).body.steps.map((s) => s.visitors);
    /**
     * Polls the overview until it counts `want` visitors and the saved funnel `funnelWant` people
     * per step, for at most SETTLE_S: returns the seconds it took and what was counted last.
     */
    const SETTLE_S = 90;
    const settle = async (want, funnelWant) => {
      const start = performance.now();
      for (;;) {
        const seen = (await statsNow()).totals.visitors;
        const steps = await savedNow();
        const done = seen === want && JSON.stringify(steps) === JSON.stringify(funnelWant);
        const seconds = (performance.now() - start) / 1000;
        if (done || seconds > SETTLE_S) return { seconds, seen, steps, done };
        await sleep(250);
      }
    };
    const settledText = (r, want, who = '') =>
      r.done ? `counted${who} ${r.seconds.toFixed(1)} s after the last batch` : `**still ${fmt(r.seen)} of ${fmt(want)} visitors counted ${SETTLE_S} s after the last batch** (saved funnel ${arrow(r.steps)})`;

    log(`sending ${fmt(recent.length)} visitors after the saved funnel`);
    const seed1 = (await send(edge.url, SITE, recent, 10)).seconds;
    log(`sent in ${seed1.toFixed(1)} s; waiting for the overview and the funnel to count them`);
    const settle1 = await settle(recent.length, expected);
    log(settledText(settle1, recent.length));

    // The ad hoc funnel over the first visitors' profiles: one answer at a time, three times.
    const adhocUrl = `/funnels?steps=${encodeURIComponent(JSON.stringify(STEPS))}&windowHours=24`;
    const adhoc = async (timeoutMs = 120_000) => {
      const t = performance.now();
      const { body } = await api(adhocUrl, { signal: AbortSignal.timeout(timeoutMs) });
      return { seconds: (performance.now() - t) / 1000, population: body.population, sampled: body.sampled, steps: body.steps.map((s) => s.visitors) };
    };
    // The activity feed (which the ad hoc funnel samples) fills through its own queue: wait for it.
    let first = await adhoc();
    for (let i = 0; first.population < recent.length && i < 20; i++) {
      await sleep(500);
      first = await adhoc();
    }
    const adhocRuns = [first, await adhoc(), await adhoc()];
    log(`ad hoc funnel: ${adhocRuns.map((r) => r.seconds.toFixed(2)).join(', ')} s; sending up to ${fmt(past.length)} visitors over the past 30 days`);

    // The rest within what is left of the seeding bound (sending time only).
    const pastPhase = await send(edge.url, SITE, past, 10, performance.now() + (seedBoundS - seed1) * 1000);
    const seed2 = pastPhase.seconds;
    const sentPast = pastPhase.sent;
    const counted = recent.length + sentPast.length;
    log(`sent ${fmt(sentPast.length)} in ${seed2.toFixed(1)} s; waiting for the overview to count them`);
    const settle2 = await settle(counted, expected);
    log(`${settledText(settle2, counted)}; timing the routes`);
    const saved = await savedNow();

    // The overview's answer: its size, and what it counted.
    const overview = await api('/stats');
    const gzipBytes = gzipSync(overview.text, { level: 6 }).length;

    const weekFrom = day(Date.now() - 6 * DAY_MS);
    let cold = 0;
    // [name in the table, short name for the verdicts, request]
    const routes = [
      ['GET /healthz (trivial route)', 'trivial', () => [`${edge.url}/healthz`, {}]],
      ['GET /stats (30 days, by day)', '30 days by day', () => [stats(), { headers: auth }]],
      // A query not asked since the sums last changed: worked out from the sums, not the shard's kept answer.
      ['GET /stats, a new query each time (30 days, by day: cold)', 'cold', () => [stats(`?limit=${1000 - (cold++ % 999)}`), { headers: auth }]],
      ['GET /stats?filter=channels:email (30 days, by day)', 'filtered', () => [stats('?filter=channels:email'), { headers: auth }]],
      [`GET /stats?from=${weekFrom}&interval=hour (7 days, by hour)`, '7 days by hour', () => [stats(`?from=${weekFrom}&interval=hour`), { headers: auth }]],
      ['GET /funnels/:id (saved funnel)', 'saved funnel', () => [`${edge.url}/api/sites/${SITE}/funnels/${funnel.id}`, { headers: auth }]],
      // Where the time goes: the admin check and one object call; the overview's fan-out with nothing to add up.
      ['GET /api/sites/:site (admin auth, one object call)', 'one call', () => [`${edge.url}/api/sites/${SITE}`, { headers: auth }]],
      ['GET /stats of a site with no traffic (30 days, by day)', 'empty', () => [`${edge.url}/api/sites/${EMPTY}/stats`, { headers: auth }]],
    ];
    for (const [, , make] of routes) await load(make, 30, 5); // warm up
    // Rounds interleave the routes, so whatever else the machine does falls on all of them alike.
    const rows = [];
    for (const connections of [1, 10]) {
      const count = connections === 1 ? n : Math.round(1.5 * n);
      const rounds = 3;
      const pooled = Object.fromEntries(routes.map(([k]) => [k, { latencies: [], failed: 0 }]));
      for (let r = 0; r < rounds; r++) {
        for (const [name, , make] of routes) {
          const res = await load(make, Math.ceil(count / rounds), connections);
          pooled[name].latencies.push(...res.latencies);
          pooled[name].failed += res.failed;
        }
      }
      for (const [name, p] of Object.entries(pooled)) {
        p.latencies.sort((a, b) => a - b);
        rows.push({ name, connections, requests: p.latencies.length, p50: pct(p.latencies, 50), p99: pct(p.latencies, 99), failed: p.failed });
      }
    }
    // The ad hoc funnel once more over every profile (it asks at most its sample of them), bounded.
    const ALL_TIMEOUT_S = 60;
    log('ad hoc funnel over every profile');
    const adhocAll = await adhoc(ALL_TIMEOUT_S * 1000).catch((err) => {
      if (err.name === 'TimeoutError') return null;
      throw err;
    });

    const base = (c) => rows.find((r) => r.connections === c && r.name.startsWith('GET /healthz'));
    const table = [
      '| Route | connections | requests | p50 (ms) | p99 (ms) | p50 ÷ trivial | p99 ÷ trivial | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.connections} | ${r.requests} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.p50 / base(r.connections).p50).toFixed(2)}× | ${(r.p99 / base(r.connections).p99).toFixed(2)}× | ${r.failed} |`,
      ),
    ].join('\n');

    const sent = events(recent) + events(sentPast);
    const seedSeconds = seed1 + seed2;
    const t = overview.body.totals;
    const perSecond = counted / seedSeconds;
    const cut = counted < total
      ? ` **${fmt(counted)} of the ${fmt(total)} visitors wanted**: sending stops taking visitors after ${seedBoundS} s (BENCH_REPORTS_SEED_S), and at this run's ${perSecond.toFixed(1)} visitors/s ${fmt(total)} would have taken about ${fmt(total / perSecond)} s.`
      : '';
    const seeding =
      `Seeding: ${fmt(counted)} visitors, ${fmt(sent)} events (1-4 per visitor, one batch each, a browser's user agent) through \`POST /v1/collect\` over 10 connections in ` +
      `${seedSeconds.toFixed(1)} s → **${fmt(sent / seedSeconds)} events/s** (${perSecond.toFixed(1)} batches/s, each a new visitor): first the saved funnel's ` +
      `${fmt(recent.length)} visitors (events in the minute after it was saved; ${seed1.toFixed(1)} s to send, all ${settledText(settle1, recent.length, ' by the overview and the funnel')}), ` +
      `then ${fmt(sentPast.length)} spread over the 30 days before it (${seed2.toFixed(1)} s, ${settledText(settle2, counted)}).${cut} ` +
      `The overview then counted ${fmt(t.visitors)} visitors, ${fmt(t.visits)} visits, ${fmt(t.pageviews)} page views and ${fmt(t.conversions)} conversions; ` +
      `its answer (30 days by day, 12 breakdowns of up to 100 rows) is **${fmt(overview.bytes)} bytes** of JSON (${fmt(gzipBytes)} B gzip -6).`;

    const mark = (ok) => (ok ? 'met' : '**over**');
    const ratio = (name, c, k) => { const r = rows.find((x) => x.connections === c && x.name === name); return r[k] / base(c)[k]; };
    const at = (name) =>
      [1, 10].map((c) => `${c} conn. p50 ${ratio(name, c, 'p50').toFixed(2)}× (${mark(ratio(name, c, 'p50') <= 2)}), p99 ${ratio(name, c, 'p99').toFixed(2)}×`).join('; ');
    const savedOk = JSON.stringify(saved) === JSON.stringify(expected);
    const adhocOk = (r) => r.population === recent.length;
    const adhocMedian = median(adhocRuns.map((r) => r.seconds));
    const funnelLine =
      `Saved funnel (page /pricing → Signup → Purchase, 24 h): ${arrow(saved)} people, ${savedOk ? 'exactly' : `**not** (expected ${arrow(expected)})`} what the bench sent. ` +
      `Ad hoc funnel, the same steps over the first ${fmt(recent.length)} profiles, one answer at a time: ` +
      adhocRuns.map((r, i) => `run ${i + 1} ${r.seconds.toFixed(2)} s (population ${fmt(r.population)}, sampled ${fmt(r.sampled)}, ${arrow(r.steps)})`).join('; ') +
      `; median **${adhocMedian.toFixed(2)} s**. Over all ${fmt(counted)} profiles afterwards, once: ${adhocAll ? `${adhocAll.seconds.toFixed(2)} s (population ${fmt(adhocAll.population)}, sampled ${fmt(adhocAll.sampled)})` : `no answer within ${ALL_TIMEOUT_S} s (given up)`}.`;
    const budgets =
      `Budgets: the traffic overview within 2× the trivial route (p50) — ${routes.filter(([k, label]) => k.startsWith('GET /stats') && label !== 'empty').map(([k, label]) => `${label}: ${at(k)}`).join('; ')}. ` +
      `A saved funnel within 2× — ${at('GET /funnels/:id (saved funnel)')}. ` +
      `An ad hoc funnel over ${fmt(recent.length)} profiles ≤ 3 s — median ${adhocMedian.toFixed(2)} s of ${adhocRuns.map((r) => r.seconds.toFixed(2)).join(', ')} (${mark(adhocMedian <= 3 && adhocRuns.every(adhocOk))}${adhocRuns.every(adhocOk) ? '' : ': not every answer covered them all'}).`;
    // What the edge logged as going wrong (wrangler dev prints the Worker's and objects' console.error).
    // (Not wrangler's own failure to fetch the \`request.cf\` placeholder: this machine has no internet.)
    const problems = edge.output().split('\n').filter((l) => /failed|uncaught|exception|error/i.test(l) && !/workers\.cloudflare\.com|^\s+at |^\[wrangler:info\] (GET|POST) /.test(l));
    const logLine = problems.length
      ? `The edge logged ${fmt(problems.length)} error line(s) during the run, e.g. \`${problems[0].trim().slice(0, 200).replace(/`/g, "'")}\`.`
      : 'The edge logged no error during the run.';
    // Where the overview's time goes, from this run's rows (p50, 1 connection).
    const p50 = (label) => rows.find((r) => r.connections === 1 && r.name === routes.find(([, l]) => l === label)[0]).p50;
    const over = (label) => p50(label) - p50('trivial');
    const plus = (ms) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;
    const where =
      `Where the overview's time goes (p50 at 1 connection, over the trivial route's ${p50('trivial').toFixed(1)} ms): the admin check and one object call ${plus(over('one call'))}; ` +
      `the overview of a site with no traffic ${plus(over('empty'))} (the site's traffic object, asked once); ` +
      `this site's 30-day overview ${plus(over('30 days by day'))} as the traffic object keeps it until the next increment changes its sums, ` +
      `and ${plus(over('cold'))} worked out afresh (${plus(p50('cold') - p50('empty'))} for adding up the range's weekly and daily rows in SQL); filtered ${plus(over('filtered'))}, 7 days by hour ${plus(over('7 days by hour'))}.`;
    return { markdown: `${table}\n\n${seeding} ${logLine}\n\n${funnelLine}\n\n${budgets}\n\n${where}`, rows, visitors: counted, wanted: total, adhocProfiles: recent.length };
  } finally {
    await edge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && process.argv[1].endsWith('reports.mjs')) console.log((await reports()).markdown);
