import { Hono, type Context } from 'hono';
import type { Experience, Site } from '../../protocol/admin';
import type { Audience } from '../../protocol/audience';
import { api, errorMessage, sitePath } from '../api';
import { blankVariant, bodyOf, draftFromForm, draftOf, type ExperienceDraft } from '../experience-form';
import { triggerDraftOf } from '../overlay-form';
import type { DashEnv } from '../guard';
import { render, securityHeaders } from '../render';
import { ExperienceList, liveResults } from '../experience-list';
import { Csrf, dash, field } from '../ui';
import { ExperienceForm, pickerOptions, StatusActions } from './experience-fields';
import { EditOnSiteCard, PreviewCard, siteSources, type EditorExtra, type PreviewLink } from './experience-on-site';
import { loadSite } from './site';

/** Experiences: the list, the editor page (its form: ./experience-fields.tsx; the real-page preview and "Edit on my site": ./experience-on-site.tsx), start / pause / end and the routes behind each. Mounted at /dashboard/sites. */
export const experiencePages = new Hono<DashEnv>();

const expPath = (site: string, id: string) => `${sitePath(site)}/experiences/${encodeURIComponent(id)}`;

async function editor(c: Context<DashEnv>, site: Site, d: ExperienceDraft, creating: boolean, x: Experience | null, extra: EditorExtra = {}) {
  const [auds, picks] = await Promise.all([api<{ audiences: Audience[] }>(c, `${sitePath(site.key)}/audiences`), pickerOptions(c, site.key)]);
  const csrf = c.get('csrf');
  return render(
    c,
    `${creating ? 'New experience' : d.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'experiences')}>Experiences</a> / {creating ? 'new' : d.id}</p>
      <h1>{creating ? 'New experience' : x?.name ?? d.name}</h1>
      {x && <StatusActions site={site.key} x={x} csrf={csrf} />}
      <div class="card">
        <ExperienceForm site={site} csrf={csrf} d={d} audiences={auds.ok ? auds.body.audiences : []} slots={picks.slots} events={picks.events} creating={creating} error={extra.error} />
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
    { site: site.key, tab: 'experiences', status: extra.status ?? 200, external: siteSources(site), images: true },
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
      {list.length === 0 ? <p class="muted">No experiences yet.</p> : <ExperienceList site={site.key} list={list} results={await liveResults(c, site.key, list)} />}
    </>,
    { site: site.key, tab: 'experiences' },
  );
});

experiencePages.get('/:site/experiences/new', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const d: ExperienceDraft = { id: '', name: '', slot: '', target: 'slot', page: '', trigger: triggerDraftOf(null, null), status: 'draft', traffic: '100', audience: '', priority: '0', mode: 'split', goals: '', variants: [] };
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
