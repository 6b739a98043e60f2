import type { Change } from '../../protocol/content';
import type { DecideResponse, Decision } from '../../protocol/decide';
import { PAGE_SLOT_PREFIX, REDIRECT_PARAM } from '../../protocol/markup';
import { urlPatternMatches } from '../../protocol/url-pattern';
import type { SiteConfig } from '../objects/site';

/**
 * Page experiences in proxy mode: split-URL redirects answered at the edge before the origin is
 * asked, and page changes applied in the HTML — all of a variant's changes or none, like the tag.
 */

/** Whether a running page experience here may redirect: then the decision is awaited before the origin is asked. */
export function mayRedirect(config: SiteConfig, url: string): boolean {
  return config.experiences.some((e) => e.status === 'running' && e.page != null && urlPatternMatches(e.page, url) && e.variants.some((v) => v.content?.type === 'redirect'));
}

/** The redirect a decision asks for, with the exposure parameter the destination page reports; null for none. */
export function redirectOf(decided: Pick<DecideResponse, 'decisions'> | null, url: string): string | null {
  for (const [slot, d] of Object.entries(decided?.decisions ?? {})) {
    if (!slot.startsWith(PAGE_SLOT_PREFIX) || d.content?.type !== 'redirect') continue;
    const to = new URL(d.content.url, url);
    // The visit's own parameters (utm_*, click ids) go along unless the destination names its own (as the tag does).
    if (!to.search) to.search = new URL(url).search;
    to.searchParams.set(REDIRECT_PARAM, `${d.experience}.${d.variant}`);
    return to.href;
  }
  return null;
}

/** The page experiences' decisions that carry changes. */
export function pageChanges(decisions: Record<string, Decision>): { slot: string; changes: Change[]; css?: string }[] {
  return Object.entries(decisions).flatMap(([slot, d]) =>
    slot.startsWith(PAGE_SLOT_PREFIX) && d.content?.type === 'changes' ? [{ slot, changes: d.content.value, ...(d.content.css && { css: d.content.css }) }] : [],
  );
}

/** HTML larger than this is not buffered for page changes: the tag applies them instead. */
export const MAX_BUFFERED_HTML = 2 * 1024 * 1024;

/**
 * The page's HTML, read whole when it is at most `max` bytes; else (by its Content-Length, or once
 * more has streamed in, when it has none) the response to stream on as it is, nothing of it lost.
 */
export async function htmlUpTo(res: Response, max: number): Promise<string | Response> {
  if (!res.body) return '';
  if (Number(res.headers.get('content-length') ?? 0) > max) return res;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  const text = new TextDecoder();
  let html = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return html + text.decode();
    chunks.push(value);
    html += text.decode(value, { stream: true });
    size += value.byteLength;
    if (size > max) break;
  }
  // Too large to hold: what was read goes out first, then the rest as it arrives.
  const rest = new ReadableStream<Uint8Array>({
    start: (c) => chunks.forEach((ch) => c.enqueue(ch)),
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(rest, res);
}

/**
 * The variants whose every change finds an element in `html` (a first pass that only counts):
 * those are applied at the edge; the others are left to the tag, which waits for their elements.
 */
export async function applicable(html: string, sets: ReturnType<typeof pageChanges>): Promise<ReturnType<typeof pageChanges>> {
  const selectors = [...new Set(sets.flatMap((s) => s.changes.map((c) => c.selector)))];
  const found = new Set<string>();
  let rw = new HTMLRewriter();
  for (const sel of selectors) rw = rw.on(sel, { element: () => void found.add(sel) });
  await rw.transform(new Response(html)).text();
  return sets.filter((s) => s.changes.every((c) => found.has(c.selector)));
}

/** Adds the handlers that apply `sets` to a rewriter. */
export function withChanges(rw: HTMLRewriter, sets: ReturnType<typeof pageChanges>): HTMLRewriter {
  for (const { changes, css } of sets) {
    for (const c of changes) {
      rw = rw.on(c.selector, {
        element(el) {
          if (c.text !== undefined) el.setInnerContent(c.text);
          if (c.html !== undefined) el.setInnerContent(c.html, { html: true });
          for (const [k, v] of Object.entries(c.attrs ?? {})) el.setAttribute(k, v);
          if (c.hide) el.setAttribute('style', `${el.getAttribute('style') ?? ''};display:none`);
        },
      });
    }
    if (css) rw = rw.on('head', { element: (el) => void el.append(`<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`, { html: true }) });
  }
  return rw;
}
