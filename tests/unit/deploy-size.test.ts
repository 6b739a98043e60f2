import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The deploy budget (docs/ARCHITECTURE.md, Budgets): what `wrangler deploy --dry-run --minify`
 * bundles is at most 500 KB, because a cold isolate parses all of it before the first request.
 * Zod is imported as a namespace (`import * as z`) everywhere: `import { z }` keeps every Zod
 * locale (about 350 KB minified) in the bundle.
 */
const DEPLOY_BUDGET = 500 * 1024;
const out = mkdtempSync(join(tmpdir(), 'attune-deploy-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the deployed worker', () => {
  it('bundles, minified, to at most 500 KB', () => {
    execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--minify', '--outdir', out], {
      cwd: new URL('../..', import.meta.url),
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      stdio: 'pipe',
    });
    expect(statSync(join(out, 'index.js')).size).toBeLessThanOrEqual(DEPLOY_BUDGET);
  }, 120_000);
});
