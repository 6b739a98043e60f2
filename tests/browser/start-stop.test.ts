// `npm start` stops whatever it started: a SIGINT or SIGTERM to its process group, at any moment of
// start-up or once it is running, leaves no wrangler, workerd or demo origin behind and frees the port.
// Runs scripts/start.mjs with the Node that runs the tests, on a free port, with its state, dev vars
// and env file in a temp dir (ATTUNE_STATE_DIR, ATTUNE_DEV_VARS, ATTUNE_ENV_FILE).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script shared with `npm start`; freePort resolves to a port number.
import { freePort } from '../../scripts/edge-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  /** Field 22 of /proc/PID/stat: tells a live pid from a reused one. */
  start: string;
  cmdline: string;
}

/** One /proc/PID/stat (and cmdline), or null when the process is gone. */
function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      /* gone meanwhile */
    }
    return { pid, ppid: Number(rest[1]), state: rest[0] ?? '', start: rest[19] ?? '', cmdline };
  } catch {
    return null;
  }
}

function allProcs(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== null);
}

/** A `node scripts/start.mjs` in its own process group, with every process it starts tracked. */
interface Run {
  child: ChildProcess;
  port: number;
  dir: string;
  /** pid → start time of every process seen as a descendant or naming the temp dir. */
  seen: Map<number, ProcInfo>;
  output(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
  /** Scans /proc once more (the watcher does it every 100 ms). */
  scan(): void;
  stopWatching(): void;
}

const runs: Run[] = [];

async function start(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'attune-start-stop-'));
  const port = (await freePort()) as number;
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      ATTUNE_STATE_DIR: join(dir, 'state'),
      ATTUNE_DEV_VARS: join(dir, 'dev.vars'),
      ATTUNE_ENV_FILE: join(dir, 'attune-dev.env'),
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, signalled as a terminal's Ctrl+C would
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => ((done = true), resolve({ code, signal }))),
  );
  const seen = new Map<number, ProcInfo>();
  const scan = () => {
    const procs = allProcs();
    const children = new Map<number, number[]>();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const track = (p: ProcInfo | undefined) => {
      if (!p || p.state === 'Z') return;
      const known = seen.get(p.pid);
      // Kept up to date: a process seen between fork and exec still shows its parent's cmdline.
      if (!known || known.start === p.start) seen.set(p.pid, p);
    };
    // Descendants of start.mjs, and of every process seen before (wrangler spawns workerd later,
    // and a process may be reparented once its parent is gone).
    const queue = [child.pid!, ...seen.keys()];
    const visited = new Set<number>();
    while (queue.length) {
      const pid = queue.shift()!;
      if (visited.has(pid)) continue;
      visited.add(pid);
      for (const c of children.get(pid) ?? []) {
        track(byPid.get(c));
        queue.push(c);
      }
    }
    for (const p of procs) if (p.cmdline.includes(dir) && p.pid !== process.pid) track(p);
  };
  const timer = setInterval(scan, 100);
  const run: Run = {
    child,
    port,
    dir,
    seen,
    output: () => output,
    exit,
    exited: () => done,
    scan,
    stopWatching: () => clearInterval(timer),
  };
  runs.push(run);
  return run;
}

/** Whether the process seen as `p` still runs (same pid, same start time, not a zombie). */
function alive(p: ProcInfo): boolean {
  const now = readProc(p.pid);
  return now !== null && now.start === p.start && now.state !== 'Z';
}

/** Whether a process whose command line mentions `name` was seen. */
const seenRunning = (run: Run, name: string) => [...run.seen.values()].some((p) => p.cmdline.includes(name));

function signalGroup(run: Run, signal: NodeJS.Signals) {
  run.scan();
  process.kill(-run.child.pid!, signal);
}

/** Polls (count-bounded) until `check` holds; false if it never did. */
async function until(check: () => boolean | Promise<boolean>, attempts: number, everyMs = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

async function healthy(run: Run): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${run.port}/healthz`)).ok;
  } catch {
    return false;
  }
}

/** Waits until start.mjs printed that it runs and /healthz answers (up to ~3 minutes). */
async function ready(run: Run) {
  const ok = await until(async () => !run.exited() && run.output().includes('Attune is running.') && (await healthy(run)), 720, 250);
  if (!ok) throw new Error(`npm start did not become ready (exited: ${run.exited()}):\n${run.output()}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const describeProcs = (ps: ProcInfo[]) => ps.map((p) => `${p.pid} ${p.cmdline.slice(0, 160)}`).join('\n');

/** After a stop: start.mjs exits (bounded), then none of its processes is left and the port is free. */
async function expectStopped(run: Run, { code = 0 }: { code?: number } = {}) {
  const exited = await until(() => run.exited(), 300); // start.mjs waits up to its grace period for wrangler
  run.scan();
  run.stopWatching();
  expect(exited, `npm start did not exit after the signal:\n${run.output()}`).toBe(true);
  const result = await run.exit;
  const left = [...run.seen.values()].filter(alive);
  expect(left, `processes left behind:\n${describeProcs(left)}\n--- output:\n${run.output()}`).toEqual([]);
  expect(await portFree(run.port), `port ${run.port} is still in use`).toBe(true);
  expect(result, run.output()).toEqual({ code, signal: null });
}

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.stopWatching();
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    if (!run.exited()) kill(-run.child.pid!);
    for (const p of run.seen.values()) if (alive(p)) (kill(-p.pid), kill(p.pid));
    rmSync(run.dir, { recursive: true, force: true });
  }
});

describe('npm start stops whatever it started', () => {
  it('SIGINT during the build step: exits cleanly, nothing spawned is left, the generated modules are whole', async () => {
    const run = await start();
    // The build runs esbuild's service process; signal as soon as it shows up, before wrangler does.
    const building = await until(() => (run.scan(), seenRunning(run, 'esbuild')), 1500, 20);
    expect(building, run.output()).toBe(true);
    expect(seenRunning(run, 'wrangler'), 'wrangler not started yet').toBe(false);
    signalGroup(run, 'SIGINT');
    await expectStopped(run);
    for (const file of ['edge/generated/tag.ts', 'edge/generated/dashboard.ts']) {
      const path = join(root, file);
      if (existsSync(path)) expect(readFileSync(path, 'utf8')).toMatch(/;\n$/);
    }
  }, 240_000);

  it('SIGTERM 2 seconds after start (during start-up)', async () => {
    const run = await start();
    await sleep(2000);
    signalGroup(run, 'SIGTERM');
    await expectStopped(run);
  }, 240_000);

  it('SIGINT as soon as wrangler runs, before the demo is seeded', async () => {
    const run = await start();
    const spawned = await until(() => (run.scan(), seenRunning(run, 'wrangler')), 1800, 50);
    expect(spawned, run.output()).toBe(true);
    signalGroup(run, 'SIGINT');
    await expectStopped(run);
  }, 240_000);

  it('SIGINT once it runs (demo seeded, /healthz answers)', async () => {
    const run = await start();
    await ready(run);
    expect(seenRunning(run, 'workerd'), 'workerd was seen').toBe(true);
    signalGroup(run, 'SIGINT');
    await expectStopped(run);
  }, 300_000);

  it('SIGTERM once it runs, then a second signal while it stops', async () => {
    const run = await start();
    await ready(run);
    signalGroup(run, 'SIGTERM');
    await sleep(200);
    if (!run.exited()) signalGroup(run, 'SIGINT');
    await expectStopped(run);
  }, 300_000);
});
