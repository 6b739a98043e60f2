// Peer browser tags: the file a page actually loads for each (see shared PEERS.md), with its
// raw, gzip -9 and brotli q11 sizes. Used by tag-weight.mjs (bytes) and tag-init.mjs (the code).
// A peer whose package is missing or fails to bundle is reported with `error` instead of sizes,
// so one broken peer never hides the others.
import { build, transform } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = (p) => join(root, 'node_modules', p);

export function sizes(code) {
  return {
    raw: Buffer.byteLength(code),
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const version = (pkg) => JSON.parse(readFileSync(nm(`${pkg}/package.json`), 'utf8')).version;
const read = (p) => readFileSync(nm(p), 'utf8');

/**
 * Each peer: `load()` gives the code a page loads as it is weighed; `classic` (optional) gives the
 * same code in a form a classic <script> can run, when the shipped file is an ES module.
 */
const PEERS = [
  {
    name: 'Plausible',
    pkg: '@plausible-analytics/tracker',
    file: 'plausible.js',
    load: () => read('@plausible-analytics/tracker/plausible.js'),
    // The npm file ends in `export {…}`, a syntax error in a classic script: expose the same
    // functions on window instead (same bytes otherwise), so it can be loaded the same way.
    classic: (code) =>
      `(function(){${code.replace(/\bexport\s*\{([^}]*)\}\s*;?\s*$/, (_, names) => `window.__plausible={${names}};`)}})();`,
  },
  {
    name: 'GrowthBook SDK',
    pkg: '@growthbook/growthbook',
    file: 'dist/bundles/index.min.js',
    load: () => read('@growthbook/growthbook/dist/bundles/index.min.js'),
  },
  {
    name: 'Segment analytics-next',
    pkg: '@segment/analytics-next',
    file: 'dist/umd/standalone.js (plugins load later)',
    load: () => read('@segment/analytics-next/dist/umd/standalone.js'),
  },
  {
    name: 'posthog-js-lite',
    pkg: 'posthog-js-lite',
    file: 'bundled with @posthog/core as a minified IIFE (esbuild)',
    // The package ships only ESM/CJS importing @posthog/core: bundle it the way a site would.
    load: async () => {
      const r = await build({
        stdin: { contents: "import PostHog from 'posthog-js-lite'; window.PostHog = PostHog;", resolveDir: root },
        bundle: true,
        minify: true,
        format: 'iife',
        target: 'es2020',
        write: false,
        legalComments: 'none',
        logLevel: 'silent',
      });
      return r.outputFiles[0].text.trim();
    },
  },
  {
    name: 'posthog-js',
    pkg: 'posthog-js',
    file: 'dist/array.js',
    load: () => read('posthog-js/dist/array.js'),
  },
  {
    name: 'RudderStack',
    pkg: '@rudderstack/analytics-js',
    file: 'dist/npm/modern/umd/index.js, minified by esbuild (integrations load later)',
    // The npm UMD is not minified; its CDN build (what a page loads) is. Minify without bundling
    // (whitespace, identifiers, syntax) so the bytes compare with the other minified files.
    load: async () => {
      const src = read('@rudderstack/analytics-js/dist/npm/modern/umd/index.js');
      const r = await transform(src, { minify: true, target: 'es2020', legalComments: 'none', logLevel: 'silent' });
      return r.code.trim();
    },
  },
];

/** [{name, version, file, raw, gzip, brotli, code, classicCode}] or {name, error} per peer. */
export async function peerBundles() {
  const out = [];
  for (const p of PEERS) {
    try {
      if (!existsSync(nm(`${p.pkg}/package.json`))) throw new Error(`${p.pkg} is not installed`);
      const code = await p.load();
      out.push({ name: p.name, pkg: p.pkg, version: version(p.pkg), file: p.file, ...sizes(code), code, classicCode: p.classic ? p.classic(code) : code });
    } catch (err) {
      out.push({ name: p.name, pkg: p.pkg, file: p.file, error: String(err?.message ?? err).split('\n')[0] });
    }
  }
  return out;
}

/** The rows the brief asks for: sizes only, no code. */
export async function peers() {
  return (await peerBundles()).map(({ code, classicCode, ...row }) => row);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await peers());
}
