// Refreshes the README's screenshots (docs/screenshots/):
// - a marketer's path on the demo — "Edit on my site", the visual editor, a running test, what a
//   visitor sees — by running its browser test with its screenshots written there;
// - the Overview tab after a realistic day of traffic on the demo (yesterday, against a quieter
//   day before it), at desktop and phone width, and its running experiments with live results.
// - the demo's two triggered overlays, the rage-click help toast and the exit-intent banner
//   (scripts/overlay-screenshots.mjs, which also runs on its own: npm run screenshots:overlays).
// Usage: npm run screenshots
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';
import { freePort, seedDemo, startEdge } from './edge-server.mjs';
import { overlayShots } from './overlay-screenshots.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// ATTUNE_SCREENSHOTS writes them elsewhere, to look at before replacing the README's.
const SHOTS = process.env.ATTUNE_SCREENSHOTS ?? join(root, 'docs/screenshots');
const env = (extra = {}) => ({ ...process.env, WRANGLER_SEND_METRICS: 'false', ...extra });
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: env() });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
// Async, so the overview's edge keeps draining its output while the test runs.
const runAsync = (cmd, args, extra) =>
  new Promise((resolve) => spawn(cmd, args, { cwd: root, stdio: 'inherit', env: env(extra) }).on('exit', (code) => resolve(code ?? 1)));

const DAY = 86_400_000;
const CURRENT_MS = 5 * 60_000; // "current visitors": seen in the last five minutes

/** mulberry32: the same traffic on every run. */
let seed = 7;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (weighted) => {
  let r = rand() * weighted.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted.at(-1)[0];
};
const id = () => Array.from({ length: 3 }, () => Math.floor(rand() * 2 ** 32).toString(36).padStart(7, '0')).join('');

// Visits per hour of a shop's day (UTC): quiet at night, busy at lunch and in the evening.
const HOURS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 11, 12, 13, 12, 11, 10, 10, 11, 13, 14, 12, 9, 6, 4].map((w, h) => [h, w]);
const SOURCES = [
  [{ referrer: 'https://www.google.com/' }, 32], [{}, 18], [{ referrer: 'https://www.bing.com/' }, 3], [{ referrer: 'https://duckduckgo.com/' }, 3],
  [{ query: '?utm_source=google&utm_medium=cpc&utm_campaign=summer-sale', referrer: 'https://www.google.com/' }, 12],
  [{ query: '?utm_source=newsletter&utm_medium=email&utm_campaign=weekly' }, 9], [{ query: '?utm_source=newsletter&utm_medium=email&utm_campaign=winback' }, 3],
  [{ referrer: 'https://www.facebook.com/' }, 6], [{ referrer: 'https://www.instagram.com/' }, 4], [{ referrer: 'https://t.co/' }, 2],
  [{ query: '?utm_source=facebook&utm_medium=paid_social&utm_campaign=summer-sale', referrer: 'https://www.facebook.com/' }, 5],
  [{ referrer: 'https://blog.example.org/best-basics' }, 2], [{ referrer: 'https://news.ycombinator.com/' }, 1],
];
const AGENTS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 34],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15', 14],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1', 26],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36', 14],
  ['Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 4],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 5],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0', 3],
];
const PLACES = [
  [['DE', ['Berlin', 'Bavaria', 'Hamburg', 'Hesse']], 30], [['US', ['California', 'New York', 'Texas']], 20], [['GB', ['England', 'Scotland']], 12],
  [['FR', ['Île-de-France', 'Occitanie']], 9], [['NL', ['North Holland']], 7], [['AT', ['Vienna']], 6], [['CH', ['Zurich']], 5], [['SE', ['Stockholm']], 4], [['ES', ['Madrid']], 4],
];
const PAGES = ['/demo/products/linen-shirt', '/demo/products/canvas-tote', '/demo/products/wool-scarf', '/demo/pricing', '/demo/about', '/demo/cart'];

/** One visitor's visit starting at `ts`: decided and exposed to the hero test, a few pages, maybe a purchase. */
async function visitor(edge, ts, { lateMs = 0 } = {}) {
  const src = pick(SOURCES);
  const [country, regions] = pick(PLACES);
  // Miniflare (wrangler dev) takes request.cf from this header: the geo a real edge would see.
  const headers = { 'Content-Type': 'text/plain', 'User-Agent': pick(AGENTS), 'MF-CF-Blob': JSON.stringify({ country, region: regions[Math.floor(rand() * regions.length)] }) };
  const post = async (path, body) => {
    const res = await fetch(`${edge}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const aid = id();
  const landing = pick([['/demo', 70], ['/demo/pricing', 10], ['/demo/products/linen-shirt', 12], ['/demo/blog/care-guide', 8]]);
  const paths = [landing];
  for (let more = pick([[0, 42], [1, 25], [2, 18], [3, 10], [4, 5]]); more > 0; more--) paths.push(PAGES[Math.floor(rand() * PAGES.length)]);
  let t = ts - lateMs;
  const events = paths.map((path, i) => {
    if (i > 0) t += 15_000 + Math.floor(rand() * 90_000);
    const referrer = i === 0 ? src.referrer ?? '' : `${edge}${paths[i - 1]}`;
    return { id: id(), type: 'page', ts: t, page: { url: `${edge}${path}${i === 0 ? src.query ?? '' : ''}`, path, title: 'Attune Goods', referrer } };
  });
  const decision = await post('/v1/decide', { site: 'demo', anonymousId: aid, slots: ['hero'], context: { url: `${edge}/demo` } });
  const hero = decision.decisions?.hero;
  if (hero) events.push({ id: id(), type: 'track', name: '$exposure', ts: ts - lateMs + 800, props: { slot: 'hero', experience: hero.experience, variant: hero.variant } });
  if (paths.length > 1 && rand() < (hero?.variant === 'sale' ? 0.32 : 0.24)) {
    events.push({ id: id(), type: 'track', name: 'Add to cart', ts: t + 5_000, props: { sku: 'linen-shirt' } });
    if (rand() < 0.4) events.push({ id: id(), type: 'track', name: 'Purchase', ts: t + 60_000, props: { revenue: Math.round((29 + rand() * 140) * 100) / 100 } });
  }
  await post('/v1/collect', { site: 'demo', anonymousId: aid, events });
}

/** `count` visitors over the UTC day starting at `dayStart`, eight at a time. */
async function day(edge, dayStart, count) {
  let next = 0;
  const one = async () => {
    while (next < count) {
      next++;
      await visitor(edge, dayStart + pick(HOURS) * 3_600_000 + Math.floor(rand() * 3_600_000));
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
}

async function overviewShots(edge, token, yesterday) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await desk.newPage();
    await page.goto(`${edge}/dashboard`);
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const overview = `${edge}/dashboard/sites/demo?from=${yesterday}&to=${yesterday}`;
    await page.goto(overview);
    // The traffic part (no frames in it: headless full-page shots leave out-of-view frames blank).
    const bottom = await page.locator('.topgrid').evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 20) } });
    const exp = page.locator('article.experience').first();
    await exp.scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await exp.screenshot({ path: join(SHOTS, 'overview-experiments.png') });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, storageState: await desk.storageState() });
    const p = await phone.newPage();
    await p.goto(overview);
    const chart = await p.locator('.topcard').first().evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
    await p.screenshot({ path: join(SHOTS, 'overview-phone.png'), fullPage: true, clip: { x: 0, y: 0, width: 390, height: Math.ceil(chart + 12) } });
  } finally {
    await browser.close();
  }
}

run(process.execPath, ['scripts/build-tag.mjs']);
run(process.execPath, ['scripts/build-dashboard.mjs']);
run(process.execPath, ['scripts/build-openapi.mjs']);

// The overview's edge is seeded first; the editor test runs while its visitors stop being current.
const dir = mkdtempSync(join(tmpdir(), 'attune-shots-'));
const token = `shots-${crypto.randomUUID()}`;
writeFileSync(join(dir, 'vars.env'), `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${crypto.randomUUID()}"\n`);
const edge = await startEdge({ port: await freePort(), envFile: join(dir, 'vars.env'), persistTo: join(dir, 'state') });
let code = 1;
try {
  await seedDemo(edge.url, token);
  const api = (path, init = {}) => fetch(`${edge.url}/api${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  await api('/sites/demo', { method: 'PATCH', body: JSON.stringify({ goals: ['Purchase'] }) });
  const today = Date.parse(new Date().toISOString().slice(0, 10));
  console.log('Seeding two days of demo traffic …');
  await day(edge.url, today - 2 * DAY, 230);
  await day(edge.url, today - DAY, 290);
  const seeded = Date.now();

  code = await runAsync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'tests/browser/marketer-path.test.ts'], { ATTUNE_SCREENSHOTS: SHOTS });
  if (code === 0) {
    const wait = seeded + CURRENT_MS + 5_000 - Date.now();
    if (wait > 0) console.log(`Waiting ${Math.ceil(wait / 1000)} s until the seeded visitors are no longer current …`);
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    for (let i = 0; i < 6; i++) await visitor(edge.url, Date.now(), { lateMs: 60_000 });
    await new Promise((r) => setTimeout(r, 3_000)); // the traffic queue delivers about once a second
    await overviewShots(edge.url, token, new Date(today - DAY).toISOString().slice(0, 10));
    console.log(`Overview screenshots written to ${SHOTS}`);
    await overlayShots(edge.url, SHOTS);
    console.log(`Overlay screenshots written to ${SHOTS}`);
  }
} finally {
  await edge.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
