import { Hono } from 'hono';
import type { ExperimentResult, Interval } from '../../edge/measure/stats';
import { api, errorMessage, sitePath } from '../api';
import { LineChart, wilson } from '../charts';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { dash, Notice, pct, Scroll } from '../ui';
import { loadSite } from './site';
import { OVERLAY_CLICK } from '../../protocol/markup';
import type { Trigger } from '../../protocol/triggers';
import { triggerWords } from '../overlay-form';

/** Results of one experience: statistics table, cumulative chart, SRM warning, verdicts. Mounted at /dashboard/sites. */
export const resultPages = new Hono<DashEnv>();

export interface Results {
  experience: { id: string; name: string; status: string; mode: string; goals: string[]; slot: string | null; page?: string | null; trigger?: Trigger | null; overlay?: boolean };
  control: string;
  variants: { key: string; name: string | null; visitors: number; weight: number }[];
  analysis: ExperimentResult;
  daily: { day: string; variants: Record<string, { visitors: number; conversions: Record<string, number> }> }[];
  notes: string[];
}

const signed = (x: number, f: (v: number) => string) => `${x > 0 ? '+' : ''}${f(x)}`;
const pts = (x: number) => `${(x * 100).toFixed(2)} pts`;
const interval = (i: Interval | null, f: (v: number) => string) => (i ? `${signed(i.value, f)} (${signed(i.low, f)} to ${signed(i.high, f)})` : '—');
const num = (x: number | null, d = 3) => (x === null ? '—' : x.toFixed(d));

function GoalTable(props: { g: Results['analysis']['goals'][number]; names: Map<string, string> }) {
  const { g } = props;
  const revenue = g.kind === 'revenue';
  return (
    <Scroll label={`Results for ${g.goal}`}>
      <table>
        <thead>
          <tr>
            <th>Variant</th><th class="num">Visitors</th>
            {revenue ? <><th class="num">Revenue / visitor</th><th class="num">Difference (95% CI)</th></> : (
              <><th class="num">Conversions</th><th class="num">Rate</th><th class="num">Uplift, absolute (95% CI)</th><th class="num">Uplift, relative</th></>
            )}
            <th class="num">p-value</th>
            {!revenue && <><th class="num">Chance to beat control</th><th class="num">Expected loss</th></>}
          </tr>
        </thead>
        <tbody>
          {g.variants.map((v) => (
            <tr>
              <td><b>{props.names.get(v.key) ?? v.key}</b>{v.control && <span class="muted"> (control)</span>}</td>
              <td class="num">{v.visitors.toLocaleString('en')}</td>
              {revenue ? (
                <><td class="num">{v.revenue?.mean.toFixed(2) ?? '—'}</td><td class="num">{interval(v.revenue?.difference ?? null, (x) => x.toFixed(2))}</td></>
              ) : (
                <>
                  <td class="num">{v.conversions.toLocaleString('en')}</td>
                  <td class="num">{pct(v.rate, 2)}</td>
                  <td class="num">{v.control ? '—' : interval(v.absolute, pts)}</td>
                  <td class="num">{v.control ? '—' : interval(v.relative, (x) => pct(x, 1))}</td>
                </>
              )}
              <td class="num">{num(v.pValue)}</td>
              {!revenue && <><td class="num">{v.chanceToBeat === null ? '—' : pct(v.chanceToBeat, 1)}</td><td class="num">{v.expectedLoss === null ? '—' : pts(v.expectedLoss)}</td></>}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** What the experience changes: its slot, its pages, or its overlay and when it shows. */
function Target(props: { x: Results['experience'] }) {
  const { x } = props;
  if (x.overlay) return <><span class="muted">overlay</span> {x.page != null ? <>on <code>{x.page}</code></> : 'on every page'}, {triggerWords(x.trigger, null).replace(/ · .*$/, '')}</>;
  if (x.page != null) return <><span class="muted">page</span> <code>{x.page}</code></>;
  return <><span class="muted">slot</span> <code>{x.slot}</code></>;
}

resultPages.get('/:site/experiences/:id/results', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const id = c.req.param('id');
  const from = c.req.query('from') ?? '';
  const to = c.req.query('to') ?? '';
  const qs = new URLSearchParams({ ...(from && { from }), ...(to && { to }) }).toString();
  const res = await api<Results>(c, `${sitePath(site.key)}/experiences/${encodeURIComponent(id)}/results${qs ? `?${qs}` : ''}`);
  const back = <p class="crumbs"><a href={dash(site.key, 'experiences')}>Experiences</a> / <a href={dash(site.key, `experiences/${encodeURIComponent(id)}`)}>{id}</a> / results</p>;
  if (!res.ok) {
    return render(c, 'Results', <>{back}<h1>Results</h1><Notice kind="bad">{errorMessage(res.body)}</Notice></>, { site: site.key, tab: 'experiences', status: res.status === 404 ? 404 : 400 });
  }
  const r = res.body;
  const names = new Map(r.variants.map((v) => [v.key, v.name ?? v.key]));
  const total = r.variants.reduce((s, v) => s + v.visitors, 0);
  return render(
    c,
    `Results · ${r.experience.name}`,
    <>
      {back}
      <h1>{r.experience.name}</h1>
      <p>
        <span class={`pill ${r.experience.status}`}>{r.experience.status}</span> <Target x={r.experience} />{' '}
        <span class="muted">mode</span> {r.experience.mode} · <b id="total-visitors">{total.toLocaleString('en')}</b> exposed visitors
      </p>
      <form method="get" class="row card compact" aria-label="Date range">
        <div><label for="from">From</label><input id="from" name="from" type="date" value={from} /></div>
        <div><label for="to">To</label><input id="to" name="to" type="date" value={to} /></div>
        <div class="end"><button type="submit" class="secondary">Apply</button></div>
      </form>
      {r.analysis.srm.mismatch && (
        <Notice kind="bad">
          Sample ratio mismatch: the variants got {r.variants.map((v) => v.visitors).join(' / ')} visitors where the split expects{' '}
          {r.analysis.srm.expected.map((e) => Math.round(e)).join(' / ')} (p = {r.analysis.srm.pValue.toExponential(1)}). Something breaks the split
          (redirects, bots, a bug in the page); do not trust these results until it is fixed.
        </Notice>
      )}
      <h2>Exposures</h2>
      <Scroll>
        <table>
          <thead><tr><th>Variant</th><th class="num">Weight</th><th class="num">Visitors</th><th class="num">Share</th></tr></thead>
          <tbody>
            {r.variants.map((v) => (
              <tr data-variant={v.key}>
                <td><b>{v.name ?? v.key}</b>{v.name && v.name !== v.key && <span class="muted"> {v.key}</span>}</td>
                <td class="num">{v.weight}</td>
                <td class="num" data-visitors="">{v.visitors.toLocaleString('en')}</td>
                <td class="num">{total ? pct(v.visitors / total) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      {r.experience.goals.length === 0 && <p class="muted">This experience has no goals: add one (an event name) to measure conversions.</p>}
      {r.analysis.goals.map((g) => (
        <section>
          <h2>{g.kind === 'revenue' ? 'Revenue' : 'Goal'}: {g.goal === OVERLAY_CLICK ? <>an overlay button pressed <code>{g.goal}</code></> : g.goal}</h2>
          <p class={`notice ${g.status === 'winner' ? 'ok' : g.status === 'srm' || g.status === 'loser' ? 'bad' : ''}`}>
            <span class={`pill ${g.status}`}>{g.status.replace('_', ' ')}</span> {g.verdict}
          </p>
          <GoalTable g={g} names={names} />
          {g.kind === 'conversion' && r.daily.length > 0 && <h3>Cumulative conversion rate</h3>}
          {g.kind === 'conversion' && r.daily.length > 0 && (
            <LineChart
              title={`Cumulative conversion rate for ${g.goal} by day, per variant`}
              xLabels={r.daily.map((d) => d.day)}
              series={r.variants.map((v) => ({
                label: v.name ?? v.key,
                points: r.daily.map((d) => {
                  const cell = d.variants[v.key];
                  return cell ? wilson(cell.conversions[g.goal] ?? 0, cell.visitors) : null;
                }),
              }))}
              format={(y, top) => pct(y, top < 0.1 ? 1 : 0)}
            />
          )}
        </section>
      ))}
      {r.notes.map((n) => <p class="hint">{n}</p>)}
    </>,
    { site: site.key, tab: 'experiences' },
  );
});
