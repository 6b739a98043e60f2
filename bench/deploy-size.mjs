// The deployed worker's size: what `wrangler deploy --dry-run --minify` bundles (a cold isolate
// parses all of it before its first request). Budget (docs/ARCHITECTURE.md): at most 500 KB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEPLOY_BUDGET = 500 * 1024;

export function deploySize() {
  const out = mkdtempSync(join(tmpdir(), 'attune-deploy-'));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--minify', '--outdir', out], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: 'pipe',
    });
    const code = readFileSync(join(out, 'index.js'));
    const bytes = code.length;
    const gzip = gzipSync(code, { level: 9 }).length;
    const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
    // The static assets are uploaded beside the Worker, not parsed by a cold isolate: listed apart.
    const assets = readdirSync(join(root, 'dist/assets'), { recursive: true })
      .map((f) => join(root, 'dist/assets', String(f)))
      .filter((f) => statSync(f).isFile());
    const assetBytes = assets.reduce((n, f) => n + statSync(f).size, 0);
    return {
      bytes,
      markdown:
        `\`wrangler deploy --dry-run --minify\`: **${bytes.toLocaleString('en-US')} bytes** (${kb(bytes)}; ${kb(gzip)} gzip -9) — ` +
        `budget 500 KB: ${bytes <= DEPLOY_BUDGET ? 'met' : '**over**'}. \`tests/unit/deploy-size.test.ts\` holds it. ` +
        `Beside it, ${assets.length} static assets (dist/assets: the lazy modules, the editor, the dashboard's script and stylesheet, the OpenAPI document), ${kb(assetBytes)}.`,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
