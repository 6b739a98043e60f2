// Edge API latency and ingest throughput, measured against the local harness itself in one run:
// a trivial route (/healthz) next to /v1/decide and /v1/collect, at 1 and 10 connections, and a
// zero-loss ingest count (every accepted event looked up again in its profile).
// Usage: node bench/edge-api.mjs   (part of `npm run bench`)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort, seedDemo, startEdge } from '../scripts/edge-server.mjs';
import { load, pct } from './load.mjs';

const id = () => randomUUID().replace(/-/g, '');


export async function edgeApi({ n = Number(process.env.BENCH_EDGE_N) || 1500 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-'));
  const token = id();
  const envFile = join(dir, 'vars.env');
  writeFileSync(envFile, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${id()}"\n`);
  const edge = await startEdge({ port: await freePort(), envFile, persistTo: join(dir, 'state') });
  try {
    await seedDemo(edge.url, token);
    const visitors = Array.from({ length: 50 }, id);
    let v = 0;
    const post = (path, body) => [`${edge.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain' } }];
    // Returning visitors, as the tag leaves them: a page view reported and a first decision made,
    // the last answer's profile token (the sealed digest) kept and sent with each decision.
    const tokens = new Map();
    for (const visitor of visitors) {
      const [url, init] = post('/v1/collect', { site: 'demo', anonymousId: visitor, events: [{ id: id(), type: 'page', ts: Date.now(), page: { url: `${edge.url}/demo`, path: '/demo' } }] });
      const res = await fetch(url, init);
      if (res.status !== 202) throw new Error(`seeding a returning visitor: ${res.status} ${await res.text()}`);
      // Its first decision assigns the hero's variant; the token it answers with carries it.
      const [durl, dinit] = post('/v1/decide', { site: 'demo', anonymousId: visitor, profileToken: (await res.json()).profileToken, slots: ['hero'], context: { url: `${edge.url}/demo` } });
      const first = await fetch(durl, dinit);
      if (first.status !== 200) throw new Error(`a returning visitor's first decision: ${first.status} ${await first.text()}`);
      tokens.set(visitor, (await first.json()).profileToken);
    }
    const scenarios = {
      'GET /healthz (trivial route)': () => [`${edge.url}/healthz`, {}],
      'POST /v1/decide (returning visitor with a digest)': () => {
        const anonymousId = visitors[v++ % visitors.length];
        return post('/v1/decide', { site: 'demo', anonymousId, profileToken: tokens.get(anonymousId), slots: ['hero'], context: { url: `${edge.url}/demo` } });
      },
      'POST /v1/collect (1 event)': () =>
        post('/v1/collect', {
          site: 'demo',
          anonymousId: visitors[v++ % visitors.length],
          events: [{ id: id(), type: 'track', name: 'Bench', ts: Date.now(), page: { url: `${edge.url}/demo` } }],
        }),
    };
    for (const make of Object.values(scenarios)) await load(make, 100, 5); // warm up isolates and objects
    const rows = [];
    for (const connections of [1, 10]) {
      for (const [name, make] of Object.entries(scenarios)) {
        const r = await load(make, connections === 1 ? Math.round(n / 3) : n, connections);
        rows.push({ name, connections, ...r });
      }
    }

    // Ingest: batches of 50 events from 100 fresh visitors, 10 connections; then every event counted back.
    const ingestVisitors = Array.from({ length: 100 }, id);
    const batches = 200;
    let b = 0;
    const ingest = await load(
      () =>
        post('/v1/collect', {
          site: 'demo',
          anonymousId: ingestVisitors[b++ % ingestVisitors.length],
          events: Array.from({ length: 50 }, () => ({ id: id(), type: 'track', name: 'Ingest', ts: Date.now(), page: { url: `${edge.url}/demo` } })),
        }),
      batches,
      10,
    );
    let stored = 0;
    for (const a of ingestVisitors) {
      const res = await fetch(`${edge.url}/api/sites/demo/profiles/anon:${a}`, { headers: { Authorization: `Bearer ${token}` } });
      stored += (await res.json()).eventCount ?? 0;
    }
    const sent = batches * 50;
    const base = (c) => rows.find((r) => r.connections === c && r.name.startsWith('GET /healthz'));
    const table = [
      '| Route | connections | req/s | p50 (ms) | p99 (ms) | p50 / trivial | p99 / trivial | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.connections} | ${Math.round(r.rps)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.p50 / base(r.connections).p50).toFixed(2)}× | ${(r.p99 / base(r.connections).p99).toFixed(2)}× | ${r.failed} |`,
      ),
    ].join('\n');
    const ingestLine = `Ingest: ${sent.toLocaleString('en-US')} events in ${batches} batches of 50 over 10 connections → **${Math.round((ingest.rps * 50)).toLocaleString('en-US')} events/s**, batch p50 ${ingest.p50.toFixed(1)} ms / p99 ${ingest.p99.toFixed(1)} ms; stored afterwards: ${stored.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')} (${sent - stored === 0 ? 'zero loss' : `${sent - stored} missing`}).`;
    // The budgets (docs/ARCHITECTURE.md, Budgets), each marked met or over.
    const of = (prefix, c) => rows.find((r) => r.connections === c && r.name.startsWith(prefix));
    const x = (r, k) => r[k] / base(r.connections)[k];
    const mark = (ok) => (ok ? 'met' : '**over**');
    const decideAt = (c) => { const r = of('POST /v1/decide', c); return `${c} conn. p50 ${x(r, 'p50').toFixed(2)}× (${mark(x(r, 'p50') <= 1.2)}), p99 ${x(r, 'p99').toFixed(2)}× (${mark(x(r, 'p99') <= 1.5)})`; };
    const collectAt = (c) => { const r = of('POST /v1/collect', c); return `${c} conn. ${x(r, 'p50').toFixed(2)}× p50 (${mark(x(r, 'p50') <= 1.5)})`; };
    const perSecond = ingest.rps * 50;
    const budgets =
      `Budgets: /v1/decide for a returning visitor with a digest p50 ≤ 1.2× and p99 ≤ 1.5× the trivial route — ${decideAt(1)}; ${decideAt(10)}. ` +
      `/v1/collect ≤ 1.5× — ${collectAt(1)}; ${collectAt(10)}. ` +
      `Ingest ≥ 10× the trivial route's ${Math.round(base(10).rps)} req/s at 10 connections — ${Math.round(perSecond).toLocaleString('en-US')} events/s, ${(perSecond / base(10).rps).toFixed(1)}× (${mark(perSecond >= 10 * base(10).rps && sent === stored)}).`;
    return { markdown: `${table}\n\n${ingestLine}\n\n${budgets}` };
  } finally {
    await edge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && process.argv[1].endsWith('edge-api.mjs')) console.log((await edgeApi()).markdown);
