// Builds the browser tag with esbuild and embeds it in the edge as a generated module.
// attune.js is what every page view loads; attune-more.js is the ES module the tag imports only when
// a page needs more: capture (from the visitor's first interaction), personalization (pages with
// slots), identify, and the durable outbox (after a failed delivery or when events were left behind). attune-editor.js, the visual editor (snippet/editor/), is
// imported only on a page opened through an editor link: it is not part of the tag, so it stays out
// of the tag's sizes (`lazy`, `whole`) and is reported on its own (`editor`). attune-overlay.js, the
// overlay module (snippet/assist.ts: triggers and the overlay renderer), is imported only on pages
// whose decision names overlays or triggers, and is reported on its own too (`overlay`).
// Prints raw, gzip and brotli sizes: bytes are a budget (see docs/ARCHITECTURE.md, Budgets).
import { build } from 'esbuild';
import { minify } from 'terser';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const measure = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
/**
 * Writes `file` whole or not at all: into a temp file beside it, then renamed over it, so a build
 * stopped or failing half-way (or a reader such as a running `wrangler dev`) never sees a truncated
 * bundle. Leaves the file alone when it already holds exactly `content`.
 */
export function writeFileAtomic(file, content) {
  try {
    if (readFileSync(file, 'utf8') === content) return;
  } catch {
    /* not there yet */
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const hash = (code) => createHash('sha256').update(code).digest('base64url').slice(0, 16);

// Properties named `..._` are internal to the tag and shared across its three files: one mangle
// cache, carried from build to build, gives each the same short name everywhere.
let mangleCache = {};

async function bundle(entry, format, define = {}, tagInternal = true) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format,
    target: 'es2020',
    write: false,
    legalComments: 'none',
    define,
    // The tag is strict-mode-safe but does not need the "use strict" prologue it would otherwise get.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    // The editor shares no internal names with the tag: it keeps out of the mangle cache, so
    // building it never changes the tag's bytes.
    ...(tagInternal && { mangleProps: /_$/, mangleCache }),
  });
  if (tagInternal) mangleCache = result.mangleCache;
  // A second pass by terser after esbuild's: its compressor and frequency-ordered names take another
  // ~2% off every file (e.g. 3,013 -> 2,971 B gzip for attune.js when measured), for bytes every
  // page view pays. Properties are left alone: the mangled internal ones are already short.
  const { code } = await minify(result.outputFiles[0].text, { ecma: 2020, module: format == 'esm', compress: { passes: 2 }, mangle: true });
  return code.trim();
}

/**
 * Builds the tag's files and the editor; returns the sizes of the page-view tag plus `lazy` and
 * `whole` (the tag), and `editor` (the visual editor, apart from the tag's budget).
 */
export async function buildTag() {
  // 8 characters (48 bits) are plenty to tell two versions of one file apart.
  const version = (code) => hash(code).slice(0, 8);
  const path = (name, code) => JSON.stringify(`/${name}?v=${version(code)}`);
  const editor = await bundle('snippet/editor/index.ts', 'esm', {}, false);
  // The overlay module (overlays and triggers): imported by personalization only on pages whose
  // answer has overlays or triggers; shares the tag's internal names.
  const overlay = await bundle('snippet/assist.ts', 'esm');
  // attune-more.js imports the editor on an editor link and the overlay module, so it is built after them, with their paths.
  const lazyFiles = {
    'attune-more.js': await bundle('snippet/more.ts', 'esm', { EDITOR_PATH: path('attune-editor.js', editor), OVERLAY_PATH: path('attune-overlay.js', overlay) }),
  };
  const modules = { ...lazyFiles, 'attune-overlay.js': overlay, 'attune-editor.js': editor };
  // V8's explicit compile hint (Chrome 136+; a plain comment elsewhere): nearly every function of the
  // page-view tag runs on load, so compiling them all up front, with the script, beats compiling each
  // on its first call, on the main thread: ~3 ms less script time with the page view sent, measured
  // side by side in headless Chromium (bench/tag-init.mjs's page), for 23 B gzip.
  const tag = '//# allFunctionsCalledOnLoad\n' + await bundle('snippet/index.ts', 'iife', {
    MORE_PATH: path('attune-more.js', lazyFiles['attune-more.js']),
  });
  const core = measure(tag);
  const lazy = Object.fromEntries(Object.entries(lazyFiles).map(([name, code]) => [name, measure(code)]));
  const whole = { ...core };
  for (const m of Object.values(lazy)) for (const k of Object.keys(whole)) whole[k] += m[k];
  const sizes = { ...core, lazy, whole, overlay: measure(overlay), editor: measure(editor) };

  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileAtomic(join(root, 'dist/attune.js'), tag + '\n');
  // The lazy modules are the Worker's static assets too (dist/assets, wrangler.toml [assets]): served
  // through the Worker (edge/routes/tag.ts), never part of its bundle.
  mkdirSync(join(root, 'dist/assets'), { recursive: true });
  for (const [name, code] of Object.entries(modules)) {
    writeFileAtomic(join(root, 'dist', name), code + '\n');
    writeFileAtomic(join(root, 'dist/assets', name), code);
  }
  writeFileAtomic(join(root, 'dist/sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
  mkdirSync(join(root, 'edge/generated'), { recursive: true });
  writeFileAtomic(
    join(root, 'edge/generated/tag.ts'),
    `// Generated by scripts/build-tag.mjs from snippet/. Do not edit.\n` +
      `export const TAG_SOURCE = ${JSON.stringify(tag)};\n` +
      `export const TAG_ETAG = ${JSON.stringify(`"${hash(tag)}"`)};\n` +
      `/** Lazily imported ES modules by file name (the tag's and the editor's, static assets: edge/http/assets.ts): ETag and the \`v\` of their versioned path. */\n` +
      `export const LAZY_MODULES: Record<string, { etag: string; version: string }> = ${JSON.stringify(
        Object.fromEntries(Object.entries(modules).map(([name, code]) => [name, { etag: `"${hash(code)}"`, version: version(code) }])),
      )};\n`,
  );
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await buildTag();
  console.log(`attune.js (every page view): ${s.raw} B raw, ${s.gzip} B gzip -9, ${s.brotli} B brotli`);
  for (const [name, l] of Object.entries(s.lazy)) console.log(`${name} (lazy): ${l.raw} B raw, ${l.gzip} B gzip -9, ${l.brotli} B brotli`);
  console.log(`whole tag: ${s.whole.gzip} B gzip -9, ${s.whole.brotli} B brotli`);
  console.log(`attune-overlay.js (overlays and triggers, pages that have them): ${s.overlay.raw} B raw, ${s.overlay.gzip} B gzip -9, ${s.overlay.brotli} B brotli`);
  console.log(`attune-editor.js (visual editor, not part of the tag): ${s.editor.raw} B raw, ${s.editor.gzip} B gzip -9, ${s.editor.brotli} B brotli`);
}
