// Screenshots of the demo's two triggered overlays (docs/screenshots/), each triggered as a visitor
// would in headless Chromium against a local edge seeded like `npm start`:
// - overlay-toast.png: /demo, three quick clicks on the sold-out Wool scarf's "Add to cart" (a
//   rage click) show the "Out of stock" help toast;
// - overlay-banner.png: /demo/pricing, the pointer leaving through the top of the window (exit
//   intent) shows the price-promise banner.
// Usage: npm run screenshots:overlays (`npm run screenshots` makes them too). ATTUNE_SCREENSHOTS
// writes them elsewhere, to look at before replacing the README's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';
import { freePort, root, seedDemo, startEdge } from './edge-server.mjs';

const VIEWPORT = { width: 1280, height: 800 };
const OVERLAY = '[data-attune-overlay]';

/** The page's answer armed its triggers: the overlay module has been loaded (count-bounded). */
async function armed(page) {
  for (let i = 0; i < 120; i++) {
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/attune-overlay')));
    if (loaded) return page.waitForTimeout(300); // the module's first run arms the triggers
    await page.waitForTimeout(250);
  }
  throw new Error(`the overlay module never loaded on ${page.url()}`);
}

/** The overlay is drawn, its entrance animation over. */
async function shown(page, kind, heading) {
  const box = page.locator(`${OVERLAY}[data-attune-overlay="${kind}"]`);
  await box.locator('h2', { hasText: heading }).waitFor({ timeout: 15_000 });
  await page.waitForTimeout(600);
}

/** The exit: the pointer moves up and out through the top edge of the window (a mouseout above it, to nowhere). */
async function leaveThroughTop(page) {
  await page.mouse.move(640, 300);
  await page.mouse.move(640, 2, { steps: 6 });
  await page.mouse.move(640, -20, { steps: 2 });
}

/** Writes overlay-toast.png and overlay-banner.png of the demo on `edge` into `dir`; returns their paths. */
export async function overlayShots(edge, dir) {
  mkdirSync(dir, { recursive: true });
  const toastPath = join(dir, 'overlay-toast.png');
  const bannerPath = join(dir, 'overlay-banner.png');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    // A fresh visitor each (an overlay shows once per session).
    const shop = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await shop.goto(`${edge}/demo`);
    await shop.waitForSelector('[data-attune-slot="hero"][data-attune-ready]');
    await armed(shop);
    const add = shop.locator('#add-sold-out');
    await add.scrollIntoViewIfNeeded();
    await shop.evaluate(() => window.scrollBy(0, 160)); // the sold-out card with the hero's foot above it
    for (let i = 0; i < 3; i++) await add.click({ delay: 20 });
    await shown(shop, 'toast', 'Out of stock');
    await shop.mouse.move(0, 0); // no hover highlight
    await shop.screenshot({ path: toastPath });

    const pricing = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await pricing.goto(`${edge}/demo/pricing`);
    await pricing.mouse.move(640, 400); // a first interaction: the tag's listening part loads
    await armed(pricing);
    await leaveThroughTop(pricing);
    await shown(pricing, 'banner', 'Our price promise');
    await pricing.screenshot({ path: bannerPath });
  } finally {
    await browser.close();
  }
  return [toastPath, bannerPath];
}

/** Run on its own: builds the tag, starts a throwaway edge seeded like `npm start`, shoots, stops. */
async function main() {
  const dir = process.env.ATTUNE_SCREENSHOTS ?? join(root, 'docs/screenshots');
  for (const script of ['scripts/build-tag.mjs', 'scripts/build-dashboard.mjs', 'scripts/build-openapi.mjs']) {
    const r = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'attune-overlay-shots-'));
  const token = `shots-${crypto.randomUUID()}`;
  writeFileSync(join(tmp, 'vars.env'), `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${crypto.randomUUID()}"\n`);
  const edge = await startEdge({ port: await freePort(), envFile: join(tmp, 'vars.env'), persistTo: join(tmp, 'state') });
  try {
    await seedDemo(edge.url, token);
    const paths = await overlayShots(edge.url, dir);
    console.log(`Overlay screenshots written: ${paths.join(', ')}`);
  } finally {
    await edge.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
