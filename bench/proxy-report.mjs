// The BENCHMARKS.md tables and verdicts for a result of edgeProxy() (bench/edge-proxy.mjs): each
// path's figures, what Attune and GrowthBook's edge app add over the pass-through worker, and the
// budget marked met or over.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { productPage } from '../scripts/demo-origin.mjs';
import { root } from '../scripts/edge-server.mjs';

const ms = (x) => x.toFixed(1);
const plus = (x, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const plusInt = (x) => `${x >= 0 ? '+' : '−'}${int(Math.abs(x))}`;
// A ratio of two added costs means something only when both are above zero and the divisor is
// above the noise (≥ 1 ms or byte); else "—".
const ratio = (a, b) => (a > 0 && b >= 1 ? `${(a / b).toFixed(2)}×` : '—');

/** The BENCHMARKS.md tables for a result of edgeProxy(). */
export function proxyMarkdown({ rows, check, seconds, seconds1, rounds }) {
  const { pass } = rows;
  const added = (r) => ({
    p50: r.c10.p50 - pass.c10.p50,
    p99: r.c10.p99 - pass.c10.p99,
    p50_1: r.c1.p50 - pass.c1.p50,
    p99_1: r.c1.p99 - pass.c1.p99,
    bytes: r.c10.bytes - pass.c10.bytes,
  });
  const order = ['origin', 'pass', 'gb', 'attune', 'gbBack', 'attuneBack'];
  const table = [
    '| Path | req/s (10 conn.) | p50 (ms) | p99 (ms) | p50 / p99 at 1 conn. (ms) | HTML bytes (gzip) | hero personalized | over pass-through: p50 / p99 (ms) | over pass-through: bytes | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...order.map((key, i) => {
      const r = rows[key];
      const a = added(r);
      const base = i < 2;
      const over = base ? '' : `${plus(a.p50)} / ${plus(a.p99)}`;
      const overBytes = base ? '' : plusInt(a.bytes);
      const share = base ? '' : `${(r.c10.personalized * 100).toFixed(0)} %`;
      const name = key.startsWith('attune') ? `**${r.name}**` : r.name;
      return `| ${name} | ${int(r.c10.rps)} | ${ms(r.c10.p50)} | ${ms(r.c10.p99)} | ${ms(r.c1.p50)} / ${ms(r.c1.p99)} | ${int(r.c10.bytes)} (${int(r.c10.gzipped)}) | ${share} | ${over} | ${overBytes} | ${r.c10.errors + r.c1.errors} |`;
    }),
  ].join('\n');
  const [ga, aa, gr, ar] = [rows.gb, rows.attune, rows.gbBack, rows.attuneBack].map(added);
  const line = (label, k, fmt) =>
    `| ${label} | ${fmt(ga[k])} | ${fmt(aa[k])} | ${ratio(aa[k], ga[k])} | ${fmt(gr[k])} | ${fmt(ar[k])} | ${ratio(ar[k], gr[k])} |`;
  const cmp = [
    '| Added over the pass-through worker | GrowthBook, fresh | Attune, fresh | Attune ÷ GrowthBook | GrowthBook, returning | Attune, returning | Attune ÷ GrowthBook |',
    '|---|---:|---:|---:|---:|---:|---:|',
    line('p50 at 10 connections (ms)', 'p50', plus),
    line('p99 at 10 connections (ms)', 'p99', plus),
    line('p50 at 1 connection (ms)', 'p50_1', plus),
    line('p99 at 1 connection (ms)', 'p99_1', plus),
    line('HTML bytes', 'bytes', plusInt),
  ].join('\n');
  // The budget (docs/ARCHITECTURE.md, Budgets): no more p50 than GrowthBook's edge app adds over
  // the pass-through worker (goal: half), fresh and returning, at 1 and 10 connections; ≤ 1 KB of HTML.
  const verdict = (a, g) => {
    const at = (k) => `${plus(a[k])} vs ${plus(g[k])} ms (${a[k] <= g[k] ? (a[k] <= g[k] / 2 ? 'met, goal met' : 'met') : '**over**'})`;
    return `p50 at 10 connections ${at('p50')}, at 1 connection ${at('p50_1')}; ${plusInt(a.bytes)} bytes of HTML (${a.bytes <= 1024 ? 'met' : '**over**'})`;
  };
  const budget =
    `Budget (docs/ARCHITECTURE.md, Budgets: proxy mode adds no more p50 over the pass-through worker than GrowthBook's edge app — goal: half — and ≤ 1 KB of HTML): ` +
    `fresh visitors ${verdict(aa, ga)}; returning visitors ${verdict(ar, gr)}.`;
  const rounds50 = order.map((k) => `${k} ${rows[k].c10.roundP50.map(ms).join(' / ')}`).join('; ');
  const checked =
    `Checked before timing (the bench aborts otherwise): of ${check.n} fresh visitors GrowthBook put variation B in the hero for ` +
    `${check.gbB}, Attune decided the hero for ${check.attune.sale + check.attune.shipping} (${check.attune.sale} "sale", ` +
    `${check.attune.shipping} "shipping"); each of the ${check.m} returning visitors per peer saw the same hero twice ` +
    `(GrowthBook: ${check.gbBackB} in variation B; Attune: ${check.attuneBackDecided} decided); the origin and the ` +
    `pass-through returned the origin's page byte for byte.`;
  return {
    table,
    cmp,
    notes: [budget, checked, `p50 at 10 connections, round by round (ms): ${rounds50}.`],
    productBytes: Buffer.byteLength(productPage()),
    gbVersion: JSON.parse(readFileSync(join(root, 'node_modules/@growthbook/edge-cloudflare/package.json'), 'utf8')).version,
    tagGzip: existsSync(join(root, 'dist/attune.js'))
      ? `${gzipSync(readFileSync(join(root, 'dist/attune.js')), { level: 9 }).length.toLocaleString('en-US')} bytes gzipped`
      : 'see Tag weight',
    setup: `${rounds} round${rounds === 1 ? '' : 's'}; in each, every path for ${seconds} s at 10 connections, then every path for ${seconds1} s at 1 connection, the order reversed every other round`,
  };
}

