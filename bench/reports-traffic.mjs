// The reports bench's traffic: visitors as a site's tag would send them (pages, sources, campaigns,
// browsers, goals), drawn from a seeded PRNG so every run sends the same, and the sending itself.
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';

/** The shop the visitors browse. */
export const HOST = 'https://shop.example';
const id = () => randomUUID().replace(/-/g, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const pick = (rand, weighted) => {
  const total = weighted.reduce((n, [, w]) => n + w, 0);
  let r = rand() * total;
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1][0];
};

// ≈30 pages; entry pages weighted towards the home page, the blog and pricing.
const BLOG = Array.from({ length: 12 }, (_, i) => `/blog/post-${i + 1}`);
const PAGES = [
  '/', '/pricing', '/features', '/features/analytics', '/features/experiments', '/integrations', '/customers',
  '/about', '/contact', '/careers', '/docs', '/docs/getting-started', '/docs/api', '/changelog', '/security',
  '/blog', ...BLOG,
];
const ENTRY = [['/', 30], ['/pricing', 8], ['/features', 6], ['/docs/getting-started', 5], ['/blog', 4], ...BLOG.map((p, i) => [p, 24 / (i + 2)]), ['/customers', 3], ['/integrations', 3]];
const REFERRERS = [
  [null, 34], ['https://www.google.com/', 30], ['https://www.bing.com/', 4], ['https://duckduckgo.com/', 3],
  ['https://news.ycombinator.com/', 5], ['https://t.co/', 3], ['https://www.reddit.com/', 3], ['https://www.linkedin.com/', 2],
  ['https://github.com/', 3], ['https://dev.to/', 2], ['https://blog.example.org/', 2],
];
// utm campaigns on ≈15% of visitors.
const CAMPAIGNS = [
  ['utm_source=newsletter&utm_medium=email&utm_campaign=december', 5],
  ['utm_source=newsletter&utm_medium=email&utm_campaign=onboarding', 2],
  ['utm_source=google&utm_medium=cpc&utm_campaign=brand', 4],
  ['utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting', 2],
  ['utm_source=partner&utm_medium=referral&utm_campaign=launch', 2],
];
const AGENTS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 38],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 14],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 20],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 14],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 6],
  ['Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 2],
];

/**
 * One visitor: 1-4 events in one batch, as the tag sends them — an entry page (referrer, maybe a
 * campaign), then pages or goals: at most one /pricing view, Signup only after it, Purchase only
 * after Signup, so the funnel's answer can be worked out here. `at(i)` gives the i-th event's time.
 */
export function visitor(rand, at) {
  const count = pick(rand, [[1, 45], [2, 25], [3, 18], [4, 12]]);
  const anonymousId = `anon_${id()}`;
  const campaign = rand() < 0.15 ? pick(rand, CAMPAIGNS) : null;
  const referrer = campaign?.includes('email') ? null : pick(rand, REFERRERS);
  const events = [];
  let pricingAt = null;
  let signupAt = null;
  let purchaseAt = null;
  let path = pick(rand, ENTRY);
  for (let i = 0; i < count; i++) {
    const ts = at(i);
    if (i > 0) {
      if (pricingAt === null && rand() < 0.4) path = '/pricing';
      else if (pricingAt !== null && signupAt === null && rand() < 0.6) path = 'Signup';
      else if (signupAt !== null && purchaseAt === null && rand() < 0.7) path = 'Purchase';
      else do path = PAGES[Math.floor(rand() * PAGES.length)]; while (path === '/pricing');
    }
    if (path === 'Signup' || path === 'Purchase') {
      events.push({ id: `evt_${id()}`, type: 'track', name: path, ts, ...(path === 'Purchase' && { props: { revenue: pick(rand, [[29, 5], [49, 3], [99, 2]]) } }) });
      if (path === 'Signup') signupAt = ts;
      else purchaseAt = ts;
      continue;
    }
    if (path === '/pricing') pricingAt = ts;
    const query = i === 0 && campaign ? `?${campaign}` : '';
    const title = path === '/' ? 'Home' : path.slice(1).replace(/\//g, ' · ');
    events.push({ id: `evt_${id()}`, type: 'page', ts, page: { url: `${HOST}${path}${query}`, path, title, ...(i === 0 && referrer && { referrer }) } });
  }
  // Steps in order within the funnel's 24 hours of its first step (every visitor's events are minutes apart).
  const reached = pricingAt === null ? 0 : signupAt === null ? 1 : purchaseAt === null ? 2 : 3;
  return { anonymousId, userAgent: pick(rand, AGENTS), events, reached };
}


/**
 * Sends visitors to `site` over `connections` connections, one batch each, taking no new one after
 * `deadline` (performance.now() ms); resolves with the wall time and how many were sent.
 */
export async function send(url, site, list, connections, deadline = Infinity) {
  let next = 0;
  let sent = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < list.length && performance.now() < deadline) {
        const v = list[next++];
        const body = JSON.stringify({ site, anonymousId: v.anonymousId, events: v.events });
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(`${url}/v1/collect`, { method: 'POST', body, headers: { 'content-type': 'text/plain', 'user-agent': v.userAgent } });
          const text = await res.text();
          if (res.status === 202) break;
          if (attempt >= 3 || res.status < 500) throw new Error(`/v1/collect answered ${res.status}: ${text}`);
          await sleep(200);
        }
        sent++;
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, sent: list.slice(0, sent) };
}
