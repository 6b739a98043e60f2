import { Hono, type Context } from 'hono';
import { SITE_DEFAULTS, type Site } from '../../protocol/admin';
import type { FeedEvent } from '../../protocol/events';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice, Time } from '../ui';
import { overlaysBody, OverlaySettingsFields } from './overlay-settings';

/** Settings and creation of sites (the Overview tab: ./overview.tsx). Mounted at /dashboard/sites. */
export const sitePages = new Hono<DashEnv>();

type Form = Record<string, unknown>;
const lines = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

/** The site fields of a settings form, as the admin API takes them (it validates them). */
export function siteBody(form: Form, creating: boolean): Record<string, unknown> {
  const num = (name: string) => Number(field(form, name));
  const body: Record<string, unknown> = {
    name: field(form, 'name'),
    origins: lines(field(form, 'origins')),
    proxyOrigin: field(form, 'proxyOrigin') || null,
    proxyHosts: lines(field(form, 'proxyHosts')),
    proxyDecideMs: num('proxyDecideMs'),
    verificationRequired: form.verificationRequired === 'on',
    retentionDays: num('retentionDays'),
    consentDefault: field(form, 'consentDefault'),
    holdout: num('holdout') / 100,
    identifierLimits: { user: num('limitUser'), email: num('limitEmail'), phone: num('limitPhone'), profilesPerIdentifier: num('limitProfiles') },
  };
  const overlays = overlaysBody(form);
  if (overlays) body.overlays = overlays;
  const secret = field(form, 'verificationSecret');
  if (secret) body.verificationSecret = secret;
  else if (form.clearSecret === 'on') body.verificationSecret = null;
  if (creating) body.key = field(form, 'key');
  return body;
}

/** What the new-site form shows: the defaults the API gives a site that leaves the settings out. */
const NEW_SITE = { ...SITE_DEFAULTS, name: '', key: '', verificationSecretSet: false };

export function SiteForm(props: { csrf: string; action: string; site?: Site; error?: string }) {
  const s = props.site ?? NEW_SITE;
  const creating = !props.site;
  const num = (name: string, label: string, value: number, min: number, max: number, hint?: string) => (
    <div>
      <label for={name}>{label}</label>
      <input id={name} name={name} type="number" min={min} max={max} value={String(value)} required />
      {hint && <p class="hint">{hint}</p>}
    </div>
  );
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        {creating && (
          <div>
            <label for="key">Site key</label>
            <input id="key" name="key" type="text" required pattern="[a-z0-9][a-z0-9_\-]{0,62}" placeholder="shop" />
            <p class="hint">Lower-case letters, digits, - and _; used in the tag's data-site.</p>
          </div>
        )}
        <div>
          <label for="name">Name</label>
          <input id="name" name="name" type="text" required value={s.name} />
        </div>
      </div>
      <label for="origins">Allowed origins</label>
      <textarea id="origins" name="origins" placeholder="https://shop.example">{s.origins.join('\n')}</textarea>
      <p class="hint">One per line: the pages allowed to send events (scheme://host[:port]).</p>
      <h3>Proxy mode</h3>
      <div class="row">
        <div>
          <label for="proxyOrigin">Proxy origin</label>
          <input id="proxyOrigin" name="proxyOrigin" type="url" value={s.proxyOrigin ?? ''} placeholder="https://origin.shop.example" />
        </div>
        {num('proxyDecideMs', 'Wait for a decision (ms)', s.proxyDecideMs ?? SITE_DEFAULTS.proxyDecideMs, 0, 5000, '0 = never wait')}
      </div>
      <label for="proxyHosts">Proxy hosts</label>
      <textarea id="proxyHosts" name="proxyHosts" placeholder="www.shop.example">{(s.proxyHosts ?? SITE_DEFAULTS.proxyHosts).join('\n')}</textarea>
      <h3>Identity and privacy</h3>
      <label for="verificationSecret">Identity verification secret</label>
      <input id="verificationSecret" name="verificationSecret" type="password" autocomplete="new-password" minlength={16} />
      <p class="hint">{s.verificationSecretSet ? 'A secret is set; leave blank to keep it.' : 'None set. At least 16 characters.'}</p>
      {s.verificationSecretSet && <label class="inline"><input type="checkbox" name="clearSecret" /> Remove the secret</label>}
      <label class="inline"><input type="checkbox" name="verificationRequired" checked={s.verificationRequired} /> Require signed identify calls</label>
      <p class="hint">Signed identifies verify a browser (it sees the person's other verified devices); unsigned ones are claims: with this on they join nothing, with it off they join for measurement only.</p>
      <div class="row">
        {num('retentionDays', 'Retention (days)', s.retentionDays, 1, 3650)}
        <div>
          <label for="consentDefault">Consent</label>
          <select id="consentDefault" name="consentDefault">
            <option value="granted" selected={s.consentDefault === 'granted'}>granted by default</option>
            <option value="required" selected={s.consentDefault === 'required'}>required before tracking</option>
          </select>
        </div>
        {num('holdout', 'Holdout (% of visitors)', Math.round((s.holdout ?? SITE_DEFAULTS.holdout) * 100), 0, 50, 'see only defaults, to measure personalization as a whole')}
      </div>
      <h3>Identifier limits</h3>
      <div class="row">
        {num('limitUser', 'User ids per profile', s.identifierLimits?.user ?? SITE_DEFAULTS.identifierLimits.user, 1, 100)}
        {num('limitEmail', 'Emails per profile', s.identifierLimits?.email ?? SITE_DEFAULTS.identifierLimits.email, 1, 100)}
        {num('limitPhone', 'Phones per profile', s.identifierLimits?.phone ?? SITE_DEFAULTS.identifierLimits.phone, 1, 100)}
        {num('limitProfiles', 'Profiles per identifier', s.identifierLimits?.profilesPerIdentifier ?? SITE_DEFAULTS.identifierLimits.profilesPerIdentifier, 1, 10000)}
      </div>
      <OverlaySettingsFields s={s.overlays} />
      <div class="actions"><button type="submit">{creating ? 'Create site' : 'Save settings'}</button></div>
    </form>
  );
}

sitePages.post('/', async (c) => {
  const body = siteBody(await c.req.parseBody(), true);
  const res = await api<Site>(c, '/sites', { method: 'POST', body });
  if (res.ok) return c.redirect(dash(res.body.key, 'install'), 303);
  return render(c, 'Create a site', <><h1>Create a site</h1><SiteForm csrf={c.get('csrf')} action="/dashboard/sites" error={errorMessage(res.body)} /></>, { status: 400 });
});

/** The site or a 404 page: every site page starts here. */
export async function loadSite(c: Context<DashEnv>): Promise<Site | Response> {
  const key = c.req.param('site') ?? '';
  const res = await api<Site>(c, sitePath(key));
  if (res.ok) return res.body;
  return render(c, 'Not found', <><h1>Not found</h1><p>No such site.</p><p><a href="/dashboard">All sites</a></p></>, { status: 404 });
}

function settingsPage(c: Context<DashEnv>, site: Site, error?: string, saved?: boolean) {
  return render(
    c,
    `Settings · ${site.name}`,
    <>
      <h1>Settings</h1>
      {saved && <Notice kind="ok">Saved.</Notice>}
      <p>
        Personalization across a person's devices needs <a href={dash(site.key, 'verification')}>identity verification</a>: without it,
        an identify is a claim and each browser sees only what it sent itself.
      </p>
      <div class="card"><SiteForm csrf={c.get('csrf')} action={dash(site.key, 'settings')} site={site} error={error} /></div>
    </>,
    { site: site.key, tab: 'settings', status: error ? 400 : 200 },
  );
}

sitePages.get('/:site/settings', async (c) => {
  const site = await loadSite(c);
  return site instanceof Response ? site : settingsPage(c, site, undefined, c.req.query('saved') === '1');
});

sitePages.post('/:site/settings', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<Site>(c, sitePath(site.key), { method: 'PATCH', body: siteBody(await c.req.parseBody(), false) });
  if (res.ok) return c.redirect(dash(site.key, 'settings?saved=1'), 303);
  return settingsPage(c, site, errorMessage(res.body));
});

export function EventRow(props: { e: FeedEvent; site: string; short?: boolean }) {
  const { e } = props;
  return (
    <tr>
      <td><Time ms={e.receivedAt} short={props.short} /></td>
      <td><span class="pill">{e.type}</span> {e.name}</td>
      <td>{e.path ?? e.url}</td>
      <td><a href={dash(props.site, `profiles/${encodeURIComponent(e.profileId)}`)}><code>{e.profileId}</code></a></td>
      <td><code>{e.props ? JSON.stringify(e.props) : ''}</code></td>
    </tr>
  );
}
