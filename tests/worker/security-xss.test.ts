import { describe, expect, it } from 'vitest';
import { admin, anon, createSite, event, feedWith, post } from './helpers';
import { session } from './dashboard-helpers';
import { executable } from './security-helpers';

/**
 * Stored XSS: hostile text sent by visitors (event names, props, page URLs and titles, traits,
 * user ids) and typed by marketers (site, audience and experience names) comes back as text on
 * every dashboard page that shows it — never as markup, a script break-out or a javascript: link.
 */
const PAYLOADS = {
  img: '<img src=x onerror=alert(1)>',
  script: '</script><script>alert(2)</script>',
  attr: '"><svg onload=alert(3)>',
  single: "'><iframe srcdoc=x onload=alert(4)>",
  js: 'javascript:alert(5)',
};
const ESCAPED_IMG = '&lt;img src=x onerror=alert(1)&gt;';

async function expectInert(path: string, html: string): Promise<void> {
  expect(await executable(html), path).toEqual([]);
  expect(html, path).not.toContain(PAYLOADS.img);
  expect(html, path).not.toContain('<script>alert(2)');
  // Every script element the page opens is one the page closes: no payload ended one early.
  expect((html.match(/<script\b/gi) ?? []).length, path).toBe((html.match(/<\/script>/gi) ?? []).length);
}

describe('stored XSS through the dashboard', () => {
  it('has a detector that sees what a browser would run', async () => {
    const page = `<p>${PAYLOADS.img}</p><a href=" javascript:alert(5)">x</a><script>alert(2)</script>`;
    expect(await executable(page)).toEqual(['<img onerror="alert(1)">', '<img src=x>', '<a href=" javascript:alert(5)">', 'script text: alert(2)']);
    expect(await executable(`<p>${ESCAPED_IMG}</p><svg><rect/></svg><iframe sandbox srcdoc="&lt;b&gt;"></iframe>`)).toEqual([]);
  });

  it('renders hostile visitor data and names as text on every page that shows them', { timeout: 60_000 }, async () => {
    const s = await session();
    const site = await createSite({ name: `Shop ${PAYLOADS.img}` });
    const anonymousId = anon();
    const res = await post('/v1/collect', {
      site,
      anonymousId,
      events: [
        event('page', { page: { url: PAYLOADS.js, title: PAYLOADS.script, referrer: PAYLOADS.attr, path: PAYLOADS.single } }),
        event('track', { name: PAYLOADS.img, props: { [PAYLOADS.attr]: PAYLOADS.script, link: PAYLOADS.js, img: PAYLOADS.img } }),
        event('identify', { userId: PAYLOADS.single, traits: { firstName: PAYLOADS.img, note: PAYLOADS.script, website: PAYLOADS.js } }),
        event('signal', { name: PAYLOADS.attr }),
      ],
    });
    expect(res.status).toBe(202);
    await feedWith(site, 4);
    const aud = await admin(`/sites/${site}/audiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'xss', name: PAYLOADS.img, description: PAYLOADS.script, rule: { event: PAYLOADS.img } }),
    });
    expect(aud.status).toBe(201);
    const exp = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({ id: 'xss', name: PAYLOADS.img, slot: 'hero', status: 'running', goals: [PAYLOADS.script], variants: [{ key: 'a', name: PAYLOADS.attr, weight: 1, content: null }] }),
    });
    expect(exp.status).toBe(201);
    const profileId = ((await (await admin(`/sites/${site}/profiles/anon:${anonymousId}`)).json()) as { profileId: string }).profileId;

    const base = `/dashboard/sites/${site}`;
    const pages = [
      '/dashboard',
      base,
      `${base}/live`,
      `${base}/profiles`,
      `${base}/profiles/${profileId}`,
      `${base}/audiences`,
      `${base}/audiences/xss`,
      `${base}/experiences`,
      `${base}/experiences/xss`,
      `${base}/experiences/xss/results`,
      `${base}/settings`,
      `${base}/install`,
      `${base}/attribution`,
      `${base}/funnels?steps=${encodeURIComponent(PAYLOADS.img)}`,
    ];
    let shown = 0;
    for (const path of pages) {
      const page = await s.get(path);
      expect(page.status, path).toBe(200);
      expect(page.res.headers.get('content-security-policy') ?? '', path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      await expectInert(path, page.text);
      if (page.text.includes(ESCAPED_IMG)) shown++;
    }
    // The payloads really were on the pages (escaped), not just missing.
    expect(shown).toBeGreaterThanOrEqual(5);
    const profile = await s.get(`${base}/profiles/${profileId}`);
    expect(profile.text).toContain(ESCAPED_IMG);
  });
});
