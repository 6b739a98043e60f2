// The proxy bench's processes: the demo origin in a process of its own and the bench's own workers
// under `wrangler dev` (bench/workers/), each in its own process group so stopping it takes
// workerd down too. Used by bench/edge-proxy.mjs.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, root } from '../scripts/edge-server.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops a child started in its own process group (and what it started), SIGKILL after 5 s. */
function stopGroup(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    const kill = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), 5000).unref();
  });
}

/** The demo shop in a process of its own, so its work does not share the load generator's event loop. */
export async function startOrigin() {
  const port = await freePort();
  const script = `import { startDemoOrigin } from ${JSON.stringify(join(root, 'scripts/demo-origin.mjs'))};
const o = await startDemoOrigin({ port: ${port} });
console.log('READY ' + o.url);
process.on('SIGTERM', () => o.stop().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo origin did not start:\n${output}`)), 15_000);
    const onData = (d) => {
      output += d;
      const m = /READY (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => reject(new Error(`the demo origin exited (${code}):\n${output}`)));
  });
  return { url, stop: () => stopGroup(child) };
}

/** `wrangler dev` for one of the bench's own workers; resolves once `readyPath` answers 200. */
export async function startWorker({ config, vars, dir, timeoutMs = 90_000 }) {
  const port = await freePort();
  const envFile = join(dir, `${config.replace(/\W/g, '_')}.env`);
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');
  const args = [
    join(root, 'node_modules/wrangler/bin/wrangler.js'), 'dev',
    '--config', join(root, 'bench/workers', config),
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(await freePort()),
    '--env-file', envFile,
    '--persist-to', join(dir, `${config}-state`),
    '--show-interactive-dev-session=false',
    '--live-reload=false',
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stopping it takes workerd down too
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const worker = { url, port, stop: () => stopGroup(child) };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev (${config}) exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/product`);
      await res.arrayBuffer();
      if (res.ok) return worker;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await worker.stop();
      throw new Error(`wrangler dev (${config}) did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(250);
  }
}
