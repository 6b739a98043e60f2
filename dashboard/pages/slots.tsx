import { Hono, type Context } from 'hono';
import type { Site, Slot } from '../../protocol/admin';
import { SELECTOR_SUBSET } from '../../protocol/selector';
import type { SiteFields } from '../../edge/admin/fields';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice, Scroll } from '../ui';
import { loadSite } from './site';

/** Slots declared by CSS selector: list, create, delete. Mounted at /dashboard/sites. */
export const slotPages = new Hono<DashEnv>();

interface SlotDraft {
  name: string;
  selector: string;
  urlPattern: string;
}

const slotPath = (site: string, name: string) => `${sitePath(site)}/slots/${encodeURIComponent(name)}`;

function SlotForm(props: { site: string; csrf: string; d: SlotDraft; error?: string }) {
  const { d } = props;
  return (
    <form method="post" action={dash(props.site, 'slots')}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div>
          <label for="slot-name">Name</label>
          <input id="slot-name" name="name" type="text" required value={d.name} pattern="[A-Za-z0-9_\-]{1,64}" placeholder="hero" />
          <p class="hint">What experiences target: letters, digits, "-" and "_".</p>
        </div>
        <div>
          <label for="slot-selector">CSS selector</label>
          <input id="slot-selector" name="selector" type="text" required value={d.selector} placeholder="main > section.hero h1" />
          <p class="hint">Supported: {SELECTOR_SUBSET}.</p>
        </div>
        <div>
          <label for="slot-url">URL pattern (optional)</label>
          <input id="slot-url" name="urlPattern" type="text" value={d.urlPattern} placeholder="/pricing, /blog/* or * (every page)" />
          <p class="hint">The pages it is on; empty means every page.</p>
        </div>
      </div>
      <div class="actions"><button type="submit">Declare slot</button></div>
    </form>
  );
}

async function slotsPage(c: Context<DashEnv>, site: Site, extra: { d?: SlotDraft; error?: string; status?: 200 | 400 } = {}) {
  const [list, seen] = await Promise.all([
    api<{ slots: Slot[] }>(c, `${sitePath(site.key)}/slots`),
    api<SiteFields>(c, `${sitePath(site.key)}/fields`),
  ]);
  const slots = list.ok ? list.body.slots : [];
  const declared = new Set(slots.map((s) => s.name));
  const marked = seen.ok ? seen.body.slots.filter((s) => !declared.has(s)) : [];
  const csrf = c.get('csrf');
  return render(
    c,
    `Slots · ${site.name}`,
    <>
      <h1>Slots</h1>
      <p>
        A slot is a place on the site's pages that experiences fill. Slots declared here by CSS selector need no{' '}
        <code>data-attune-slot</code> markup in the page; the visual editor ("Edit on my site" on a draft experience) creates them
        when you click an element.
      </p>
      {slots.length === 0 ? <p class="muted">No slots declared yet.</p> : (
        <Scroll label="Declared slots">
          <table>
            <thead><tr><th>Name</th><th>Selector</th><th>Pages</th><th></th></tr></thead>
            <tbody>
              {slots.map((s) => (
                <tr>
                  <td><code>{s.name}</code></td>
                  <td><code>{s.selector}</code></td>
                  <td>{s.urlPattern ? <code>{s.urlPattern}</code> : <span class="muted">every page</span>}</td>
                  <td>
                    <form method="post" action={dash(site.key, `slots/${encodeURIComponent(s.name)}/delete`)} data-confirm={`Delete the slot "${s.name}"? Experiences that target it show their default content.`}>
                      <Csrf token={csrf} />
                      <button type="submit" class="secondary" aria-label={`Delete slot ${s.name}`}>Delete</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {marked.length > 0 && (
        <p class="hint">
          Marked in the pages (<code>data-attune-slot</code>) and seen lately: {marked.map((s, i) => <>{i > 0 && ', '}<code>{s}</code></>)}.
        </p>
      )}
      <div class="card">
        <h2 style="margin-top:0">Declare a slot</h2>
        <SlotForm site={site.key} csrf={csrf} d={extra.d ?? { name: '', selector: '', urlPattern: '' }} error={extra.error} />
      </div>
    </>,
    { site: site.key, tab: 'slots', status: extra.status ?? 200 },
  );
}

slotPages.get('/:site/slots', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  return slotsPage(c, site);
});

slotPages.post('/:site/slots', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const form = await c.req.parseBody();
  const d: SlotDraft = { name: field(form, 'name'), selector: field(form, 'selector'), urlPattern: field(form, 'urlPattern') };
  const res = await api<Slot>(c, `${sitePath(site.key)}/slots`, {
    method: 'POST',
    body: { name: d.name, selector: d.selector, ...(d.urlPattern && { urlPattern: d.urlPattern }) },
  });
  if (!res.ok) return slotsPage(c, site, { d, error: errorMessage(res.body), status: 400 });
  return c.redirect(dash(site.key, 'slots'), 303);
});

slotPages.post('/:site/slots/:name/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, slotPath(key, c.req.param('name')), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'slots'), 303);
});
