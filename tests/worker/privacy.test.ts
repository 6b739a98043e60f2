import { runDurableObjectAlarm } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import { admin, anon, createSite, event, feedWith, post, hashEmail } from './helpers';

const env = workerEnv as unknown as Env; // the test project's bindings are the edge's

const identify = (email: string) => event('identify', { userId: 'u-' + email.slice(0, 8), traits: { email } });

describe('privacy: export and erase a person', () => {
  it('exports everything held about the person as one JSON document', async () => {
    const site = await createSite();
    const a = anon();
    await post('/v1/collect', { site, anonymousId: a, events: [event('page', { ts: Date.now() - 1000 }), event('track', { name: 'Signup', props: { plan: 'pro' } })] });
    const res = await admin(`/sites/${site}/profiles/anon:${a}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="p_[a-z0-9]+\.json"/);
    const doc = (await res.json()) as { profile: { identifiers: { value: string }[] }; events: { name: string | null }[] };
    expect(doc.profile.identifiers.map((i) => i.value)).toContain(a);
    expect(doc.events.map((e) => e.name)).toEqual([null, 'Signup']);
  });

  it('erases a merged person on every device, frees their identifiers and clears the live feed', async () => {
    const site = await createSite();
    const [laptop, phone] = [anon(), anon()];
    const email = await hashEmail('erase-me@example.com');
    await post('/v1/collect', { site, anonymousId: laptop, events: [event(), identify(email)] });
    await post('/v1/collect', { site, anonymousId: phone, events: [event(), identify(email)] });
    await feedWith(site, 4);

    const del = await admin(`/sites/${site}/profiles/email:erase-me@example.com`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(((await del.json()) as { profiles: string[] }).profiles).toHaveLength(2);
    for (const ref of [`anon:${laptop}`, `anon:${phone}`, 'email:erase-me@example.com']) {
      expect((await admin(`/sites/${site}/profiles/${ref}`)).status).toBe(404);
    }
    const feed = (await (await admin(`/sites/${site}/events`)).json()) as { events: unknown[] };
    expect(feed.events).toEqual([]);

    // The email is free again: a new device that identifies with it starts a new, empty person.
    const fresh = anon();
    await post('/v1/collect', { site, anonymousId: fresh, events: [identify(email)] });
    const p = (await (await admin(`/sites/${site}/profiles/email:erase-me@example.com`)).json()) as { eventCount: number; merges: unknown[] };
    expect(p).toMatchObject({ eventCount: 1, merges: [] });
  });
});

describe('retention', () => {
  it("purges events older than the site's retention days when the profile's alarm runs", async () => {
    const site = await createSite({ retentionDays: 30 });
    const a = anon();
    const day = 24 * 60 * 60 * 1000;
    const res = await post('/v1/collect', {
      site,
      anonymousId: a,
      events: [event('page', { ts: Date.now() - 40 * day }), event('page', { ts: Date.now() - 31 * day }), event('page', { ts: Date.now() - day })],
    });
    const { profileToken } = (await res.json()) as { profileToken: string };
    const profileId = profileToken.split('.')[0]!;
    const stub = env.PROFILES.get(env.PROFILES.idFromName(`${site}/${profileId}`));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const { total } = (await (await admin(`/sites/${site}/profiles/anon:${a}/events`)).json()) as { total: number };
    expect(total).toBe(1);
  });
});
