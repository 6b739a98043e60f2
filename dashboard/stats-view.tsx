import type { StatsDimension, StatsResponse, StatsRow, StatsTotals } from '../protocol/stats';
import { change, overviewHref, PERIOD_LABELS, PERIODS, type OverviewQuery } from './stats-query';
import { count, duration } from './ui';

/**
 * The pieces of the traffic overview (pages/overview.tsx): the range bar, the filter chip, the
 * headline figures with their change, and the top-list cards. Every key shown comes from visitors
 * (paths, titles, referrers, campaign names): it is JSX text or an attribute, so it is escaped.
 */

/** What each dimension is called on its tab and for one of its keys (the filter chip). */
export const DIMENSION_LABELS: Record<StatsDimension, { tab: string; one: string }> = {
  pages: { tab: 'Pages', one: 'Page' },
  entryPages: { tab: 'Entry pages', one: 'Entry page' },
  exitPages: { tab: 'Exit pages', one: 'Exit page' },
  channels: { tab: 'Channels', one: 'Channel' },
  referrers: { tab: 'Referrers', one: 'Referrer' },
  campaigns: { tab: 'Campaigns', one: 'Campaign' },
  countries: { tab: 'Countries', one: 'Country' },
  regions: { tab: 'Regions', one: 'Region' },
  devices: { tab: 'Devices', one: 'Device' },
  browsers: { tab: 'Browsers', one: 'Browser' },
  os: { tab: 'OS', one: 'OS' },
  goals: { tab: 'Goals', one: 'Goal' },
};

/** The cards and their tabs; together they hold every dimension once (tests/unit/stats-query.test.ts). */
export const CARDS: { title: string; dims: StatsDimension[] }[] = [
  { title: 'Top pages', dims: ['pages', 'entryPages', 'exitPages'] },
  { title: 'Top sources', dims: ['channels', 'referrers', 'campaigns'] },
  { title: 'Locations', dims: ['countries', 'regions'] },
  { title: 'Devices', dims: ['devices', 'browsers', 'os'] },
  { title: 'Goals', dims: ['goals'] },
];

let regionNames: Intl.DisplayNames | null | undefined;
function countryName(code: string): string | null {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null; // a runtime without ICU region names: codes only
    }
  }
  try {
    return regionNames?.of(code) ?? null;
  } catch {
    return null;
  }
}

/**
 * A key as people read it: `organic_search` → `Organic search`, `DE` → `Germany`, `DE: Berlin` →
 * `Berlin, Germany`. Text only. (No
 * flag emoji: Windows draws them as two letters.)
 */
export function keyLabel(d: StatsDimension, key: string): string {
  if (d === 'channels' || d === 'devices') return key ? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ') : key;
  if (d === 'countries' && /^[A-Z]{2}$/.test(key)) return countryName(key) ?? key;
  const region = d === 'regions' ? /^([A-Z]{2}): (.+)$/.exec(key) : null; // `DE: Berlin`, as the edge keys them
  if (region) return `${region[2]}, ${countryName(region[1]!) ?? region[1]}`;
  return key;
}

const decimals = (n: number) => (Math.round(n * 100) / 100).toLocaleString('en');
/** Cents only below 1,000: the figure has to fit its tile. */
const money = (n: number) => (Math.abs(n) >= 1000 || Number.isInteger(n) ? count(n) : n.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const percent = (x: number) => `${Math.round(x * 100)}%`;

/** The headline figures, in Plausible's order, each with how it is shown. */
export const TOTALS: { key: keyof StatsTotals; label: string; format: (n: number) => string; lowerIsBetter?: boolean }[] = [
  { key: 'visitors', label: 'Visitors', format: count },
  { key: 'visits', label: 'Visits', format: count },
  { key: 'pageviews', label: 'Pageviews', format: count },
  { key: 'viewsPerVisit', label: 'Views / visit', format: decimals },
  { key: 'bounceRate', label: 'Bounce rate', format: percent, lowerIsBetter: true },
  { key: 'avgVisitMs', label: 'Visit duration', format: duration },
  { key: 'conversions', label: 'Conversions', format: count },
  { key: 'revenue', label: 'Revenue', format: money },
];

export function Totals(props: { stats: StatsResponse }) {
  const { totals, previous } = props.stats;
  return (
    <div class="totals" role="list" aria-label="Totals">
      {TOTALS.map((t) => {
        const d = change(totals[t.key], previous[t.key], t.lowerIsBetter);
        return (
          <div class="stat" role="listitem" data-total={t.key}>
            <span class="muted">{t.label}</span>
            <b>{t.format(totals[t.key])}</b>
            <span class={`delta ${d.tone}`} title={`${d.words} (${t.format(previous[t.key])})`}>
              <span aria-hidden="true">{d.arrow}</span> {d.text || '\u00a0'}
              <span class="visually-hidden"> {d.words}, {t.format(previous[t.key])} before</span>
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Today / Last 7 days / Last 30 days, and a custom from/to (a GET form: nothing changes). */
export function RangeBar(props: { base: string; q: OverviewQuery }) {
  const { base, q } = props;
  return (
    <div class="rangebar">
      <nav class="ranges" aria-label="Date range">
        {PERIODS.map((p) => <a href={overviewHref(base, q, { period: p })} aria-current={q.period === p ? 'page' : undefined}>{PERIOD_LABELS[p]}</a>)}
      </nav>
      <form method="get" action={base} class="custom-range" aria-label="Custom range">
        <label class="inline" for="from">From <input id="from" name="from" type="date" value={q.from} required /></label>
        <label class="inline" for="to">to <input id="to" name="to" type="date" value={q.to} required /></label>
        {q.filter && <input type="hidden" name="filter" value={`${q.filter.dimension}:${q.filter.value}`} />}
        <button type="submit" class="secondary">Apply</button>
      </form>
    </div>
  );
}

/** The active filter as a chip; its × goes back to the whole site over the same range. */
export function FilterChip(props: { base: string; q: OverviewQuery }) {
  const f = props.q.filter;
  if (!f) return null;
  return (
    <p class="chips" id="active-filter">
      <span class="chip">
        {DIMENSION_LABELS[f.dimension].one} is <b>{keyLabel(f.dimension, f.value)}</b>
        <a href={overviewHref(props.base, props.q, { filter: null })} class="chip-x" aria-label="Remove the filter" title="Remove the filter">×</a>
      </span>
    </p>
  );
}

function TopList(props: { d: StatsDimension; rows: StatsRow[]; visitors: number; base: string; q: OverviewQuery }) {
  const { d, rows, base, q } = props;
  if (rows.length === 0) return <p class="muted empty">Nothing in this range.</p>;
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  const goals = d === 'goals';
  return (
    <>
      <div class="toplist-head"><span>{DIMENSION_LABELS[d].one}</span><span>{goals ? 'Visitors · CR' : 'Visitors'}</span></div>
      <ol class="toplist" aria-label={DIMENSION_LABELS[d].tab} data-dimension={d}>
        {rows.map((r) => {
          const active = q.filter?.dimension === d && q.filter.value === r.key;
          return (
            <li>
              <a href={overviewHref(base, q, { filter: { dimension: d, value: r.key } })} title={r.key} aria-current={active ? 'true' : undefined} data-key={r.key}>
                <span class="bar" style={`width:${((100 * r.visitors) / max).toFixed(1)}%`}></span>
                <span class="key">{keyLabel(d, r.key) || '(none)'}</span>
              </a>
              <span class="num">{count(r.visitors)}{goals && <span class="muted"> · {props.visitors > 0 ? percent(r.visitors / props.visitors) : '—'}</span>}</span>
            </li>
          );
        })}
      </ol>
    </>
  );
}

/**
 * One card of top lists with tabs that work without script: radio buttons, and CSS shows the
 * panel of the checked one (layout.tsx). The card opens on the tab of the active filter.
 */
export function TopCard(props: { card: (typeof CARDS)[number]; n: number; stats: StatsResponse; base: string; q: OverviewQuery }) {
  const { card, stats, q } = props;
  const open = q.filter && card.dims.includes(q.filter.dimension) ? q.filter.dimension : card.dims[0];
  const id = (d: StatsDimension) => `tab-${d}`;
  return (
    <section class="card topcard" aria-labelledby={`card-${props.n}`}>
      <div class="tabset">
        <h2 id={`card-${props.n}`}>{card.title}</h2>
        {card.dims.map((d) => (
          <>
            <input type="radio" name={`card-${props.n}`} id={id(d)} checked={d === open} hidden={card.dims.length === 1} />
            <label for={id(d)} hidden={card.dims.length === 1}>{DIMENSION_LABELS[d].tab}</label>
          </>
        ))}
        {card.dims.map((d) => (
          <div class="panel">
            <TopList d={d} rows={stats.breakdowns[d] ?? []} visitors={stats.totals.visitors} base={props.base} q={q} />
          </div>
        ))}
      </div>
    </section>
  );
}
