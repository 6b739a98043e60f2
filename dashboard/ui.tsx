import type { Child } from 'hono/jsx';

/** A hidden CSRF field: every state-changing form carries it. */
export const Csrf = (props: { token: string }) => <input type="hidden" name="csrf" value={props.token} />;

/** A time as UTC `YYYY-MM-DD HH:MM:SS`, with the machine-readable value in <time>. */
export function Time(props: { ms: number | null | undefined; short?: boolean }) {
  if (!props.ms) return <span class="muted">—</span>;
  const iso = new Date(props.ms).toISOString();
  const full = iso.replace('T', ' ').slice(0, 19);
  return <time datetime={iso} title={props.short ? `${full} UTC` : undefined}>{props.short ? full.slice(11) : full}</time>;
}

export function Notice(props: { kind?: 'bad' | 'ok'; children: Child }) {
  return <p class={`notice ${props.kind ?? ''}`} role={props.kind === 'bad' ? 'alert' : 'status'}>{props.children}</p>;
}

/** A table that scrolls sideways on a phone instead of squeezing its columns. */
export const Scroll = (props: { children: Child; label?: string }) => (
  <div class="scroll" role="region" aria-label={props.label} tabindex={props.label ? 0 : undefined}>{props.children}</div>
);

export const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/** A count with thousands separators (`12,345`). */
export const count = (n: number) => Math.round(n).toLocaleString('en');

/** A length of time: `45s`, `3m 05s`, `2h 04m` (— when unknown). */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const s = Math.round(Math.max(0, ms) / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
}

/**
 * Variant HTML shown in a sandboxed frame: `sandbox=""` allows no scripts, forms or same-origin
 * access, so markup from a variant never runs in the dashboard's origin. srcdoc is an attribute,
 * which JSX escapes.
 */
export const SandboxFrame = (props: { html: string; title: string; class?: string; lazy?: boolean }) => (
  <iframe class={props.class ?? 'preview'} sandbox="" srcdoc={props.html} title={props.title} referrerpolicy="no-referrer" loading={props.lazy ? 'lazy' : undefined}></iframe>
);

/** Previous/next links for offset pagination. */
export function Pager(props: { base: string; offset: number; limit: number; total: number; param?: string }) {
  const { base, offset, limit, total } = props;
  const p = props.param ?? 'offset';
  const join = base.includes('?') ? '&' : '?';
  const last = Math.min(total, offset + limit);
  return (
    <nav class="actions" aria-label="Pages">
      <span class="muted">{total === 0 ? 'none' : `${offset + 1}–${last} of ${total}`}</span>
      {offset > 0 && <a class="button secondary" href={`${base}${join}${p}=${Math.max(0, offset - limit)}`}>Previous</a>}
      {last < total && <a class="button secondary" href={`${base}${join}${p}=${offset + limit}`}>Next</a>}
    </nav>
  );
}

/** Site path under the dashboard, key escaped. */
export const dash = (site: string, rest = '') => `/dashboard/sites/${encodeURIComponent(site)}${rest ? `/${rest}` : ''}`;

/** A form value as a trimmed string ('' when absent or a file). */
export const field = (form: Record<string, unknown>, name: string): string => {
  const v = form[name];
  return typeof v === 'string' ? v.trim() : '';
};
