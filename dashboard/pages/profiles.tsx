import { Hono, type Context } from 'hono';
import type { FeedEvent, StoredEvent } from '../../protocol/events';
import type { ProfileSnapshot } from '../../protocol/profile';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice, Pager, Scroll, Time } from '../ui';
import { loadSite } from './site';

/** Profiles: search by identifier, identity graph with merge undo, journey, traits, export, delete. Mounted at /dashboard/sites. */
export const profilePages = new Hono<DashEnv>();

const KINDS = [
  ['email', 'Email'],
  ['user', 'User id'],
  ['anon', 'Anonymous id'],
  ['profile', 'Profile id'],
  ['phone', 'Phone'],
  ['raw', 'Other (type:value)'],
] as const;

const PAGE = 50;

/** The admin API's `:ref` for a search: `email:…`, `user:…`, `anon:…`, `p_…`, `phone:…` or as typed. */
export function refFor(kind: string, q: string): string {
  if (kind === 'profile' || kind === 'raw') return q;
  return `${kind}:${q}`;
}

const profPath = (site: string, ref: string) => `${sitePath(site)}/profiles/${encodeURIComponent(ref)}`;
const profDash = (site: string, ref: string, rest = '') => dash(site, `profiles/${encodeURIComponent(ref)}${rest}`);

profilePages.get('/:site/profiles', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const kind = KINDS.some(([k]) => k === c.req.query('kind')) ? (c.req.query('kind') as string) : 'email';
  const q = (c.req.query('q') ?? '').trim().slice(0, 300);
  let problem = '';
  if (q) {
    const res = await api<ProfileSnapshot & { audiences?: string[] }>(c, profPath(site.key, refFor(kind, q)));
    if (res.ok) return c.redirect(profDash(site.key, res.body.profileId), 303);
    problem = res.status === 404 ? `No profile for ${refFor(kind, q)}.` : errorMessage(res.body);
  }
  const feed = await api<{ events: FeedEvent[] }>(c, `${sitePath(site.key)}/events?limit=200`);
  const recent = new Map<string, FeedEvent>();
  for (const e of feed.ok ? feed.body.events : []) if (!recent.has(e.profileId) && recent.size < 20) recent.set(e.profileId, e);
  const deleted = c.req.query('deleted');
  return render(
    c,
    `Profiles · ${site.name}`,
    <>
      <h1>Profiles</h1>
      {deleted && <Notice kind="ok">Deleted profile {deleted} and everything held about the person.</Notice>}
      <form method="get" class="card row" role="search" aria-label="Find a profile">
        <div style="flex:0 1 200px">
          <label for="kind">Find by</label>
          <select id="kind" name="kind">{KINDS.map(([k, label]) => <option value={k} selected={k === kind}>{label}</option>)}</select>
        </div>
        <div><label for="q">Value</label><input id="q" name="q" type="search" value={q} required placeholder="ada@example.com" /></div>
        <div class="end"><button type="submit">Find</button></div>
      </form>
      {problem && <Notice kind="bad">{problem}</Notice>}
      <h2>Recently active</h2>
      {recent.size === 0 ? <p class="muted">No recent visitors.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Profile</th><th>Last event</th><th>Page</th><th>At (UTC)</th></tr></thead>
            <tbody>
              {[...recent.values()].map((e) => (
                <tr>
                  <td><a href={profDash(site.key, e.profileId)}><code>{e.profileId}</code></a></td>
                  <td><span class="pill">{e.type}</span> {e.name}</td>
                  <td>{e.path ?? e.url}</td>
                  <td><Time ms={e.receivedAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </>,
    { site: site.key, tab: 'profiles' },
  );
});

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function Journey(props: { events: StoredEvent[] }) {
  return (
    <Scroll label="Journey">
      <table>
        <thead><tr><th>When (UTC)</th><th>Event</th><th>Page</th><th>Properties</th></tr></thead>
        <tbody>
          {props.events.map((e) => (
            <tr>
              <td><Time ms={e.ts} /></td>
              <td><span class="pill">{e.type}</span> {e.name}{e.type === 'identify' && typeof e.props?.userId === 'string' ? ` ${e.props.userId}` : ''}</td>
              <td>{e.title && <>{e.title}<br /></>}<span class="muted">{e.path ?? e.url}</span>{e.referrer && <><br /><span class="muted">from {e.referrer}</span></>}</td>
              <td><code>{e.props ? JSON.stringify(e.props) : ''}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

profilePages.get('/:site/profiles/:ref', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const ref = c.req.param('ref');
  const res = await api<ProfileSnapshot & { audiences?: string[] }>(c, profPath(site.key, ref));
  if (!res.ok) {
    return render(c, 'Profile', <><h1>Profile</h1><Notice kind="bad">{errorMessage(res.body)}</Notice><p><a href={dash(site.key, 'profiles')}>Search profiles</a></p></>, { site: site.key, tab: 'profiles', status: 404 });
  }
  const p = res.body;
  const total = p.eventCount;
  // Newest page first by default; the journey itself reads oldest first.
  const asked = Number(c.req.query('offset'));
  const offset = Number.isInteger(asked) && asked >= 0 ? asked : Math.max(0, total - PAGE);
  const journey = await api<{ events: StoredEvent[]; total: number }>(c, `${profPath(site.key, p.profileId)}/events?limit=${PAGE}&offset=${offset}`);
  const csrf = c.get('csrf');
  const verified = new Set((p.browsers ?? []).filter((b) => b.verified).map((b) => b.anonymousId));
  const devices = [...new Set([...p.identifiers.filter((i) => i.type === 'anon' || i.type === 'anonymous').map((i) => i.value), ...p.touches.map((t) => t.anonymousId)])];
  return render(
    c,
    `Profile ${p.profileId}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'profiles')}>Profiles</a> / {p.profileId}</p>
      <h1><code style="font-size:20px">{p.profileId}</code></h1>
      <div class="stats">
        <div class="stat"><span class="muted">Events</span><b>{total.toLocaleString('en')}</b></div>
        <div class="stat"><span class="muted">First seen (UTC)</span><div><Time ms={p.firstSeen} /></div></div>
        <div class="stat"><span class="muted">Last seen (UTC)</span><div><Time ms={p.lastSeen} /></div></div>
        <div class="stat"><span class="muted">Consent</span><div>{p.consent ?? 'site default'}</div></div>
      </div>
      <div class="actions">
        <a class="button secondary" href={profDash(site.key, p.profileId, '/export')} download>Export JSON</a>
      </div>
      <h2>Identity</h2>
      <Scroll>
        <table>
          <thead><tr><th>Identifier</th><th>Value</th><th>First seen (UTC)</th></tr></thead>
          <tbody>{p.identifiers.map((i) => <tr><td>{i.type}</td><td><code>{i.value}</code></td><td><Time ms={i.firstSeen} /></td></tr>)}</tbody>
        </table>
      </Scroll>
      <p>
        <b>Devices</b> (anonymous ids): {devices.length ? devices.map((d, i) => <>{i > 0 && ', '}<code>{d}</code>{verified.has(d) && <span class="pill running" title="sent an identify signed by your server">verified</span>}</>) : <span class="muted">none</span>}
      </p>
      <p class="hint">Only verified devices see each other's data in decisions; the others are claims and see only what they sent themselves.</p>
      <h3>Merges</h3>
      {p.merges.length === 0 ? <p class="muted">No other profile was merged into this one.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Merged from</th><th>When (UTC)</th><th class="num">Events added</th><th></th></tr></thead>
            <tbody>
              {p.merges.map((m) => (
                <tr>
                  <td><code>{m.from}</code></td><td><Time ms={m.mergedAt} /></td><td class="num">{m.eventsAdded}</td>
                  <td>
                    <form method="post" action={profDash(site.key, p.profileId, '/unmerge')} data-confirm={`Undo the merge of ${m.from}?`}>
                      <Csrf token={csrf} /><input type="hidden" name="from" value={m.from} />
                      <button type="submit" class="secondary">Undo merge</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Traits</h2>
      {Object.keys(p.traits).length === 0 ? <p class="muted">No traits.</p> : (
        <Scroll><table><tbody>{Object.entries(p.traits).map(([k, v]) => <tr><th scope="row">{k}</th><td><code>{json(v)}</code></td></tr>)}</tbody></table></Scroll>
      )}
      <h2>Audiences</h2>
      {(p.audiences ?? []).length === 0 ? <p class="muted">In none of the site's audiences right now.</p> : (
        <ul class="chips">{(p.audiences ?? []).map((a) => <li><a href={dash(site.key, `audiences/${encodeURIComponent(a)}`)}>{a}</a></li>)}</ul>
      )}
      <h2>Experiences</h2>
      {p.assignments.length === 0 ? <p class="muted">Not assigned to any experience.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Experience</th><th>Variant</th><th>Since (UTC)</th></tr></thead>
            <tbody>
              {p.assignments.map((a) => (
                <tr><td><a href={dash(site.key, `experiences/${encodeURIComponent(a.experience)}`)}>{a.experience}</a></td><td>{a.variant ?? <span class="muted">not in the experiment</span>}</td><td><Time ms={a.assignedAt} /></td></tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Sessions and sources</h2>
      {p.touches.length === 0 ? <p class="muted">No sessions recorded.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Started (UTC)</th><th>Landing page</th><th>Referrer</th><th>Campaign</th></tr></thead>
            <tbody>{p.touches.map((t) => <tr><td><Time ms={t.ts} /></td><td>{t.url}</td><td>{t.referrer || <span class="muted">direct</span>}</td><td><code>{t.params ? JSON.stringify(t.params) : ''}</code></td></tr>)}</tbody>
          </table>
        </Scroll>
      )}
      <h2>Journey</h2>
      {journey.ok ? (
        <>
          <Pager base={profDash(site.key, p.profileId)} offset={offset} limit={PAGE} total={journey.body.total} />
          <Journey events={journey.body.events} />
        </>
      ) : <Notice kind="bad">{errorMessage(journey.body)}</Notice>}
      <h2>Delete</h2>
      <form method="post" action={profDash(site.key, p.profileId, '/delete')} class="card">
        <Csrf token={csrf} />
        <p>Erases the person on every merged device, frees their identifiers and removes their events from the live feed.</p>
        <label class="inline"><input type="checkbox" name="confirm" required /> I understand this cannot be undone</label>
        <div class="actions"><button type="submit" class="danger">Delete profile</button></div>
      </form>
    </>,
    { site: site.key, tab: 'profiles' },
  );
});

async function passThrough(c: Context<DashEnv>, path: string) {
  const res = await api<unknown>(c, path);
  if (!res.ok) return c.text(errorMessage(res.body), res.status === 404 ? 404 : 400);
  c.header('Content-Disposition', `attachment; filename="profile-${c.req.param('ref')?.replace(/[^\w.-]/g, '_')}.json"`);
  c.header('Cache-Control', 'no-store');
  return c.json(res.body);
}

profilePages.get('/:site/profiles/:ref/export', (c) => passThrough(c, `${profPath(c.req.param('site'), c.req.param('ref'))}/export`));

profilePages.post('/:site/profiles/:ref/delete', async (c) => {
  const key = c.req.param('site');
  if (field(await c.req.parseBody(), 'confirm') !== 'on') return c.text('Tick the confirmation box to delete a profile.', 400);
  const res = await api<{ deleted: string }>(c, profPath(key, c.req.param('ref')), { method: 'DELETE' });
  if (!res.ok) return c.text(errorMessage(res.body), res.status === 404 ? 404 : 400);
  return c.redirect(`${dash(key, 'profiles')}?deleted=${encodeURIComponent(res.body.deleted)}`, 303);
});

profilePages.post('/:site/profiles/:ref/unmerge', async (c) => {
  const key = c.req.param('site');
  const res = await api<{ survivor: string }>(c, `${profPath(key, c.req.param('ref'))}/unmerge`, { method: 'POST', body: { from: field(await c.req.parseBody(), 'from') } });
  if (!res.ok) return c.text(errorMessage(res.body), 400);
  return c.redirect(profDash(key, res.body.survivor), 303);
});
