import * as z from 'zod';
import { ROUTES, type RouteDoc } from './routes';

/** `/api/sites/:site` → `/api/sites/{site}`; a Hono regex parameter (`:file{…}`) keeps only its name. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)(\{(?:[^{}]|\{[^}]*\})*\})?/g, '{$1}');
}

/** Path parameter names and the patterns Hono enforces on them. */
function pathParams(path: string): { name: string; pattern?: string }[] {
  return [...path.matchAll(/:([A-Za-z_]\w*)(?:\{((?:[^{}]|\{[^}]*\})*)\})?/g)].map((m) => ({ name: m[1]!, ...(m[2] && { pattern: `^${m[2]}$` }) }));
}

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of what a schema accepts as input. */
function schemaOf(s: z.ZodType): Record<string, unknown> {
  // Transforms and refinements have no JSON Schema: the input side is described, custom checks as "any".
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>; // 'any': an empty JSON Schema, not the TS type
  return rest;
}

function queryParams(q: RouteDoc['query']): Record<string, unknown>[] {
  if (!q) return [];
  if (q instanceof z.ZodObject) {
    const json = schemaOf(q) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
      name, in: 'query', required: json.required?.includes(name) ?? false, schema,
      ...(typeof schema.description === 'string' && { description: schema.description }),
    }));
  }
  return Object.entries(q).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }));
}

const SECURITY = { admin: [{ adminToken: [] }], writeKey: [{ writeKey: [] }], editor: [{ editorToken: [] }], none: [] };

/** The HTTP API as OpenAPI 3.1, built from the route table and the request schemas. */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const path = openApiPath(r.path);
    const ok = Object.keys(r.responses).map(Number).find((s) => s >= 200 && s < 300);
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, description]) => [
        status,
        {
          description,
          ...(Number(status) === ok && status !== '204' && { content: { [r.produces ?? 'application/json']: { schema: {} } } }),
          ...(Number(status) >= 400 && { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }),
        },
      ]),
    );
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      tags: [r.tag],
      summary: r.summary,
      ...(r.description && { description: r.description }),
      security: SECURITY[r.auth],
      parameters: [
        ...pathParams(r.path).map((p) => ({ name: p.name, in: 'path', required: true, schema: { type: 'string', ...(p.pattern && { pattern: p.pattern }) } })),
        ...queryParams(r.query),
      ],
      ...(r.body && { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Attune edge API',
      version: '1',
      description: 'Micro-listening and edge personalization: the tag\'s public API, Segment-spec ingestion, and the admin API (Bearer ADMIN_TOKEN).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    paths,
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        writeKey: { type: 'http', scheme: 'basic', description: 'User name: the site key (Segment write key); password empty.' },
        editorToken: { type: 'apiKey', in: 'header', name: 'X-Attune-Editor', description: 'A visual-editor token from POST /api/sites/:site/editor-links (one site, at most an hour).' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  };
}
