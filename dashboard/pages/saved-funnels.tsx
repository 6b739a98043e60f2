import { Hono } from 'hono';
import type { FunnelStepResult, SavedFunnel } from '../../protocol/stats';
import { stepLabel } from '../../edge/measure/funnel';
import { api, errorMessage, sitePath } from '../api';
import { FunnelView, parseSteps } from '../funnel-view';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice, Scroll, Time } from '../ui';
import { loadSite } from './site';

/** Saved funnels: the list on the Funnels page, one funnel's exact counts, save and delete. Mounted at /dashboard/sites. */
export const savedFunnelPages = new Hono<DashEnv>();

const funnelsPath = (site: string) => `${sitePath(site)}/funnels`;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (v: string | undefined) => (v && DAY.test(v) ? v : '');

/** The saved funnels, for the Funnels page. */
export function SavedFunnels(props: { site: string; funnels: SavedFunnel[] }) {
  if (props.funnels.length === 0) return <p class="muted">No saved funnels yet: show a funnel below, then save it to have it counted live.</p>;
  return (
    <Scroll label="Saved funnels">
      <table>
        <thead><tr><th>Saved funnel</th><th>Steps</th><th class="num">Window</th><th>Counted since</th></tr></thead>
        <tbody>
          {props.funnels.map((f) => (
            <tr>
              <td><a href={dash(props.site, `funnels/saved/${encodeURIComponent(f.id)}`)}>{f.name}</a></td>
              <td>{f.steps.map((s) => stepLabel(s)).join(' → ')}</td>
              <td class="num">{f.windowHours} h</td>
              <td><Time ms={f.createdAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** Under an ad hoc funnel: save these steps, to be counted by every profile from now on. */
export function SaveFunnelForm(props: { site: string; csrf: string; stepsText: string; windowHours: number }) {
  return (
    <form method="post" action={dash(props.site, 'funnels/saved')} class="card" aria-label="Save this funnel">
      <Csrf token={props.csrf} />
      <input type="hidden" name="steps" value={props.stepsText} />
      <input type="hidden" name="windowHours" value={String(props.windowHours)} />
      <div class="row">
        <div><label for="funnel-name">Save as</label><input id="funnel-name" name="name" type="text" required maxlength={200} placeholder="Pricing to purchase" /></div>
        <div class="end"><button type="submit">Save funnel</button></div>
      </div>
      <p class="hint">A saved funnel is counted by every visitor's profile as their events arrive, from now on: exact at any traffic, no sampling.</p>
    </form>
  );
}

savedFunnelPages.post('/:site/funnels/saved', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const form = await c.req.parseBody();
  const body = { name: field(form, 'name'), steps: parseSteps(field(form, 'steps').slice(0, 2000)), windowHours: Number(field(form, 'windowHours')) || 24 };
  const res = await api<SavedFunnel>(c, funnelsPath(site.key), { method: 'POST', body });
  if (!res.ok) {
    return render(c, `Funnels · ${site.name}`, <><h1>Funnels</h1><Notice kind="bad">The funnel was not saved: {errorMessage(res.body)}</Notice><p><a href={dash(site.key, 'funnels')}>Back to funnels</a></p></>, { site: site.key, tab: 'funnels', status: 400 });
  }
  return c.redirect(dash(site.key, `funnels/saved/${encodeURIComponent(res.body.id)}`), 303);
});

savedFunnelPages.get('/:site/funnels/saved/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const id = c.req.param('id');
  const [from, to] = [day(c.req.query('from')), day(c.req.query('to'))];
  const qs = new URLSearchParams({ ...(from && { from }), ...(to && { to }) });
  const res = await api<{ funnel: SavedFunnel; from: string; to: string; steps: FunnelStepResult[] }>(c, `${funnelsPath(site.key)}/${encodeURIComponent(id)}?${qs}`);
  if (!res.ok) {
    return render(c, `Funnels · ${site.name}`, <><h1>Funnels</h1><Notice kind="bad">{res.status === 404 ? 'No such saved funnel.' : errorMessage(res.body)}</Notice><p><a href={dash(site.key, 'funnels')}>Back to funnels</a></p></>, { site: site.key, tab: 'funnels', status: res.status === 404 ? 404 : 400 });
  }
  const { funnel, steps } = res.body;
  return render(
    c,
    `${funnel.name} · Funnels · ${site.name}`,
    <>
      <p class="muted"><a href={dash(site.key, 'funnels')}>Funnels</a> / saved</p>
      <h1>{funnel.name}</h1>
      <p class="muted">
        Exact: every visitor counted by their own profile as their events arrived, since it was saved (<Time ms={funnel.createdAt} />);
        people who entered it from {res.body.from} to {res.body.to} (UTC), window {funnel.windowHours} h.
      </p>
      <form method="get" class="row" aria-label="Dates">
        <div><label for="from">From</label><input id="from" name="from" type="date" value={res.body.from} /></div>
        <div><label for="to">To</label><input id="to" name="to" type="date" value={res.body.to} /></div>
        <div class="end"><button type="submit" class="secondary">Apply</button></div>
      </form>
      <FunnelView steps={steps} />
      <form method="post" action={dash(site.key, `funnels/saved/${encodeURIComponent(funnel.id)}/delete`)} data-confirm={`Delete the saved funnel "${funnel.name}"? Its counts go with it.`} class="danger-zone">
        <Csrf token={c.get('csrf')} />
        <button type="submit" class="secondary">Delete saved funnel</button>
      </form>
    </>,
    { site: site.key, tab: 'funnels' },
  );
});

savedFunnelPages.post('/:site/funnels/saved/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, `${funnelsPath(key)}/${encodeURIComponent(c.req.param('id'))}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'funnels'), 303);
});
