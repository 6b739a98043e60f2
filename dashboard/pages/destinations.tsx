import { Hono, type Context } from 'hono';
import type { Site } from '../../protocol/admin';
import { MOMENT_NAMES, MOMENTS, type Destination, type MomentName } from '../../protocol/destinations';
import { EventType } from '../../protocol/events';
import type { DeliveryRecord } from '../../edge/objects/destination-hub';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, Notice, Scroll, Time } from '../ui';
import { loadSite } from './site';

/**
 * Webhook destinations, at /dashboard/sites/:site/destinations: the list, a form to create or
 * change one — the moments it hears (experience shown, overlay clicked or dismissed), its event
 * filter and the audience changes — its recent deliveries, a test send, and delete. The signing
 * secret is shown once, on the page after create. Everything shown is escaped by JSX.
 */
export const destinationPages = new Hono<DashEnv>();

/** What each moment means, next to its checkbox. */
const MOMENT_HINTS: Record<MomentName, string> = {
  'experience.shown': 'a variant was shown to the visitor (each time)',
  'overlay.clicked': "an overlay's button was pressed: the webhook names the button",
  'overlay.dismissed': 'an overlay was closed without a button',
};

const ON = ['entered', 'exited'] as const;

interface Draft {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  moments: MomentName[];
  eventsOn: boolean;
  types: string[];
  names: string;
  audiencesOn: boolean;
  audienceIds: string;
  on: string[];
  maxAttempts: string;
}

const BLANK: Draft = {
  id: '', name: '', url: '', enabled: true, moments: [], eventsOn: false, types: [], names: '',
  audiencesOn: false, audienceIds: '', on: [...ON], maxAttempts: '8',
};

/** Every value of a repeated form field (checkboxes of one name). */
function all(form: Record<string, unknown>, name: string): string[] {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
}

function readDraft(form: Record<string, unknown>): Draft {
  const one = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
  return {
    id: one('id'),
    name: one('name'),
    url: one('url'),
    enabled: form.enabled === 'on',
    // Any other value is sent on as it came, so the API's answer names it.
    moments: all(form, 'moments') as MomentName[],
    eventsOn: form.eventsOn === 'on',
    types: all(form, 'types'),
    names: typeof form.names === 'string' ? form.names : '',
    audiencesOn: form.audiencesOn === 'on',
    audienceIds: one('audienceIds'),
    on: all(form, 'on'),
    maxAttempts: one('maxAttempts'),
  };
}

function draftOf(d: Destination): Draft {
  return {
    id: d.id, name: d.name, url: d.url, enabled: d.enabled, moments: d.moments ?? [],
    eventsOn: d.events !== null, types: d.events?.types ?? [], names: (d.events?.names ?? []).join('\n'),
    audiencesOn: d.audiences !== null, audienceIds: (d.audiences?.ids ?? []).join(', '), on: d.audiences?.on ?? [...ON],
    maxAttempts: String(d.maxAttempts),
  };
}

/** The API body a draft describes. */
function bodyOf(d: Draft, creating: boolean): Record<string, unknown> {
  const lines = d.names.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const ids = d.audienceIds.split(/[\s,]+/).filter(Boolean);
  const attempts = Number(d.maxAttempts);
  return {
    ...(creating && d.id ? { id: d.id } : {}),
    name: d.name,
    url: d.url,
    enabled: d.enabled,
    moments: d.moments,
    events: d.eventsOn ? { types: d.types, names: lines } : null,
    audiences: d.audiencesOn ? { ids, on: d.on } : null,
    maxAttempts: d.maxAttempts === '' || !Number.isFinite(attempts) ? 8 : attempts,
  };
}

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

function DestinationForm(props: { site: string; csrf: string; draft: Draft; creating: boolean; error?: string }) {
  const d = props.draft;
  const action = props.creating ? dash(props.site, 'destinations/new') : dash(props.site, `destinations/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action} data-destination-form>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required maxlength={200} value={d.name} placeholder="CRM" /></div>
        {props.creating && (
          <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} pattern="[a-z0-9][a-z0-9_\-]{0,62}" placeholder="crm" /></div>
        )}
      </div>
      <label for="url">Webhook URL</label>
      <input id="url" name="url" type="url" required value={d.url} placeholder="https://crm.example/hooks/attune" />
      <p class="hint">A public http(s) address: the edge posts each message to it, signed with the destination's secret.</p>
      <label class="inline"><input type="checkbox" name="enabled" checked={d.enabled} /> Enabled</label>

      <fieldset class="rule">
        <legend><b>Moments</b></legend>
        <p class="hint" style="margin-top:0">
          So another channel can carry the conversation on (a CRM emails the person who pressed an overlay's button). Each webhook
          names the moment, the experience and variant, and who the person is: their identifiers and traits.
        </p>
        {MOMENT_NAMES.map((m) => (
          <div>
            <label class="inline">
              <input type="checkbox" name="moments" value={m} checked={d.moments.includes(m)} /> {MOMENTS[m].label}
            </label>
            <span class="hint"><code>{m}</code> — {MOMENT_HINTS[m]}</span>
          </div>
        ))}
      </fieldset>

      <fieldset class="rule">
        <legend><b>Events</b></legend>
        <label class="inline"><input type="checkbox" name="eventsOn" checked={d.eventsOn} /> Send events that match this filter</label>
        <div>
          {EventType.options.map((t) => (
            <label class="inline"><input type="checkbox" name="types" value={t} checked={d.types.includes(t)} /> {t}</label>
          ))}
        </div>
        <p class="hint">No type ticked: any type.</p>
        <label for="names">Event names (one per line; empty: any name)</label>
        <textarea id="names" name="names" rows={3}>{d.names}</textarea>
      </fieldset>

      <fieldset class="rule">
        <legend><b>Audience changes</b></legend>
        <label class="inline"><input type="checkbox" name="audiencesOn" checked={d.audiencesOn} /> Send audience entered / exited</label>
        <label for="audienceIds">Audience ids (comma-separated; empty: every audience)</label>
        <input id="audienceIds" name="audienceIds" type="text" value={d.audienceIds} placeholder="pricing-fans, on-cart" />
        <div>
          {ON.map((o) => <label class="inline"><input type="checkbox" name="on" value={o} checked={d.on.includes(o)} /> {o}</label>)}
        </div>
      </fieldset>

      <label for="maxAttempts">Attempts before a message becomes a dead letter</label>
      <input id="maxAttempts" name="maxAttempts" type="number" min={1} max={20} value={d.maxAttempts} style="max-width:120px" />
      <div class="actions"><button type="submit">{props.creating ? 'Create destination' : 'Save destination'}</button></div>
    </form>
  );
}

function Deliveries(props: { list: DeliveryRecord[] }) {
  if (props.list.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <Scroll label="Recent deliveries">
      <table>
        <thead><tr><th>When</th><th>Message</th><th>Attempt</th><th>Status</th><th>Outcome</th><th>Error</th></tr></thead>
        <tbody>
          {props.list.map((r) => (
            <tr>
              <td><Time ms={r.at} /></td>
              <td>{r.type}<br /><code>{r.key}</code></td>
              <td class="num">{r.attempt}</td>
              <td class="num">{r.status || '—'}</td>
              <td><span class={`pill ${r.ok ? 'ok' : 'bad'}`}>{r.outcome}</span></td>
              <td>{r.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

async function editor(
  c: Context<DashEnv>,
  site: Site,
  draft: Draft,
  creating: boolean,
  extra: { error?: string; status?: 200 | 400; notice?: { kind: 'ok' | 'bad'; text: string } } = {},
) {
  const path = `${sitePath(site.key)}/destinations/${encodeURIComponent(draft.id)}`;
  const deliveries = creating ? [] : ((await api<{ deliveries: DeliveryRecord[] }>(c, `${path}/deliveries?limit=20`)).body?.deliveries ?? []);
  const dead = creating ? 0 : ((await api<{ deadLetters: unknown[] }>(c, `${path}/dead-letters`)).body?.deadLetters?.length ?? 0);
  const action = (rest: string) => dash(site.key, `destinations/${encodeURIComponent(draft.id)}/${rest}`);
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
          <h2>Deliveries</h2>
          <div class="actions">
            <form method="post" action={action('test')}>
              <Csrf token={c.get('csrf')} />
              <button type="submit" class="secondary">Send a test message</button>
            </form>
            {dead > 0 && (
              <form method="post" action={action('replay')}>
                <Csrf token={c.get('csrf')} />
                <button type="submit" class="secondary">Replay {dead} dead {dead === 1 ? 'letter' : 'letters'}</button>
              </form>
            )}
          </div>
          <Deliveries list={deliveries} />
          <form method="post" action={action('delete')} class="actions danger-zone" data-confirm="Delete this destination, its log and dead letters?">
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

destinationPages.get('/:site/destinations/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<Destination>(c, `${sitePath(site.key)}/destinations/${encodeURIComponent(c.req.param('id'))}`);
  if (!res.ok) return render(c, 'Not found', <p>No such destination.</p>, { site: site.key, tab: 'destinations', status: 404 });
  const saved = c.req.query('saved') === '1' ? { kind: 'ok' as const, text: 'Saved.' } : undefined;
  return editor(c, site, draftOf(res.body), false, { notice: saved });
});

destinationPages.post('/:site/destinations/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = { ...readDraft(await c.req.parseBody({ all: true })), id: c.req.param('id') };
  const res = await api<Destination>(c, `${sitePath(site.key)}/destinations/${encodeURIComponent(draft.id)}`, { method: 'PATCH', body: bodyOf(draft, false) });
  if (!res.ok) return editor(c, site, draft, false, { error: errorMessage(res.body), status: 400 });
  return c.redirect(dash(site.key, `destinations/${encodeURIComponent(res.body.id)}?saved=1`), 303);
});

/** Loads the stored destination for a page that acts on it (test, replay). */
async function stored(c: Context<DashEnv>, site: Site): Promise<Draft | Response> {
  const res = await api<Destination>(c, `${sitePath(site.key)}/destinations/${encodeURIComponent(c.req.param('id') ?? '')}`);
  if (!res.ok) return render(c, 'Not found', <p>No such destination.</p>, { site: site.key, tab: 'destinations', status: 404 });
  return draftOf(res.body);
}

destinationPages.post('/:site/destinations/:id/test', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = await stored(c, site);
  if (draft instanceof Response) return draft;
  const res = await api<{ delivered: boolean; status: number; error: string | null }>(
    c, `${sitePath(site.key)}/destinations/${encodeURIComponent(draft.id)}/test`, { method: 'POST' },
  );
  const notice = !res.ok
    ? { kind: 'bad' as const, text: errorMessage(res.body) }
    : res.body.delivered
      ? { kind: 'ok' as const, text: `Test message delivered: the receiver answered ${res.body.status}.` }
      : { kind: 'bad' as const, text: `Test message not delivered: ${res.body.error ?? `the receiver answered ${res.body.status}`}.` };
  return editor(c, site, draft, false, { notice });
});

destinationPages.post('/:site/destinations/:id/replay', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = await stored(c, site);
  if (draft instanceof Response) return draft;
  const res = await api<{ replayed: string[] }>(c, `${sitePath(site.key)}/destinations/${encodeURIComponent(draft.id)}/dead-letters/replay`, { method: 'POST' });
  const notice = res.ok
    ? { kind: 'ok' as const, text: `${res.body.replayed.length} dead ${res.body.replayed.length === 1 ? 'letter' : 'letters'} sent again.` }
    : { kind: 'bad' as const, text: errorMessage(res.body) };
  return editor(c, site, draft, false, { notice });
});

destinationPages.post('/:site/destinations/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, `${sitePath(key)}/destinations/${encodeURIComponent(c.req.param('id'))}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'destinations'), 303);
});
