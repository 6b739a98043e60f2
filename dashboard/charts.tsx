/**
 * Small SVG charts drawn on the server: no script, no library, readable at phone width (they scale
 * with their viewBox; the traffic chart stretches instead). Each has a text alternative; the
 * numbers are also in a table beside them.
 */

export const PALETTE = ['#2563eb', '#d9480f', '#2b8a3e', '#9c36b5', '#c92a2a', '#0b7285', '#5c940d', '#862e9c'];

export interface Point {
  y: number;
  low: number;
  high: number;
}

export interface Series {
  label: string;
  /** One point per x label; null where the series has no data yet. */
  points: (Point | null)[];
}

/** 95% Wilson score interval of a proportion: sensible at small counts, unlike the normal one. */
export function wilson(successes: number, n: number, z = 1.959964): Point | null {
  if (!(n > 0)) return null;
  const p = Math.min(1, Math.max(0, successes / n));
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { y: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const W = 520;
const H = 230;
const PAD = { l: 50, r: 14, t: 12, b: 30 };

/** A rounded axis maximum (1, 2, 2.5 or 5 × 10^k) at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= max) return m * e;
  return 10 * e;
}

/** Lines with shaded interval bands, e.g. cumulative conversion rate per variant over days. */
export function LineChart(props: { title: string; xLabels: string[]; series: Series[]; format: (y: number, top: number) => string }) {
  const { xLabels, series } = props;
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p?.high ?? 0))));
  const inner = W - PAD.l - PAD.r;
  // Variants sit a little apart on each day so their intervals do not hide each other.
  const nudge = (k: number) => (k - (series.length - 1) / 2) * Math.min(24, inner / Math.max(2, xLabels.length) / (series.length + 1));
  const x = (i: number, k = (series.length - 1) / 2) => PAD.l + (xLabels.length <= 1 ? inner / 2 : (i * inner) / (xLabels.length - 1)) + nudge(k);
  const y = (v: number) => PAD.t + (1 - v / top) * (H - PAD.t - PAD.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  const every = Math.max(1, Math.ceil(xLabels.length / 6));
  return (
    <figure style="margin:0">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={props.title} style="max-width:620px;display:block;background:#fff;border:1px solid #e3e6ea;border-radius:8px">
        <title>{props.title}</title>
        {ticks.map((t) => (
          <g>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(t)} y2={y(t)} stroke="#eceff3" />
            <text x={PAD.l - 6} y={y(t) + 4} text-anchor="end">{props.format(t, top)}</text>
          </g>
        ))}
        {xLabels.map((l, i) => (i % every === 0 || i === xLabels.length - 1 ? <text x={x(i)} y={H - 8} text-anchor="middle">{l.slice(5)}</text> : null))}
        {series.map((s, k) => {
          const pts = s.points.map((p, i) => (p ? { ...p, i } : null)).filter((p): p is Point & { i: number } => p !== null);
          if (pts.length === 0) return null;
          const color = PALETTE[k % PALETTE.length];
          const band = [...pts.map((p) => `${x(p.i, k)},${y(p.high)}`), ...[...pts].reverse().map((p) => `${x(p.i, k)},${y(p.low)}`)].join(' ');
          return (
            <g>
              {pts.length > 1 && <polygon points={band} fill={color} fill-opacity="0.12" />}
              {pts.length <= 3 && pts.map((p) => <line x1={x(p.i, k)} x2={x(p.i, k)} y1={y(p.low)} y2={y(p.high)} stroke={color} stroke-width="3" stroke-opacity="0.45" />)}
              <polyline points={pts.map((p) => `${x(p.i, k)},${y(p.y)}`).join(' ')} fill="none" stroke={color} stroke-width="2" />
              {pts.map((p) => <circle cx={x(p.i, k)} cy={y(p.y)} r="3.5" fill={color} />)}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {series.map((s, k) => <span><span class="swatch" style={`background:${PALETTE[k % PALETTE.length]}`}></span>{s.label}</span>)}
        <span class="muted">shaded: 95% interval</span>
      </figcaption>
    </figure>
  );
}

/** Horizontal bars, e.g. conversions credited per channel. */
export function BarChart(props: { title: string; rows: { label: string; value: number }[]; format: (v: number) => string }) {
  const rows = props.rows.slice(0, 12);
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  const rowH = 26;
  const labelW = 160;
  const h = rows.length * rowH + 8;
  return (
    <svg viewBox={`0 0 ${W} ${h}`} width="100%" role="img" aria-label={props.title} style="max-width:620px;display:block;background:#fff;border:1px solid #e3e6ea;border-radius:8px;margin-bottom:10px">
      <title>{props.title}</title>
      {rows.map((r, i) => {
        const w = Math.max(1, ((W - labelW - 70) * r.value) / max);
        const label = r.label.length > 20 ? `${r.label.slice(0, 19)}…` : r.label;
        return (
          <g>
            <text x={labelW - 8} y={i * rowH + 21} text-anchor="end">{label}</text>
            <rect x={labelW} y={i * rowH + 8} width={w} height={rowH - 10} rx="3" fill={PALETTE[0]} />
            <text x={labelW + w + 6} y={i * rowH + 21}>{props.format(r.value)}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** Axis ticks for counts: whole steps of 1, 2 or 5 × 10^k, three to five of them. */
export function countTicks(max: number): number[] {
  const target = Math.max(1, max) / 4;
  const e = 10 ** Math.floor(Math.log10(target));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * e).find((s) => s >= target) ?? 10 * e);
  const top = Math.max(step, Math.ceil(max / step) * step);
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
}

export interface TrafficPoint {
  /** Axis label (`13:00`, `Dec 1`) and the bucket's full name (`Dec 1 13:00–13:59 UTC`). */
  label: string;
  full: string;
  visitors: number;
  pageviews: number;
  /** Later than now (the rest of today): on the axis, but no line and no value. */
  future?: boolean;
}

/**
 * Visitors (area) and page views (line) over the range, one point per bucket. The plot stretches
 * to its box (preserveAspectRatio none, strokes that do not scale) while the axis labels and the
 * points are HTML, so text stays readable from a phone to a wide screen. Each bucket has a tooltip;
 * the values are also in a visually hidden table for screen readers.
 */
export function TrafficChart(props: { title: string; points: TrafficPoint[] }) {
  const n = props.points.length;
  const past = props.points.filter((p) => !p.future);
  const ticks = countTicks(Math.max(0, ...past.flatMap((p) => [p.visitors, p.pageviews])));
  const top = ticks[ticks.length - 1] ?? 1;
  const VW = 1000;
  const x = (i: number) => (n <= 1 ? VW / 2 : (i * VW) / (n - 1));
  const y = (v: number) => 100 - (100 * v) / top;
  const line = (f: (p: TrafficPoint) => number) => past.map((p, i) => `${x(i).toFixed(1)},${y(f(p)).toFixed(2)}`).join(' ');
  const last = x(past.length - 1).toFixed(1);
  // About 8 labels on a wide screen; every other one ("minor") is hidden on a phone.
  const every = Math.max(1, Math.ceil(n / 8));
  const shown = (i: number) => i === n - 1 || (i % every === 0 && n - 1 - i >= every / 2);
  const step = n <= 1 ? VW : VW / (n - 1);
  const [blue, orange] = [PALETTE[0], PALETTE[1]];
  let k = 0;
  return (
    <figure class="traffic">
      <figcaption class="legend">
        <span><span class="swatch" style={`background:${blue}`}></span>Visitors</span>
        <span><span class="swatch" style={`background:${orange}`}></span>Pageviews</span>
      </figcaption>
      <div class="plot">
        <div class="yaxis" aria-hidden="true">{ticks.map((t) => <span style={`top:${y(t)}%`}>{t.toLocaleString('en')}</span>)}</div>
        <svg viewBox={`0 0 ${VW} 100`} preserveAspectRatio="none" role="img" aria-label={props.title}>
          <title>{props.title}</title>
          {ticks.map((t) => <line x1="0" x2={VW} y1={y(t)} y2={y(t)} stroke="#eceff3" vector-effect="non-scaling-stroke" />)}
          {past.length > 1 && <polygon points={`0,100 ${line((p) => p.visitors)} ${last},100`} fill={blue} fill-opacity="0.10" />}
          <polyline points={line((p) => p.pageviews)} fill="none" stroke={orange} stroke-width="2" stroke-dasharray="5 4" vector-effect="non-scaling-stroke" />
          <polyline points={line((p) => p.visitors)} fill="none" stroke={blue} stroke-width="2.5" vector-effect="non-scaling-stroke" />
          {past.map((p, i) => (
            <rect x={Math.max(0, x(i) - step / 2)} width={step} y="0" height="100" fill="transparent">
              <title>{`${p.full}: ${p.visitors.toLocaleString('en')} visitors, ${p.pageviews.toLocaleString('en')} pageviews`}</title>
            </rect>
          ))}
        </svg>
        {n <= 62 && past.map((p, i) => <span class="pt" aria-hidden="true" style={`left:${(100 * x(i)) / VW}%;top:${y(p.visitors)}%`}></span>)}
      </div>
      <div class="xaxis" aria-hidden="true">
        {props.points.map((p, i) => (shown(i) ? <span class={k++ % 2 === 1 && i !== n - 1 ? 'minor' : undefined} style={`left:${(100 * x(i)) / VW}%`}>{p.label}</span> : null))}
      </div>
      <table class="visually-hidden">
        <caption>{props.title}</caption>
        <thead><tr><th>When</th><th>Visitors</th><th>Pageviews</th></tr></thead>
        <tbody>{past.map((p) => <tr><td>{p.full}</td><td>{p.visitors}</td><td>{p.pageviews}</td></tr>)}</tbody>
      </table>
    </figure>
  );
}
