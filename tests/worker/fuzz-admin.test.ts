import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../../protocol/audience';
import { admin, anon, createSite, event, post } from './helpers';
import { answered, bodyOf, brokenBody, edgeString, expectRefusal, fuzz, hostileValue, mostly, protoObject, unicodeText } from './fuzz-arbitraries';
import { navigate, proxiedSite, stubOrigin } from './security-helpers';

/**
 * Property-based fuzzing of the admin API's writes, audience rules, previews, estimates, profile
 * references and proxy mode's inputs. Invariants: a 2xx the route documents or a JSON 4xx naming
 * the problem (never a 5xx or a hang), and a refused write leaves the stored document as it was.
 */
let site = '';
let experience = '';
let audience = '';

const json = (method: string, body: unknown): RequestInit => ({ method, body: bodyOf(body), headers: { 'content-type': 'application/json' } });
const read = async (path: string): Promise<unknown> => {
  const res = await admin(path);
  expect(res.status).toBe(200);
  return res.json();
};

/** A write that must be refused or done; when refused, the document at `docPath` must not have changed. */
async function writeOrRefuse(path: string, init: RequestInit, docPath: string | null, ok: number[]): Promise<boolean> {
  const before = docPath && (await read(docPath));
  const res = await answered(admin(path, init));
  if (ok.includes(res.status)) {
    await res.body?.cancel();
    return true;
  }
  await expectRefusal(res, [400, 404, 409, 413]);
  if (docPath) expect(await read(docPath)).toEqual(before);
  return false;
}

const hostileBody = fc.oneof(brokenBody, hostileValue.map(bodyOf));
const withProto = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.option(protoObject, { freq: 4 })).map(([b, proto]) => (proto && typeof proto === 'object' ? { ...proto, ...b } : b));
const origin = fc.constantFrom('https://shop.example', 'http://127.0.0.1:8080', 'https://xn--bcher-kva.example');

const siteFields = fc.record(
  {
    name: mostly(unicodeText(200)),
    origins: mostly(fc.array(mostly(origin, 5), { maxLength: 4 })),
    proxyOrigin: mostly(fc.option(origin)),
    proxyHosts: mostly(fc.array(fc.constantFrom('www.fuzz-a.test', 'fuzz-b.test', 'UPPER.test', 'bad host', 'https://x.test/'), { maxLength: 3 }), 1),
    proxyDecideMs: mostly(fc.integer({ min: -10, max: 6_000 })),
    verificationSecret: mostly(fc.option(fc.string({ minLength: 10, maxLength: 40 }))),
    verificationRequired: mostly(fc.boolean()),
    retentionDays: mostly(fc.integer({ min: 0, max: 4_000 })),
    consentDefault: mostly(fc.constantFrom('granted', 'required', 'denied')),
    goals: mostly(fc.array(unicodeText(50), { maxLength: 5 })),
    attribution: mostly(fc.record({ lookbackDays: hostileValue, halfLifeDays: mostly(fc.double({ min: 0, max: 100, noNaN: true })) })),
    holdout: mostly(fc.double({ min: -1, max: 1, noNaN: true })),
    identifierLimits: mostly(fc.record({ user: mostly(fc.integer({ min: 0, max: 200 })), email: hostileValue, phone: hostileValue, profilesPerIdentifier: hostileValue })),
  },
  { requiredKeys: [] },
);

const content = fc.oneof(
  fc.constant(null),
  fc.record({ type: mostly(fc.constantFrom('html', 'text', 'json')), value: mostly(fc.oneof(edgeString, fc.constant('<img src=x onerror=alert(1)>{{traits.name}}'))) }),
  hostileValue,
);
const variant = fc.record(
  { key: mostly(fc.constantFrom('a', 'b', 'control', 'Bad Key', '')), name: hostileValue, weight: mostly(fc.double({ min: -1, max: 1_001, noNaN: true })), content },
  { requiredKeys: ['key', 'weight'] },
);
const experienceFields = fc.record(
  {
    name: mostly(unicodeText(200)),
    slot: mostly(fc.constantFrom('hero', 'promo', 'bad slot', '😀')),
    status: mostly(fc.constantFrom('draft', 'running', 'paused', 'ended', 'deleted')),
    traffic: mostly(fc.double({ min: -0.5, max: 1.5, noNaN: true })),
    variants: mostly(fc.array(variant, { maxLength: 22 })),
    goals: mostly(fc.array(unicodeText(20), { maxLength: 3 })),
    audience: mostly(fc.option(fc.constantFrom('missing-audience', 'aud-fuzz'))),
    priority: mostly(fc.integer({ min: -2_000, max: 2_000 })),
    mode: mostly(fc.constantFrom('split', 'bandit', 'mab')),
  },
  { requiredKeys: [] },
);

const ops = [...Operator.options, 'regex']; // every operator, and one that is not
const ruleLeaf = fc.oneof(
  fc.record(
    {
      field: mostly(fc.constantFrom('geo.country', 'traits.plan', 'device', 'utm.source', 'traits.__proto__', 'constructor.prototype', '1bad', 'a..b')),
      op: mostly(fc.constantFrom(...ops)),
      value: fc.oneof(edgeString, fc.integer(), fc.array(fc.oneof(edgeString, fc.integer()), { maxLength: 3 }), hostileValue),
    },
    { requiredKeys: ['field', 'op'] },
  ),
  fc.record({ event: mostly(unicodeText(50)), atLeast: mostly(fc.integer({ min: 0, max: 5 })), withinDays: mostly(fc.integer({ min: 0, max: 4_000 })) }, { requiredKeys: ['event'] }),
  fc.record({ signal: mostly(fc.constantFrom('exit_intent', 'rage_click')) }),
  fc.record({ lastSeenWithinDays: mostly(fc.integer({ min: -1, max: 4_000 })) }),
  hostileValue,
  protoObject,
);
const { rule } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    ruleLeaf,
    fc.record({ all: fc.array(tie('rule'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('rule'), { maxLength: 4 }) }),
    fc.record({ not: tie('rule') }),
    fc.record({ all: fc.array(tie('rule'), { maxLength: 2 }), any: fc.array(tie('rule'), { maxLength: 2 }) }),
  ),
}));
/** Rules nested far past the 12 levels allowed, and groups far wider than 50. */
const extremeRule = fc.oneof(
  fc.integer({ min: 13, max: 2_000 }).map((n) => JSON.parse('{"not":'.repeat(n) + '{"signal":"x"}' + '}'.repeat(n)) as unknown),
  fc.integer({ min: 51, max: 400 }).map((n) => ({ any: Array.from({ length: n }, () => ({ signal: 'x' })) })),
);
const anyRule = fc.oneof({ arbitrary: rule, weight: 5 }, { arbitrary: extremeRule, weight: 1 });

beforeAll(async () => {
  site = await createSite();
  const aud = await admin(`/sites/${site}/audiences`, json('POST', { id: 'aud-fuzz', name: 'Fuzz', rule: { signal: 'exit_intent' } }));
  expect(aud.status).toBe(201);
  audience = 'aud-fuzz';
  const exp = await admin(
    `/sites/${site}/experiences`,
    json('POST', { id: 'exp-fuzz', name: 'Fuzz', slot: 'hero', variants: [{ key: 'a', weight: 1, content: { type: 'text', value: 'A' } }, { key: 'b', weight: 1 }] }),
  );
  expect(exp.status).toBe(201);
  experience = 'exp-fuzz';
  // Some data behind the profile references.
  expect((await post('/v1/collect', { site, anonymousId: anon(), events: [event('identify', { userId: 'fuzz-user', traits: { plan: 'pro' } })] })).status).toBe(202);
});

describe('fuzz: admin API writes', () => {
  it('POST /api/sites: a created site or a JSON 4xx; the site list stays readable', { timeout: 120_000 }, async () => {
    let n = 0;
    const key = fc.oneof({ arbitrary: fc.constant(null).map(() => `fuzz-${site}-${(n++).toString(36)}`), weight: 4 }, { arbitrary: hostileValue, weight: 1 });
    const input = fc.oneof({ arbitrary: withProto(fc.tuple(key, siteFields).map(([k, f]) => ({ key: k, name: 'Fuzz', ...f }))), weight: 5 }, { arbitrary: hostileBody, weight: 1 });
    await fuzz('admin sites create', input, async (body) => {
      await writeOrRefuse('/sites', json('POST', body), null, [201]);
    }, 150);
    await read('/sites');
  });

  it("PATCH /api/sites/:site: refused patches leave the site's settings exactly as they were", { timeout: 120_000 }, async () => {
    const input = fc.oneof({ arbitrary: withProto(siteFields), weight: 5 }, { arbitrary: hostileBody, weight: 1 });
    await fuzz('admin sites patch', input, async (body) => {
      await writeOrRefuse(`/sites/${site}`, json('PATCH', body), `/sites/${site}`, [200]);
    }, 150);
    // Put back what later properties rely on.
    await admin(`/sites/${site}`, json('PATCH', { proxyHosts: [], proxyOrigin: null, holdout: 0, verificationRequired: false, consentDefault: 'granted' }));
  });

  it('experiences: creates and patches are done or refused, and a refused patch changes nothing', { timeout: 120_000 }, async () => {
    const input = fc.oneof({ arbitrary: withProto(experienceFields), weight: 5 }, { arbitrary: hostileBody, weight: 1 });
    await fuzz('admin experiences create', input, async (body) => {
      await writeOrRefuse(`/sites/${site}/experiences`, json('POST', body), null, [201]);
    }, 120);
    await fuzz('admin experiences patch', input, async (body) => {
      await writeOrRefuse(`/sites/${site}/experiences/${experience}`, json('PATCH', body), `/sites/${site}/experiences/${experience}`, [200]);
    }, 120);
  });

  it('audiences: rule JSON of any shape is saved or refused with the path of the bad node; a refused patch changes nothing', { timeout: 120_000 }, async () => {
    const input = fc.oneof(
      { arbitrary: withProto(fc.record({ name: mostly(unicodeText(100)), description: hostileValue, rule: anyRule }, { requiredKeys: ['rule'] })), weight: 5 },
      { arbitrary: hostileBody, weight: 1 },
    );
    await fuzz('admin audiences create', input, async (body) => {
      const res = await answered(admin(`/sites/${site}/audiences`, json('POST', body)));
      if (res.status === 201) return void (await res.body?.cancel());
      const error = await expectRefusal(res);
      // A bad rule is named by its path (rule.all[1].not.op: …).
      if (error.message.startsWith('rule')) expect(error.message).toMatch(/^rule(\.(all|any)\[\d+\]|\.not|\.[a-zA-Z_]+)*(: |\.)/);
    }, 200);
    await fuzz('admin audiences patch', input, async (body) => {
      await writeOrRefuse(`/sites/${site}/audiences/${audience}`, json('PATCH', body), `/sites/${site}/audiences/${audience}`, [200]);
    }, 120);
  });

  it('audience estimates and preview links: an answer or a JSON 4xx for any rule, variant, TTL or URL', { timeout: 120_000 }, async () => {
    await fuzz('admin estimate', fc.oneof(withProto(fc.record({ rule: anyRule })), hostileBody), async (body) => {
      await writeOrRefuse(`/sites/${site}/audiences/estimate`, json('POST', body), null, [200]);
    }, 120);
    const preview = fc.record(
      {
        variant: mostly(fc.constantFrom('a', 'b', 'zzz')),
        ttlSeconds: mostly(fc.integer({ min: 0, max: 40 * 86_400 })),
        url: mostly(fc.constantFrom('https://shop.example/?x=1#h', 'javascript:alert(1)', 'ftp://x', 'https://ü.example/é', '//evil.test', 'x'.repeat(3000))),
      },
      { requiredKeys: [] },
    );
    await fuzz('admin preview', fc.oneof({ arbitrary: withProto(preview), weight: 4 }, { arbitrary: hostileBody, weight: 1 }), async (body) => {
      const res = await answered(admin(`/sites/${site}/experiences/${experience}/preview`, json('POST', body)));
      if (res.status !== 201) return void (await expectRefusal(res));
      const { url } = (await res.json()) as { url?: string };
      if (url !== undefined) expect(new URL(url).protocol).toMatch(/^https?:$/);
    }, 120);
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RAW = ['%E0%A4%A', '%ZZ', '%', '%ED%A0%80', '%C0%AF', '%00'];
/** A path segment: text percent-encoded, a lone surrogate as its (invalid) UTF-8 bytes, RAW escapes kept as they are. */
function pathSegment(ref: string): string {
  if (RAW.includes(ref)) return ref;
  return ref.split(LONE_SURROGATE).map(encodeURIComponent).join('%ED%A0%80');
}

describe('fuzz: profile references, report queries and proxy mode inputs', () => {
  it('GET/POST/DELETE on /profiles/:ref with any reference, limit and offset: an answer or a JSON 4xx', { timeout: 120_000 }, async () => {
    const ref = fc.oneof(
      edgeString,
      fc.tuple(fc.constantFrom('anon', 'user', 'email', 'phone', 'crm', 'p', '', 'ANON', 'a'.repeat(40), '__proto__', 'constructor'), edgeString).map(([k, v]) => `${k}:${v}`),
      fc.constantFrom(...RAW),
      fc.constantFrom('p_', 'p_zzzzzzzzzzzz', 'p_' + 'a'.repeat(80), 'user:fuzz-user', 'anon:abc', 'email: FUZZ@example.com ', ':', '::', '%', '..'),
    );
    const query = fc.record({ limit: fc.option(fc.oneof(edgeString, fc.integer().map(String))), offset: fc.option(fc.oneof(edgeString, fc.integer().map(String))) });
    const what = fc.constantFrom('', '/events', '/export', 'unmerge', 'delete');
    await fuzz('admin profile refs', fc.tuple(ref, query, what, hostileValue), async ([r, q, w, body]) => {
      if (r === '' || r === '.' || r === '..') return; // the path would not name a profile at all
      if (w === 'delete' && r === 'user:fuzz-user') return; // kept to check below that nothing else reached it
      const params = new URLSearchParams();
      if (q.limit != null) params.set('limit', q.limit);
      if (q.offset != null) params.set('offset', q.offset);
      const base = `/sites/${site}/profiles/${pathSegment(r)}`;
      const res =
        w === 'unmerge'
          ? await answered(admin(`${base}/unmerge`, json('POST', body)))
          : w === 'delete'
            ? await answered(admin(base, { method: 'DELETE' }))
            : await answered(admin(`${base}${w}?${params}`));
      if (res.status === 200) return void (await res.body?.cancel());
      await expectRefusal(res, [400, 404]);
    }, 250);
    // The one real profile is still there (no reference reached it by accident).
    expect((await admin(`/sites/${site}/profiles/user:fuzz-user`)).status).toBe(200);
  });

  it('report and listing queries (attribution, funnels, results, events, export) with any parameters: an answer or a JSON 4xx', { timeout: 120_000 }, async () => {
    const value = fc.oneof(
      edgeString,
      fc.integer().map(String),
      fc.constantFrom('first', 'last', 'linear', 'time_decay', 'position', 'last_non_direct', '2026-01-01', '2026-13-45', '0', '-1', '1e400', 'NaN', 'Infinity', ' 5', '9'.repeat(40), 'a,b,,c', ',', 'x'.repeat(3000)),
    );
    const routes = [
      ['attribution', ['model', 'goal', 'from', 'to']],
      ['funnels', ['steps', 'windowHours', 'from', 'to']],
      [`experiences/${experience}/results`, ['from', 'to']],
      ['events', ['limit']],
      ['export/events', ['from', 'to']],
    ] as const;
    const request = fc.constantFrom(...routes).chain(([route, keys]) =>
      fc.tuple(fc.constant(route), fc.dictionary(fc.oneof(fc.constantFrom(...keys), edgeString), value, { maxKeys: 4 })),
    );
    await fuzz('admin report queries', request, async ([route, params]) => {
      const query = Object.entries(params).map(([k, v]) => `${pathSegment(k)}=${pathSegment(v)}`).join('&');
      const res = await answered(admin(`/sites/${site}/${route}?${query}`));
      if (res.status === 200) return void (await res.body?.cancel());
      await expectRefusal(res, [400, 404]);
    }, 200);
  });

  it('proxy mode: any cookie, preview parameter, path or Accept gets the page (or a JSON 4xx), never a 5xx', { timeout: 120_000 }, async () => {
    const { host } = await proxiedSite();
    const cookieValue = fc.oneof(edgeString, fc.constantFrom('%E0%A4%A', '%', '%zz', 'granted', 'denied', 'a'.repeat(5_000), 'abcdefgh12345678'));
    const request = fc.record({
      aid: fc.option(cookieValue),
      consent: fc.option(cookieValue),
      raw: fc.option(fc.constantFrom('=', ';;;', '_attune_aid', '_attune_aid=; _attune_aid=x', '\u0000')),
      preview: fc.option(fc.oneof(edgeString, fc.constantFrom('e30.AAAA', 'x.y', '.'))),
      path: fc.constantFrom('/', '/a/../b', '/%2e%2e/', '/é?😀=1', '//double', '/%ZZ', '/?attune_preview=%'),
      accept: fc.constantFrom('text/html', '*/*', 'application/json', '', 'text/html;q=0'),
      gpc: fc.boolean(),
    });
    const origin = stubOrigin();
    try {
      await fuzz('proxy inputs', request, async (r) => {
        const cookies = [r.aid != null && `_attune_aid=${r.aid}`, r.consent != null && `_attune_c=${r.consent}`, r.raw].filter((c): c is string => typeof c === 'string');
        const headers: Record<string, string> = { accept: r.accept };
        // Header values must be ByteStrings: browsers percent-encode the rest.
        const cookie = cookies.join('; ').replace(/[^\x20-\x7e]/gu, (ch) => (LONE_SURROGATE.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)));
        if (cookie) headers.cookie = cookie;
        if (r.gpc) headers['sec-gpc'] = '1';
        const path = r.preview == null ? r.path : `${r.path}${r.path.includes('?') ? '&' : '?'}attune_preview=${pathSegment(r.preview)}`;
        const res = await answered(navigate(host, headers, path));
        if (res.status === 200) {
          const page = await res.text();
          expect(page).toContain('data-attune-slot="hero"');
          if (r.accept.includes('html') && !r.accept.includes('q=0')) expect(res.headers.get('cache-control')).toBe('private, no-store');
          return;
        }
        await expectRefusal(res, [400]);
      }, 200);
    } finally {
      origin.mockRestore();
    }
  });
});
