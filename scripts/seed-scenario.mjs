// `npm run seed:scenario`: fills the demo site with ~3,000 synthetic visitors over the last 30
// days — campaigns, search, social, email, customer referrals, the hero experiment, add-to-carts,
// purchases with revenue and a few people on two devices — through the public API, like real
// tags would, then prints the experiment results, attribution and a funnel.
// Uses the edge at ATTUNE_URL (default http://127.0.0.1:8787, e.g. a running `npm start`), or
// starts one with the same persisted storage when none answers. Deterministic for a given SEED.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_EXPERIENCE, root, seedDemo, startEdge } from './edge-server.mjs';
import { prng } from './prng.mjs';

const URL_ = process.env.ATTUNE_URL || `http://127.0.0.1:${process.env.PORT || 8787}`;
const VISITORS = Number(process.env.VISITORS || 3000);
const SEED = Number(process.env.SEED || 42);
const DAY = 86_400_000;

const rand = prng(SEED);
const pick = (weighted) => {
  let r = rand() * weighted.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted.at(-1)[0];
};
const id = () => Array.from({ length: 4 }, () => Math.floor(rand() * 2 ** 32).toString(36).padStart(7, '0')).join('');

function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const file = join(root, '.dev.vars');
  const m = existsSync(file) && /^ADMIN_TOKEN="?([^"\n]*)"?$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error('No admin token: set ADMIN_TOKEN, or run `npm start` once (it keeps one in .dev.vars).');
  return m[1];
}

/** Where a visit comes from: landing query, referrer. `customer` is a referring customer's user id. */
function landing(customers) {
  const channel = pick([
    ['organic_search', 30], ['paid_search', 15], ['email', 12], ['organic_social', 10], ['paid_social', 10],
    ['direct', 15], ['referral', 4], ['customer_referral', customers.length ? 4 : 0],
  ]);
  switch (channel) {
    case 'organic_search': return { query: '', referrer: pick([['https://www.google.com/', 8], ['https://www.bing.com/', 1], ['https://duckduckgo.com/', 1]]) };
    case 'paid_search': return { query: `?utm_source=google&utm_medium=cpc&utm_campaign=${pick([['summer-sale', 2], ['brand', 1]])}&gclid=${id()}`, referrer: 'https://www.google.com/' };
    case 'email': return { query: `?utm_source=newsletter&utm_medium=email&utm_campaign=${pick([['weekly', 3], ['winback', 1]])}`, referrer: '' };
    case 'organic_social': return { query: '', referrer: pick([['https://www.facebook.com/', 2], ['https://t.co/', 1], ['https://www.instagram.com/', 1]]) };
    case 'paid_social': return { query: `?utm_source=facebook&utm_medium=paid_social&utm_campaign=summer-sale&fbclid=${id()}`, referrer: 'https://www.facebook.com/' };
    case 'referral': return { query: '', referrer: pick([['https://blog.example.org/best-basics', 1], ['https://news.ycombinator.com/', 1]]) };
    case 'customer_referral': return { query: `?ref=${customers[Math.floor(rand() * customers.length)]}`, referrer: '' };
    default: return { query: '', referrer: '' };
  }
}

async function main() {
  const token = adminToken();
  let edge = null;
  const up = await fetch(`${URL_}/healthz`).then((r) => r.ok, () => false);
  if (!up) {
    console.log(`No edge at ${URL_}: starting one with the storage npm start uses (.wrangler/state) …`);
    const envFile = join(root, '.wrangler/attune-dev.env');
    if (!existsSync(envFile)) throw new Error('Run `npm start` once first (it writes .wrangler/attune-dev.env), or start it and run this again.');
    edge = await startEdge({ port: Number(new URL(URL_).port || 8787), envFile, persistTo: join(root, '.wrangler/state') });
    await seedDemo(edge.url, token, [edge.url]);
  }
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const api = async (path, init = {}) => {
    const res = await fetch(`${URL_}/api${path}`, { ...init, headers });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await api('/sites/demo', { method: 'PATCH', body: JSON.stringify({ goals: ['Purchase', 'Signup'] }) });
  const exp = await api(`/sites/demo/experiences/${DEMO_EXPERIENCE.id}`);
  if (!exp.goals.includes('Purchase')) {
    await api(`/sites/demo/experiences/${DEMO_EXPERIENCE.id}`, { method: 'PATCH', body: JSON.stringify({ goals: [...exp.goals, 'Purchase'] }) });
  }

  const post = async (path, body) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${URL_}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: URL_ }, body: JSON.stringify(body) });
      if (res.ok) return res.json();
      if (attempt >= 4 || res.status < 500) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  };
  const page = (path, query, referrer, ts, title = 'Attune Goods') => ({
    id: id(), type: 'page', ts, page: { url: `${URL_}${path}${query}`, path, referrer, title, lang: 'en', vw: 1280, vh: 800 },
  });
  const track = (name, ts, props) => ({ id: id(), type: 'track', name, ts, page: { url: `${URL_}/demo`, path: '/demo', title: 'Attune Goods' }, ...(props && { props }) });

  const now = Date.now();
  const customers = [];
  const stats = { visitors: 0, events: 0, purchases: 0, revenue: 0, devices: 0 };
  // Conversion to "Add to cart" by hero variant: the sale hero does better.
  const addRate = { sale: 0.13, shipping: 0.09, 'price-promise': 0.16 };

  async function visitor(n) {
    const aid = id();
    stats.visitors++;
    const first = now - Math.floor(rand() * 29 * DAY) - 3_600_000;
    const sessions = pick([[1, 6], [2, 3], [3, 1]]);
    const starts = [first];
    for (let i = 1; i < sessions; i++) starts.push(Math.min(now - 60_000, starts[i - 1] + Math.floor((0.2 + rand() * 4) * DAY)));
    const decision = await post('/v1/decide', { site: 'demo', anonymousId: aid, slots: ['hero'], context: { url: `${URL_}/demo` } });
    const variant = decision.decisions.hero?.variant;
    let carted = false;
    for (const [i, ts] of starts.entries()) {
      const src = landing(customers);
      const events = [page('/demo', src.query, src.referrer, ts)];
      if (variant) events.push(track('$exposure', ts + 800, { slot: 'hero', experience: decision.decisions.hero.experience, variant }));
      if (rand() < 0.35) events.push(page('/demo/pricing', '', `${URL_}/demo`, ts + 20_000, 'Pricing'));
      if (!carted && rand() < (addRate[variant] ?? 0.1) * (i + 1)) {
        carted = true;
        events.push(track('Add to cart', ts + 60_000, { sku: `sku-${1 + Math.floor(rand() * 30)}` }));
        if (rand() < 0.45) {
          const revenue = Math.round((30 + rand() * 120) * 100) / 100;
          events.push(track('Purchase', ts + 180_000, { revenue }));
          stats.purchases++;
          stats.revenue += revenue;
          const userId = `cust-${n}`;
          events.push({ id: id(), type: 'identify', ts: ts + 181_000, userId, traits: { email: await sha256(`${userId}@example.com`) } });
          customers.push(userId);
          // Some buyers come back on their phone and sign in: one person, two devices.
          if (rand() < 0.15) {
            stats.devices++;
            const phone = id();
            const later = Math.min(now - 30_000, ts + Math.floor(rand() * 3 * DAY));
            await post('/v1/collect', { site: 'demo', anonymousId: phone, events: [page('/demo', '', '', later), { id: id(), type: 'identify', ts: later + 1000, userId, traits: {} }] });
            stats.events += 2;
          }
        }
      }
      if (rand() < 0.02) events.push(track('Signup', ts + 90_000));
      await post('/v1/collect', { site: 'demo', anonymousId: aid, events });
      stats.events += events.length;
    }
  }

  const started = Date.now();
  const CONCURRENCY = 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < VISITORS) {
        const n = next++;
        await visitor(n);
        if ((n + 1) % 500 === 0) console.log(`  ${n + 1} visitors …`);
      }
    }),
  );
  console.log(
    `Sent ${stats.visitors} visitors (+${stats.devices} second devices), ${stats.events} events, ${stats.purchases} purchases worth €${stats.revenue.toFixed(2)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  );
  await new Promise((r) => setTimeout(r, 3000)); // counters and credits travel after each response

  const results = await api(`/sites/demo/experiences/${DEMO_EXPERIENCE.id}/results`);
  console.log(`\nExperiment "${results.experience.name}":`);
  for (const g of results.analysis.goals) {
    console.log(`  ${g.goal} (${g.kind}):`);
    for (const v of g.variants) {
      const rel = v.relative ? ` uplift ${(v.relative.value * 100).toFixed(1)}% [${(v.relative.low * 100).toFixed(1)}, ${(v.relative.high * 100).toFixed(1)}]` : '';
      const p = v.pValue !== null ? ` p=${v.pValue.toFixed(4)}` : '';
      const beat = v.chanceToBeat !== null && !v.control ? ` P(beat)=${(v.chanceToBeat * 100).toFixed(1)}%` : '';
      console.log(`    ${v.key.padEnd(10)} ${String(v.visitors).padStart(5)} visitors ${String(v.conversions).padStart(4)} conv ${(v.rate * 100).toFixed(2)}%${rel}${p}${beat}`);
    }
    console.log(`    → ${g.verdict}`);
  }
  console.log(`  SRM p=${results.analysis.srm.pValue.toFixed(3)}${results.analysis.srm.mismatch ? ' (MISMATCH)' : ''}`);

  for (const model of ['last_non_direct', 'linear', 'first_touch']) {
    const a = await api(`/sites/demo/attribution?model=${model}&goal=Purchase`);
    console.log(`\nAttribution (${model}, Purchase): ${a.conversions.toFixed(0)} conversions, €${a.revenue.toFixed(2)}`);
    for (const r of a.byChannel) console.log(`  ${r.key.padEnd(18)} ${r.conversions.toFixed(2).padStart(8)} conv  €${r.revenue.toFixed(2).padStart(10)}`);
    if (model === 'last_non_direct') {
      for (const r of a.byCampaign.slice(0, 6)) console.log(`  campaign ${r.key.padEnd(14)} ${r.conversions.toFixed(2).padStart(6)} conv  €${r.revenue.toFixed(2)}`);
      console.log(`  customers who referred buyers: ${a.byReferralCode.length}`);
    }
  }

  const f = await api(`/sites/demo/funnels?steps=${encodeURIComponent('page:/demo,Add to cart,Purchase')}&windowHours=720`);
  console.log(`\nFunnel page:/demo → Add to cart → Purchase (${f.sampled} of ${f.population} recent profiles):`);
  for (const s of f.steps) {
    const t = s.medianMsFromPrevious === null ? '' : `, median ${(s.medianMsFromPrevious / 60_000).toFixed(1)} min from previous`;
    console.log(`  ${s.label.padEnd(14)} ${String(s.visitors).padStart(5)} (${(s.fromFirst * 100).toFixed(1)}% of first, ${(s.fromPrevious * 100).toFixed(1)}% of previous${t})`);
  }
  if (edge) await edge.stop();
}

async function sha256(text) {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text.trim().toLowerCase()));
  return Buffer.from(d).toString('hex');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
