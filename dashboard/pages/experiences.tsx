import { Hono, type Context } from 'hono';
import { SITE_DEFAULTS, type Experience, type Site } from '../../protocol/admin';
import type { Audience } from '../../protocol/audience';
import { api, errorMessage, sitePath } from '../api';
import { blankVariant, bodyOf, draftFromForm, draftOf, type ExperienceDraft, type VariantDraft } from '../experience-form';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice, Scroll } from '../ui';
import { loadSite } from './site';

/** Experiences: list, editor with variant previews, start / pause / end, preview links. Mounted at /dashboard/sites. */
export const experiencePages = new Hono<DashEnv>();

const expPath = (site: string, id: string) => `${sitePath(site)}/experiences/${encodeURIComponent(id)}`;

/** Variant HTML is shown in a sandboxed frame without scripts, never in the dashboard's own origin. */
function Preview(props: { v: VariantDraft }) {
  const { v } = props;
  if (!v.type) return <p class="hint">Shows the slot's default content.</p>;
  if (v.type !== 'html') return null;
  return (
    <>
      <p class="hint">Preview (sandboxed: no scripts, no forms, no same-origin access):</p>
      <iframe class="preview" sandbox="" srcdoc={v.value} title={`Preview of ${v.key}`} referrerpolicy="no-referrer"></iframe>
    </>
  );
}

function VariantRow(props: { v: VariantDraft; i: number }) {
  const { v, i } = props;
  const id = (n: string) => `v${i}-${n}`;
  const name = (n: string) => `v${i}.${n}`;
  return (
    <fieldset class="variant" data-variant-row>
      <legend><b>Variant {i + 1}</b>{i === 0 && <span class="muted"> (control: compared against)</span>}</legend>
      <div class="row">
        <div><label for={id('key')}>Key</label><input id={id('key')} name={name('key')} type="text" value={v.key} pattern="[a-z0-9][a-z0-9_\-]{0,62}" required /></div>
        <div><label for={id('name')}>Name</label><input id={id('name')} name={name('name')} type="text" value={v.name} /></div>
        <div>
          <label for={id('weight')}>Weight <output for={id('weight')} data-share={id('weight')}></output></label>
          <input id={id('weight')} name={name('weight')} type="range" min={0} max={100} step={1} value={v.weight} data-weight />
        </div>
      </div>
      <label for={id('type')}>Content</label>
      <select id={id('type')} name={name('type')} style="max-width:260px" data-content-type>
        <option value="" selected={v.type === ''}>default content (no change)</option>
        <option value="html" selected={v.type === 'html'}>HTML</option>
        <option value="text" selected={v.type === 'text'}>text</option>
        <option value="json" selected={v.type === 'json'}>JSON</option>
      </select>
      <label for={id('value')} class="visually-hidden">Content of variant {i + 1}</label>
      <textarea id={id('value')} name={name('value')} class="code" rows={4} placeholder="<h1>Free shipping today</h1>" data-content-value>{v.value}</textarea>
      <Preview v={v} />
    </fieldset>
  );
}

function ExperienceForm(props: { site: Site; csrf: string; d: ExperienceDraft; audiences: Audience[]; creating: boolean; error?: string }) {
  const { d, site } = props;
  const variants = d.variants.length ? d.variants : [blankVariant(0), blankVariant(1)];
  const action = props.creating ? dash(site.key, 'experiences/new') : dash(site.key, `experiences/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required value={d.name} /></div>
        {props.creating && <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} placeholder="hero-test" /></div>}
        <div>
          <label for="slot">Slot</label>
          <input id="slot" name="slot" type="text" required value={d.slot} placeholder="hero" />
          <p class="hint">The element marked <code>data-attune-slot="…"</code> on the page.</p>
        </div>
      </div>
      <div class="row">
        <div>
          <label for="audience">Audience</label>
          <select id="audience" name="audience">
            <option value="">Everyone</option>
            {props.audiences.map((a) => <option value={a.id} selected={d.audience === a.id}>{a.name}</option>)}
          </select>
        </div>
        <div>
          <label for="mode">Mode</label>
          <select id="mode" name="mode">
            <option value="split" selected={d.mode === 'split'}>split: fixed weights</option>
            <option value="bandit" selected={d.mode === 'bandit'}>bandit: shift traffic to the winner</option>
          </select>
        </div>
        <div><label for="priority">Priority</label><input id="priority" name="priority" type="number" min={-1000} max={1000} value={d.priority} /></div>
        {props.creating && (
          <div>
            <label for="status">Status</label>
            <select id="status" name="status">
              <option value="draft" selected={d.status === 'draft'}>draft</option>
              <option value="running" selected={d.status === 'running'}>running (start now)</option>
            </select>
          </div>
        )}
      </div>
      <label for="traffic">Traffic allocation</label>
      <input id="traffic" name="traffic" type="range" min={0} max={100} step={1} value={d.traffic} aria-describedby="traffic-hint" />{' '}
      <output for="traffic" data-traffic-out>{d.traffic}%</output>
      <p class="hint" id="traffic-hint">Share of eligible visitors who enter the experience; the rest see the default.</p>
      <p class="hint">Site holdout: {Math.round((site.holdout ?? SITE_DEFAULTS.holdout) * 100)}% of all visitors see only defaults (<a href={dash(site.key, 'settings')}>Settings</a>).</p>
      <label for="goals">Goals (one event name per line)</label>
      <textarea id="goals" name="goals" rows={2} placeholder="Add to cart">{d.goals}</textarea>
      <h3>Variants</h3>
      <div data-variant-rows>{variants.map((v, i) => <VariantRow v={v} i={i} />)}</div>
      <div class="actions">
        <button type="submit" name="action" value="add" class="secondary">Add variant</button>
        <button type="submit" name="action" value="save">{props.creating ? 'Create experience' : 'Save changes'}</button>
      </div>
    </form>
  );
}

function StatusActions(props: { site: string; x: Experience; csrf: string }) {
  const { x } = props;
  const next: [string, string][] =
    x.status === 'running' ? [['paused', 'Pause'], ['ended', 'End']] : x.status === 'ended' ? [['running', 'Restart']] : [['running', 'Start'], ['ended', 'End']];
  return (
    <div class="actions">
      <span>Status: <span class={`pill ${x.status}`}>{x.status}</span></span>
      {next.map(([status, label]) => (
        <form method="post" action={dash(props.site, `experiences/${encodeURIComponent(x.id)}/status`)}>
          <Csrf token={props.csrf} />
          <input type="hidden" name="status" value={status} />
          <button type="submit" class={status === 'running' ? '' : 'secondary'}>{label}</button>
        </form>
      ))}
      <a class="button secondary" href={dash(props.site, `experiences/${encodeURIComponent(x.id)}/results`)}>Results</a>
    </div>
  );
}

interface EditorExtra {
  error?: string;
  status?: 200 | 400;
  preview?: { url?: string; token: string; expiresAt: number } | null;
}

async function editor(c: Context<DashEnv>, site: Site, d: ExperienceDraft, creating: boolean, x: Experience | null, extra: EditorExtra = {}) {
  const auds = await api<{ audiences: Audience[] }>(c, `${sitePath(site.key)}/audiences`);
  const csrf = c.get('csrf');
  return render(
    c,
    `${creating ? 'New experience' : d.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'experiences')}>Experiences</a> / {creating ? 'new' : d.id}</p>
      <h1>{creating ? 'New experience' : x?.name ?? d.name}</h1>
      {x && <StatusActions site={site.key} x={x} csrf={csrf} />}
      <div class="card"><ExperienceForm site={site} csrf={csrf} d={d} audiences={auds.ok ? auds.body.audiences : []} creating={creating} error={extra.error} /></div>
      {x && (
        <div class="card">
          <h2 style="margin-top:0">Preview link</h2>
          <p class="hint">A signed link that shows one variant (even of a draft) to whoever opens it, without changing anyone's assignment.</p>
          <form method="post" action={dash(site.key, `experiences/${encodeURIComponent(x.id)}/preview`)}>
            <Csrf token={csrf} />
            <div class="row">
              <div><label for="pv-variant">Variant</label><select id="pv-variant" name="variant">{x.variants.map((v) => <option value={v.key}>{v.name ?? v.key}</option>)}</select></div>
              <div><label for="pv-url">Page URL</label><input id="pv-url" name="url" type="url" required placeholder={site.origins[0] ? `${site.origins[0]}/` : 'https://shop.example/'} /></div>
              <div class="end"><button type="submit" class="secondary">Make preview link</button></div>
            </div>
          </form>
          {extra.preview?.url && (
            <p>Link (valid until {new Date(extra.preview.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC): <a href={extra.preview.url} rel="noopener noreferrer" target="_blank"><code>{extra.preview.url}</code></a></p>
          )}
        </div>
      )}
      {x && (
        <form method="post" action={dash(site.key, `experiences/${encodeURIComponent(x.id)}/delete`)} class="actions danger-zone" data-confirm="Delete this experience and its settings?">
          <Csrf token={csrf} />
          <button type="submit" class="danger">Delete experience</button>
        </form>
      )}
    </>,
    { site: site.key, tab: 'experiences', status: extra.status ?? 200 },
  );
}

experiencePages.get('/:site/experiences', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<{ experiences: Experience[] }>(c, `${sitePath(site.key)}/experiences`);
  const list = res.ok ? res.body.experiences : [];
  return render(
    c,
    `Experiences · ${site.name}`,
    <>
      <h1>Experiences</h1>
      <div class="actions"><a class="button" href={dash(site.key, 'experiences/new')}>New experience</a></div>
      {list.length === 0 ? <p class="muted">No experiences yet.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Experience</th><th>Slot</th><th>Status</th><th class="num">Traffic</th><th>Variants</th><th>Mode</th><th></th></tr></thead>
            <tbody>
              {list.map((x) => (
                <tr>
                  <td><a href={dash(site.key, `experiences/${encodeURIComponent(x.id)}`)}><b>{x.name}</b></a><br /><span class="muted">{x.id}</span></td>
                  <td><code>{x.slot}</code></td>
                  <td><span class={`pill ${x.status}`}>{x.status}</span></td>
                  <td class="num">{Math.round(x.traffic * 100)}%</td>
                  <td>{x.variants.map((v) => v.key).join(', ')}</td>
                  <td>{x.mode}</td>
                  <td><a href={dash(site.key, `experiences/${encodeURIComponent(x.id)}/results`)}>Results</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </>,
    { site: site.key, tab: 'experiences' },
  );
});

experiencePages.get('/:site/experiences/new', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const d: ExperienceDraft = { id: '', name: '', slot: '', status: 'draft', traffic: '100', audience: '', priority: '0', mode: 'split', goals: '', variants: [] };
  return editor(c, site, d, true, null);
});

async function loadExperience(c: Context<DashEnv>, site: string): Promise<Experience | null> {
  const res = await api<Experience>(c, expPath(site, c.req.param('id') ?? ''));
  return res.ok ? res.body : null;
}

experiencePages.get('/:site/experiences/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const x = await loadExperience(c, site.key);
  if (!x) return render(c, 'Not found', <p>No such experience.</p>, { site: site.key, tab: 'experiences', status: 404 });
  return editor(c, site, draftOf(x), false, x);
});

async function submit(c: Context<DashEnv>, creating: boolean) {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const form = await c.req.parseBody();
  const d = draftFromForm(form);
  const x = creating ? null : await loadExperience(c, site.key);
  if (!creating && !x) return c.text('No such experience.', 404);
  if (x) d.id = x.id;
  if (field(form, 'action') === 'add') return editor(c, site, { ...d, variants: [...d.variants, blankVariant(d.variants.length)] }, creating, x);
  const res = await api<Experience>(c, creating ? `${sitePath(site.key)}/experiences` : expPath(site.key, d.id), {
    method: creating ? 'POST' : 'PATCH',
    body: bodyOf(d, creating),
  });
  if (!res.ok) return editor(c, site, d, creating, x, { error: errorMessage(res.body), status: 400 });
  return c.redirect(dash(site.key, `experiences/${encodeURIComponent(res.body.id)}`), 303);
}

experiencePages.post('/:site/experiences/new', (c) => submit(c, true));
experiencePages.post('/:site/experiences/:id', (c) => submit(c, false));

experiencePages.post('/:site/experiences/:id/status', async (c) => {
  const key = c.req.param('site');
  const status = field(await c.req.parseBody(), 'status');
  const res = await api(c, expPath(key, c.req.param('id')), { method: 'PATCH', body: { status } });
  if (!res.ok) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, `experiences/${encodeURIComponent(c.req.param('id'))}`), 303);
});

experiencePages.post('/:site/experiences/:id/preview', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const x = await loadExperience(c, site.key);
  if (!x) return c.text('No such experience.', 404);
  const form = await c.req.parseBody();
  const res = await api<{ url?: string; token: string; expiresAt: number }>(c, `${expPath(site.key, x.id)}/preview`, {
    method: 'POST',
    body: { variant: field(form, 'variant'), url: field(form, 'url') || undefined },
  });
  if (!res.ok) return editor(c, site, draftOf(x), false, x, { error: errorMessage(res.body), status: 400 });
  return editor(c, site, draftOf(x), false, x, { preview: res.body });
});

experiencePages.post('/:site/experiences/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, expPath(key, c.req.param('id')), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'experiences'), 303);
});
