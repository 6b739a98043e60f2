// `npm start`: builds the tag, runs the edge locally with persisted storage, seeds the demo site
// and prints where everything is. Data lives in .wrangler/state and survives a restart.
//
// SIGINT, SIGTERM or SIGHUP at any moment (during the build, while wrangler starts, once it runs)
// stops whatever was started: wrangler's process group (workerd with it; SIGKILL after a grace
// period) and the demo origin, then exits 0. If wrangler exits on its own, start exits with its code.
//
// Environment overrides (the defaults are what `npm start` has always used):
//   PORT              the edge's port (8787)
//   ADMIN_TOKEN       the admin token (otherwise the dev token kept in the dev-vars file)
//   ATTUNE_STATE_DIR  the edge's persisted storage (.wrangler/state)
//   ATTUNE_DEV_VARS   the file keeping the generated dev ADMIN_TOKEN and TOKEN_SECRET (.dev.vars)
//   ATTUNE_ENV_FILE   the secrets file written for wrangler on every start (.wrangler/attune-dev.env)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// --- Stopping: installed before anything else is loaded or started. ---

/** Stop functions of what runs now (wrangler's process group, the demo origin). */
const running = new Set();
/** Stops under way. */
const stops = new Set();
/** Set once start is on its way out: the promise never resolves, the process exits. */
let exiting = null;

/** Registers `stop` for something just started; runs it at once if start is already on its way out. */
function own(stop) {
  if (exiting) stops.add(Promise.resolve().then(stop));
  else running.add(stop);
}

/** Stops everything that was started (including anything started while stopping), then exits. */
function exit(code) {
  exiting ??= (async () => {
    for (;;) {
      for (const stop of running) stops.add(Promise.resolve().then(stop));
      running.clear();
      if (stops.size === 0) break;
      const batch = [...stops];
      stops.clear();
      await Promise.allSettled(batch);
    }
    process.exit(code);
  })();
  return exiting;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // A second signal (a second Ctrl+C, or npm forwarding the one the terminal sent) does not cut the
  // stop short: the stop under way is bounded (SIGKILL after the grace period) and then exits.
  process.on(signal, () => {
    if (!exiting) console.log(`\n${signal}: stopping…`);
    exit(0);
  });
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The path in env var `name` (relative to the working directory: the repository under npm),
 * else `fallback` in the repository.
 */
const pathFrom = (name, fallback) => (process.env[name] ? resolve(process.env[name]) : join(root, fallback));
const port = Number(process.env.PORT || 8787);
const stateDir = pathFrom('ATTUNE_STATE_DIR', '.wrangler/state');
const devVarsPath = pathFrom('ATTUNE_DEV_VARS', '.dev.vars');
const envFile = pathFrom('ATTUNE_ENV_FILE', '.wrangler/attune-dev.env');
/** A path as the user would type it: relative to the repository when inside it. */
const shown = (path) => {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
};

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

/** Stops at a step boundary when a signal came in meanwhile (the exit promise never resolves). */
const unlessExiting = async () => {
  if (exiting) await exiting;
};

async function main() {
  const vars = readVars(devVarsPath);
  let changed = false;
  for (const key of ['ADMIN_TOKEN', 'TOKEN_SECRET']) {
    if (!vars[key]) {
      vars[key] = randomBytes(24).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dirname(devVarsPath), { recursive: true });
    writeFileSync(devVarsPath, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n', { mode: 0o600 });
  }
  // ADMIN_TOKEN from the environment wins over the kept dev token.
  const token = process.env.ADMIN_TOKEN || vars.ADMIN_TOKEN;
  mkdirSync(dirname(envFile), { recursive: true });
  writeFileSync(envFile, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${vars.TOKEN_SECRET}"\n`, { mode: 0o600 });

  // Loaded here, after the signal handlers: esbuild and friends take a moment to load.
  const { buildTag } = await import('./build-tag.mjs');
  const { buildDashboard } = await import('./build-dashboard.mjs');
  const { buildOpenApi } = await import('./build-openapi.mjs');
  const { startDemoOrigin } = await import('./demo-origin.mjs');
  const { freePort, seedDemo, startEdge, stopEdgeProcess } = await import('./edge-server.mjs');
  await unlessExiting();

  // The build writes each file whole (temp file, then rename): stopping here leaves no half bundle.
  const sizes = await buildTag();
  await unlessExiting();
  console.log(`Built the tag: ${sizes.gzip} B gzip, ${sizes.brotli} B brotli.`);
  await buildDashboard();
  await buildOpenApi();
  await unlessExiting();

  console.log(`Starting the edge on http://127.0.0.1:${port} …`);
  const edge = await startEdge({
    port,
    envFile,
    stdio: 'inherit',
    persistTo: stateDir,
    // Owned from the moment it is spawned, long before /healthz answers.
    onSpawn: (child) => {
      own(() => stopEdgeProcess(child));
      child.on('exit', (code, signal) => {
        if (exiting) return; // stopped by us
        console.error(`wrangler dev exited (${signal ?? `code ${code}`}).`);
        exit(code ?? 128 + (constants.signals[signal] ?? 0));
      });
    },
  });
  await unlessExiting();

  // The demo shop's own server, fronted by the edge in proxy mode at shop.localhost (browsers
  // resolve *.localhost to this machine without any setup).
  const shop = await startDemoOrigin({ port: await freePort() });
  own(() => shop.stop());
  await unlessExiting();
  await seedDemo(edge.url, token, [edge.url, `http://localhost:${port}`, `http://shop.localhost:${port}`], {
    origin: shop.url,
    hosts: ['shop.localhost'],
  });
  await unlessExiting();

  console.log(`
  Attune is running.

  Demo shop:   ${edge.url}/demo  (rage-click the sold-out scarf's Add to cart: a help toast;
               on ${edge.url}/demo/pricing, leave through the top of the window: a banner)
  Proxy mode:  http://shop.localhost:${port}/  (the shop at ${shop.url}, served through the edge:
               the hero is decided and filled in the HTML, even with JavaScript off)
  Dashboard:   ${edge.url}/dashboard
  Admin token: ${token}
  Admin API:   curl -H "Authorization: Bearer ${token}" ${edge.url}/api/sites

  Stop with Ctrl+C. Data is kept in ${shown(stateDir)}.
`);
}

main().catch(async (err) => {
  // A failure caused by stopping is no failure: wrangler killed while starting, or esbuild's service
  // process, which shares this process group and so gets the same Ctrl+C, dying before this
  // process has handled that signal. Give such a signal a moment to be handled.
  await new Promise((r) => setTimeout(r, 250));
  await unlessExiting();
  console.error(err);
  await exit(1);
});
