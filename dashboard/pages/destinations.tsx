import { Hono, type Context } from 'hono';
import type { Site } from '../../protocol/admin';
import { MOMENTS, type Destination } from '../../protocol/destinations';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, Notice, Scroll } from '../ui';
import { deliveryLog, Deliveries, destPath, replayDeadLetters, sendTest, type EditorNotice } from './destination-deliveries';
import { BLANK, bodyOf, DestinationForm, draftOf, readDraft, type Draft } from './destination-fields';
import { loadSite } from './site';

/**
 * Webhook destinations, at /dashboard/sites/:site/destinations: the list, the page to create or
 * change one (its form — the moments it hears, its event filter and the audience changes —:
 * ./destination-fields.tsx; its recent deliveries, test send and dead-letter replay:
 * ./destination-deliveries.tsx), and delete. The signing secret is shown once, on the page after
 * create. Everything shown is escaped by JSX.
 */
export const destinationPages = new Hono<DashEnv>();

/** One line saying what a destination hears, for the list. */
function hears(d: Destination): string {
  const parts: string[] = (d.moments ?? []).map((m) => MOMENTS[m]?.label ?? m);
  if (d.events) {
    const what = [d.events.types.length ? d.events.types.join('/') : '', d.events.names.length ? d.events.names.join(', ') : ''].filter(Boolean).join(': ');
    parts.push(`events${what ? ` (${what})` : ' (all)'}`);
  }
  if (d.audiences) parts.push(`audiences ${d.audiences.on.join('/')}${d.audiences.ids.length ? ` (${d.audiences.ids.join(', ')})` : ' (all)'}`);
  return parts.join('; ') || 'nothing';
}

async function editor(
  c: Context<DashEnv>,
  site: Site,
  draft: Draft,
  creating: boolean,
  extra: { error?: string; status?: 200 | 400; notice?: EditorNotice } = {},
) {
  const log = creating ? { deliveries: [], dead: 0 } : await deliveryLog(c, site.key, draft.id);
  return render(
    c,
    `${creating ? 'New destination' : draft.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'destinations')}>Destinations</a> / {creating ? 'new' : draft.id}</p>
      <h1>{creating ? 'New destination' : draft.name}</h1>
      {extra.notice && <Notice kind={extra.notice.kind}>{extra.notice.text}</Notice>}
      <DestinationForm site={site.key} csrf={c.get('csrf')} draft={draft} creating={creating} error={extra.error} />
      {!creating && (
        <>
          <Deliveries site={site.key} id={draft.id} csrf={c.get('csrf')} deliveries={log.deliveries} dead={log.dead} />
          <form method="post" action={dash(site.key, `destinations/${encodeURIComponent(draft.id)}/delete`)} class="actions danger-zone" data-confirm="Delete this destination, its log and dead letters?">
            <Csrf token={c.get('csrf')} />
            <button type="submit" class="danger">Delete destination</button>
          </form>
        </>
      )}
    </>,
    { site: site.key, tab: 'destinations', status: extra.status ?? 200 },
  );
}

destinationPages.get('/:site/destinations', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<{ destinations: Destination[] }>(c, `${sitePath(site.key)}/destinations`);
  const list = res.ok ? res.body.destinations : [];
  return render(
    c,
    `Destinations · ${site.name}`,
    <>
      <h1>Destinations</h1>
      <p>
        Webhooks that hear, in real time, the moments, events and audience changes you pick — so a CRM can follow up by email when
        someone presses an overlay's button.
      </p>
      <div class="actions"><a class="button" href={dash(site.key, 'destinations/new')}>New destination</a></div>
      {list.length === 0 ? <p class="muted">No destinations yet.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Destination</th><th>URL</th><th>Hears</th><th>State</th></tr></thead>
            <tbody>
              {list.map((d) => (
                <tr>
                  <td><a href={dash(site.key, `destinations/${encodeURIComponent(d.id)}`)}><b>{d.name}</b></a><br /><span class="muted">{d.id}</span></td>
                  <td><code>{d.url}</code></td>
                  <td>{hears(d)}</td>
                  <td><span class={`pill ${d.enabled ? 'ok' : 'ended'}`}>{d.enabled ? 'enabled' : 'disabled'}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </>,
    { site: site.key, tab: 'destinations' },
  );
});

destinationPages.get('/:site/destinations/new', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  return editor(c, site, BLANK, true);
});

destinationPages.post('/:site/destinations/new', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = readDraft(await c.req.parseBody({ all: true }));
  const res = await api<Destination & { secret: string }>(c, `${sitePath(site.key)}/destinations`, { method: 'POST', body: bodyOf(draft, true) });
  if (!res.ok) return editor(c, site, draft, true, { error: errorMessage(res.body), status: 400 });
  // The secret is shown this once: on this page, not after a redirect.
  const d = res.body;
  return render(
    c,
    `${d.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'destinations')}>Destinations</a> / {d.id}</p>
      <h1>{d.name}</h1>
      <Notice kind="ok">Destination created. Copy its signing secret now: it is not shown again.</Notice>
      <label for="secret">Signing secret</label>
      <input id="secret" type="text" readonly value={d.secret} />
      <div class="actions">
        <button type="button" data-copy="secret">Copy</button>
        <span class="muted" data-copy-status="secret" aria-live="polite"></span>
        <a class="button secondary" href={dash(site.key, `destinations/${encodeURIComponent(d.id)}`)}>Go to the destination</a>
      </div>
      <p class="hint">
        Check <code>X-Attune-Signature: t=…,v1=…</code> — hex HMAC-SHA256(secret, t + "." + body) — on every webhook, and drop
        repeats by <code>X-Attune-Idempotency-Key</code>.
      </p>
    </>,
    { site: site.key, tab: 'destinations', status: 201 },
  );
});

/** Loads the stored destination for its editor and the pages that act on it (test, replay); else "Not found". */
async function stored(c: Context<DashEnv>, site: Site): Promise<Draft | Response> {
  const res = await api<Destination>(c, destPath(site.key, c.req.param('id') ?? ''));
  if (!res.ok) return render(c, 'Not found', <p>No such destination.</p>, { site: site.key, tab: 'destinations', status: 404 });
  return draftOf(res.body);
}

destinationPages.get('/:site/destinations/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = await stored(c, site);
  if (draft instanceof Response) return draft;
  const saved = c.req.query('saved') === '1' ? { kind: 'ok' as const, text: 'Saved.' } : undefined;
  return editor(c, site, draft, false, { notice: saved });
});

destinationPages.post('/:site/destinations/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = { ...readDraft(await c.req.parseBody({ all: true })), id: c.req.param('id') };
  const res = await api<Destination>(c, destPath(site.key, draft.id), { method: 'PATCH', body: bodyOf(draft, false) });
  if (!res.ok) return editor(c, site, draft, false, { error: errorMessage(res.body), status: 400 });
  return c.redirect(dash(site.key, `destinations/${encodeURIComponent(res.body.id)}?saved=1`), 303);
});

/** Test and replay: each does its call, then shows the editor with what it did. */
for (const [act, run] of [['test', sendTest], ['replay', replayDeadLetters]] as const) {
  destinationPages.post(`/:site/destinations/:id/${act}`, async (c) => {
    const site = await loadSite(c);
    if (site instanceof Response) return site;
    const draft = await stored(c, site);
    if (draft instanceof Response) return draft;
    return editor(c, site, draft, false, { notice: await run(c, site.key, draft.id) });
  });
}

destinationPages.post('/:site/destinations/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, destPath(key, c.req.param('id')), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'destinations'), 303);
});
