import { describe, expect, it } from 'vitest';
import { app } from '../../edge/app';
import { openApiPath } from '../../edge/openapi/document';
import { ROUTES } from '../../edge/openapi/routes';
import { call } from './helpers';

/** Pages for people, not API: the dashboard and the demo shop. */
const NOT_API = (path: string) => path === '/' || path.startsWith('/dashboard') || path.startsWith('/demo');

/** Every route a handler answers: Hono lists middleware as method ALL, which is not a route. */
function appRoutes(): string[] {
  const keys = app.routes.filter((r) => r.method !== 'ALL' && !NOT_API(r.path)).map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)].sort();
}

describe('GET /api/openapi.json', () => {
  it('describes every route of the app, and nothing that is not one', () => {
    const described = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(described).size).toBe(described.length); // no route described twice
    const actual = appRoutes();
    const undescribed = actual.filter((k) => !described.includes(k));
    const phantom = described.filter((k) => !actual.includes(k));
    expect(undescribed, 'routes without a description in edge/openapi/routes.ts').toEqual([]);
    expect(phantom, 'described routes the app does not have').toEqual([]);
    for (const r of ROUTES) expect(r.summary.length, `${r.method} ${r.path}`).toBeGreaterThan(3);
  });

  it('serves OpenAPI 3.1 without auth, with request schemas from the validating zod schemas', async () => {
    const res = await call('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; parameters: { name: string; in: string }[]; security: unknown[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(operations).toBe(ROUTES.length);

    const create = doc.paths['/api/sites/{site}/destinations']!.post!;
    const schema = create.requestBody!.content['application/json']!.schema as { properties: Record<string, { type?: string }>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'url', 'events', 'audiences', 'maxAttempts']));
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'url']));
    expect(create.parameters).toContainEqual(expect.objectContaining({ name: 'site', in: 'path' }));
    expect(create.security).toEqual([{ adminToken: [] }]);

    const collect = doc.paths['/v1/collect']!.post!.requestBody!.content['application/json']!.schema as {
      properties: { events: { items: { properties: Record<string, unknown> } } };
    };
    expect(Object.keys(collect.properties.events.items.properties)).toEqual(expect.arrayContaining(['id', 'type', 'ts', 'page']));
    expect(doc.paths['/v1/batch']!.post!.security).toEqual([{ writeKey: [] }]);
    expect(doc.paths['/api/sites/{site}/export/events']!.get!.parameters.map((p) => p.name)).toEqual(['site', 'from', 'to']);
  });

  it('turns Hono paths into OpenAPI paths', () => {
    expect(openApiPath('/api/sites/:site/destinations/:id')).toBe('/api/sites/{site}/destinations/{id}');
    expect(openApiPath('/:file{attune-[a-z]+\\.js}')).toBe('/{file}');
  });
});
