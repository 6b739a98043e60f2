import type { Env } from '../env';

/**
 * Files the edge serves but rarely (the tag's on-demand modules, the visual editor, the dashboard's
 * script and stylesheet, the OpenAPI document) are the Worker's static assets (`[assets]` in
 * wrangler.toml, built into dist/assets): uploaded beside the Worker, not bundled in it, which has
 * a budget (docs/ARCHITECTURE.md, Budgets). `run_worker_first` sends every request to the Worker,
 * so these routes keep their own caching, ETag and CORS headers; the platform compresses them.
 */
export async function assetResponse(env: Env, path: string, headers: Record<string, string>): Promise<Response> {
  const res = await env.ASSETS.fetch(new Request(`https://assets.invalid${path}`));
  // A missing asset is a build that did not run: say so rather than serve something else.
  if (!res.ok) return Response.json({ error: { code: 'asset_missing', message: `${path} was not built (npm run build)` } }, { status: 503 });
  return new Response(res.body, { headers });
}
