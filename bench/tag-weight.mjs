// Tag weight: Attune's tag (built fresh) beside the peers' files, raw / gzip -9 / brotli q11 bytes.
// Usage: node bench/tag-weight.mjs   (or `npm run bench`, which also records it in BENCHMARKS.md)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTag } from '../scripts/build-tag.mjs';
import { peers, sizes } from './peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fmt = (n) => n.toLocaleString('en-US');
// Two decimals near 1× so a tag about Attune's size does not read as exactly equal.
const ratio = (n, base) => `${(n / base).toFixed(n / base < 2 ? 2 : 1)}×`;

/** Attune's own files: the page-view tag, plus any lazily loaded parts the build left in dist/. */
export async function attuneFiles() {
  const tag = await buildTag();
  // Lazy parts are fetched only when needed, so they are listed apart; the whole tag sums them all.
  // buildTag() names the parts it wrote; dist/ alone may still hold parts an older build left.
  const names = tag.lazy
    ? Object.keys(tag.lazy)
    : readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.js') && f !== 'attune.js');
  const lazy = names.sort().map((f) => ({ file: f, ...sizes(readFileSync(join(root, 'dist', f), 'utf8').trim()) }));
  // The overlay module loads only on pages whose answer has overlays or triggers (like the editor on an editor link): listed on its own.
  const overlay = tag.overlay && { file: 'attune-overlay.js', ...tag.overlay };
  return { tag: { file: 'attune.js', raw: tag.raw, gzip: tag.gzip, brotli: tag.brotli }, lazy, overlay };
}

export async function tagWeight() {
  const { tag, lazy, overlay } = await attuneFiles();
  const rows = await peers();
  const lines = [
    '| Tag | Version | File | raw | gzip -9 | brotli | gzip vs Attune |',
    '|---|---|---|---:|---:|---:|---:|',
    `| **Attune** (page-view tag) | ${version()} | dist/attune.js | ${fmt(tag.raw)} | ${fmt(tag.gzip)} | ${fmt(tag.brotli)} | 1.0× |`,
  ];
  for (const l of lazy) {
    lines.push(`| Attune lazy part | | dist/${l.file} | ${fmt(l.raw)} | ${fmt(l.gzip)} | ${fmt(l.brotli)} | |`);
  }
  if (lazy.length) {
    const sum = (k) => [tag, ...lazy].reduce((a, f) => a + f[k], 0);
    // Sum of per-file sizes: each file is compressed and sent on its own.
    lines.push(`| Attune whole tag (sum of files) | | ${1 + lazy.length} files | ${fmt(sum('raw'))} | ${fmt(sum('gzip'))} | ${fmt(sum('brotli'))} | ${ratio(sum('gzip'), tag.gzip)} |`);
  }
  if (overlay) {
    lines.push(`| Attune overlay module (pages with overlays only) | | dist/${overlay.file} | ${fmt(overlay.raw)} | ${fmt(overlay.gzip)} | ${fmt(overlay.brotli)} | |`);
  }
  for (const p of rows) {
    if (p.error) lines.push(`| ${p.name} | | ${p.file} | failed: ${p.error.replace(/\|/g, '\\|')} | | | |`);
    else lines.push(`| ${p.name} | ${p.version} | ${p.file} | ${fmt(p.raw)} | ${fmt(p.gzip)} | ${fmt(p.brotli)} | ${ratio(p.gzip, tag.gzip)} |`);
  }
  return { tag, lazy, overlay, peers: rows, markdown: lines.join('\n') };
}

function version() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log((await tagWeight()).markdown);
}
