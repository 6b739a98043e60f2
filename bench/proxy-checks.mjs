// What bench/edge-proxy.mjs checks before it times anything: both peers personalize the hero,
// returning visitors keep their variant (Attune's after the tag's first report), and the origin and
// the pass-through worker serve the origin's page unchanged. `get(path, agent, cookie)` is the
// bench's own request helper.
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { productPage } from '../scripts/demo-origin.mjs';

export const GB_VARIANT = 'Variant B'; // what GrowthBook's variation B puts in the hero (bench/workers/growthbook.js)
const ATTUNE_VARIANTS = { sale: 'Summer sale: 20% off everything.', shipping: 'Free shipping, every order.' };
const DEFAULT_HERO = '<h1>New season, same good basics.</h1><p>Clothes and things that last.</p><a href="#shop">Shop now</a>';
export const heroOf = (html) => /<div id="hero"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';

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
export async function checkCorrectness({ origin, pass, gb, attune, gbBack, attuneBack }, get) {
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
