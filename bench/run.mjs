// `npm run bench`: tag weight, tag init, the edge API and edge personalization (proxy mode next to
// GrowthBook's edge app) and reports, in one run, and the results into BENCHMARKS.md. Only the marked sections
// are replaced, so other sections of BENCHMARKS.md stay as they are.
// `npm run bench -- proxy` (or weight, init, api, reports; several allowed) runs and replaces just those.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploySize } from './deploy-size.mjs';
import { edgeApi } from './edge-api.mjs';
import { edgeProxy, proxyMarkdown } from './edge-proxy.mjs';
import { reports } from './reports.mjs';
import { tagInit } from './tag-init.mjs';
import { tagWhere } from './tag-where.mjs';
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
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'snippet', 'scripts', 'protocol', 'edge'], { cwd: root, encoding: 'utf8' }).trim();
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

// Sections by name (the BENCHMARKS.md block name or its short alias); none given means all of them.
const SECTIONS = { weight: 'tag-weight', init: 'tag-init', api: 'edge-api', proxy: 'edge-proxy', deploy: 'deploy-size', reports: 'reports' };
const asked = process.argv.slice(2).map((a) => SECTIONS[a] ?? a);
const unknown = asked.filter((a) => !Object.values(SECTIONS).includes(a));
if (unknown.length) {
  console.error(`unknown section ${unknown.join(', ')}: choose from ${Object.entries(SECTIONS).map(([k, v]) => `${k} (${v})`).join(', ')}`);
  process.exit(2);
}
const wanted = (name) => asked.length === 0 || asked.includes(name);

const t0 = Date.now();
// Timings on a shared 2-core machine move with whatever else runs: record the load beside them.
const loadBefore = loadavg()[0].toFixed(2);
const results = {};
if (wanted('tag-weight')) {
  results.weight = await tagWeight();
  console.log('## Tag weight\n');
  console.log(results.weight.markdown + '\n');
}
if (wanted('tag-init')) {
  results.init = await tagInit();
  results.where = await tagWhere();
  console.log('## Tag init (Chromium main thread)\n');
  console.log(results.init.markdown + '\n');
  console.log(results.where.markdown + '\n');
}
if (wanted('deploy-size')) {
  results.deploy = deploySize();
  console.log('## Deploy size\n');
  console.log(results.deploy.markdown + '\n');
}
if (wanted('edge-api')) {
  results.api = await edgeApi();
  console.log('## Edge API\n');
  console.log(results.api.markdown + '\n');
}
if (wanted('edge-proxy')) {
  results.proxy = proxyMarkdown(await edgeProxy());
  console.log('## Edge personalization\n');
  console.log(`${results.proxy.table}\n\n${results.proxy.cmp}\n\n${results.proxy.notes.join('\n\n')}\n`);
}
if (wanted('reports')) {
  results.reports = await reports();
  console.log('## Reports\n');
  console.log(results.reports.markdown + '\n');
}

const date = new Date().toISOString().slice(0, 10);
const load = `1-min load average ${loadBefore} before, ${loadavg()[0].toFixed(2)} after`;
const command = `npm run bench${asked.length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const about = `Command: \`${command}\` · ${date} · ${machine()} · Attune ${revision()}`;

const weightSection = (weight) => `## Tag weight

${about}

The file a page loads for each tag (peers from their npm packages), compressed the way a CDN
would: zlib gzip level 9 and brotli quality 11. "gzip vs Attune" divides by Attune's page-view tag.
${weight.lazy.length ? 'Lazy parts are fetched only when needed (not on an ordinary page view); the whole tag sums every file.\n' : ''}
${weight.markdown}

${weightBudgets(weight)}
`;

const verdict = (ok) => (ok ? 'met' : '**over**');
const fmt = (n) => n.toLocaleString('en-US');

/** The tag's size budgets (docs/ARCHITECTURE.md, Budgets), from this run's figures. */
function weightBudgets(weight) {
  const pl = weight.peers.find((p) => p.name === 'Plausible' && !p.error);
  const whole = [weight.tag, ...weight.lazy].reduce((n, f) => n + f.gzip, 0);
  const parts = [];
  if (pl)
    parts.push(
      `what a page view loads (attune.js) ≤ Plausible's plausible.js — gzip ${fmt(weight.tag.gzip)} vs ${fmt(pl.gzip)} B (${verdict(weight.tag.gzip <= pl.gzip)}), brotli ${fmt(weight.tag.brotli)} vs ${fmt(pl.brotli)} B (${verdict(weight.tag.brotli <= pl.brotli)})`,
    );
  parts.push(`the whole tag ≤ 6,144 B gzip — ${fmt(whole)} B (${verdict(whole <= 6144)})`);
  if (weight.overlay) {
    const all = whole + weight.overlay.gzip;
    parts.push(
      `the overlay module ≤ 3,072 B gzip — ${fmt(weight.overlay.gzip)} B (${verdict(weight.overlay.gzip <= 3072)}); the whole tag with it ${fmt(all)} B (${verdict(all <= 6144)})`,
    );
  }
  return `Budgets: ${parts.join('; ')}.`;
}

/** The main-thread budget: Attune's page view sent no more script time than Plausible's, over the empty script. */
function initBudget(init) {
  const over = (id) => {
    const base = init.rows.find((r) => r.id === 'empty')?.median ?? 0;
    const r = init.rows.find((x) => x.id === id || x.name === id);
    return r ? r.median - base : NaN;
  };
  const a = over('attune');
  const pl = init.rows.find((r) => r.name.startsWith('Plausible (init'));
  if (!pl) return '';
  const p = over(pl.id);
  return `Budget: Attune's page view sent ≤ Plausible's in script time — ${a.toFixed(2)} vs ${p.toFixed(2)} ms over the empty script (${verdict(a <= p)}).`;
}

const initSection = (init, where) => `## Tag init (Chromium main thread)

${about} · ${init.browser} · ${load}

CDP \`Performance.getMetrics\` \`ScriptDuration\` (all main-thread script time of the page), median
of ${init.n} cold loads per tag, each in a fresh browser context (new renderer, empty cache and
storage), tags interleaved round by round. The page is empty but for the tag as a classic
\`<script src>\` in \`<head>\`, served from 127.0.0.1; Attune's \`data-api\` points at the same server,
which answers \`/v1/collect\` (202) and \`/v1/decide\` (200) like the edge, and the reading is taken
150 ms after the tag's last request was answered ("finished its requests"). "Load only" rows just
define the library (GrowthBook: no instance); Plausible and posthog-js-lite also run once for real.
"peer ÷ Attune" divides a peer's time over the empty script by Attune's for the nearest job:
its load-only row by Attune's init (before its first send), its run by Attune's page view sent.

${init.markdown}

${initBudget(init)}

### Where the time goes (\`bench/tag-where.mjs\`)

The same page and server, the page view sent, with every platform call the tags make wrapped by an
init script and timed with \`performance.now()\` (0.1 ms resolution, summed per load; the wrapping
adds its own cost to the totals, so read the rows against each other). "Loading the file" is the
tag loaded without running (Attune without \`data-site\`, Plausible without \`init()\`).

${where.markdown}

${where.notes}
`;

const apiSection = (api) => `## Edge API (local workerd through \`wrangler dev\`)

${about} · ${load}

Node's fetch as the client, keep-alive, on the same 2-core machine as the server, so the trivial
route is the harness's own cost and the ratios are the figures to read. Each scenario runs after a
warm-up; /v1/decide asks for the demo's hero slot for 50 returning visitors, each sending the
profile token its first decision answered with, as the tag does (the sealed digest decides: no
Durable Object on the path); /v1/collect sends one event per request (stored in the visitor's
profile object before the 202, which answers with a new digest).

${api.markdown}

Where a budget is over, why: \`/v1/collect\` answers 202 only once the batch is stored in the
visitor's profile object (a durable SQLite write behind the object's output gate, and the new digest
its answer seals), where the trivial route does no I/O at all; ingest's 200 batches go to 100 fresh
visitors, so half of them create a profile object with its schema, and under \`wrangler dev\` every
object runs on the one workerd thread the Worker and the other objects share. /v1/decide with a
digest asks no object; at 10 connections its p50 ratio moves between runs (from 1.07× to 1.29× over four runs on
this machine on 2026-12-02) with the load the client and the server put on the two cores.
`;

const proxySection = (proxy) => `## Edge personalization (proxy mode next to GrowthBook's edge app, local workerd)

${about} · ${load}

The demo shop's \`/product\` page (${proxy.productBytes.toLocaleString('en-US')} bytes of HTML, hero \`<div id="hero" data-attune-slot="hero">\`)
fetched through four paths in one run: the origin directly (a Node http server in its own process);
a worker that only passes the request to the origin (\`bench/workers/pass-through.js\`); GrowthBook's
edge app (\`@growthbook/edge-cloudflare\` ${proxy.gbVersion}, \`bench/workers/growthbook.js\`) with a visual-editor
experiment that sets \`#hero\` for half the visitors; and Attune in proxy mode (the demo site's
hero experience, 50/50, the request's Host header naming the proxied host). The three workers run
under the same \`wrangler dev\` (local workerd) on the same 2-core machine as the client and the
origin, so the pass-through worker is the baseline and "over pass-through" is the figure to read.
Client: node:http, keep-alive, every response read whole and checked for a personalized hero;
${proxy.setup}, Attune's fresh-visitor slots followed by a pause (≤ 10 s) until its edge is idle again, as it records the new profiles in the background; all samples of a path pooled. "Fresh visitors": every request a new visitor with
no cookie, a first page view (for Attune: a new profile object and a stored assignment per
request). "Returning visitors": 50 fixed visitor cookies (\`gbuuid\` / \`_attune_aid\`), each seen once
before timing. HTML bytes are the uncompressed body, averaged over the responses.

${proxy.table}

${proxy.cmp}

A "—" ratio: one of the two added costs is below zero or under 1 ms, i.e. within the noise.

${proxy.notes.join('\n\n')}

Caveats: GrowthBook's app is fed a local payload (no GrowthBook API or KV), so it does no network
work of its own beyond fetching the page; it also inlines its whole SDK into every page, where
Attune's page loads its tag (\`/attune.js\`, ${proxy.tagGzip}) as a separate, cacheable script that is
not counted here. GrowthBook forwards none of the origin's response headers (no Set-Cookie, no
caching headers) and buckets with a hash in the worker, storing nothing. Attune decides a fresh
visitor (no cookie) by hash in the worker too, creating no profile object until the tag reports;
a returning visitor is decided from the sealed digest in the profile-token cookie the tag keeps
(the bench's returning visitors report their first page as the tag does), so neither row asks a
Durable Object. The client, the origin and every workerd
share the two cores with whatever else runs (see the load average), so absolute figures are far
above production ones and move from run to run; compare rows of one run, and the per-round p50s
show the spread.
Where a 10-connection figure is over GrowthBook's, read it with the round-by-round p50s: on this
machine the two rounds of one path differ by more than Attune and GrowthBook do (three full runs
on 2026-12-02 put Attune ÷ GrowthBook at 0.97×, 1.30× and 0.82× for fresh visitors and 0.95×,
0.57× and 1.09× for returning ones; at 1 connection it was at or under GrowthBook every time).
`;

const reportsSection = (r) => `## Reports (traffic overview and funnels, local workerd through \`wrangler dev\`)

${about} · ${load}

One edge, one site with goals Signup and Purchase and a saved funnel (page /pricing → Signup →
Purchase, 24 h) saved before any traffic, since saved funnels count events from the moment they
are saved, by event time. Then ${r.wanted.toLocaleString('en-US')} visitors wanted, each one \`/v1/collect\` batch of 1-4 events
(about 30 pages; search, social and other referrers; utm campaigns on about 15%; Chrome, Safari,
Firefox and Edge on desktop and mobile; the same seeded mix every run): first ${r.adhocProfiles.toLocaleString('en-US')} visitors with
events in the minute after the funnel was saved, which the funnel counts, then the rest spread
over the 30 days before it, which only the overview counts, sent until a bound on seeding time.
After each phase the bench polls until the overview (\`totals.visitors\`) and the saved funnel
count exactly what was sent. The ad hoc funnel is timed over the first phase's profiles alone,
three answers one after the other (the first is the first read of those profiles since they were
written). Then the routes, after a warm-up, interleaved in three rounds at each concurrency; Node's
fetch as the client (keep-alive) with the admin token, on the same 2-core machine as the server,
so the trivial route is the harness's own cost and the ratios are the figures to read. The
objects' storage is on tmpfs (\`/dev/shm\`): on this machine's disk, creating each new visitor's
profile object (a SQLite file and its schema) made seeding about 2.5× slower. The last two rows
are no budget; they show where the overview's time goes: the admin check with one object call,
and the overview of a site with no traffic, which asks the same objects (the site's, then the
eight traffic shards and the activity feed at once) and adds up nothing.

${r.markdown}
`;

let text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmarks\n';
if (results.weight) text = upsert(text, 'tag-weight', weightSection(results.weight));
if (results.init) text = upsert(text, 'tag-init', initSection(results.init, results.where));
if (results.api) text = upsert(text, 'edge-api', apiSection(results.api));
if (results.proxy) text = upsert(text, 'edge-proxy', proxySection(results.proxy));
if (results.reports) text = upsert(text, 'reports', reportsSection(results.reports));
if (results.deploy) text = upsert(text, 'deploy-size', `## Deploy size\n\n${about}\n\n${results.deploy.markdown}\n`);
writeFileSync(FILE, text);
console.log(`BENCHMARKS.md updated (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
