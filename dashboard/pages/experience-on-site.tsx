import { isOverlayExperience } from '../../protocol/experience-target';
import type { Experience, Site } from '../../protocol/admin';
import { Csrf, dash, Notice } from '../ui';

/**
 * An experience on the site's real pages: "Preview on the real page" (a signed preview link shown
 * in a sandboxed frame) and "Edit on my site" (the visual editor, through a signed editor link).
 * Rendered by ./experiences.tsx, whose routes make the links.
 */
export interface PreviewLink {
  url?: string;
  token: string;
  expiresAt: number;
}

export interface EditorExtra {
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
function defaultPageUrl(site: Site, x: Pick<Experience, 'page'> | null): string {
  const origin = siteOrigin(site);
  if (!origin) return '';
  const path = x?.page && x.page.startsWith('/') && !x.page.includes('*') ? x.page : '/';
  return origin + path;
}

/** The site's origins, as CSP sources for the page that frames and opens its pages (any port of a proxy host). */
export function siteSources(site: Site): string[] {
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

export function PreviewCard(props: { site: Site; x: Experience; csrf: string; extra: EditorExtra }) {
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

export function EditOnSiteCard(props: { site: Site; x: Experience; csrf: string; extra: EditorExtra }) {
  const { site, x, extra } = props;
  const editable = x.status === 'draft' || x.status === 'paused';
  return (
    <div class="card" id="edit-on-site">
      <h2 style="margin-top:0">Edit on my site</h2>
      {isOverlayExperience(x) ? (
        // The visual editor changes slots and pages; an overlay is drawn by the tag, from the designer above.
        <p class="muted">An overlay is designed above, with its live preview; the visual editor changes slots and pages.</p>
      ) : !editable ? (
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
