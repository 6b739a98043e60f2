import { Hono, type Context } from 'hono';
import type { FeedEvent } from '../../protocol/events';
import type { Rejection } from '../../protocol/rejections';
import { api, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import { dash, Notice, Scroll, Time } from '../ui';
import { loadSite } from './site';

/** Install: the snippet to paste, proxy-mode steps, and whether events have arrived. Mounted at /dashboard/sites. */
export const installPages = new Hono<DashEnv>();

export function snippetFor(origin: string, site: string): string {
  return (
    `<script>window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}</script>\n` +
    `<script async src="${origin}/attune.js" data-site="${site}"></script>`
  );
}

interface Check {
  installed: boolean;
  lastReceivedAt: number | null;
  lastUrl: string | null;
  recent: number;
}

async function check(c: Context<DashEnv>, site: string): Promise<Check> {
  const res = await api<{ events: FeedEvent[] }>(c, `${sitePath(site)}/events?limit=50`);
  const events = res.ok ? res.body.events : [];
  const last = events[0];
  return { installed: events.length > 0, lastReceivedAt: last?.receivedAt ?? null, lastUrl: last?.url ?? null, recent: events.length };
}

function CheckPanel(props: { check: Check; site: string }) {
  const k = props.check;
  return (
    <div id="install-check" aria-live="polite" data-check-url={dash(props.site, 'install/check')}>
      {k.installed ? (
        <Notice kind="ok">
          Events are arriving. Last one received <Time ms={k.lastReceivedAt} /> UTC{k.lastUrl ? <> from <code>{k.lastUrl}</code></> : null}.
        </Notice>
      ) : (
        <Notice>No events from this site yet. Paste the snippet, open a page of the site, then check again.</Notice>
      )}
    </div>
  );
}

/** What the edge refused lately and why, so a developer sees why events are missing (libraries rarely read the answer). */
function Rejections(props: { site: string; rejections: Rejection[] }) {
  return (
    <div class="card">
      <h2 style="margin-top:0">Recent rejections</h2>
      {props.rejections.length === 0 ? (
        <p class="muted">Nothing refused lately: every event and Segment-spec message sent to this site was taken.</p>
      ) : (
        <Scroll label="Recent rejections">
          <table>
            <thead><tr><th>When (UTC)</th><th>Route</th><th>Library</th><th>Field</th><th>Reason</th></tr></thead>
            <tbody>
              {props.rejections.map((r) => (
                <tr>
                  <td><Time ms={r.at} /></td>
                  <td><code>{r.route}</code></td>
                  <td>{r.library ?? <span class="muted">unknown</span>}</td>
                  <td><code>{r.field}</code>{r.messageId && <><br /><span class="muted">{r.messageId}</span></>}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </div>
  );
}

installPages.get('/:site/install/check', async (c) => c.json(await check(c, c.req.param('site'))));

installPages.get('/:site/install', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const origin = new URL(c.req.url).origin;
  const snippet = snippetFor(origin, site.key);
  return render(
    c,
    `Install · ${site.name}`,
    <>
      <h1>Install</h1>
      <div class="card">
        <h2 style="margin-top:0">1. Paste the tag into every page's &lt;head&gt;</h2>
        <label for="snippet">Snippet</label>
        <textarea id="snippet" class="code" readonly rows={4} style="max-width:100%">{snippet}</textarea>
        <div class="actions">
          <button type="button" data-copy="snippet">Copy snippet</button>
          <span class="muted" data-copy-status="snippet" aria-live="polite"></span>
        </div>
        <p class="hint">
          Allowed origins: {site.origins.length ? site.origins.join(', ') : 'none yet — add your site\'s origin in '}
          {site.origins.length === 0 && <a href={dash(site.key, 'settings')}>Settings</a>}. Mark content to personalize with
          {' '}<code>data-attune-slot="hero"</code>.
        </p>
      </div>
      <div class="card">
        <h2 style="margin-top:0">2. Check the installation</h2>
        <CheckPanel check={await check(c, site.key)} site={site.key} />
        <div class="actions">
          <a class="button secondary" href={dash(site.key, 'install')} data-check="install-check">Check again</a>
        </div>
      </div>
      <Rejections site={site.key} rejections={(await api<{ rejections: Rejection[] }>(c, `${sitePath(site.key)}/rejections?limit=20`)).body.rejections ?? []} />
      <div class="card">
        <h2 style="margin-top:0">Or: proxy mode (no flicker, no tag to paste)</h2>
        <ol>
          <li>Keep your site reachable at its own host (e.g. <code>origin.shop.example</code>).</li>
          <li>In <a href={dash(site.key, 'settings')}>Settings</a>, set the proxy origin to it and add the public host names (e.g. <code>www.shop.example</code>).</li>
          <li>Route the public host to this worker in <code>wrangler.toml</code> and deploy:
            <pre>{'routes = [{ pattern = "www.shop.example/*", zone_name = "shop.example" }]\nnpx wrangler deploy'}</pre>
          </li>
        </ol>
        <p>
          {site.proxyOrigin ? (
            <>Proxy mode is on: <code>{(site.proxyHosts ?? []).join(', ') || '(no hosts yet)'}</code> served from <code>{site.proxyOrigin}</code>.</>
          ) : (
            <span class="muted">Proxy mode is off for this site.</span>
          )}
        </p>
      </div>
    </>,
    { site: site.key, tab: 'install' },
  );
});
