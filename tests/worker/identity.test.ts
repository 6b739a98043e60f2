import { describe, expect, it } from 'vitest';
import { abortAllDurableObjects, evictAllDurableObjects } from 'cloudflare:test';
import { identitySignature } from '../../edge/profiles/verify';
import { admin, anon, createSite, event, post, hashEmail } from './helpers';

interface Snapshot {
  profileId: string;
  eventCount: number;
  identifiers: { type: string; value: string }[];
  merges: { from: string }[];
  assignments: { experience: string; variant: string | null }[];
}

async function profile(site: string, ref: string): Promise<Snapshot> {
  const res = await admin(`/sites/${site}/profiles/${encodeURIComponent(ref)}`);
  if (res.status !== 200) throw new Error(`${ref}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Snapshot;
}

async function collect(site: string, anonymousId: string, events: unknown[], profileToken?: string) {
  const res = await post('/v1/collect', { site, anonymousId, events, ...(profileToken && { profileToken }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { accepted: number; duplicates: number; profileToken: string };
}

const identify = (userId: string | undefined, emailHash: string) =>
  event('identify', { ...(userId && { userId }), traits: { email: emailHash, plan: 'pro' } });

describe('identity: one profile per person across devices', () => {
  it('merges two devices that identify with the same email, and every lookup finds the one profile', async () => {
    const site = await createSite();
    const [laptop, phone] = [anon(), anon()];
    const email = await hashEmail('Ada@Example.com');
    await collect(site, laptop, [event(), event('track', { name: 'Viewed pricing' })]);
    await collect(site, laptop, [identify('user-ada', email)]);
    await collect(site, phone, [event(), event('track', { name: 'Added to cart' })]);
    const joined = await collect(site, phone, [identify(undefined, email)]);

    const refs = [`anon:${laptop}`, `anon:${phone}`, 'user:user-ada', 'email: ada@EXAMPLE.com '];
    const views = await Promise.all(refs.map((r) => profile(site, r)));
    expect(new Set(views.map((v) => v.profileId)).size).toBe(1);
    const [p] = views;
    expect(p!.eventCount).toBe(6);
    expect(p!.merges).toHaveLength(1);
    expect(p!.identifiers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'anonymous', value: laptop }),
        expect.objectContaining({ type: 'anonymous', value: phone }),
        expect.objectContaining({ type: 'user', value: 'user-ada' }),
      ]),
    );
    // The phone now holds a token for the surviving profile: its next event lands there in one hop.
    expect(joined.profileToken.split('.')[0]).toBe(p!.profileId);
    await collect(site, phone, [event('track', { name: 'Checkout' })], joined.profileToken);
    expect((await profile(site, `anon:${phone}`)).eventCount).toBe(7);
    // So does the phone with its old identity (no token): the merged-away profile forwards.
    await collect(site, phone, [event('track', { name: 'Checkout again' })]);
    expect((await profile(site, 'user:user-ada')).eventCount).toBe(8);
  });

  it('joins three devices into one profile with every event once', async () => {
    const site = await createSite();
    const devices = [anon(), anon(), anon()];
    const email = await hashEmail('grace@example.com');
    for (const d of devices) await collect(site, d, [event(), event('track', { name: 'Read docs' }), identify(undefined, email)]);
    const views = await Promise.all(devices.map((d) => profile(site, `anon:${d}`)));
    expect(new Set(views.map((v) => v.profileId)).size).toBe(1);
    expect(views[0]!.eventCount).toBe(9);
    expect(views[0]!.merges).toHaveLength(2);
  });

  it('ends a 50-device identify race in one profile holding every event exactly once', async () => {
    const site = await createSite();
    const devices = Array.from({ length: 50 }, () => anon());
    const email = await hashEmail('race@example.com');
    await Promise.all(devices.map((d) => collect(site, d, [event(), event('track', { name: 'Browse' })])));
    await Promise.all(devices.map((d) => collect(site, d, [identify(undefined, email)])));
    const views = await Promise.all(devices.map((d) => profile(site, `anon:${d}`)));
    const ids = new Set(views.map((v) => v.profileId));
    expect(ids.size).toBe(1);
    const survivor = await profile(site, 'email:race@example.com');
    expect(survivor.eventCount).toBe(150);
    const { events, total } = (await (await admin(`/sites/${site}/profiles/email:race@example.com/events?limit=1000`)).json()) as {
      events: { id: string }[];
      total: number;
    };
    expect(total).toBe(150);
    expect(new Set(events.map((e) => e.id)).size).toBe(150);
  });

  it('changes nothing when an identify is retried', async () => {
    const site = await createSite();
    const [a, b] = [anon(), anon()];
    const email = await hashEmail('retry@example.com');
    await collect(site, a, [event(), identify('u-retry', email)]);
    const batch = [event(), identify(undefined, email)];
    await collect(site, b, batch);
    const again = await collect(site, b, batch);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2 });
    const p = await profile(site, 'user:u-retry');
    expect(p.eventCount).toBe(4);
    expect(p.merges).toHaveLength(1);
  });

  it("keeps the survivor's experiment assignment, so a merged visitor's variant is stable", async () => {
    const site = await createSite();
    const exp = await admin(`/sites/${site}/experiences`, {
      method: 'POST',
      body: JSON.stringify({
        id: 'hero',
        name: 'Hero',
        slot: 'hero',
        status: 'running',
        variants: [
          { key: 'a', weight: 1, content: { type: 'text', value: 'A' } },
          { key: 'b', weight: 1, content: { type: 'text', value: 'B' } },
        ],
      }),
    });
    expect(exp.status).toBe(201);
    const email = await hashEmail('stable@example.com');
    const decide = async (anonymousId: string) =>
      ((await (await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: { url: 'https://shop.test/' } })).json()) as {
        decisions: { hero?: { variant: string } };
      }).decisions.hero?.variant;
    // Find two devices that were bucketed differently, so the merge has something to decide.
    const first = anon();
    const firstVariant = await decide(first);
    let second = anon();
    for (let i = 0; i < 40 && (await decide(second)) === firstVariant; i++) second = anon();
    await collect(site, first, [identify(undefined, email)]);
    await collect(site, second, [identify(undefined, email)]);
    const p = await profile(site, 'email:stable@example.com');
    expect(p.assignments).toHaveLength(1);
    const kept = p.assignments[0]!.variant;
    expect(await decide(first)).toBe(kept);
    expect(await decide(second)).toBe(kept);
  });

  it("supports Segment's alias: an identify with previousId joins the earlier anonymous identity", async () => {
    const site = await createSite();
    const [before, after] = [anon(), anon()];
    await collect(site, before, [event(), event('track', { name: 'Browsed anonymously' })]);
    await collect(site, after, [event('identify', { userId: 'u-alias', previousId: before })]);
    const p = await profile(site, 'user:u-alias');
    expect((await profile(site, `anon:${before}`)).profileId).toBe(p.profileId);
    expect(p.eventCount).toBe(3);
    // An alias to an id nobody has seen changes nothing.
    await collect(site, after, [event('identify', { userId: 'u-alias', previousId: 'never-seen-anon-id' })]);
    expect((await profile(site, 'user:u-alias')).merges).toHaveLength(1);
  });

  it('joins profiles through a custom identifier type named with an id:<type> trait', async () => {
    const site = await createSite();
    const [a, b] = [anon(), anon()];
    await collect(site, a, [event(), event('identify', { traits: { 'id:crm': 'C-42' } })]);
    await collect(site, b, [event(), event('identify', { traits: { 'id:crm': 'C-42' } })]);
    const p = await profile(site, 'crm:C-42');
    expect(p.eventCount).toBe(4);
    expect(p.identifiers).toContainEqual(expect.objectContaining({ type: 'crm', value: 'C-42' }));
    expect((await profile(site, `anon:${a}`)).profileId).toBe((await profile(site, `anon:${b}`)).profileId);
  });

  it('answers 404 for an identifier nobody claimed', async () => {
    const site = await createSite();
    expect((await admin(`/sites/${site}/profiles/user:nobody`)).status).toBe(404);
    expect((await admin(`/sites/${site}/profiles/email:nobody@example.com`)).status).toBe(404);
  });

  it('with verification required, joins only identifies signed by the site, and never through a self-asserted email', async () => {
    const secret = 'site-secret-0123456789abcdef';
    const site = await createSite({ verificationSecret: secret, verificationRequired: true });
    const email = await hashEmail('vip@example.com');
    const signed = async (userId: string) =>
      event('identify', { userId, signature: await identitySignature(secret, userId), traits: { email } });
    const [owner, unsigned, forged, viaEmail, genuine] = [anon(), anon(), anon(), anon(), anon()];
    await collect(site, owner, [event(), await signed('vip')]);
    await collect(site, unsigned, [event(), event('identify', { userId: 'vip' })]);
    await collect(site, forged, [event(), event('identify', { userId: 'vip', signature: 'ab'.repeat(32) })]);
    await collect(site, viaEmail, [event(), identify(undefined, email)]);
    await collect(site, genuine, [event(), await signed('vip')]);

    const vip = (await profile(site, 'user:vip')).profileId;
    expect((await profile(site, `anon:${genuine}`)).profileId).toBe(vip);
    for (const claimant of [unsigned, forged, viaEmail]) {
      expect((await profile(site, `anon:${claimant}`)).profileId).not.toBe(vip);
    }
    expect((await profile(site, 'user:vip')).eventCount).toBe(4);
    // The unsigned identify is on record as a claim; it gave its profile no identity.
    const claimant = await profile(site, `anon:${unsigned}`);
    expect(claimant.identifiers.map((i) => i.type)).toEqual(['anonymous']);
    const { events } = (await (await admin(`/sites/${site}/profiles/anon:${unsigned}/events`)).json()) as {
      events: { type: string; props: Record<string, unknown> | null }[];
    };
    expect(events.find((e) => e.type === 'identify')!.props).toMatchObject({ userId: 'vip', refused: 'user: unverified claim' });
  });

  it('treats a stale token (its profile merged away) as a forward: the event lands on the survivor, with a fresh token', async () => {
    const site = await createSite();
    const email = await hashEmail('stale@example.com');
    const [a, b] = [anon(), anon()];
    const tokens = { [a]: (await collect(site, a, [event()])).profileToken, [b]: (await collect(site, b, [event()])).profileToken };
    await collect(site, a, [identify(undefined, email)]);
    await collect(site, b, [identify(undefined, email)]);
    const survivor = (await profile(site, 'email:stale@example.com')).profileId;
    const staleOwner = tokens[a]!.startsWith(survivor + '.') ? b : a;
    const stale = tokens[staleOwner]!;
    expect(stale.startsWith(survivor + '.')).toBe(false);
    const res = await collect(site, staleOwner, [event('track', { name: 'Late' })], stale);
    expect(res.profileToken.split('.')[0]).toBe(survivor);
    expect((await profile(site, survivor)).eventCount).toBe(5);
  });
});

describe('identity: limits against shared and bogus identifiers', () => {
  it('a kiosk keeps its first user: a second user id is recorded, refused with a reason, and joins nothing', async () => {
    const site = await createSite();
    const [kiosk, home] = [anon(), anon()];
    await collect(site, home, [event(), event('identify', { userId: 'bob' })]);
    await collect(site, kiosk, [event('identify', { userId: 'alice' })]);
    await collect(site, kiosk, [event('identify', { userId: 'bob' })]);
    expect((await profile(site, `anon:${kiosk}`)).profileId).toBe((await profile(site, 'user:alice')).profileId);
    expect((await profile(site, 'user:bob')).profileId).toBe((await profile(site, `anon:${home}`)).profileId);
    expect((await profile(site, 'user:bob')).profileId).not.toBe((await profile(site, 'user:alice')).profileId);
    const { events } = (await (await admin(`/sites/${site}/profiles/anon:${kiosk}/events`)).json()) as {
      events: { props: Record<string, unknown> | null }[];
    };
    expect(events.map((e) => e.props?.refused).filter(Boolean)).toEqual(['user: limit of 1 reached']);
  });

  it('never merges two people who share an email but have different user ids', async () => {
    const site = await createSite();
    const email = await hashEmail('family@example.com');
    const [a, b] = [anon(), anon()];
    await collect(site, a, [identify('parent', email)]);
    await collect(site, b, [identify('child', email)]);
    expect((await profile(site, 'user:parent')).profileId).not.toBe((await profile(site, 'user:child')).profileId);
  });

  it('stops a bogus identifier from joining more profiles than the site allows', async () => {
    const site = await createSite({ identifierLimits: { user: 1, email: 3, phone: 3, profilesPerIdentifier: 3 } });
    const email = await hashEmail('test@test.com');
    const devices = Array.from({ length: 6 }, () => anon());
    for (const d of devices) await collect(site, d, [event(), identify(undefined, email)]);
    const ids = await Promise.all(devices.map(async (d) => (await profile(site, `anon:${d}`)).profileId));
    const joined = ids.filter((id) => id === ids[0]);
    expect(joined).toHaveLength(3);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('identity: unmerge', () => {
  it('gives a merged device back its own profile, events (also those sent since) and identity, for good', async () => {
    const site = await createSite();
    const [laptop, phone] = [anon(), anon()];
    const email = await hashEmail('split@example.com');
    await collect(site, laptop, [event('page', { ts: Date.now() - 5000 }), identify('u-split', email)]);
    await collect(site, phone, [event('page', { ts: Date.now() - 4000 })]);
    const [laptopId, phoneId] = [(await profile(site, `anon:${laptop}`)).profileId, (await profile(site, `anon:${phone}`)).profileId];
    const joined = await collect(site, phone, [identify(undefined, email)]);
    await collect(site, phone, [event('track', { name: 'After merge' })], joined.profileToken);
    const merged = await profile(site, 'email:split@example.com');
    expect(merged.eventCount).toBe(5);
    const survivor = merged.profileId;
    const from = survivor === laptopId ? phoneId : laptopId; // the smaller id survives
    expect(merged.merges.map((m) => m.from)).toEqual([from]);

    const res = await admin(`/sites/${site}/profiles/${survivor}/unmerge`, { method: 'POST', body: JSON.stringify({ from }) });
    expect(res.status).toBe(200);
    const [l, p] = [await profile(site, `anon:${laptop}`), await profile(site, `anon:${phone}`)];
    expect([l.profileId, p.profileId]).toEqual([laptopId, phoneId]);
    expect(l.eventCount + p.eventCount).toBe(5);
    expect(p.identifiers.map((i) => i.value)).toContain(phone);
    expect(l.identifiers.map((i) => i.value)).not.toContain(phone);
    const phoneEvents = (await (await admin(`/sites/${site}/profiles/anon:${phone}/events`)).json()) as { events: { name: string | null }[] };
    expect(phoneEvents.events.map((e) => e.name)).toContain('After merge');

    // The phone still holds the survivor's token: its next event goes to its own profile again.
    const next = await collect(site, phone, [event('track', { name: 'After unmerge' })], joined.profileToken);
    expect(next.profileToken.split('.')[0]).toBe(p.profileId);
    // Identifying again with the shared email does not merge them back on its own.
    await collect(site, phone, [identify(undefined, email)]);
    expect((await profile(site, `anon:${phone}`)).profileId).toBe(p.profileId);
    expect((await profile(site, `anon:${laptop}`)).eventCount).toBe(l.eventCount);

    const again = await admin(`/sites/${site}/profiles/${survivor}/unmerge`, { method: 'POST', body: JSON.stringify({ from }) });
    expect(again.status).toBe(404);
    const bad = await admin(`/sites/${site}/profiles/${survivor}/unmerge`, { method: 'POST', body: JSON.stringify({ from: 'nope' }) });
    expect(bad.status).toBe(400);
  });
});

describe('identity: objects restarting mid-stream', () => {
  it('loses and duplicates nothing when objects are evicted and aborted between and around merges', async () => {
    const site = await createSite();
    const email = await hashEmail('restart@example.com');
    const devices = Array.from({ length: 5 }, () => anon());
    const batches = devices.map(() => [[event(), event('track', { name: 'One' })], [identify(undefined, email)], [event('track', { name: 'Two' })]]);
    for (let step = 0; step < 3; step++) {
      await Promise.all(devices.map((d, i) => collect(site, d, batches[i]![step]!)));
      if (step === 0) await evictAllDurableObjects();
      if (step === 1) await abortAllDurableObjects();
    }
    // Retried deliveries after the restarts count once.
    for (let step = 0; step < 3; step++) await Promise.all(devices.map((d, i) => collect(site, d, batches[i]![step]!)));
    const views = await Promise.all(devices.map((d) => profile(site, `anon:${d}`)));
    expect(new Set(views.map((v) => v.profileId)).size).toBe(1);
    expect(views[0]!.eventCount).toBe(20);
  });
});
