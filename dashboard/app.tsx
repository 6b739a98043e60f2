import { Hono } from 'hono';
import type { Site } from '../protocol/admin';
import { secretsEqual } from '../edge/crypto';
import { api } from './api';
import { asset } from './asset';
import { requireSession, type DashEnv } from './guard';
import { render } from './render';
import { csrfToken, currentSession, endAllSessions, endSession, sameOrigin, startSession } from './session';
import { recordAuthFailure, throttledFor } from '../edge/http/auth-throttle';
import { SiteForm, sitePages } from './pages/site';
import { overviewPages } from './pages/overview';
import { installPages } from './pages/install';
import { livePages } from './pages/live';
import { audiencePages } from './pages/audiences';
import { experiencePages } from './pages/experiences';
import { slotPages } from './pages/slots';
import { resultPages } from './pages/results';
import { reportPages } from './pages/reports';
import { savedFunnelPages } from './pages/saved-funnels';
import { profilePages } from './pages/profiles';
import { verificationPages } from './pages/verification';
import { destinationPages } from './pages/destinations';
import { dash } from './ui';

/**
 * The marketer's dashboard at /dashboard: server-rendered Hono JSX over the admin API, plus one
 * small bundled client script (copy buttons, the live socket, editors' conveniences). Every page
 * works without the script.
 */
export const dashboard = new Hono<DashEnv>();
dashboard.route('/', asset);

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
  if (!session) return render(c, 'Sign in', <SignIn />);
  c.set('csrf', await csrfToken(c, session));
  const { body } = await api<{ sites: Site[] }>(c, '/sites');
  return render(
    c,
    'Sites',
    <>
      <h1>Sites</h1>
      {body.sites.length === 0 && <p class="muted">No sites yet: create the first one below.</p>}
      <div class="scroll">
        <table>
          <thead>
            <tr><th>Site</th><th>Name</th><th>Allowed origins</th><th>Consent</th></tr>
          </thead>
          <tbody>
            {body.sites.map((s) => (
              <tr>
                <td><a href={dash(s.key)}>{s.key}</a></td>
                <td>{s.name}</td>
                <td>{s.origins.join(', ') || <span class="muted">same origin only</span>}</td>
                <td>{s.consentDefault}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details class="card" open={body.sites.length === 0}>
        <summary><b>Create a site</b></summary>
        <SiteForm csrf={c.get('csrf')} action="/dashboard/sites" />
      </details>
    </>,
  );
});

dashboard.post('/login', async (c) => {
  if (!sameOrigin(c)) return render(c, 'Sign in', <SignIn error="Cross-site sign-in refused." />, { status: 403 });
  const throttled = (seconds: number) => {
    c.header('Retry-After', String(seconds));
    return render(c, 'Sign in', <SignIn error={`Too many wrong tokens from this address: try again in ${Math.ceil(seconds / 60)} minutes.`} />, { status: 429 });
  };
  const wait = await throttledFor(c);
  if (wait > 0) return throttled(wait);
  const form = await c.req.parseBody();
  const token = typeof form.token === 'string' ? form.token : '';
  if (!c.env.ADMIN_TOKEN || !token || !(await secretsEqual(token, c.env.ADMIN_TOKEN))) {
    const blocked = await recordAuthFailure(c);
    if (blocked > 0) return throttled(blocked);
    return render(c, 'Sign in', <SignIn error="That token is not valid." />, { status: 401 });
  }
  await startSession(c);
  return c.redirect('/dashboard', 303);
});

dashboard.post('/logout', async (c) => {
  const session = await currentSession(c);
  const form = await c.req.parseBody();
  if (session && (!sameOrigin(c) || form.csrf !== (await csrfToken(c, session)))) {
    return render(c, 'Sign in', <SignIn error="Sign-out refused: the form was not sent from this dashboard." />, { status: 403 });
  }
  await endSession(c, session);
  return c.redirect('/dashboard', 303);
});

/** Ends every session of the dashboard (a lost laptop, a colleague who left): everyone signs in again. */
dashboard.post('/logout-everywhere', async (c) => {
  const session = await currentSession(c);
  const form = await c.req.parseBody();
  if (!session || !sameOrigin(c) || form.csrf !== (await csrfToken(c, session))) {
    return render(c, 'Sign in', <SignIn error="Refused: sign in, then sign out everywhere from the dashboard." />, { status: 403 });
  }
  await endAllSessions(c);
  return c.redirect('/dashboard', 303);
});

// Everything below needs a session; posts need the CSRF token.
dashboard.use('/sites', requireSession());
dashboard.use('/sites/*', requireSession());
for (const pages of [sitePages, overviewPages, installPages, livePages, audiencePages, slotPages, experiencePages, resultPages, reportPages, savedFunnelPages, profilePages, verificationPages, destinationPages]) {
  dashboard.route('/sites', pages);
}
