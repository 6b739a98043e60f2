// Starts and stops a local edge (`wrangler dev` on workerd) and seeds the demo site.
// Shared by `npm start`, the browser tests and the benchmarks.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs `wrangler dev` on 127.0.0.1:port with local, persisted Durable Object storage.
 * `envFile` holds the worker's secrets (ADMIN_TOKEN, TOKEN_SECRET). Resolves once /healthz answers.
 */
export async function startEdge({ port, envFile, persistTo, stdio = 'pipe', timeoutMs = 90_000 }) {
  const inspectorPort = await freePort();
  const args = [
    join(root, 'node_modules/wrangler/bin/wrangler.js'), 'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--env-file', envFile,
    '--show-interactive-dev-session=false',
    '--live-reload=false',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: stdio === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32', // own process group, so stop() takes workerd down too
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      stopChild(child);
      throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    output: () => output,
    stop: () => stopChild(child),
  };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000).unref();
  });
}

/** The demo site's hero experience: two variants, 50/50. */
export const DEMO_EXPERIENCE = {
  id: 'hero-test',
  name: 'Homepage hero: sale vs free shipping',
  slot: 'hero',
  status: 'running',
  traffic: 1,
  goals: ['Add to cart'],
  variants: [
    {
      key: 'sale',
      name: 'Summer sale',
      weight: 50,
      content: {
        type: 'html',
        value:
          '<h1>Summer sale: 20% off everything.</h1><p>Linen, canvas and wool, for a few more days only.</p><a href="#shop">Shop the sale</a>',
      },
    },
    {
      key: 'shipping',
      name: 'Free shipping',
      weight: 50,
      content: {
        type: 'html',
        value:
          '<h1>Free shipping, every order.</h1><p>No minimum, no code, delivered in two days.</p><a href="#shop">Start shopping</a>',
      },
    },
  ],
};

/** An audience of visitors who looked at pricing twice this week, and the hero they get. */
export const DEMO_AUDIENCE = {
  id: 'pricing-curious',
  name: 'Viewed pricing twice this week',
  description: 'Visitors comparing prices: they get a hero that answers the price question.',
  rule: { event: 'Viewed pricing', atLeast: 2, withinDays: 7 },
};

export const DEMO_TARGETED = {
  id: 'pricing-hero',
  name: 'Hero for visitors weighing the price',
  slot: 'hero',
  status: 'running',
  audience: DEMO_AUDIENCE.id,
  priority: 10,
  goals: ['Add to cart'],
  variants: [
    {
      key: 'price-promise',
      name: 'Price promise',
      weight: 1,
      content: {
        type: 'html',
        value: '<h1>Still comparing? We match any lower price.</h1><p>Found it cheaper within 30 days? We refund the difference.</p><a href="#shop">Shop with confidence</a>',
      },
    },
  ],
};

/** Creates `doc` at `path` unless `path/id` exists. */
async function ensure(url, headers, path, doc) {
  const existing = await fetch(`${url}${path}/${doc.id}`, { headers });
  if (existing.status !== 404) return;
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(doc) });
  if (res.status !== 201) throw new Error(`seeding ${path}/${doc.id} failed: ${res.status} ${await res.text()}`);
}

/**
 * Creates the `demo` site, its running hero experience and the audience-targeted one unless they
 * exist. Idempotent. `proxy` ({ origin, hosts }) puts the site in proxy mode: those hosts are served
 * from that origin through the edge.
 */
export async function seedDemo(url, token, origins = [url], proxy = null) {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const site = await fetch(`${url}/api/sites/demo`, { headers });
  if (site.status === 404) {
    const res = await fetch(`${url}/api/sites`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ key: 'demo', name: 'Attune Goods', origins }),
    });
    if (res.status !== 201) throw new Error(`seeding site failed: ${res.status} ${await res.text()}`);
  } else if (!site.ok) {
    throw new Error(`reading site failed: ${site.status} ${await site.text()}`);
  }
  if (proxy) {
    const res = await fetch(`${url}/api/sites/demo`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ proxyOrigin: proxy.origin, proxyHosts: proxy.hosts }),
    });
    if (!res.ok) throw new Error(`setting up proxy mode failed: ${res.status} ${await res.text()}`);
  }
  await ensure(url, headers, '/api/sites/demo/experiences', DEMO_EXPERIENCE);
  await ensure(url, headers, '/api/sites/demo/audiences', DEMO_AUDIENCE);
  await ensure(url, headers, '/api/sites/demo/experiences', DEMO_TARGETED);
}
