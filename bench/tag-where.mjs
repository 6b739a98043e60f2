// Where a tag's main-thread time goes, page view sent: the platform calls it makes (each wrapped by
// an init script and timed with performance.now()), the rest being parsing, compiling and the
// tag's own JavaScript. Attune and Plausible, cold loads in fresh contexts, taking turns; plus
// each tag loaded without running (Attune without data-site; Plausible's library defined, no
// init), which is its parse and compile and top-level code.
// Usage: node bench/tag-where.mjs   (BENCH_N=15 loads per row by default)
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STUB = '<script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>';
const COLLECT = '{"accepted":1,"duplicates":0,"rejected":[],"profileToken":"p_x.y"}';

/** Runs in the page before anything else: times each platform call by what it is for. */
function instrument() {
  const t = (window.__where = {});
  const add = (k, d) => (t[k] = (t[k] || 0) + d);
  /** `fn`, timed under `key`. */
  const timed = (fn, key) =>
    fn &&
    function (...a) {
      const s = performance.now();
      try {
        return fn.apply(this, a);
      } finally {
        add(key, performance.now() - s);
      }
    };
  const wrap = (obj, name, key) => (obj[name] = timed(obj[name], key));
  // An accessor property's getter (and setter).
  const wrapAccessor = (obj, prop, key) => {
    const d = Object.getOwnPropertyDescriptor(obj, prop);
    if (d?.get) Object.defineProperty(obj, prop, { configurable: true, get: timed(d.get, key), set: timed(d.set, key) });
  };
  for (const m of ['getItem', 'setItem', 'removeItem']) wrap(Storage.prototype, m, 'localStorage');
  // window.localStorage itself: its first use opens the origin's storage (Plausible reads an item as a property).
  wrapAccessor(window, 'localStorage', 'localStorage');
  wrap(EventTarget.prototype, 'addEventListener', 'addEventListener');
  wrap(window, 'fetch', 'fetch (the send)');
  wrap(Response.prototype, 'json', 'reading the answer');
  wrap(Crypto.prototype, 'getRandomValues', 'random ids');
  wrap(window, 'setTimeout', 'timers');
  wrap(MutationObserver.prototype, 'observe', 'observers');
  if (window.ResizeObserver) wrap(ResizeObserver.prototype, 'observe', 'observers');
  for (const p of ['innerWidth', 'innerHeight', 'scrollY']) wrapAccessor(window, p, 'layout reads (viewport, scroll size)');
  for (const p of ['scrollHeight', 'clientHeight']) wrapAccessor(Element.prototype, p, 'layout reads (viewport, scroll size)');
  wrapAccessor(HTMLElement.prototype, 'offsetHeight', 'layout reads (viewport, scroll size)');
  wrapAccessor(Document.prototype, 'cookie', 'cookies');
}

const plausibleClassic = () => {
  const code = readFileSync(join(root, 'node_modules/@plausible-analytics/tracker/plausible.js'), 'utf8');
  return `(function(){${code.replace(/\bexport\s*\{([^}]*)\}\s*;?\s*$/, (_, names) => `window.__plausible={${names}};`)}})();`;
};

const ROWS = [
  { id: 'attune', name: 'Attune, page view sent', head: (o) => `${STUB}<script src="/attune.js" data-site="bench" data-api="${o}"></script>`, waitFor: '/v1/collect' },
  { id: 'attune-load', name: 'Attune, loaded without running (no data-site)', head: (o) => `${STUB}<script src="/attune.js" data-api="${o}"></script>` },
  {
    id: 'plausible',
    name: 'Plausible, page view sent',
    head: (o) => `<script src="/plausible.js"></script><script>__plausible.init({domain:'bench',endpoint:'${o}/api/event',captureOnLocalhost:true})</script>`,
    waitFor: '/api/event',
  },
  { id: 'plausible-load', name: 'Plausible, loaded without running (no init)', head: () => `<script src="/plausible.js"></script>` },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function tagWhere({ n = Number(process.env.BENCH_N) || 15 } = {}) {
  const files = { '/attune.js': readFileSync(join(root, 'dist/attune.js')), '/plausible.js': plausibleClassic() };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const origin = `http://127.0.0.1:${server.address().port}`;
    req.resume();
    req.on('end', () => {
      const send = (status, type, body) => (res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }), res.end(body));
      if (req.method === 'POST') return send(url.pathname === '/v1/collect' ? 202 : 200, 'application/json', url.pathname === '/v1/collect' ? COLLECT : '{}');
      const row = ROWS.find((r) => url.pathname === `/page/${r.id}`);
      if (row) return send(200, 'text/html; charset=utf-8', `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>${row.head(origin)}</head><body><p>bench</p></body></html>`);
      if (files[url.pathname]) return send(200, 'text/javascript', files[url.pathname]);
      send(404, 'text/plain', 'not found');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const samples = new Map(ROWS.map((r) => [r.id, []]));
  const one = async (row) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(instrument);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const done = row.waitFor ? page.waitForResponse((r) => new URL(r.url()).pathname === row.waitFor, { timeout: 5000 }).catch(() => null) : null;
      await page.goto(`${origin}/page/${row.id}`, { waitUntil: 'load' });
      await done;
      await page.waitForTimeout(150);
      const where = await page.evaluate(() => window.__where);
      const { metrics } = await cdp.send('Performance.getMetrics');
      return { ...where, total: metrics.find((m) => m.name === 'ScriptDuration').value * 1000 };
    } finally {
      await context.close();
    }
  };
  try {
    for (const row of ROWS) await one(row); // warms the browser process, unrecorded
    for (let i = 0; i < n; i++) for (const row of ROWS) samples.get(row.id).push(await one(row));
  } finally {
    await browser.close();
    server.close();
  }
  // Each category's median over the loads (0 where a load made no such call).
  const cats = [...new Set([...samples.values()].flat().flatMap((s) => Object.keys(s)))].filter((k) => k !== 'total');
  const stat = (id, k) => median(samples.get(id).map((s) => s[k] || 0));
  const rows = ROWS.map((r) => ({ ...r, total: stat(r.id, 'total'), parts: Object.fromEntries(cats.map((k) => [k, stat(r.id, k)])) }));
  const ran = rows.filter((r) => r.waitFor);
  const lines = [`| Main-thread script time, median of ${n} cold loads (ms) | ${ran.map((r) => r.name).join(' | ')} |`, `|---|${ran.map(() => '---:').join('|')}|`];
  lines.push(`| **all script time** (ScriptDuration) | ${ran.map((r) => `**${r.total.toFixed(2)}**`).join(' | ')} |`);
  const loadOf = (r) => rows.find((x) => x.id === `${r.id}-load`);
  lines.push(`| loading the file: parse, compile, top level (the tag loaded without running) | ${ran.map((r) => loadOf(r).total.toFixed(2)).join(' | ')} |`);
  for (const k of cats.sort((a, b) => stat('attune', b) - stat('attune', a))) {
    if (ran.every((r) => r.parts[k] < 0.05)) continue;
    lines.push(`| ${k} | ${ran.map((r) => r.parts[k].toFixed(2)).join(' | ')} |`);
  }
  lines.push(
    `| the rest: the tag's own code and what it makes the browser do (its objects, compiling functions on first call, garbage collection) | ${ran
      .map((r) => Math.max(0, r.total - loadOf(r).total - Object.values(r.parts).reduce((a, b) => a + b, 0)).toFixed(2))
      .join(' | ')} |`,
  );
  const a = rows.find((r) => r.id === 'attune');
  const ms = (k) => `${(a.parts[k] ?? 0).toFixed(2)} ms`;
  const rest = Math.max(0, a.total - loadOf(a).total - Object.values(a.parts).reduce((x, y) => x + y, 0));
  const notes =
    `What Attune's ${a.total.toFixed(2)} ms go to, in this run: ${loadOf(a).total.toFixed(2)} ms loading attune.js (parsing it and compiling ` +
    `its boot); ${ms('localStorage')} of storage (reading the tag's six keys once at boot — consent, anonymous id, profile token, ` +
    `the pages hint, and what an earlier page left behind or in the outbox — and writing a new visitor's id and the profile token ` +
    `the answer brings; the first use of localStorage opens the origin's storage, most of it); ${ms('fetch (the send)')} handing the ` +
    `page view's batch to fetch (keepalive, with a 15 s timeout); ${ms('layout reads (viewport, scroll size)')} reading the viewport ` +
    `size the event carries; ${ms('addEventListener')} for its listeners (the first-interaction triggers, history, pagehide and ` +
    `visibility); ${ms('random ids')} for the anonymous id and the event id; and ${rest.toFixed(2)} ms of its own code (building ` +
    `the event and the batch, compiling each function on its first call, garbage collection). Nothing of capture, personalization ` +
    `or the outbox runs: the page has no interaction and no slot.`;
  return { n, rows, markdown: lines.join('\n'), notes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log((await tagWhere()).markdown);
