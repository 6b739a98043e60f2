import { Hono, type Context } from 'hono';
import type { Site } from '../../protocol/admin';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { Csrf, dash, field, Notice } from '../ui';
import { loadSite } from './site';

/**
 * Identity verification for a site, at /dashboard/sites/:site/verification: why it matters (what a
 * claim can and cannot do), the secret, server snippets in Node and Python, and a box to test a
 * signature. Everything shown is escaped by JSX; the secret is shown to signed-in admins only.
 */
export const verificationPages = new Hono<DashEnv>();

interface Check {
  userId: string;
  valid: boolean;
  expected: string;
}

const nodeSnippet = (secretVar: string) => `// On your server, where the user is signed in:
import { createHmac } from 'node:crypto';
const signature = createHmac('sha256', process.env.${secretVar}).update(user.id).digest('hex');
// Render it into the page, then in the browser:
// attune.identify(user.id, { email: user.email }, { signature });`;

const pythonSnippet = (secretVar: string) => `# On your server, where the user is signed in:
import hashlib, hmac, os
signature = hmac.new(os.environ["${secretVar}"].encode(), user.id.encode(), hashlib.sha256).hexdigest()
# Render it into the page, then in the browser:
# attune.identify(user.id, { email: user.email }, { signature });`;

function Snippet(props: { id: string; label: string; code: string }) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <textarea id={props.id} class="code" readonly rows={6}>{props.code}</textarea>
      <div class="actions">
        <button type="button" data-copy={props.id}>Copy</button>
        <span class="muted" data-copy-status={props.id} aria-live="polite"></span>
      </div>
    </>
  );
}

async function page(c: Context<DashEnv>, site: Site, extra: { check?: Check; error?: string; created?: boolean } = {}) {
  const { body } = await api<{ secret: string | null; required: boolean }>(c, `${sitePath(site.key)}/verification`);
  const action = (rest: string) => dash(site.key, `verification/${rest}`);
  return render(
    c,
    `Identity verification · ${site.name}`,
    <>
      <h1>Identity verification</h1>
      {extra.error && <Notice kind="bad">{extra.error}</Notice>}
      {extra.created && <Notice kind="ok">A new secret is set: update your server before visitors sign in again.</Notice>}
      <div class="card">
        <p>
          Without verification, <code>attune.identify()</code> is a <b>claim</b>: anyone who knows a customer's user id or email could
          make it. A claim joins the browser to the person for measurement (events, attribution, results), but that browser is decided
          and personalized only from what it sent itself. It never sees the person's traits or audiences from other devices, and never
          overwrites them.
        </p>
        <p>
          <b>Cross-device personalization is a verified-identity feature.</b> Your server signs the user id with the secret below; a
          browser whose identify carries the signature is verified and sees what the person's other verified browsers told Attune.
        </p>
        <p>
          Signatures are {body.required ? <b>required</b> : <b>optional</b>} on this site
          {body.required ? ': unsigned identifies join nothing.' : ': unsigned identifies stay claims.'} Change this in{' '}
          <a href={dash(site.key, 'settings')}>Settings</a>.
        </p>
      </div>
      <div class="card">
        <h2 style="margin-top:0">The secret</h2>
        {body.secret ? (
          <details>
            <summary>Show the secret</summary>
            <Snippet id="secret" label="Verification secret (keep it on your server)" code={body.secret} />
          </details>
        ) : (
          <p class="muted">No secret yet.</p>
        )}
        <form method="post" action={action('secret')}>
          <Csrf token={c.get('csrf')} />
          <button type="submit" class={body.secret ? 'secondary' : undefined}>{body.secret ? 'Replace with a new secret' : 'Create a secret'}</button>
        </form>
        <Snippet id="node" label="Node.js" code={nodeSnippet('ATTUNE_VERIFICATION_SECRET')} />
        <Snippet id="python" label="Python" code={pythonSnippet('ATTUNE_VERIFICATION_SECRET')} />
      </div>
      <div class="card">
        <h2 style="margin-top:0">Test a signature</h2>
        <form method="post" action={action('test')}>
          <Csrf token={c.get('csrf')} />
          <div class="row">
            <div>
              <label for="userId">User id</label>
              <input id="userId" name="userId" type="text" required value={extra.check?.userId ?? ''} />
            </div>
            <div>
              <label for="signature">Signature your server made</label>
              <input id="signature" name="signature" type="text" required />
            </div>
          </div>
          <div class="actions"><button type="submit">Check</button></div>
        </form>
        {extra.check &&
          (extra.check.valid ? (
            <Notice kind="ok">Valid: an identify of <code>{extra.check.userId}</code> with this signature verifies the browser.</Notice>
          ) : (
            <Notice kind="bad">
              Not valid for <code>{extra.check.userId}</code>. With this site's secret it should be <code>{extra.check.expected}</code>: check that
              your server signs the user id exactly as sent, as hex HMAC-SHA256.
            </Notice>
          ))}
      </div>
    </>,
    { site: site.key, tab: 'settings', status: extra.error ? 400 : 200 },
  );
}

verificationPages.get('/:site/verification', async (c) => {
  const site = await loadSite(c);
  return site instanceof Response ? site : page(c, site, { created: c.req.query('created') === '1' });
});

verificationPages.post('/:site/verification/secret', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api(c, `${sitePath(site.key)}/verification/secret`, { method: 'POST' });
  if (!res.ok) return page(c, site, { error: errorMessage(res.body) });
  return c.redirect(dash(site.key, 'verification?created=1'), 303);
});

verificationPages.post('/:site/verification/test', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const form = await c.req.parseBody();
  const res = await api<Omit<Check, 'userId'>>(c, `${sitePath(site.key)}/verification/check`, {
    method: 'POST',
    body: { userId: field(form, 'userId'), signature: field(form, 'signature') },
  });
  if (!res.ok) return page(c, site, { error: errorMessage(res.body) });
  return page(c, site, { check: { userId: field(form, 'userId'), ...res.body } });
});
