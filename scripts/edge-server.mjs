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
 * wrangler runs in its own process group (so stopping it takes workerd down too), out of reach of
 * a Ctrl+C meant for the caller: `onSpawn(child)` is called as soon as it is spawned, before
 * /healthz answers, so a caller stopping during start-up can stop it (stopEdgeProcess(child)).
 */
export async function startEdge({ port, envFile, persistTo, stdio = 'pipe', timeoutMs = 90_000, onSpawn }) {
  const inspectorPort = await freePort();
  const args = [
    join(root, 'node_modules/wrangler/bin/wrangler.js'), 'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--env-file', envFile,
    '--show-interactive-dev-session=false',
    '--live-reload=false',
    // Local development fetches local origins and posts to local receivers; `wrangler deploy` never sets this.
    '--var', 'ATTUNE_ALLOW_PRIVATE_NETWORK:1',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: stdio === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32', // own process group, so stop() takes workerd down too
  });
  onSpawn?.(child);
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
      await stopEdgeProcess(child);
      throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    output: () => output,
    stop: () => stopEdgeProcess(child),
  };
}

/**
 * Stops a process startEdge spawned and everything in its process group (wrangler, workerd):
 * SIGTERM to the group, SIGKILL after `graceMs`. Resolves once the child has exited and nothing is
 * left in its group (or, should something in it never go, shortly after the SIGKILL). Safe to call
 * again while a stop is under way, or after the process has exited.
 */
export async function stopEdgeProcess(child, { graceMs = 5000 } = {}) {
  if (!child.pid) return; // never started
  const group = process.platform !== 'win32';
  const send = (signal) => {
    try {
      if (group) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      /* already gone */
    }
  };
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const groupLeft = () => {
    if (!group) return false;
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch (err) {
      return err.code === 'EPERM';
    }
  };
  const stepMs = 50;
  let killed = false;
  send('SIGTERM');
  for (let waited = 0; ; waited += stepMs) {
    if (exited() && !groupLeft()) return;
    if (!killed && waited >= graceMs) {
      killed = true;
      send('SIGKILL');
    }
    // A group member that was SIGKILLed but is still listed is a zombie nobody has reaped yet.
    if (waited >= graceMs + 2000) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
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

/**
 * Help in the moment (triggered overlay experiences, no slot): rage-clicking the sold-out Wool
 * scarf's "Add to cart" on /demo shows a help toast; heading for the exit on a pricing page shows
 * the price promise in a banner. Each shows a visitor at most once per session. Their button
 * presses count as conversions by themselves ($overlay_click); `goals` adds the shop's own.
 * The toast is for /demo only: on every page it would be embedded in each proxied page's HTML too.
 */
export const DEMO_SOLD_OUT_HELP = {
  id: 'sold-out-help',
  name: 'Help on the sold-out product (rage click)',
  page: '/demo',
  trigger: { signal: 'rage_click', selector: '#add-sold-out' },
  status: 'running',
  goals: ['Back in stock signup'],
  variants: [
    {
      key: 'notify',
      name: 'Back-in-stock toast',
      weight: 1,
      content: {
        type: 'overlay',
        value: {
          kind: 'toast',
          heading: 'Out of stock',
          text: 'Get an email when it is back.',
          buttons: [{ label: "Email me when it's back", url: '#notify' }, { label: 'No thanks' }],
        },
      },
    },
  ],
};

export const DEMO_PRICE_PROMISE = {
  id: 'price-promise-exit',
  name: 'Price promise when leaving pricing (exit intent)',
  // The pricing page: /demo/pricing here, /pricing on the proxied shop.
  page: '/*pricing',
  trigger: { signal: 'exit_intent' },
  status: 'running',
  goals: ['Add to cart'],
  variants: [
    {
      key: 'banner',
      name: 'Price-promise banner',
      weight: 1,
      content: {
        type: 'overlay',
        value: {
          kind: 'banner',
          position: 'top',
          heading: 'Our price promise',
          text: 'Found it cheaper within 30 days? We refund the difference.',
          buttons: [{ label: 'How it works', url: '#price-promise' }, { label: 'Got it' }],
        },
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
 * Creates the `demo` site, its running hero experience, the audience-targeted one and the two
 * triggered overlays unless they exist. Idempotent. `proxy` ({ origin, hosts }) puts the site in proxy mode: those hosts are served
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
  await ensure(url, headers, '/api/sites/demo/experiences', DEMO_SOLD_OUT_HELP);
  await ensure(url, headers, '/api/sites/demo/experiences', DEMO_PRICE_PROMISE);
}
