import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain ESM script shared with `npm start`; its shapes are declared below.
import { freePort, seedDemo, startEdge } from '../../scripts/edge-server.mjs';

export interface LocalEdge {
  url: string;
  token: string;
  stop(): Promise<void>;
  /** Admin API call with the bearer token. */
  api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
}

/**
 * A temp dir for one local edge: its env file (a fresh admin token and TOKEN_SECRET, plus `vars`)
 * and room for its state. The secret stays the same for the dir's life, so a restarted edge
 * accepts the profile tokens browsers already hold.
 */
export function edgeFiles(vars: Record<string, string> = {}): { dir: string; token: string; envFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-edge-'));
  const token = `test-${crypto.randomUUID()}`;
  const envFile = join(dir, 'vars.env');
  const extra = Object.entries(vars).map(([k, v]) => `${k}="${v}"\n`).join('');
  writeFileSync(envFile, `ADMIN_TOKEN="${token}"\nTOKEN_SECRET="${crypto.randomUUID()}"\n${extra}`);
  return { dir, token, envFile };
}

/**
 * Starts `wrangler dev` on a free port with fresh storage in a temp dir, seeded with the demo site.
 * `vars` are added to the worker's environment (e.g. DESTINATION_RETRY_SECONDS for quick retries).
 */
export async function startLocalEdge(vars: Record<string, string> = {}): Promise<LocalEdge> {
  const { dir, token, envFile } = edgeFiles(vars);
  const port = (await freePort()) as number;
  const edge = (await startEdge({ port, envFile, persistTo: join(dir, 'state') })) as {
    url: string;
    stop(): Promise<void>;
  };
  await seedDemo(edge.url, token);
  return {
    url: edge.url,
    token,
    async stop() {
      await edge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async api<T>(path: string, init: RequestInit = {}) {
      const res = await fetch(edge.url + '/api' + path, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}

/** Polls until `check` returns a truthy value or the attempts run out (count-bounded, not timed). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, attempts = 60, everyMs = 250): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met after ${attempts} attempts${last ? `: ${String(last)}` : ''}`);
}
