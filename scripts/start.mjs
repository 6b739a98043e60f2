// `npm start`: builds the tag, runs the edge locally with persisted storage, seeds the demo site
// and prints where everything is. Data lives in .wrangler/state and survives a restart.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTag } from './build-tag.mjs';
import { buildDashboard } from './build-dashboard.mjs';
import { startDemoOrigin } from './demo-origin.mjs';
import { freePort, root, seedDemo, startEdge } from './edge-server.mjs';

const port = Number(process.env.PORT || 8787);

/** Reads KEY=VALUE lines. */
function readVars(file) {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.match(/^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"?([^"]*)"?\s*$/))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

const devVarsPath = join(root, '.dev.vars');
const vars = readVars(devVarsPath);
let changed = false;
for (const key of ['ADMIN_TOKEN', 'TOKEN_SECRET']) {
  if (!vars[key]) {
    vars[key] = randomBytes(24).toString('base64url');
    changed = true;
  }
}
if (changed) {
  writeFileSync(devVarsPath, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n', { mode: 0o600 });
}
// ADMIN_TOKEN from the environment wins over the kept dev token.
const token = process.env.ADMIN_TOKEN || vars.ADMIN_TOKEN;
mkdirSync(join(root, '.wrangler'), { recursive: true });
const envFile = join(root, '.wrangler/attune-dev.env');
writeFileSync(envFile, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${vars.TOKEN_SECRET}"\n`, { mode: 0o600 });

const sizes = await buildTag();
console.log(`Built the tag: ${sizes.gzip} B gzip, ${sizes.brotli} B brotli.`);
await buildDashboard();
console.log(`Starting the edge on http://127.0.0.1:${port} …`);
const edge = await startEdge({ port, envFile, stdio: 'inherit', persistTo: join(root, '.wrangler/state') });
// The demo shop's own server, fronted by the edge in proxy mode at shop.localhost (browsers
// resolve *.localhost to this machine without any setup).
const shop = await startDemoOrigin({ port: await freePort() });
await seedDemo(edge.url, token, [edge.url, `http://localhost:${port}`, `http://shop.localhost:${port}`], {
  origin: shop.url,
  hosts: ['shop.localhost'],
});

console.log(`
  Attune is running.

  Demo shop:   ${edge.url}/demo
  Proxy mode:  http://shop.localhost:${port}/  (the shop at ${shop.url}, served through the edge:
               the hero is decided and filled in the HTML, even with JavaScript off)
  Dashboard:   ${edge.url}/dashboard
  Admin token: ${token}
  Admin API:   curl -H "Authorization: Bearer ${token}" ${edge.url}/api/sites

  Stop with Ctrl+C. Data is kept in .wrangler/state.
`);

const stop = async () => {
  await edge.stop();
  await shop.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
edge.child.on('exit', (code) => process.exit(code ?? 0));
