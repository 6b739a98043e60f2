// Tag init: main-thread script time a tag costs a page at load, in headless Chromium.
// Each tag is a classic <script src> in the <head> of an otherwise empty page served from
// 127.0.0.1; CDP Performance.getMetrics `ScriptDuration` is read once the tag's own work is done.
// Every sample is a fresh browser context (cold HTTP cache, no code cache, empty storage), and the
// tags take turns within each round so drift on a shared machine hits them all alike.
// Usage: node bench/tag-init.mjs   (BENCH_N=15 samples per tag by default)
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { peerBundles } from './peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STUB = '<script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>';
const COLLECT = '{"accepted":1,"duplicates":0,"rejected":[],"profileToken":"p_x.y"}';
const DECIDE = '{"profileToken":"p_x.y","decisions":{},"audiences":[]}';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The pages to measure: {id, name, head (HTML for <head>), js (served at /js/<id>.js), waitFor}. */
async function entries() {
  const list = [
    // An empty classic script: what any <script src> costs with nothing in it.
    { id: 'empty', name: 'empty script (baseline)', head: '<script src="/js/empty.js"></script>', js: '' },
  ];
  if (!existsSync(join(root, 'dist/attune.js'))) throw new Error('dist/attune.js is missing: run `npm run build` first');
  // Snapshot Attune's files once, so a rebuild of dist/ during the run cannot mix two versions.
  const attuneFiles = new Map(
    readdirSync(join(root, 'dist'))
      .filter((f) => /^attune[\w.-]*\.js$/.test(f))
      .map((f) => [f, readFileSync(join(root, 'dist', f))]),
  );
  // The tag sends its page view (flushed ~1 s after load) and asks /v1/decide only when the page
  // has slots, so it runs twice: on the empty page, and with one slot element in the body.
  // Init alone (the DESIGN budget): read 150 ms after load, before the page view is sent at ~1 s.
  list.push({
    id: 'attune-init',
    name: 'Attune (init only: before its first send)',
    head: `${STUB}<script src="/attune.js" data-site="bench" data-api="ORIGIN"></script>`,
  });
  list.push({
    id: 'attune',
    name: 'Attune (runs: page view sent)',
    // data-api on the same server, which answers like the edge, so the tag does its whole job.
    head: `${STUB}<script src="/attune.js" data-site="bench" data-api="ORIGIN"></script>`,
    waitFor: ['/v1/collect'],
  });
  list.push({
    id: 'attune-slot',
    name: 'Attune (runs: page view + decide for one slot)',
    head: `${STUB}<script src="/attune.js" data-site="bench" data-api="ORIGIN"></script>`,
    body: '<div data-attune-slot="hero">default</div>',
    waitFor: ['/v1/decide', '/v1/collect'],
  });
  const failed = [];
  for (const p of await peerBundles()) {
    if (p.error) {
      failed.push(p);
      continue;
    }
    const id = p.pkg.replace(/[^a-z0-9]+/gi, '-');
    // Load only, as the brief says (GrowthBook: the library gets defined, no instance).
    list.push({ id, name: `${p.name} (load only)`, head: `<script src="/js/${id}.js"></script>`, js: p.classicCode });
    // The two peers that can do their whole job against a local server also run once for real,
    // to compare with Attune's full run rather than only with a library being defined.
    if (p.name === 'Plausible') {
      list.push({
        id: `${id}-run`,
        name: 'Plausible (init: page view sent)',
        head: `<script src="/js/${id}.js"></script><script>__plausible.init({domain:'bench',endpoint:'ORIGIN/api/event',captureOnLocalhost:true})</script>`,
        waitFor: ['/api/event'],
      });
    }
    if (p.name === 'posthog-js-lite') {
      list.push({
        id: `${id}-run`,
        name: 'posthog-js-lite (init + one capture sent)',
        head: `<script src="/js/${id}.js"></script><script>new PostHog('phc_bench',{host:'ORIGIN',flushAt:1}).capture('$pageview')</script>`,
        waitFor: ['/batch'],
      });
    }
  }
  return { list, failed, attuneFiles };
}

function serve(list, attuneFiles) {
  const byId = new Map(list.filter((e) => 'js' in e).map((e) => [e.id, e]));
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const origin = `http://127.0.0.1:${server.address().port}`;
    // Drain the body before answering, like a real endpoint.
    req.resume();
    req.on('end', () => {
      const send = (status, type, body) => {
        res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
        res.end(body);
      };
      if (req.method === 'POST') {
        if (url.pathname === '/v1/collect') return send(202, 'application/json', COLLECT);
        if (url.pathname === '/v1/decide') return send(200, 'application/json', DECIDE);
        if (url.pathname.startsWith('/flags') || url.pathname.startsWith('/decide')) return send(200, 'application/json', '{"featureFlags":{},"featureFlagPayloads":{}}');
        return send(200, 'application/json', '{}'); // peers' event endpoints
      }
      let m = url.pathname.match(/^\/page\/([\w-]+)$/);
      if (m && list.some((e) => e.id === m[1])) {
        const e = list.find((x) => x.id === m[1]);
        return send(200, 'text/html; charset=utf-8', `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>${e.head.replaceAll('ORIGIN', origin)}</head><body><p>bench</p>${e.body || ''}</body></html>`);
      }
      m = url.pathname.match(/^\/js\/([\w-]+)\.js$/);
      if (m && byId.has(m[1])) return send(200, 'text/javascript', byId.get(m[1]).js);
      // Attune's tag and any part it loads lazily, straight from dist/ as the edge would serve them.
      m = url.pathname.match(/^\/(?:js\/)?(attune[\w.-]*\.js)$/);
      if (m && attuneFiles.has(m[1])) return send(200, 'text/javascript', attuneFiles.get(m[1]));
      send(404, 'text/plain', 'not found');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** One cold load: ScriptDuration (ms), JS heap used (KB), whether the tag finished, page errors. */
async function sample(browser, origin, e) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(String(err.message || err).slice(0, 120)));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable'); // before navigation, so the whole load is counted
    const done = (e.waitFor || []).map((p) =>
      page.waitForResponse((r) => new URL(r.url()).pathname.startsWith(p), { timeout: 5000 }).then(() => true, () => false),
    );
    await page.goto(`${origin}/page/${e.id}`, { waitUntil: 'load' });
    const ok = (await Promise.all(done)).every(Boolean);
    // Let the response handlers and anything queued right after load run before reading.
    await page.waitForTimeout(150);
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((x) => x.name === n)?.value ?? NaN;
    return { ms: get('ScriptDuration') * 1000, heapKB: get('JSHeapUsedSize') / 1024, ok, errors };
  } finally {
    await context.close();
  }
}

export async function tagInit({ n = Number(process.env.BENCH_N) || 15 } = {}) {
  const { list, failed, attuneFiles } = await entries();
  const server = await serve(list, attuneFiles);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      // Nothing outside this machine answers anyway; fail any stray third-party fetch at once.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const version = `Chromium ${browser.version()}`;
  const results = new Map(list.map((e) => [e.id, []]));
  try {
    // One unrecorded round warms the browser process itself (not the pages: contexts are fresh).
    for (const e of list) await sample(browser, origin, e);
    for (let i = 0; i < n; i++) for (const e of list) results.get(e.id).push(await sample(browser, origin, e));
  } finally {
    await browser.close();
    server.close();
  }

  const base = median(results.get('empty').map((r) => r.ms));
  const lines = [
    `| Tag | median ScriptDuration (ms) | min–max (ms) | median over empty script (ms) | peer ÷ Attune, same job | JS heap used (KB, median) | finished its requests | page errors |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  const rows = [];
  // Each peer is compared with Attune doing the same job: loading only (init, before its first
  // send) or running until its event was sent. The ratio is of the time over the empty script.
  const over = (id) => median(results.get(id).map((r) => r.ms)) - base;
  const sameJob = (e) => (e.id === 'empty' || e.id.startsWith('attune') ? null : e.waitFor ? 'attune' : 'attune-init');
  for (const e of list) {
    const rs = results.get(e.id);
    const ms = rs.map((r) => r.ms);
    const row = { id: e.id, name: e.name, median: median(ms), min: Math.min(...ms), max: Math.max(...ms), heapKB: median(rs.map((r) => r.heapKB)) };
    rows.push(row);
    const errs = [...new Set(rs.flatMap((r) => r.errors))];
    const fin = e.waitFor ? `${rs.filter((r) => r.ok).length}/${rs.length}` : '—';
    lines.push(
      `| ${e.id.startsWith('attune') ? `**${e.name}**` : e.name} | ${row.median.toFixed(2)} | ${row.min.toFixed(2)}–${row.max.toFixed(2)} | ${e.id === 'empty' ? '—' : (row.median - base).toFixed(2)} | ${sameJob(e) ? `${((row.median - base) / over(sameJob(e))).toFixed(2)}×` : ''} | ${Math.round(row.heapKB).toLocaleString('en-US')} | ${fin} | ${errs.length ? errs.join('; ').replace(/\|/g, '\\|') : 'none'} |`,
    );
  }
  for (const f of failed) lines.push(`| ${f.name} | failed: ${f.error.replace(/\|/g, '\\|')} | | | | | | |`);
  return { n, browser: version, rows, markdown: lines.join('\n') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await tagInit();
  console.log(`N=${r.n} fresh contexts per tag, ${r.browser}\n`);
  console.log(r.markdown);
}
