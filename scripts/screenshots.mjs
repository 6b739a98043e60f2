// Refreshes the README's screenshots (docs/screenshots/): runs the browser test that walks a
// marketer's path on the demo — "Edit on my site", the visual editor, a running test, what a
// visitor sees — with its screenshots written there instead of test-results/.
// Usage: npm run screenshots
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/build-tag.mjs']);
run(process.execPath, ['scripts/build-dashboard.mjs']);
run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'tests/browser/marketer-path.test.ts'], {
  ATTUNE_SCREENSHOTS: join(root, 'docs/screenshots'),
});
