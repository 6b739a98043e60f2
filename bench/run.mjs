// `npm run bench`: tag weight, tag init and the edge API, in one run, and the results into
// BENCHMARKS.md. Only the marked sections are replaced, so other sections of BENCHMARKS.md stay as they are.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { edgeApi } from './edge-api.mjs';
import { tagInit } from './tag-init.mjs';
import { tagWeight } from './tag-weight.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILE = join(root, 'BENCHMARKS.md');

function machine() {
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    /* os.availableParallelism() is the same figure where nproc is missing */
  }
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  return `${nproc} cores (nproc), ${cpu}, Node ${process.version}`;
}

/** Which Attune the figures are for: the commit, and whether the work tree differed from it. */
function revision() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'snippet', 'scripts', 'protocol'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return 'unknown revision';
  }
}

/** Replaces <!-- bench:NAME --> … <!-- /bench:NAME --> in text, or appends the block. */
function upsert(text, name, body) {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${body.trim()}\n${close}`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a !== -1 && b > a) return text.slice(0, a) + block + text.slice(b + close.length);
  return `${text.trimEnd()}\n\n${block}\n`;
}

const t0 = Date.now();
// Timings on a shared 2-core machine move with whatever else runs: record the load beside them.
const loadBefore = loadavg()[0].toFixed(2);
const weight = await tagWeight();
console.log('## Tag weight\n');
console.log(weight.markdown + '\n');
const init = await tagInit();
console.log('## Tag init (Chromium main thread)\n');
console.log(init.markdown + '\n');

const api = await edgeApi();
console.log('## Edge API\n');
console.log(api.markdown + '\n');

const date = new Date().toISOString().slice(0, 10);
const load = `1-min load average ${loadBefore} before, ${loadavg()[0].toFixed(2)} after`;
const about = `Command: \`npm run bench\` · ${date} · ${machine()} · Attune ${revision()}`;

const weightSection = `## Tag weight

${about}

The file a page loads for each tag (peers from their npm packages), compressed the way a CDN
would: zlib gzip level 9 and brotli quality 11. "gzip vs Attune" divides by Attune's page-view tag.
${weight.lazy.length ? 'Lazy parts are fetched only when needed (not on an ordinary page view); the whole tag sums every file.\n' : ''}
${weight.markdown}
`;

const initSection = `## Tag init (Chromium main thread)

${about} · ${init.browser} · ${load}

CDP \`Performance.getMetrics\` \`ScriptDuration\` (all main-thread script time of the page), median
of ${init.n} cold loads per tag, each in a fresh browser context (new renderer, empty cache and
storage), tags interleaved round by round. The page is empty but for the tag as a classic
\`<script src>\` in \`<head>\`, served from 127.0.0.1; Attune's \`data-api\` points at the same server,
which answers \`/v1/collect\` (202) and \`/v1/decide\` (200) like the edge, and the reading is taken
150 ms after the tag's last request was answered ("finished its requests"). "Load only" rows just
define the library (GrowthBook: no instance); Plausible and posthog-js-lite also run once for real.

${init.markdown}
`;

const apiSection = `## Edge API (local workerd through \`wrangler dev\`)

${about} · ${load}

Node's fetch as the client, keep-alive, on the same 2-core machine as the server, so the trivial
route is the harness's own cost and the ratios are the figures to read. Each scenario runs after a
warm-up; /v1/decide asks for the demo's hero slot for 50 returning visitors, /v1/collect sends one
event per request.

${api.markdown}
`;

let text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmarks\n';
text = upsert(text, 'tag-weight', weightSection);
text = upsert(text, 'tag-init', initSection);
text = upsert(text, 'edge-api', apiSection);
writeFileSync(FILE, text);
console.log(`BENCHMARKS.md updated (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
