import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort, seedDemo, startEdge } from '../scripts/edge-server.mjs';
const id = () => randomUUID().replace(/-/g, '');
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const token = id();
writeFileSync(join(dir, 'v.env'), `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${id()}"\n`);
const edge = await startEdge({ port: await freePort(), envFile: join(dir, 'v.env'), persistTo: join(dir, 's') });
try {
  await seedDemo(edge.url, token);
  await fetch(`${edge.url}/api/sites`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: 'empty', name: 'Empty' }) });
  const v = id();
  const r = await fetch(`${edge.url}/v1/collect`, { method: 'POST', body: JSON.stringify({ site: 'demo', anonymousId: v, events: [{ id: id(), type: 'page', ts: Date.now(), page: { url: `${edge.url}/demo`, path: '/demo' } }] }) });
  const pt0 = (await r.json()).profileToken;
  const pt = (await (await fetch(`${edge.url}/v1/decide`, { method: 'POST', body: JSON.stringify({ site: 'demo', anonymousId: v, profileToken: pt0, slots: ['hero'], context: { url: `${edge.url}/demo` } }) })).json()).profileToken;
  const body = (o) => ({ method: 'POST', body: JSON.stringify(o) });
  const reqs = {
    'GET healthz': () => fetch(`${edge.url}/healthz`),
    'POST decide unknown site (404)': () => fetch(`${edge.url}/v1/decide`, body({ site: 'nosuch', anonymousId: v, context: { url: 'x' } })),
    'POST decide empty site': () => fetch(`${edge.url}/v1/decide`, body({ site: 'empty', anonymousId: v, context: { url: 'x' } })),
    'POST decide demo, digest': () => fetch(`${edge.url}/v1/decide`, body({ site: 'demo', anonymousId: v, profileToken: pt, slots: ['hero'], context: { url: `${edge.url}/demo` } })),
    'POST decide demo, digest, no slots': () => fetch(`${edge.url}/v1/decide`, body({ site: 'demo', anonymousId: v, profileToken: pt, slots: [], context: { url: `${edge.url}/demo` } })),
    'POST decide demo, fresh (object)': () => fetch(`${edge.url}/v1/decide`, body({ site: 'demo', anonymousId: v, profileToken: pt, fresh: true, slots: ['hero'], context: { url: `${edge.url}/demo` } })),
  };
  console.log((await (await reqs['POST decide demo, digest']()).text()).length, await (await reqs['POST decide demo, digest']()).text());
  for (let round = 0; round < 1; round++) {
    const out = {};
    for (const [k, f] of Object.entries(reqs)) {
      const t = [];
      for (let i = 0; i < 300; i++) { const s = performance.now(); const r = await f(); await r.arrayBuffer(); t.push(performance.now() - s); }
      t.sort((a, b) => a - b);
      out[k] = t[150].toFixed(2);
    }
    console.log(out);
  }
} finally { await edge.stop(); }
