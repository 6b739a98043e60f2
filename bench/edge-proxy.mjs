// Edge personalization: the demo shop's /product page through four paths, measured in one run,
// alternating between them round by round so machine noise hits all alike:
//   1. the origin directly (Node http, its own process),
//   2. a worker that only passes the request to the origin (bench/workers/pass-through.js),
//   3. GrowthBook's edge app (@growthbook/edge-cloudflare, bench/workers/growthbook.js) with a
//      local payload holding a visual-editor experiment on #hero, 50/50,
//   4. Attune in proxy mode (the real edge, the demo site with proxyOrigin/proxyHosts).
// Workers 2–4 run under `wrangler dev` (local workerd). GrowthBook and Attune are measured twice:
// with fresh visitors (every request a new visitor, no cookie: a first page view) and with
// returning visitors (a fixed set of 50 visitor cookies, each seen once before timing). Before
// timing, the bench checks that GrowthBook and Attune really personalize the hero for a share of
// fresh visitors, that returning visitors keep their variant, and that the pass-through returns the
// origin's page byte for byte, and aborts otherwise.
// Usage: node bench/edge-proxy.mjs   (part of `npm run bench`; `npm run bench -- proxy` alone)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { freePort, seedDemo, startEdge } from '../scripts/edge-server.mjs';
import { checkCorrectness, GB_VARIANT, heroOf } from './proxy-checks.mjs';
import { proxyMarkdown } from './proxy-report.mjs';
import { sleep, startOrigin, startWorker } from './proxy-servers.mjs';
import { pct } from './load.mjs';

export { proxyMarkdown };

const SHOP_HOST = 'shop.localhost'; // the proxied host Attune serves from the origin
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** One GET of /product, with the path's visitor cookie if it has one: status, body and milliseconds. */
function get(path, agent, cookie = path.cookie?.()) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port: path.port,
        path: '/product',
        agent,
        headers: { host: path.host, accept: 'text/html,application/xhtml+xml', 'user-agent': UA, ...(cookie && { cookie }) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `connections` keep-alive loops for `seconds`; every answer is checked for a personalized hero. */
async function load(path, seconds, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let bytes = 0;
  let personalized = 0;
  let errors = 0;
  let gzipped = null; // one response, gzipped the way a server would for a browser (level 6)
  const start = performance.now();
  const end = start + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          try {
            const r = await get(path, agent);
            latencies.push(r.ms);
            bytes += r.body.length;
            if (r.status !== 200) {
              errors++;
              continue;
            }
            gzipped ??= gzipSync(r.body, { level: 6 }).length;
            if (path.personalized(r.body.toString('utf8'))) personalized++;
          } catch {
            errors++;
            await sleep(10);
          }
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { latencies, seconds: (performance.now() - start) / 1000, bytes, gzipped, personalized, errors };
}

export async function edgeProxy({
  seconds = Number(process.env.BENCH_PROXY_SECONDS) || 8,
  seconds1 = Number(process.env.BENCH_PROXY_SECONDS_1) || 2,
  rounds = Number(process.env.BENCH_PROXY_ROUNDS) || 2,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-proxy-'));
  const running = [];
  const stopAll = () => Promise.all(running.splice(0).map((s) => s.stop().catch(() => {})));
  const onSignal = (sig) => stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const origin = await startOrigin();
    running.push(origin);
    const token = randomUUID().replace(/-/g, '');
    const attuneEnv = join(dir, 'attune.env');
    writeFileSync(attuneEnv, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${randomUUID()}"\n`);
    // Started one after another: three `wrangler dev` builds at once on 2 cores only slow each other.
    const startAttune = async () => {
      const edge = await startEdge({ port: await freePort(), envFile: attuneEnv, persistTo: join(dir, 'attune-state') });
      running.push(edge);
      await seedDemo(edge.url, token, [edge.url], { origin: origin.url, hosts: [SHOP_HOST] });
      return edge;
    };
    const edge = await startAttune();
    const pass = await startWorker({ config: 'pass-through.toml', vars: { ORIGIN: origin.url }, dir });
    running.push(pass);
    const gb = await startWorker({
      config: 'growthbook.toml',
      vars: { PROXY_TARGET: origin.url, GROWTHBOOK_CLIENT_KEY: 'sdk-bench', GROWTHBOOK_API_HOST: origin.url },
      dir,
    });
    running.push(gb);

    const none = () => false;
    const gbPersonalized = (h) => heroOf(h) === GB_VARIANT;
    const attunePersonalized = (h) => /<div id="hero"[^>]*data-attune-variant="/.test(h);
    const originPort = Number(new URL(origin.url).port);
    const edgePort = Number(new URL(edge.url).port);
    /** A fixed set of returning visitors, handed out round-robin. */
    const returning = (make) => {
      const cookies = Array.from({ length: 50 }, make);
      let i = 0;
      return { cookies, cookie: () => cookies[i++ % cookies.length] };
    };
    const at = (port, host = `127.0.0.1:${port}`) => ({ port, host });
    const p = {
      origin: { name: 'origin directly (Node http)', ...at(originPort), personalized: none },
      pass: { name: 'worker that only passes the request to the origin', ...at(pass.port), personalized: none },
      gb: { name: 'GrowthBook edge app, fresh visitors', ...at(gb.port), personalized: gbPersonalized },
      attune: { name: 'Attune proxy mode, fresh visitors', ...at(edgePort, `${SHOP_HOST}:${edgePort}`), personalized: attunePersonalized },
      gbBack: {
        name: 'GrowthBook edge app, returning visitors',
        ...at(gb.port),
        personalized: gbPersonalized,
        ...returning(() => `gbuuid=${randomUUID()}`),
      },
      attuneBack: {
        name: 'Attune proxy mode, returning visitors',
        ...at(edgePort, `${SHOP_HOST}:${edgePort}`),
        personalized: attunePersonalized,
        ...returning(() => `_attune_aid=${randomUUID().replace(/-/g, '')}`),
      },
    };
    const paths = Object.values(p);
    const check = await checkCorrectness(p, get);

    // Fresh visitors leave Attune recording new profiles in the background after their slot; the
    // next path must not pay for that. After those slots, wait (≤ 10 s) until Attune's edge answers
    // its trivial route about as fast as when idle, twice in a row.
    const healthz = async () => {
      const t = performance.now();
      await (await fetch(`${edge.url}/healthz`)).arrayBuffer();
      return performance.now() - t;
    };
    const idle = [];
    for (let i = 0; i < 10; i++) idle.push(await healthz());
    const quiet = Math.max(3 * idle.sort((a, b) => a - b)[5], idle[5] + 10);
    const settle = async () => {
      const until = performance.now() + 10_000;
      let ok = 0;
      while (ok < 2 && performance.now() < until) {
        ok = (await healthz()) <= quiet ? ok + 1 : 0;
        if (ok < 2) await sleep(100);
      }
    };
    const slot = async (path, secs, connections) => {
      const r = await load(path, secs, connections);
      if (path === p.attune) await settle();
      return r;
    };

    for (const path of paths) await slot(path, 1.5, 10); // warm up isolates, objects and JIT

    const runs = new Map(paths.map((path) => [path, { 10: [], 1: [] }]));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order round by round, so no path always runs right after the same neighbour.
      const order = round % 2 === 0 ? paths : paths.slice().reverse();
      for (const path of order) runs.get(path)[10].push(await slot(path, seconds, 10));
      for (const path of order) runs.get(path)[1].push(await slot(path, seconds1, 1));
    }

    const summary = (list) => {
      const latencies = list.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const count = latencies.length;
      const secs = list.reduce((s, r) => s + r.seconds, 0);
      return {
        count,
        rps: count / secs,
        p50: pct(latencies, 50),
        p99: pct(latencies, 99),
        bytes: list.reduce((s, r) => s + r.bytes, 0) / count,
        gzipped: list.find((r) => r.gzipped !== null)?.gzipped ?? NaN,
        personalized: list.reduce((s, r) => s + r.personalized, 0) / count,
        errors: list.reduce((s, r) => s + r.errors, 0),
        roundP50: list.map((r) => pct(r.latencies.slice().sort((a, b) => a - b), 50)),
      };
    };
    const rows = Object.fromEntries(
      Object.entries(p).map(([key, path]) => [key, { name: path.name, c10: summary(runs.get(path)[10]), c1: summary(runs.get(path)[1]) }]),
    );
    return { rows, check, seconds, seconds1, rounds };
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && process.argv[1].endsWith('edge-proxy.mjs')) {
  const md = proxyMarkdown(await edgeProxy());
  console.log(`${md.setup}\n\n${md.table}\n\n${md.cmp}\n\n${md.notes.join('\n\n')}`);
}
