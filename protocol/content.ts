import * as z from 'zod';
import { OVERLAY_CONTENT, PAGE_CONTENT, SAFE_CHANGE_ATTRIBUTES, SLOT_CONTENT, safeUrl, unsafeValue } from './content-rules';
import { selectorProblem } from './selector';

/**
 * What a variant shows. In a slot: `html`, `text` or `json` (handed to the page's own code). On a
 * page (a page experience): `changes`, a list of edits to elements found by selector — applied all
 * together or not at all — with optional CSS; or `redirect`, a split-URL test. Needing no slot:
 * `overlay`, a banner, toast or modal the tag renders itself (from text, never HTML). Placeholders
 * (`{{traits.firstName | default:"there"}}`) work in every text and attribute value.
 */
export const MAX_CONTENT = 32 * 1024;

export const Selector = z
  .string()
  .max(500)
  .superRefine((s, ctx) => {
    const problem = selectorProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `unsupported selector: ${problem}` });
  });

export const Change = z
  .object({
    selector: Selector,
    text: z.string().max(8 * 1024).optional(),
    html: z.string().max(16 * 1024).optional(),
    attrs: z
      .partialRecord(z.enum(SAFE_CHANGE_ATTRIBUTES), z.string().max(2048).refine((v) => !unsafeValue(v), 'no javascript:, data: or expression() values'))
      .optional(),
    hide: z.literal(true).optional(),
  })
  .strict()
  .refine((c) => [c.text, c.html, c.attrs, c.hide].filter((x) => x !== undefined).length === 1, {
    message: 'a change sets exactly one of text, html, attrs or hide',
  });

/** A split-URL test's destination: this site's path, or an http(s) URL. */
export const RedirectUrl = z
  .string()
  .max(2048)
  .refine((u) => /^\/(?!\/)/.test(u) || /^https?:\/\//i.test(u), 'must be a path on this site (/pricing-b) or an http(s) URL');

/** A link an overlay may open: this site's path, or an http(s), mailto or tel URL. */
const OverlayUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((u) => safeUrl('href', u) && !/^\s*\/\//.test(u), 'must be a path on this site or an http(s), mailto or tel URL');

/**
 * An overlay: a banner (top or bottom of the window), a toast (a corner) or a modal, with a heading,
 * text, an optional image and up to two buttons — a button with a url opens it, one without
 * dismisses. All of it is shown as text: no HTML reaches the page.
 */
export const Overlay = z
  .object({
    kind: z.enum(['banner', 'toast', 'modal']),
    /** banner: top or bottom (default bottom); toast: a corner (default bottom-right); a modal is centred. */
    position: z.enum(['top', 'bottom', 'top-left', 'top-right', 'bottom-left', 'bottom-right']).optional(),
    heading: z.string().max(200).optional(),
    text: z.string().min(1).max(1000),
    image: OverlayUrl.optional(),
    /** The image's text alternative (empty: decorative). */
    imageAlt: z.string().max(200).optional(),
    buttons: z.array(z.object({ label: z.string().min(1).max(60), url: OverlayUrl.optional() }).strict()).max(2).default([]),
  })
  .strict()
  .superRefine((o, ctx) => {
    const corner = o.position?.includes('-');
    if (o.position && (o.kind === 'modal' || (o.kind === 'banner' && corner) || (o.kind === 'toast' && !corner))) {
      ctx.addIssue({ code: 'custom', path: ['position'], message: 'a banner is top or bottom, a toast is a corner (bottom-right …), a modal has no position' });
    }
  });
export type Overlay = z.infer<typeof Overlay>;

export const TextContent = z.object({ type: z.literal('text'), value: z.string().max(MAX_CONTENT) });
export const HtmlContent = z.object({ type: z.literal('html'), value: z.string().max(MAX_CONTENT) });
export const JsonContent = z.object({ type: z.literal('json'), value: z.string().max(MAX_CONTENT) });
export const ChangesContent = z.object({ type: z.literal('changes'), value: z.array(Change).min(1).max(50), css: z.string().max(16 * 1024).optional() });
export const RedirectContent = z.object({ type: z.literal('redirect'), url: RedirectUrl });
export const OverlayContent = z.object({ type: z.literal('overlay'), value: Overlay });

export const VariantContentSchema = z.discriminatedUnion('type', [TextContent, HtmlContent, JsonContent, ChangesContent, RedirectContent, OverlayContent]);

export type Change = z.infer<typeof Change>;
export type VariantContent = z.infer<typeof VariantContentSchema>;
export type ContentType = VariantContent['type'];

/** Compile-time check: content-rules.ts's three lists name exactly these types, each once. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const LISTS_NAME_EVERY_TYPE: Exactly<(typeof SLOT_CONTENT)[number] | (typeof PAGE_CONTENT)[number] | (typeof OVERLAY_CONTENT)[number], ContentType> = true;
void LISTS_NAME_EVERY_TYPE;
