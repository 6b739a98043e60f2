import { describe, expect, it } from 'vitest';
import { admin, anon, call, createSite, feedWith } from './helpers';

const T0 = Date.UTC(2026, 0, 1);

/** Sends `perPerson` track events for each person through /v1/batch, one event a minute from T0. */
async function seed(site: string, people: string[], perPerson: number) {
  for (const anonymousId of people) {
    const batch = Array.from({ length: perPerson }, (_, i) => ({
      type: 'track', anonymousId, event: 'Step', messageId: `${anonymousId}-${i}`.slice(-64), timestamp: T0 + i * 60_000, properties: { i },
    }));
    const res = await call('/v1/batch', {
      method: 'POST',
      body: JSON.stringify({ batch }),
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${site}:`)}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(perPerson);
  }
}

async function readLines(res: Response): Promise<{ lines: { profileId: string; id: string; ts: number; props: { i: number } }[]; chunks: number }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += value;
  }
  return { lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as never), chunks };
}

describe('GET /api/sites/:site/export/events', () => {
  it('streams thousands of events as NDJSON, each profile oldest first, nothing twice', async () => {
    const site = await createSite();
    const people = [anon(), anon(), anon(), anon(), anon()];
    await seed(site, people, 700);
    await feedWith(site, 1); // the profiles list is written in the background

    // Wait until the feed has seen all five people.
    let all: Awaited<ReturnType<typeof readLines>> | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await admin(`/sites/${site}/export/events`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      all = await readLines(res);
      if (all.lines.length === 3500) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(all!.lines).toHaveLength(3500);
    expect(all!.chunks).toBeGreaterThan(5); // pages, not one buffered body
    expect(new Set(all!.lines.map((l) => `${l.profileId}/${l.id}`)).size).toBe(3500);
    const byProfile = new Map<string, number[]>();
    for (const l of all!.lines) byProfile.set(l.profileId, [...(byProfile.get(l.profileId) ?? []), l.props.i]);
    expect(byProfile.size).toBe(5);
    for (const seq of byProfile.values()) expect(seq).toEqual(Array.from({ length: 700 }, (_, i) => i));
    // Profiles come in id order, each one's events together.
    const order = [...new Set(all!.lines.map((l) => l.profileId))];
    expect(order).toEqual([...order].sort());

    const window = await readLines(await admin(`/sites/${site}/export/events?from=${T0 + 100 * 60_000}&to=${new Date(T0 + 199 * 60_000).toISOString()}`));
    expect(window.lines).toHaveLength(5 * 100);
    expect(Math.min(...window.lines.map((l) => l.props.i))).toBe(100);
    expect(Math.max(...window.lines.map((l) => l.props.i))).toBe(199);
  });

  it('refuses bad ranges with a 400 naming the parameter', async () => {
    const site = await createSite();
    const bad = await admin(`/sites/${site}/export/events?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/from: must be epoch milliseconds or an ISO 8601 date/);
    const inverted = await admin(`/sites/${site}/export/events?from=10&to=5`);
    expect(inverted.status).toBe(400);
    expect((await admin(`/sites/no-site-${Date.now()}/export/events`)).status).toBe(404);
    const empty = await admin(`/sites/${site}/export/events`);
    expect(empty.status).toBe(200);
    expect(new TextDecoder().decode(await empty.arrayBuffer())).toBe('');
  });
});
