import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import { identityStub, profileStub } from '../../edge/objects/stubs';
import { profileIdForAnonymous } from '../../edge/profiles/address';
import { admin, anon, createSite, event, feedWith, post, hashEmail } from './helpers';

/** Every table of an object's SQLite storage with its row count, and what its KV and alarm hold. */
async function holdings<T extends Rpc.DurableObjectBranded>(stub: DurableObjectStub<T>): Promise<{ rows: Record<string, number>; kv: string[]; alarm: number | null }> {
  return runInDurableObject(stub, async (_o: unknown, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((t) => t.name);
    const rows = Object.fromEntries(tables.map((t) => [t, state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${t}"`).one().n]));
    return { rows, kv: [...state.storage.kv.list()].map(([k]) => k), alarm: await state.storage.getAlarm() };
  });
}

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

describe('erasure leaves nothing', () => {
  it('deletes every erased object as a whole, frees each identifier object, and every former identifier answers 404', async () => {
    const site = await createSite();
    // Profile ids follow from the anonymous ids and the smaller one survives a merge: with the
    // laptop's the smallest, the laptop's profile absorbs each other device directly, so giving one
    // back hands back that device alone and the person (with the laptop's identifiers) stays.
    let [laptop, phone, tablet] = [anon(), anon(), anon()];
    const idOf = (a: string) => profileIdForAnonymous(site, a);
    while ((await idOf(laptop)) > (await idOf(phone)) || (await idOf(laptop)) > (await idOf(tablet))) [laptop, phone, tablet] = [anon(), anon(), anon()];
    const email = await hashEmail('forget-me@example.com');
    const collect = (a: string, events: unknown[]) => post('/v1/collect', { site, anonymousId: a, events });
    await collect(laptop, [event(), event('identify', { userId: 'u-forget', traits: { email, plan: 'pro', 'id:crm': 'C-7' } })]);
    await collect(phone, [event(), event('identify', { traits: { email } })]);
    await collect(tablet, [event(), event('identify', { traits: { email } })]);
    await feedWith(site, 6);
    const person = (await (await admin(`/sites/${site}/profiles/user:u-forget`)).json()) as { profileId: string; merges: { from: string }[] };
    expect(person.profileId).toBe(await idOf(laptop));
    expect(person.merges.map((m) => m.from).sort()).toEqual([await idOf(phone), await idOf(tablet)].sort());
    // The unmerge leaves records in the survivor (the browser it handed back, the pair never to merge again).
    const [given, kept] = [await idOf(phone), await idOf(tablet)];
    expect((await admin(`/sites/${site}/profiles/${person.profileId}/unmerge`, { method: 'POST', body: JSON.stringify({ from: given }) })).status).toBe(200);
    const beforeErase = (await holdings(profileStub(env, site, person.profileId))).rows;
    expect(beforeErase.split_anon).toBeGreaterThan(0);
    expect(beforeErase.no_merge).toBeGreaterThan(0);

    const del = await admin(`/sites/${site}/profiles/user:u-forget`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(((await del.json()) as { profiles: string[] }).profiles.sort()).toEqual([person.profileId, kept].sort());

    const stubs = [
      ...[person.profileId, kept].map((id) => profileStub(env, site, id)),
      ...[{ type: 'user', value: 'u-forget' }, { type: 'email', value: email }, { type: 'crm', value: 'C-7' }].map((id) => identityStub(env, site, id)),
    ];
    for (const stub of stubs) {
      const left = await holdings(stub);
      expect(Object.entries(left.rows).filter(([, n]) => n > 0), 'tables holding rows').toEqual([]);
      expect(left).toEqual({ rows: {}, kv: [], alarm: null }); // the storage went as a whole
    }
    const gone = [person.profileId, kept, 'user:u-forget', 'email:forget-me@example.com', 'crm:C-7'];
    const survivorBrowsers = [laptop, phone, tablet].map((a) => `anon:${a}`);
    for (const ref of gone) expect((await admin(`/sites/${site}/profiles/${ref}`)).status, ref).toBe(404);
    // The profile the unmerge gave back (with the devices it brought) is another person now, and stays.
    const restored = await Promise.all(survivorBrowsers.map(async (r) => (await admin(`/sites/${site}/profiles/${r}`)).status));
    expect(restored.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect((await admin(`/sites/${site}/profiles/${given}`)).status).toBe(200);
    const feed = (await (await admin(`/sites/${site}/events?limit=1000`)).json()) as { events: { profileId: string }[] };
    expect(feed.events.some((e) => [person.profileId, kept].includes(e.profileId))).toBe(false);
  });
  it("drops the person's webhook dead letters and delivery log entries", async () => {
    const site = await createSite();
    const hook = await admin(`/sites/${site}/destinations`, {
      method: 'POST',
      body: JSON.stringify({ id: 'crm', name: 'CRM', url: 'http://127.0.0.1:9/hook', events: { types: [], names: ['Signup'] }, maxAttempts: 1 }),
    });
    expect(hook.status).toBe(201);
    const [gone, stays] = [anon(), anon()];
    for (const a of [gone, stays]) await post('/v1/collect', { site, anonymousId: a, events: [event('track', { name: 'Signup' })] });
    const letters = async () =>
      ((await (await admin(`/sites/${site}/destinations/crm/dead-letters`)).json()) as { deadLetters: { message: { payload: { profileId: string } } }[] }).deadLetters;
    for (let i = 0; i < 100 && (await letters()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await letters()).toHaveLength(2);
    const erased = (await (await admin(`/sites/${site}/profiles/anon:${gone}`, { method: 'DELETE' })).json()) as { deleted: string };
    const left = await letters();
    expect(left.map((l) => l.message.payload.profileId)).toEqual([await profileIdForAnonymous(site, stays)]);
    const log = (await (await admin(`/sites/${site}/destinations/crm/deliveries`)).json()) as { deliveries: { key: string }[] };
    expect(log.deliveries.some((d) => d.key.includes(erased.deleted))).toBe(false);
    expect(log.deliveries).toHaveLength(1);
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
