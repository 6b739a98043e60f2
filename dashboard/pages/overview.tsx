import { Hono } from 'hono';
import type { Experience, Site } from '../../protocol/admin';
import type { FeedEvent } from '../../protocol/events';
import type { StatsResponse } from '../../protocol/stats';
import { api, errorMessage, sitePath, type ApiResult } from '../api';
import { TrafficChart } from '../charts';
import { ExperienceList, liveResults } from '../experience-list';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { bucketLabel, isFuture, overviewQuery, rangeLabel, statsApiQuery, type OverviewQuery } from '../stats-query';
import { CARDS, DIMENSION_LABELS, FilterChip, keyLabel, RangeBar, TopCard, Totals } from '../stats-view';
import { dash, Notice, Scroll } from '../ui';
import type { Results } from './results';
import { EventRow, loadSite } from './site';

/**
 * A site's Overview tab (/dashboard/sites/:site): the traffic overview as people know it from
 * Plausible — current visitors, totals against the previous period, visitors over time, top lists
 * that filter the whole page when clicked — then the running experiences with their variants and
 * live results, and the latest events. Mounted at /dashboard/sites.
 */
export const overviewPages = new Hono<DashEnv>();

const RECENT_EVENTS = 10;

function chartTitle(s: StatsResponse, q: OverviewQuery): string {
  const f = q.filter ? `, ${DIMENSION_LABELS[q.filter.dimension].one.toLowerCase()} ${keyLabel(q.filter.dimension, q.filter.value)}` : '';
  return `Visitors and pageviews per ${s.interval}, ${rangeLabel(s.from, s.to)}${f}`;
}

function Traffic(props: { s: StatsResponse; q: OverviewQuery; base: string; install: string | null; now: number }) {
  const { s, q, base } = props;
  return (
    <>
      <p class="muted range-note">
        {rangeLabel(s.from, s.to)} (UTC), compared with {rangeLabel(s.previousRange.from, s.previousRange.to)}
      </p>
      {s.totals.visits === 0 && !q.filter && (
        <Notice>
          No visits in this range.{' '}
          {props.install && <>Nothing has arrived from this site yet: put the tag on its pages (see <a href={props.install}>Install</a>) and visits show up here within seconds.</>}
        </Notice>
      )}
      <Totals stats={s} />
      <div class="card">
        <TrafficChart
          title={chartTitle(s, q)}
          points={s.series.map((p) => {
            const b = bucketLabel(p.bucket);
            return { label: b.short, full: b.full, visitors: p.visitors, pageviews: p.pageviews, future: isFuture(p.bucket, props.now) };
          })}
        />
      </div>
      <div class="topgrid">
        {CARDS.map((card, n) => <TopCard card={card} n={n} stats={s} base={base} q={q} />)}
      </div>
    </>
  );
}

export interface OverviewData {
  site: Site;
  q: OverviewQuery;
  stats: ApiResult<StatsResponse>;
  experiences: Experience[];
  results: Map<string, Results>;
  events: FeedEvent[];
  /** The time the range was worked out at (the rest of today is not drawn). */
  now?: number;
}

/** The whole tab from what the API answered: no fetching here, so fixtures can render it too. */
export function OverviewPage(props: OverviewData) {
  const { site, q, stats, experiences: all, results, events: recent } = props;
  const base = dash(site.key);
  const s = stats.ok ? stats.body : null;
  const running = all.filter((x) => x.status === 'running');
  return (
    <>
      <p class="crumbs muted"><a href="/dashboard">Sites</a> / {site.key}</p>
      <div class="overview-head">
        <h1>{site.name}</h1>
        {s && (
          <a class="current" href={dash(site.key, 'live')} title="People seen in the last 5 minutes">
            <span class={s.current > 0 ? 'live-dot' : 'live-dot idle'} aria-hidden="true"></span><b id="current-visitors">{s.current.toLocaleString('en')}</b> current visitor{s.current === 1 ? '' : 's'}
          </a>
        )}
      </div>
      <RangeBar base={base} q={q} />
      <FilterChip base={base} q={q} />
      {s ? <Traffic s={s} q={q} base={base} install={recent.length === 0 ? dash(site.key, 'install') : null} now={props.now ?? Date.now()} /> : <Notice kind="bad">The traffic overview could not be read: {errorMessage(stats.body)}</Notice>}

      <h2>Running experiences</h2>
      {running.length > 0 ? (
        <ExperienceList site={site.key} list={running} results={results} />
      ) : all.length === 0 ? (
        <p class="muted">No experiences yet. <a href={dash(site.key, 'experiences/new')}>Create one</a>.</p>
      ) : (
        <p class="muted">None running.</p>
      )}
      {all.length > running.length && <p><a href={dash(site.key, 'experiences')}>All {all.length} experiences</a></p>}

      <h2>Recent events</h2>
      {recent.length === 0 ? (
        <p class="muted">No events yet. Open the site with the tag installed (see <a href={dash(site.key, 'install')}>Install</a>).</p>
      ) : (
        <Scroll>
          <table>
            <thead><tr><th>Received (UTC)</th><th>Event</th><th>Page</th><th>Profile</th><th>Properties</th></tr></thead>
            <tbody>{recent.map((e) => <EventRow e={e} site={site.key} />)}</tbody>
          </table>
        </Scroll>
      )}
      <p><a href={dash(site.key, 'live')}>Watch events live</a></p>
    </>
  );
}

overviewPages.get('/:site', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const q = overviewQuery((name) => c.req.query(name));
  const [stats, exps, events] = await Promise.all([
    api<StatsResponse>(c, `${sitePath(site.key)}/stats?${statsApiQuery(q)}`),
    api<{ experiences: Experience[] }>(c, `${sitePath(site.key)}/experiences`),
    api<{ events: FeedEvent[] }>(c, `${sitePath(site.key)}/events?limit=${RECENT_EVENTS}`),
  ]);
  const experiences = exps.ok ? exps.body.experiences : [];
  const results = await liveResults(c, site.key, experiences);
  const page = <OverviewPage site={site} q={q} stats={stats} experiences={experiences} results={results} events={events.ok ? events.body.events : []} />;
  return render(c, site.name, page, { site: site.key, tab: '' });
});
