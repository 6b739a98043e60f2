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
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { productPage } from '../scripts/demo-origin.mjs';
import { freePort, root, seedDemo, startEdge } from '../scripts/edge-server.mjs';

const SHOP_HOST = 'shop.localhost'; // the proxied host Attune serves from the origin
const GB_VARIANT = 'Variant B'; // what GrowthBook's variation B puts in the hero (bench/workers/growthbook.js)
const ATTUNE_VARIANTS = { sale: 'Summer sale: 20% off everything.', shipping: 'Free shipping, every order.' };
const DEFAULT_HERO = '<h1>New season, same good basics.</h1><p>Clothes and things that last.</p><a href="#shop">Shop now</a>';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const heroOf = (html) => /<div id="hero"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops a child started in its own process group (and what it started), SIGKILL after 5 s. */
function stopGroup(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    const kill = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), 5000).unref();
  });
}

/** The demo shop in a process of its own, so its work does not share the load generator's event loop. */
export async function startOrigin() {
  const port = await freePort();
  const script = `import { startDemoOrigin } from ${JSON.stringify(join(root, 'scripts/demo-origin.mjs'))};
const o = await startDemoOrigin({ port: ${port} });
console.log('READY ' + o.url);
process.on('SIGTERM', () => o.stop().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo origin did not start:\n${output}`)), 15_000);
    const onData = (d) => {
      output += d;
      const m = /READY (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => reject(new Error(`the demo origin exited (${code}):\n${output}`)));
  });
  return { url, stop: () => stopGroup(child) };
}

/** `wrangler dev` for one of the bench's own workers; resolves once `readyPath` answers 200. */
export async function startWorker({ config, vars, dir, timeoutMs = 90_000 }) {
  const port = await freePort();
  const envFile = join(dir, `${config.replace(/\W/g, '_')}.env`);
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');
  const args = [
    join(root, 'node_modules/wrangler/bin/wrangler.js'), 'dev',
    '--config', join(root, 'bench/workers', config),
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(await freePort()),
    '--env-file', envFile,
    '--persist-to', join(dir, `${config}-state`),
    '--show-interactive-dev-session=false',
    '--live-reload=false',
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stopping it takes workerd down too
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const worker = { url, port, stop: () => stopGroup(child) };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev (${config}) exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/product`);
      await res.arrayBuffer();
      if (res.ok) return worker;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await worker.stop();
      throw new Error(`wrangler dev (${config}) did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(250);
  }
}

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

/** Attune's decided variant in a page ("sale" or "shipping", with its content in the hero), else null. */
function attuneVariant(html) {
  const m = /<div id="hero"[^>]*data-attune-variant="(sale|shipping)"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return m && m[2].includes(ATTUNE_VARIANTS[m[1]]) ? m[1] : null;
}

/**
 * Aborts the bench unless GrowthBook and Attune personalize the hero for fresh visitors, returning
 * visitors keep their variant, and the origin and the pass-through serve the origin's page. Every
 * returning visitor's first visit happens here, before timing.
 */
async function checkCorrectness({ origin, pass, gb, attune, gbBack, attuneBack }) {
  const page = Buffer.from(productPage());
  const n = 30;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const fetchHtml = async (path, cookie) => {
    const r = await get(path, agent, cookie);
    if (r.status !== 200) throw new Error(`${path.name}: /product answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
    return r.body.toString('utf8');
  };
  const fresh = async (path) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await fetchHtml(path));
    return out;
  };
  try {
    for (const p of [origin, pass]) {
      if (!page.equals(Buffer.from(await fetchHtml(p)))) throw new Error(`${p.name} does not return the origin's product page byte for byte`);
    }

    const gbPages = await fresh(gb);
    const gbB = gbPages.filter((h) => heroOf(h) === GB_VARIANT).length;
    const gbOther = gbPages.filter((h) => heroOf(h) !== GB_VARIANT && heroOf(h) !== DEFAULT_HERO).length;
    if (gbOther > 0 || gbB < n * 0.15 || gbB > n * 0.85) {
      throw new Error(
        `GrowthBook's edge app did not personalize the hero as expected: ${gbB} of ${n} fresh visitors got variation B ` +
          `(expected about half), ${gbOther} got something else. First hero: ${heroOf(gbPages[0]).slice(0, 200)}`,
      );
    }

    const attunePages = await fresh(attune);
    const seen = { sale: 0, shipping: 0 };
    for (const h of attunePages) {
      const v = attuneVariant(h);
      if (v) seen[v]++;
      const head = h.slice(0, h.indexOf('</head>'));
      if (!/<script[^>]* src="\/attune\.js"[^>]* data-site="demo"/.test(head)) throw new Error('Attune did not inject its tag into the page head');
    }
    if (seen.sale + seen.shipping < n * 0.9 || seen.sale === 0 || seen.shipping === 0) {
      throw new Error(
        `Attune's proxy mode did not personalize the hero as expected: of ${n} fresh visitors ${seen.sale} got "sale" and ` +
          `${seen.shipping} "shipping" (expected every visitor, both variants). First hero: ${heroOf(attunePages[0]).slice(0, 200)}`,
      );
    }

    const tagReported = async (path, cookie, html) => {
      const profileToken = /data-pt="([^"]+)"/.exec(html)?.[1];
      const anonymousId = cookie.split('=')[1];
      const res = await fetch(`http://127.0.0.1:${path.port}/v1/collect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ site: 'demo', anonymousId, profileToken, events: [{ id: randomUUID().replace(/-/g, ''), type: 'page', ts: Date.now(), page: { url: `http://${path.host}/product`, path: '/product' } }] }),
      });
      if (res.status !== 202) throw new Error(`Attune: the tag's report of a returning visitor's page failed: ${res.status} ${await res.text()}`);
      return `${cookie}; _attune_pt=${(await res.json()).profileToken}`;
    };

    // Returning visitors: the first visit here, the second must show the same hero.
    let gbBackB = 0;
    let attuneBackDecided = 0;
    for (const [path, cookies] of [[gbBack, gbBack.cookies], [attuneBack, attuneBack.cookies]]) {
      for (const [i, cookie] of cookies.entries()) {
        const first = await fetchHtml(path, cookie);
        // Attune: the tag reports the page view with the page's token and keeps the answer's token
        // (the sealed digest) in its cookie, which the next page is decided from.
        if (path === attuneBack) cookies[i] = await tagReported(path, cookie, first);
        const again = await fetchHtml(path, cookies[i]);
        if (heroOf(first) !== heroOf(again)) {
          throw new Error(`${path.name}: a returning visitor (${cookie}) got a different hero on the second visit`);
        }
        if (path === gbBack && heroOf(again) === GB_VARIANT) gbBackB++;
        if (path === attuneBack && attuneVariant(again)) attuneBackDecided++;
      }
    }
    const m = gbBack.cookies.length;
    if (gbBackB < m * 0.2 || gbBackB > m * 0.8) throw new Error(`GrowthBook: ${gbBackB} of ${m} returning visitors got variation B (expected about half)`);
    if (attuneBackDecided < m) throw new Error(`Attune: only ${attuneBackDecided} of ${m} returning visitors got a decided hero`);
    return { n, gbB, attune: seen, m, gbBackB, attuneBackDecided };
  } finally {
    agent.destroy();
  }
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
    const check = await checkCorrectness(p);

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

const ms = (x) => x.toFixed(1);
const plus = (x, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const plusInt = (x) => `${x >= 0 ? '+' : '−'}${int(Math.abs(x))}`;
// A ratio of two added costs means something only when both are above zero and the divisor is
// above the noise (≥ 1 ms or byte); else "—".
const ratio = (a, b) => (a > 0 && b >= 1 ? `${(a / b).toFixed(2)}×` : '—');

/** The BENCHMARKS.md tables for a result of edgeProxy(). */
export function proxyMarkdown({ rows, check, seconds, seconds1, rounds }) {
  const { pass } = rows;
  const added = (r) => ({
    p50: r.c10.p50 - pass.c10.p50,
    p99: r.c10.p99 - pass.c10.p99,
    p50_1: r.c1.p50 - pass.c1.p50,
    p99_1: r.c1.p99 - pass.c1.p99,
    bytes: r.c10.bytes - pass.c10.bytes,
  });
  const order = ['origin', 'pass', 'gb', 'attune', 'gbBack', 'attuneBack'];
  const table = [
    '| Path | req/s (10 conn.) | p50 (ms) | p99 (ms) | p50 / p99 at 1 conn. (ms) | HTML bytes (gzip) | hero personalized | over pass-through: p50 / p99 (ms) | over pass-through: bytes | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...order.map((key, i) => {
      const r = rows[key];
      const a = added(r);
      const base = i < 2;
      const over = base ? '' : `${plus(a.p50)} / ${plus(a.p99)}`;
      const overBytes = base ? '' : plusInt(a.bytes);
      const share = base ? '' : `${(r.c10.personalized * 100).toFixed(0)} %`;
      const name = key.startsWith('attune') ? `**${r.name}**` : r.name;
      return `| ${name} | ${int(r.c10.rps)} | ${ms(r.c10.p50)} | ${ms(r.c10.p99)} | ${ms(r.c1.p50)} / ${ms(r.c1.p99)} | ${int(r.c10.bytes)} (${int(r.c10.gzipped)}) | ${share} | ${over} | ${overBytes} | ${r.c10.errors + r.c1.errors} |`;
    }),
  ].join('\n');
  const [ga, aa, gr, ar] = [rows.gb, rows.attune, rows.gbBack, rows.attuneBack].map(added);
  const line = (label, k, fmt) =>
    `| ${label} | ${fmt(ga[k])} | ${fmt(aa[k])} | ${ratio(aa[k], ga[k])} | ${fmt(gr[k])} | ${fmt(ar[k])} | ${ratio(ar[k], gr[k])} |`;
  const cmp = [
    '| Added over the pass-through worker | GrowthBook, fresh | Attune, fresh | Attune ÷ GrowthBook | GrowthBook, returning | Attune, returning | Attune ÷ GrowthBook |',
    '|---|---:|---:|---:|---:|---:|---:|',
    line('p50 at 10 connections (ms)', 'p50', plus),
    line('p99 at 10 connections (ms)', 'p99', plus),
    line('p50 at 1 connection (ms)', 'p50_1', plus),
    line('p99 at 1 connection (ms)', 'p99_1', plus),
    line('HTML bytes', 'bytes', plusInt),
  ].join('\n');
  // The budget (docs/ARCHITECTURE.md, Budgets): no more p50 than GrowthBook's edge app adds over
  // the pass-through worker (goal: half), fresh and returning, at 1 and 10 connections; ≤ 1 KB of HTML.
  const verdict = (a, g) => {
    const at = (k) => `${plus(a[k])} vs ${plus(g[k])} ms (${a[k] <= g[k] ? (a[k] <= g[k] / 2 ? 'met, goal met' : 'met') : '**over**'})`;
    return `p50 at 10 connections ${at('p50')}, at 1 connection ${at('p50_1')}; ${plusInt(a.bytes)} bytes of HTML (${a.bytes <= 1024 ? 'met' : '**over**'})`;
  };
  const budget =
    `Budget (docs/ARCHITECTURE.md, Budgets: proxy mode adds no more p50 over the pass-through worker than GrowthBook's edge app — goal: half — and ≤ 1 KB of HTML): ` +
    `fresh visitors ${verdict(aa, ga)}; returning visitors ${verdict(ar, gr)}.`;
  const rounds50 = order.map((k) => `${k} ${rows[k].c10.roundP50.map(ms).join(' / ')}`).join('; ');
  const checked =
    `Checked before timing (the bench aborts otherwise): of ${check.n} fresh visitors GrowthBook put variation B in the hero for ` +
    `${check.gbB}, Attune decided the hero for ${check.attune.sale + check.attune.shipping} (${check.attune.sale} "sale", ` +
    `${check.attune.shipping} "shipping"); each of the ${check.m} returning visitors per peer saw the same hero twice ` +
    `(GrowthBook: ${check.gbBackB} in variation B; Attune: ${check.attuneBackDecided} decided); the origin and the ` +
    `pass-through returned the origin's page byte for byte.`;
  return {
    table,
    cmp,
    notes: [budget, checked, `p50 at 10 connections, round by round (ms): ${rounds50}.`],
    productBytes: Buffer.byteLength(productPage()),
    gbVersion: JSON.parse(readFileSync(join(root, 'node_modules/@growthbook/edge-cloudflare/package.json'), 'utf8')).version,
    tagGzip: existsSync(join(root, 'dist/attune.js'))
      ? `${gzipSync(readFileSync(join(root, 'dist/attune.js')), { level: 9 }).length.toLocaleString('en-US')} bytes gzipped`
      : 'see Tag weight',
    setup: `${rounds} round${rounds === 1 ? '' : 's'}; in each, every path for ${seconds} s at 10 connections, then every path for ${seconds1} s at 1 connection, the order reversed every other round`,
  };
}

if (process.argv[1] && process.argv[1].endsWith('edge-proxy.mjs')) {
  const md = proxyMarkdown(await edgeProxy());
  console.log(`${md.setup}\n\n${md.table}\n\n${md.cmp}\n\n${md.notes.join('\n\n')}`);
}
