import { Hono, type Context } from 'hono';
import { SITE_DEFAULTS, type Experience, type Site, type Slot } from '../../protocol/admin';
import type { Audience } from '../../protocol/audience';
import type { SiteFields } from '../../edge/admin/fields';
import { api, errorMessage, sitePath } from '../api';
import {
  blankVariant, bodyOf, contentTypesFor, draftFromForm, draftOf, PLACEHOLDERS, type ExperienceDraft, type Target, type VariantDraft,
} from '../experience-form';
import type { DashEnv } from '../guard';
import { render, securityHeaders } from '../render';
import { Csrf, dash, field, Notice, Scroll } from '../ui';
import { loadSite } from './site';

/** Experiences: list, editor with variant previews, start / pause / end, preview links. Mounted at /dashboard/sites. */
export const experiencePages = new Hono<DashEnv>();

const expPath = (site: string, id: string) => `${sitePath(site)}/experiences/${encodeURIComponent(id)}`;

/** Variant HTML is shown in a sandboxed frame without scripts, never in the dashboard's own origin. */
function Preview(props: { v: VariantDraft }) {
  const { v } = props;
  if (!v.type) return <p class="hint" data-for-type="">Shows the default content (the page as it is).</p>;
  if (v.type !== 'html') return null;
  return (
    <>
      <p class="hint" data-preview-hint>Preview (sandboxed: no scripts, no forms, no same-origin access):</p>
      <iframe class="preview" sandbox="" srcdoc={v.value} title={`Preview of ${v.key}`} referrerpolicy="no-referrer"></iframe>
    </>
  );
}

function VariantRow(props: { v: VariantDraft; i: number }) {
  const { v, i } = props;
  const id = (n: string) => `v${i}-${n}`;
  const name = (n: string) => `v${i}.${n}`;
  const group = (target: Target, label: string) => (
    <optgroup label={label} data-target-group={target}>
      {contentTypesFor(target).map(([t, text]) => <option value={t} selected={v.type === t}>{text}</option>)}
    </optgroup>
  );
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
      <select id={id('type')} name={name('type')} style="max-width:320px" data-content-type>
        <option value="" selected={v.type === ''}>default content (no change)</option>
        {group('slot', 'In a slot')}
        {group('page', 'On a page')}
      </select>
      <div data-value-box>
        <label for={id('value')} class="visually-hidden">Content of variant {i + 1}</label>
        <textarea id={id('value')} name={name('value')} class="code" rows={v.type === 'changes' ? 7 : 4} placeholder={PLACEHOLDERS[v.type || 'html']} data-placeholders={JSON.stringify(PLACEHOLDERS)} data-content-value>
          {v.type === 'redirect' ? '' : v.value}
        </textarea>
        <p class="hint" data-for-type="changes">
          Changes: <code>{'{"value": [...], "css": "..."}'}</code>; each change names a <code>selector</code> and sets one of{' '}
          <code>text</code>, <code>html</code>, <code>attrs</code> (href, src, alt, title, class, style …) or <code>"hide": true</code>.
          All of them apply together, or none (when an element is missing).
        </p>
      </div>
      <div data-url-box>
        <label for={id('url')}>Redirect to <span class="muted">(a redirect variant)</span></label>
        <input id={id('url')} name={name('url')} type="text" inputmode="url" value={v.type === 'redirect' ? v.value : ''} placeholder={PLACEHOLDERS.redirect} />
      </div>
      <Preview v={v} />
    </fieldset>
  );
}

/** A slot name to pick: the declared ones (with their selector) and those the edge saw in exposures. */
interface SlotOption {
  name: string;
  label: string;
}

function ExperienceForm(props: { site: Site; csrf: string; d: ExperienceDraft; audiences: Audience[]; slots: SlotOption[]; creating: boolean; error?: string }) {
  const { d, site } = props;
  const variants = d.variants.length ? d.variants : [blankVariant(0, d.target), blankVariant(1, d.target)];
  const action = props.creating ? dash(site.key, 'experiences/new') : dash(site.key, `experiences/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required value={d.name} /></div>
        {props.creating && <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} placeholder="hero-test" /></div>}
      </div>
      <fieldset class="rule" data-target-choice>
        <legend><b>What it changes</b></legend>
        {/* Labels without the word "slot": the slot box below is the one labelled so. */}
        <label class="inline"><input type="radio" name="target" value="slot" checked={d.target === 'slot'} /> one element's content</label>
        <label class="inline"><input type="radio" name="target" value="page" checked={d.target === 'page'} /> pages: any of their elements, or a redirect to another page</label>
        <div class="row">
          <div data-target="slot">
            <label for="slot">Slot</label>
            <input id="slot" name="slot" type="text" list="slot-options" value={d.slot} placeholder="hero" autocomplete="off" />
            <p class="hint">
              A slot declared on the <a href={dash(site.key, 'slots')}>Slots</a> page, or an element marked <code>data-attune-slot="…"</code> in the page.
            </p>
            <datalist id="slot-options">{props.slots.map((o) => <option value={o.name} label={o.label} />)}</datalist>
          </div>
          <div data-target="page">
            <label for="page">Pages (URL pattern)</label>
            <input id="page" name="page" type="text" value={d.page} placeholder="/pricing, /blog/* or *" />
            <p class="hint">The pages it changes: <code>/pricing</code>, everything under <code>/blog/*</code>, or <code>*</code> for every page.</p>
          </div>
        </div>
      </fieldset>
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

interface PreviewLink {
  url?: string;
  token: string;
  expiresAt: number;
}

interface EditorExtra {
  error?: string;
  status?: 200 | 400;
  /** A preview link just made, and for which variant. */
  preview?: (PreviewLink & { variant: string }) | null;
  /** Why no preview link was made. */
  previewError?: string;
  /** Why "Edit on my site" did not open the editor. */
  editError?: string;
  /** The page URL typed in the preview or editor-link form, shown again. */
  url?: string;
}

/** The origin of the site's pages: its first allowed origin, else its first proxy host. */
function siteOrigin(site: Site): string | null {
  if (site.origins[0]) return site.origins[0];
  const host = site.proxyHosts?.[0];
  return host ? `https://${host}` : null;
}

/** The page to open by default: the experience's page pattern when it is one literal path, else the home page. */
export function defaultPageUrl(site: Site, x: Pick<Experience, 'page'> | null): string {
  const origin = siteOrigin(site);
  if (!origin) return '';
  const path = x?.page && x.page.startsWith('/') && !x.page.includes('*') ? x.page : '/';
  return origin + path;
}

/** The site's origins, as CSP sources for the page that frames and opens its pages (any port of a proxy host). */
function siteSources(site: Site): string[] {
  return [...site.origins, ...(site.proxyHosts ?? []).flatMap((h) => [`https://${h}:*`, `http://${h}:*`])];
}

const until = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The site's real page showing one variant, through its signed preview link. Framed with scripts
 * on (the page needs its own) but never with allow-same-origin: the page runs in an opaque origin,
 * with no access to the dashboard's origin, cookies or storage.
 */
function RealPreview(props: { p: PreviewLink & { variant: string } }) {
  const { p } = props;
  if (!p.url) return null;
  return (
    <div data-real-preview-out>
      <p>
        Variant <b>{p.variant}</b> on the page (link valid until {until(p.expiresAt)}):{' '}
        <a href={p.url} rel="noopener noreferrer" target="_blank">open it in a new tab</a>
      </p>
      <p class="hint"><code>{p.url}</code></p>
      <iframe class="real-preview" sandbox="allow-scripts" src={p.url} title={`The page with variant ${p.variant}`} referrerpolicy="no-referrer" loading="lazy"></iframe>
    </div>
  );
}

function PreviewCard(props: { site: Site; x: Experience; csrf: string; extra: EditorExtra }) {
  const { site, x, extra } = props;
  const url = extra.url ?? defaultPageUrl(site, x);
  return (
    <div class="card" data-real-preview>
      <h2 style="margin-top:0">Preview on the real page</h2>
      <p class="hint">
        A signed link shows one variant (even of a draft) to whoever opens it, without changing anyone's assignment. Shown here in a
        sandboxed frame: the page's scripts run, but in an origin of their own (no cookies or storage), so a page that needs them, or
        that refuses to be framed, is best opened in a new tab.
      </p>
      <form method="post" action={dash(site.key, `experiences/${encodeURIComponent(x.id)}/preview`)} data-real-preview-form>
        <Csrf token={props.csrf} />
        {extra.previewError && <Notice kind="bad">{extra.previewError}</Notice>}
        <label for="pv-url">Page to preview on</label>
        <input id="pv-url" name="url" type="url" required value={url} placeholder="https://shop.example/" />
        <div class="actions">
          {x.variants.map((v) => (
            <button type="submit" name="variant" value={v.key} class="secondary">Preview {v.name ?? v.key}</button>
          ))}
        </div>
      </form>
      <div data-real-preview-slot aria-live="polite">{extra.preview && <RealPreview p={extra.preview} />}</div>
    </div>
  );
}

function EditOnSiteCard(props: { site: Site; x: Experience; csrf: string; extra: EditorExtra }) {
  const { site, x, extra } = props;
  const editable = x.status === 'draft' || x.status === 'paused';
  return (
    <div class="card" id="edit-on-site">
      <h2 style="margin-top:0">Edit on my site</h2>
      {!editable ? (
        <p class="muted">
          This experience is {x.status}: {x.status === 'running' ? 'pause it to edit it on the page.' : 'only a draft or paused experience can be edited on the page.'}
        </p>
      ) : (
        <>
          <p class="hint">
            Opens your page with the visual editor (a link that works for an hour): click an element to make it a slot or to change it
            for a variant, then save. Only this site's draft and paused experiences can be edited there.
          </p>
          <form method="post" action={dash(site.key, `experiences/${encodeURIComponent(x.id)}/edit-on-site`)}>
            <Csrf token={props.csrf} />
            {extra.editError && <Notice kind="bad">{extra.editError}</Notice>}
            <div class="row">
              <div>
                <label for="edit-url">Page to edit</label>
                <input id="edit-url" name="url" type="url" required value={extra.editError ? extra.url ?? '' : defaultPageUrl(site, x)} placeholder="https://shop.example/" />
                <p class="hint">A page of one of the site's allowed origins or proxy hosts (<a href={dash(site.key, 'settings')}>Settings</a>).</p>
              </div>
              <div class="end"><button type="submit">Edit on my site</button></div>
            </div>
          </form>
        </>
      )}
    </div>
  );
}

/** The slot picker's options: declared slots first (with their selector), then names seen in exposures. */
async function slotOptions(c: Context<DashEnv>, site: string): Promise<SlotOption[]> {
  const [declared, seen] = await Promise.all([api<{ slots: Slot[] }>(c, `${sitePath(site)}/slots`), api<SiteFields>(c, `${sitePath(site)}/fields`)]);
  const out: SlotOption[] = (declared.ok ? declared.body.slots : []).map((s) => ({
    name: s.name,
    label: `declared: ${s.selector}${s.urlPattern ? ` on ${s.urlPattern}` : ''}`,
  }));
  const names = new Set(out.map((o) => o.name));
  for (const name of seen.ok ? seen.body.slots : []) if (!names.has(name)) out.push({ name, label: 'seen on the site (data-attune-slot)' });
  return out;
}

async function editor(c: Context<DashEnv>, site: Site, d: ExperienceDraft, creating: boolean, x: Experience | null, extra: EditorExtra = {}) {
  const [auds, slots] = await Promise.all([api<{ audiences: Audience[] }>(c, `${sitePath(site.key)}/audiences`), slotOptions(c, site.key)]);
  const csrf = c.get('csrf');
  return render(
    c,
    `${creating ? 'New experience' : d.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'experiences')}>Experiences</a> / {creating ? 'new' : d.id}</p>
      <h1>{creating ? 'New experience' : x?.name ?? d.name}</h1>
      {x && <StatusActions site={site.key} x={x} csrf={csrf} />}
      <div class="card">
        <ExperienceForm site={site} csrf={csrf} d={d} audiences={auds.ok ? auds.body.audiences : []} slots={slots} creating={creating} error={extra.error} />
      </div>
      {x && <EditOnSiteCard site={site} x={x} csrf={csrf} extra={extra} />}
      {x && <PreviewCard site={site} x={x} csrf={csrf} extra={extra} />}
      {x && (
        <form method="post" action={dash(site.key, `experiences/${encodeURIComponent(x.id)}/delete`)} class="actions danger-zone" data-confirm="Delete this experience and its settings?">
          <Csrf token={csrf} />
          <button type="submit" class="danger">Delete experience</button>
        </form>
      )}
    </>,
    { site: site.key, tab: 'experiences', status: extra.status ?? 200, external: siteSources(site) },
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
            <thead><tr><th>Experience</th><th>Changes</th><th>Status</th><th class="num">Traffic</th><th>Variants</th><th>Mode</th><th></th></tr></thead>
            <tbody>
              {list.map((x) => (
                <tr>
                  <td><a href={dash(site.key, `experiences/${encodeURIComponent(x.id)}`)}><b>{x.name}</b></a><br /><span class="muted">{x.id}</span></td>
                  <td>{x.page != null ? <>page <code>{x.page}</code></> : <>slot <code>{x.slot}</code></>}</td>
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
  const d: ExperienceDraft = { id: '', name: '', slot: '', target: 'slot', page: '', status: 'draft', traffic: '100', audience: '', priority: '0', mode: 'split', goals: '', variants: [] };
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
  if (field(form, 'action') === 'add') return editor(c, site, { ...d, variants: [...d.variants, blankVariant(d.variants.length, d.target)] }, creating, x);
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

/**
 * A preview link for one variant: the editor again with the link and the sandboxed frame, or, for
 * the client script (Accept: application/json), `{variant, url, expiresAt}` or `{error}`.
 */
experiencePages.post('/:site/experiences/:id/preview', async (c) => {
  const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const x = await loadExperience(c, site.key);
  if (!x) return wantsJson ? c.json({ error: 'No such experience.' }, 404) : c.text('No such experience.', 404);
  const form = await c.req.parseBody();
  const variant = field(form, 'variant');
  const url = field(form, 'url');
  const res = await api<PreviewLink>(c, `${expPath(site.key, x.id)}/preview`, { method: 'POST', body: { variant, url: url || undefined } });
  if (wantsJson) {
    securityHeaders(c);
    return res.ok ? c.json({ variant, url: res.body.url ?? null, expiresAt: res.body.expiresAt }) : c.json({ error: errorMessage(res.body) }, 400);
  }
  if (!res.ok) return editor(c, site, draftOf(x), false, x, { previewError: errorMessage(res.body), status: 400, url });
  return editor(c, site, draftOf(x), false, x, { preview: { ...res.body, variant }, url });
});

/** "Edit on my site": a signed editor link for the site's page, and the browser sent there (303). */
experiencePages.post('/:site/experiences/:id/edit-on-site', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const x = await loadExperience(c, site.key);
  if (!x) return c.text('No such experience.', 404);
  const url = field(await c.req.parseBody(), 'url');
  const res = await api<{ url: string; expiresAt: number }>(c, `${sitePath(site.key)}/editor-links`, { method: 'POST', body: { url, experience: x.id } });
  if (!res.ok || !/^https?:\/\//.test(res.body.url)) {
    return editor(c, site, draftOf(x), false, x, { editError: res.ok ? 'The editor link is not a web page.' : errorMessage(res.body), url, status: 400 });
  }
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  return c.redirect(res.body.url, 303);
});

experiencePages.post('/:site/experiences/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, expPath(key, c.req.param('id')), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'experiences'), 303);
});
