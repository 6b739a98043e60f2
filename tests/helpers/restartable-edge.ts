import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
// @ts-expect-error: plain ESM script shared with `npm start`; its shapes are declared below.
import { freePort, startEdge } from '../../scripts/edge-server.mjs';
import { edgeFiles, type LocalEdge } from './edge';

/**
 * A local edge (`wrangler dev`) that can be taken down and brought back on the same port with the
 * same persisted state (`--persist-to`), the way a deploy or a crash restarts a worker: every
 * Durable Object is evicted and comes back from its SQLite storage.
 */
export interface RestartableEdge extends LocalEdge {
  port: number;
  /** Stops the wrangler dev process (workerd with it); the port and the state dir are kept. */
  down(): Promise<void>;
  /** Starts it again on the same port and state; resolves once /healthz answers. */
  up(): Promise<void>;
  /** How many times the process was started (1 after the first start). */
  readonly starts: number;
}

type Process = { url: string; stop(): Promise<void> };

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Waits (count-bounded) until nothing listens on the port: workerd may outlive wrangler briefly. */
async function released(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await listening(port))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} is still in use after the edge stopped`);
}

/** Like startLocalEdge, but not seeded with the demo site and restartable. */
export async function startRestartableEdge(vars: Record<string, string> = {}): Promise<RestartableEdge> {
  // The same TOKEN_SECRET across restarts, so profile tokens the browsers hold stay valid.
  const { dir, token, envFile } = edgeFiles(vars);
  const port = (await freePort()) as number;
  const persistTo = join(dir, 'state');
  const url = `http://127.0.0.1:${port}`;
  let proc: Process | null = null;
  let starts = 0;

  const up = async () => {
    if (proc) return;
    // Never mistake a lingering old process for the new one: the port must be free first.
    await released(port);
    proc = (await startEdge({ port, envFile, persistTo })) as Process;
    starts++;
  };
  const down = async () => {
    const p = proc;
    proc = null;
    await p?.stop();
    await released(port);
  };
  await up();
  return {
    url,
    token,
    port,
    get starts() {
      return starts;
    },
    up,
    down,
    async stop() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
    async api<T>(path: string, init: RequestInit = {}) {
      const res = await fetch(url + '/api' + path, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
