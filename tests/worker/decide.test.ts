import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../protocol/decide';
import { admin, anon, createSite, post } from './helpers';

const CONTEXT = { url: 'https://shop.test/' };
const CONTENT = { a: { type: 'html', value: '<b>A</b>' }, b: { type: 'text', value: 'B' } } as const;
const HERO = {
  name: 'Hero test',
  slot: 'hero',
  status: 'running',
  variants: [
    { key: 'a', weight: 50, content: CONTENT.a },
    { key: 'b', weight: 50, content: CONTENT.b },
  ],
};

async function createExperience(site: string, body: Record<string, unknown>): Promise<string> {
  const res = await admin(`/sites/${site}/experiences`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A fresh site with the running two-variant experience on "hero" (plus any others given). */
async function setup(...others: Record<string, unknown>[]): Promise<{ site: string; exp: string }> {
  const site = await createSite();
  const exp = await createExperience(site, HERO);
  for (const other of others) await createExperience(site, other);
  return { site, exp };
}

async function decide(site: string, anonymousId: string, extra: Record<string, unknown> = {}): Promise<DecideResponse> {
  const res = await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: CONTEXT, ...extra });
  expect(res.status).toBe(200);
  return (await res.json()) as DecideResponse;
}

async function variantOf(site: string, anonymousId: string): Promise<string | undefined> {
  return (await decide(site, anonymousId)).decisions.hero?.variant;
}

/** Decides for `count` fresh visitors, a few at a time, and returns their ids and variants. */
async function visitors(site: string, count: number): Promise<{ id: string; variant: string | undefined }[]> {
  const out: { id: string; variant: string | undefined }[] = [];
  for (let i = 0; i < count; i += 20) {
    const ids = Array.from({ length: Math.min(20, count - i) }, () => anon());
    out.push(...(await Promise.all(ids.map(async (id) => ({ id, variant: await variantOf(site, id) })))));
  }
  return out;
}

interface Snapshot {
  identifiers: { type: string; value: string }[];
  assignments: { experience: string; variant: string | null; assignedAt: number }[];
}

async function profile(site: string, anonymousId: string): Promise<Snapshot> {
  const res = await admin(`/sites/${site}/profiles/anon:${anonymousId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Snapshot;
}

describe('POST /v1/decide', () => {
  it('decides the requested slot, returns a profile token and remembers the assignment', async () => {
    const { site, exp } = await setup();
    const anonymousId = anon();
    const res = await post('/v1/decide', { site, anonymousId, slots: ['hero'], context: CONTEXT });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as DecideResponse;
    expect(body.profileToken).toMatch(/^p_[a-z0-9]+\.[0-9a-z]+\.[A-Za-z0-9_-]+$/);
    expect(body.audiences).toEqual([]);
    const hero = body.decisions.hero;
    expect(hero).toMatchObject({ experience: exp, reason: 'matched' });
    expect(hero?.variant === 'a' || hero?.variant === 'b').toBe(true);
    expect(hero?.content).toEqual(hero?.variant === 'a' ? CONTENT.a : CONTENT.b);

    const snapshot = await profile(site, anonymousId);
    expect(snapshot.assignments).toEqual([{ experience: exp, variant: hero?.variant, assignedAt: expect.any(Number) }]);
    const byId = await admin(`/sites/${site}/profiles/${body.profileToken.split('.')[0]}`);
    expect(await byId.json()).toEqual(snapshot);
  });

  it('gives the same visitor the same variant every time', async () => {
    const { site } = await setup();
    const anonymousId = anon();
    const first = await decide(site, anonymousId);
    for (let i = 0; i < 10; i++) {
      // Without its token (the profile decides) and with it (its sealed digest decides).
      const again = await decide(site, anonymousId);
      expect(again.decisions.hero).toEqual({ ...first.decisions.hero, reason: 'sticky' });
      expect(again.profileToken.split('.')[0]).toBe(first.profileToken.split('.')[0]);
      const withToken = await decide(site, anonymousId, { profileToken: again.profileToken });
      expect(withToken.decisions.hero).toEqual({ ...first.decisions.hero, reason: 'sticky' });
      expect(withToken.profileToken).toBe(again.profileToken); // nothing new to seal
    }
  });

  it('does not follow a profile token issued to another browser: the sender is decided as itself', async () => {
    const { site } = await setup();
    const owner = anon();
    const first = await decide(site, owner);
    const variant = first.decisions.hero?.variant;
    // A second browser whose own id buckets into the other variant.
    let other = anon();
    for (let i = 0; i < 40 && (await variantOf(site, other)) === variant; i++) other = anon();
    expect(await variantOf(site, other)).not.toBe(variant);

    const viaToken = await decide(site, other, { profileToken: first.profileToken });
    expect(viaToken.profileToken.split('.')[0]).not.toBe(first.profileToken.split('.')[0]);
    expect(viaToken.decisions.hero?.variant).not.toBe(variant);
    const identifiers = (await profile(site, owner)).identifiers.map((i) => i.value);
    expect(identifiers).not.toContain(other);
    // Its owner still reaches it in one hop, with the same token.
    expect((await decide(site, owner, { profileToken: first.profileToken })).profileToken).toBe(first.profileToken);
  });

  it('ignores a forged token and resolves the visitor by anonymous id', async () => {
    const { site } = await setup();
    const owner = await decide(site, anon());
    const stranger = anon();
    const own = await decide(site, stranger);
    const [profileId, sig = ''] = owner.profileToken.split('.');
    const flipped = `${profileId}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    const borrowed = `${profileId}.${own.profileToken.split('.')[1]}`;
    for (const forged of [flipped, borrowed, `${profileId}.`, profileId ?? '']) {
      const res = await decide(site, stranger, { profileToken: forged });
      expect(res.profileToken.split('.')[0]).toBe(own.profileToken.split('.')[0]);
      expect(res.decisions.hero).toMatchObject({ variant: own.decisions.hero?.variant, reason: 'sticky' });
    }
  });

  it('splits 200 visitors between both variants', { timeout: 30_000 }, async () => {
    const { site } = await setup();
    const seen = await visitors(site, 200);
    const a = seen.filter((v) => v.variant === 'a').length;
    const b = seen.filter((v) => v.variant === 'b').length;
    expect(a + b).toBe(200);
    expect(a / 200).toBeGreaterThanOrEqual(0.35);
    expect(a / 200).toBeLessThanOrEqual(0.65);
  });

  // 1000/0.001 is what the schema accepts today (weights must be > 0); 100/0 is the natural way to
  // turn a variant off, which the engine supports ("non-positive weights never win").
  it.each([
    [1000, 0.001],
    [100, 0],
  ])('keeps assigned visitors on their variant when the weights change to %d/%d', { timeout: 30_000 }, async (wa, wb) => {
    const { site, exp } = await setup();
    const before = await visitors(site, 40);
    expect(before.some((v) => v.variant === 'b')).toBe(true);

    const patch = await admin(`/sites/${site}/experiences/${exp}`, {
      method: 'PATCH',
      body: JSON.stringify({ variants: [{ ...HERO.variants[0], weight: wa }, { ...HERO.variants[1], weight: wb }] }),
    });
    expect(patch.status, await patch.clone().text()).toBe(200);

    for (const { id, variant } of before) {
      expect((await decide(site, id)).decisions.hero).toMatchObject({ variant, reason: 'sticky' });
    }
    const after = await visitors(site, 40);
    expect(after.map((v) => v.variant)).toEqual(after.map(() => 'a'));
  });

  it('re-assigns a visitor whose variant was removed, and keeps the new variant sticky', { timeout: 30_000 }, async () => {
    const site = await createSite();
    const c = { key: 'c', weight: 50, content: { type: 'text', value: 'C' } };
    const exp = await createExperience(site, { ...HERO, variants: [...HERO.variants, c] });
    let visitor = anon();
    for (let i = 0; i < 60 && (await variantOf(site, visitor)) !== 'c'; i++) visitor = anon();
    expect(await variantOf(site, visitor)).toBe('c');

    const path = `/sites/${site}/experiences/${exp}`;
    expect((await admin(path, { method: 'PATCH', body: JSON.stringify({ variants: HERO.variants }) })).status).toBe(200);
    const moved = (await decide(site, visitor)).decisions.hero;
    expect(moved).toMatchObject({ reason: 'matched' });
    const variant = moved?.variant ?? '';
    expect(['a', 'b']).toContain(variant);

    // Shift the weights away from the new variant: a sticky visitor must not follow them.
    const weights = HERO.variants.map((v) => ({ ...v, weight: v.key === variant ? 0.001 : 1000 }));
    expect((await admin(path, { method: 'PATCH', body: JSON.stringify({ variants: weights }) })).status).toBe(200);
    expect.soft((await decide(site, visitor)).decisions.hero).toMatchObject({ variant, reason: 'sticky' });
    expect.soft((await profile(site, visitor)).assignments).toMatchObject([{ experience: exp, variant }]);
  });

  it('gives no decision for a paused experience', async () => {
    const { site } = await setup({ ...HERO, name: 'Paused', slot: 'banner', status: 'paused' });
    const res = await decide(site, anon(), { slots: ['hero', 'banner'] });
    expect(Object.keys(res.decisions)).toEqual(['hero']);
  });

  it('decides only the slots the page asks for', async () => {
    const { site } = await setup({ ...HERO, name: 'Footer', slot: 'footer' });
    const footerOnly = await decide(site, anon(), { slots: ['footer'] });
    expect(Object.keys(footerOnly.decisions)).toEqual(['footer']);
    const none = await decide(site, anon(), { slots: [] });
    expect(none.decisions).toEqual({});
    const all = await decide(site, anon(), { slots: undefined });
    expect(Object.keys(all.decisions).sort()).toEqual(['footer', 'hero']);
  });

  it.each([
    ['a missing context', { context: undefined }, /^context: /],
    ['a context without url', { context: {} }, /^context\.url: /],
    ['a bad slot name', { slots: ['hero', 'bad slot!'] }, /^slots\[1\]: /],
    ['a short anonymous id', { anonymousId: 'x' }, /^anonymousId: /],
  ])('answers %s with 400 naming the field', async (_name, extra, message) => {
    const site = await createSite();
    const res = await post('/v1/decide', { site, anonymousId: anon(), slots: ['hero'], context: CONTEXT, ...extra });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await post('/v1/decide', '{"site": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it('answers an unknown site with 404', async () => {
    const res = await post('/v1/decide', { site: 'no-such-site', anonymousId: anon(), context: CONTEXT });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_site');
  });
});
