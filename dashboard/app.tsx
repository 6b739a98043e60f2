import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Experience, Site } from '../protocol/admin';
import type { AppEnv } from '../edge/env';
import type { FeedItem } from '../edge/objects/activity-feed';
import { adminApi } from '../edge/admin';
import { secretsEqual } from '../edge/crypto';
import { Layout } from './layout';
import { csrfToken, currentSession, endSession, sameOrigin, startSession } from './session';

export const dashboard = new Hono<AppEnv>();

/** Calls the admin API in-process with the edge's own token: the dashboard sees only what the API returns. */
async function api<T>(c: Context<AppEnv>, path: string): Promise<{ status: number; body: T }> {
  const res = await adminApi.request(path, { headers: { Authorization: `Bearer ${c.env.ADMIN_TOKEN}` } }, c.env, c.executionCtx);
  return { status: res.status, body: (await res.json()) as T };
}

function page(c: Context<AppEnv>, title: string, body: Child, logout?: string, status: 200 | 401 | 403 | 404 = 200) {
  c.header('Cache-Control', 'no-store');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  c.header('X-Content-Type-Options', 'nosniff');
  return c.html(html`<!doctype html>${<Layout title={title} logout={logout}>{body}</Layout>}`, status);
}

function SignIn(props: { error?: string }) {
  return (
    <div class="card" style="max-width:480px">
      <h1>Sign in</h1>
      <form method="post" action="/dashboard/login">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <p class="muted">
          <code>npm start</code> prints the local token; in production it is the <code>ADMIN_TOKEN</code> secret.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </div>
  );
}

dashboard.get('/', async (c) => {
  const session = await currentSession(c);
  if (!session) return page(c, 'Sign in', <SignIn />);
  const { body } = await api<{ sites: Site[] }>(c, '/sites');
  return page(
    c,
    'Sites',
    <>
      <h1>Sites</h1>
      {body.sites.length === 0 && <p class="muted">No sites yet. Create one with POST /api/sites.</p>}
      <table>
        <thead>
          <tr><th>Site</th><th>Name</th><th>Allowed origins</th><th>Consent</th></tr>
        </thead>
        <tbody>
          {body.sites.map((s) => (
            <tr>
              <td><a href={`/dashboard/sites/${encodeURIComponent(s.key)}`}>{s.key}</a></td>
              <td>{s.name}</td>
              <td>{s.origins.join(', ') || <span class="muted">same origin only</span>}</td>
              <td>{s.consentDefault}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>,
    await csrfToken(c, session),
  );
});

dashboard.post('/login', async (c) => {
  if (!sameOrigin(c)) return page(c, 'Sign in', <SignIn error="Cross-site sign-in refused." />, undefined, 403);
  const form = await c.req.parseBody();
  const token = typeof form.token === 'string' ? form.token : '';
  if (!c.env.ADMIN_TOKEN || !token || !(await secretsEqual(token, c.env.ADMIN_TOKEN))) {
    return page(c, 'Sign in', <SignIn error="That token is not valid." />, undefined, 401);
  }
  await startSession(c);
  return c.redirect('/dashboard', 303);
});

dashboard.post('/logout', async (c) => {
  const session = await currentSession(c);
  const form = await c.req.parseBody();
  if (session && (!sameOrigin(c) || form.csrf !== (await csrfToken(c, session)))) {
    return page(c, 'Sign in', <SignIn error="Sign-out refused: the form was not sent from this dashboard." />, undefined, 403);
  }
  endSession(c);
  return c.redirect('/dashboard', 303);
});

function Variants(props: { exp: Experience }) {
  return (
    <ul style="margin:0;padding-left:18px">
      {props.exp.variants.map((v) => (
        <li>
          <b>{v.key}</b> <span class="muted">weight {v.weight}</span>
          {v.content ? <pre>{v.content.value}</pre> : <span class="muted"> — default content</span>}
        </li>
      ))}
    </ul>
  );
}

function EventRow(props: { e: FeedItem }) {
  const { e } = props;
  return (
    <tr>
      <td>{new Date(e.receivedAt).toISOString().replace('T', ' ').slice(0, 19)}</td>
      <td><span class="pill">{e.type}</span> {e.name}</td>
      <td>{e.path ?? e.url}</td>
      <td><code>{e.profileId}</code></td>
      <td><code>{e.props ? JSON.stringify(e.props) : ''}</code></td>
    </tr>
  );
}

dashboard.get('/sites/:site', async (c) => {
  const session = await currentSession(c);
  if (!session) return c.redirect('/dashboard', 303);
  const key = encodeURIComponent(c.req.param('site'));
  const site = await api<Site>(c, `/sites/${key}`);
  if (site.status !== 200) return page(c, 'Not found', <p>No such site.</p>, await csrfToken(c, session), 404);
  const [exps, events] = await Promise.all([
    api<{ experiences: Experience[] }>(c, `/sites/${key}/experiences`),
    api<{ events: FeedItem[] }>(c, `/sites/${key}/events?limit=50`),
  ]);
  return page(
    c,
    site.body.name,
    <>
      <p class="muted"><a href="/dashboard">Sites</a> / {site.body.key}</p>
      <h1>{site.body.name}</h1>
      <h2>Experiences</h2>
      <table>
        <thead><tr><th>Experience</th><th>Slot</th><th>Status</th><th>Traffic</th><th>Variants</th></tr></thead>
        <tbody>
          {exps.body.experiences.map((x) => (
            <tr>
              <td><b>{x.name}</b><br /><span class="muted">{x.id}</span></td>
              <td><code>{x.slot}</code></td>
              <td><span class={`pill ${x.status}`}>{x.status}</span></td>
              <td>{Math.round(x.traffic * 100)}%</td>
              <td><Variants exp={x} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Recent events</h2>
      {events.body.events.length === 0 ? (
        <p class="muted">No events yet. Open the site with the tag installed.</p>
      ) : (
        <table>
          <thead><tr><th>Received (UTC)</th><th>Event</th><th>Page</th><th>Profile</th><th>Properties</th></tr></thead>
          <tbody>{events.body.events.map((e) => <EventRow e={e} />)}</tbody>
        </table>
      )}
    </>,
    await csrfToken(c, session),
  );
});
