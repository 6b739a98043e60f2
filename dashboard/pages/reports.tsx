import { Hono } from 'hono';
import type { FunnelStepResult, SavedFunnel } from '../../protocol/stats';
import { DEFAULT_MODEL, type Model } from '../../edge/measure/attribution';
import { api, errorMessage, sitePath } from '../api';
import { BarChart } from '../charts';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { dash, Notice, Scroll } from '../ui';
import { loadSite } from './site';
import { FunnelView, parseSteps } from '../funnel-view';
import { SavedFunnels, SaveFunnelForm } from './saved-funnels';

export { parseSteps } from '../funnel-view';

/** Attribution (model selector, channel / campaign / referral tables with bars) and funnels. Mounted at /dashboard/sites. */
export const reportPages = new Hono<DashEnv>();

/** The model select's label of every attribution model, in its order: a model without one does not compile. */
export const MODEL_LABELS: Record<Model, string> = {
  first_touch: 'First touch',
  last_non_direct: 'Last non-direct touch',
  linear: 'Linear',
  time_decay: 'Time decay',
  position_based: 'Position based (40/20/40)',
};

interface Credit {
  key: string;
  conversions: number;
  revenue: number;
  profileId?: string;
}

interface Attribution {
  model: string;
  conversions: number;
  revenue: number;
  byChannel: Credit[];
  byCampaign: Credit[];
  byReferralCode: Credit[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (v: string | undefined) => (v && DAY.test(v) ? v : '');
const credit = (x: number) => (Math.round(x * 100) / 100).toLocaleString('en');

function CreditTable(props: { title: string; rows: Credit[]; site: string; referral?: boolean }) {
  if (props.rows.length === 0) return <><h2>{props.title}</h2><p class="muted">Nothing credited in this range.</p></>;
  return (
    <section>
      <h2>{props.title}</h2>
      <BarChart title={`Conversions credited by ${props.title.toLowerCase()}`} rows={props.rows.map((r) => ({ label: r.key, value: r.conversions }))} format={credit} />
      <Scroll>
        <table>
          <thead><tr><th>{props.referral ? 'Referral code' : props.title.replace(/^By /, '')}</th><th class="num">Conversions</th><th class="num">Revenue</th>{props.referral && <th>Referrer</th>}</tr></thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td>{r.key}</td>
                <td class="num">{credit(r.conversions)}</td>
                <td class="num">{credit(r.revenue)}</td>
                {props.referral && <td>{r.profileId ? <a href={dash(props.site, `profiles/${encodeURIComponent(r.profileId)}`)}><code>{r.profileId}</code></a> : '—'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}

reportPages.get('/:site/attribution', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const asked = c.req.query('model') ?? '';
  const model = Object.prototype.hasOwnProperty.call(MODEL_LABELS, asked) ? asked : DEFAULT_MODEL;
  const from = day(c.req.query('from'));
  const to = day(c.req.query('to'));
  const goal = (c.req.query('goal') ?? '').slice(0, 200);
  const qs = new URLSearchParams({ model, ...(from && { from }), ...(to && { to }), ...(goal && { goal }) });
  const res = await api<Attribution>(c, `${sitePath(site.key)}/attribution?${qs}`);
  const a = res.ok ? res.body : null;
  return render(
    c,
    `Attribution · ${site.name}`,
    <>
      <h1>Attribution</h1>
      <form method="get" class="card row" aria-label="Attribution options">
        <div>
          <label for="model">Model</label>
          <select id="model" name="model">{Object.entries(MODEL_LABELS).map(([m, label]) => <option value={m} selected={m === model}>{label}</option>)}</select>
        </div>
        <div><label for="goal">Goal (event name)</label><input id="goal" name="goal" type="text" value={goal} placeholder="all conversions" /></div>
        <div><label for="from">From</label><input id="from" name="from" type="date" value={from} /></div>
        <div><label for="to">To</label><input id="to" name="to" type="date" value={to} /></div>
        <div class="end"><button type="submit">Show</button></div>
      </form>
      {!a ? (
        <Notice>{res.status === 404 ? 'No attribution data yet: conversions are credited to their journeys as they happen.' : errorMessage(res.body)}</Notice>
      ) : (
        <>
          <div class="stats">
            <div class="stat"><span class="muted">Conversions</span><b>{credit(a.conversions)}</b></div>
            <div class="stat"><span class="muted">Revenue</span><b>{credit(a.revenue)}</b></div>
          </div>
          <CreditTable title="By channel" rows={a.byChannel} site={site.key} />
          <CreditTable title="By campaign" rows={a.byCampaign} site={site.key} />
          <CreditTable title="By referral code" rows={a.byReferralCode} site={site.key} referral />
        </>
      )}
    </>,
    { site: site.key, tab: 'attribution' },
  );
});

interface Funnel {
  steps: FunnelStepResult[];
  /** Profiles seen in the range, how many were read, and whether that was all of them. */
  population: number;
  sampled: number;
  exact: boolean;
  windowHours: number;
}

/** What the answer covers: every profile in the range, or a uniform random sample of them. */
export function funnelCoverage(f: Pick<Funnel, 'population' | 'sampled' | 'exact'>): string {
  const n = (x: number) => x.toLocaleString('en');
  return f.exact ? `All ${n(f.population)} profiles` : `Read ${n(f.sampled)} of ${n(f.population)} profiles (uniform random sample)`;
}

/** The event types a step line may start with; `consent …` is not one (it reads as an event name). */
reportPages.get('/:site/funnels', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const stepsText = (c.req.query('steps') ?? 'page /demo\ntrack Add to cart').slice(0, 2000);
  const hours = Math.min(24 * 90, Math.max(1, Number(c.req.query('windowHours') ?? 24) || 24));
  const from = day(c.req.query('from'));
  const to = day(c.req.query('to'));
  const steps = parseSteps(stepsText);
  let funnel: Funnel | null = null;
  let problem = '';
  if (c.req.query('steps') !== undefined && steps.length >= 2) {
    // `sample` (at most this many profiles read) passes through from the page's own URL.
    const sample = /^\d{1,4}$/.test(c.req.query('sample') ?? '') ? c.req.query('sample')! : '';
    const qs = new URLSearchParams({ steps: JSON.stringify(steps), windowHours: String(hours), ...(from && { from }), ...(to && { to }), ...(sample && { sample }) });
    const res = await api<Funnel>(c, `${sitePath(site.key)}/funnels?${qs}`);
    if (res.ok) funnel = res.body;
    else problem = res.status === 404 ? 'No funnel data yet.' : errorMessage(res.body);
  } else if (c.req.query('steps') !== undefined) problem = 'A funnel needs at least two steps.';
  const saved = await api<{ funnels: SavedFunnel[] }>(c, `${sitePath(site.key)}/funnels`);
  return render(
    c,
    `Funnels · ${site.name}`,
    <>
      <h1>Funnels</h1>
      <h2>Saved funnels</h2>
      <SavedFunnels site={site.key} funnels={saved.ok ? saved.body.funnels : []} />
      <h2>Explore a funnel</h2>
      <form method="get" class="card" aria-label="Funnel steps">
        <label for="steps">Steps, one per line</label>
        <textarea id="steps" name="steps" rows={4} class="code">{stepsText}</textarea>
        <p class="hint"><code>page /pricing</code>, <code>page /checkout/*</code> (prefix), <code>track Add to cart</code>, or an event name.</p>
        <div class="row">
          <div><label for="windowHours">Conversion window (hours)</label><input id="windowHours" name="windowHours" type="number" min={1} max={2160} value={String(hours)} /></div>
          <div><label for="from">From</label><input id="from" name="from" type="date" value={from} /></div>
          <div><label for="to">To</label><input id="to" name="to" type="date" value={to} /></div>
          <div class="end"><button type="submit">Show funnel</button></div>
        </div>
      </form>
      {problem && <Notice>{problem}</Notice>}
      {funnel && (
        <>
          <p class="muted">{funnelCoverage(funnel)}, window {funnel.windowHours} h.</p>
          <FunnelView steps={funnel.steps} />
          <SaveFunnelForm site={site.key} csrf={c.get('csrf')} stepsText={stepsText} windowHours={hours} />
        </>
      )}
    </>,
    { site: site.key, tab: 'funnels' },
  );
});
