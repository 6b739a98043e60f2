import * as z from 'zod';
import { PAGE_CONTENT, SAFE_CHANGE_ATTRIBUTES, SLOT_CONTENT, unsafeValue } from './content-rules';
import { selectorProblem } from './selector';

/**
 * What a variant shows. In a slot: `html`, `text` or `json` (handed to the page's own code). On a
 * page (a page experience): `changes`, a list of edits to elements found by selector — applied all
 * together or not at all — with optional CSS; or `redirect`, a split-URL test. Placeholders
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

export const TextContent = z.object({ type: z.literal('text'), value: z.string().max(MAX_CONTENT) });
export const HtmlContent = z.object({ type: z.literal('html'), value: z.string().max(MAX_CONTENT) });
export const JsonContent = z.object({ type: z.literal('json'), value: z.string().max(MAX_CONTENT) });
export const ChangesContent = z.object({ type: z.literal('changes'), value: z.array(Change).min(1).max(50), css: z.string().max(16 * 1024).optional() });
export const RedirectContent = z.object({ type: z.literal('redirect'), url: RedirectUrl });

export const VariantContentSchema = z.discriminatedUnion('type', [TextContent, HtmlContent, JsonContent, ChangesContent, RedirectContent]);

export type Change = z.infer<typeof Change>;
export type VariantContent = z.infer<typeof VariantContentSchema>;
export type ContentType = VariantContent['type'];

/** Compile-time check: content-rules.ts's two lists name exactly these types, each once. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const LISTS_NAME_EVERY_TYPE: Exactly<(typeof SLOT_CONTENT)[number] | (typeof PAGE_CONTENT)[number], ContentType> = true;
void LISTS_NAME_EVERY_TYPE;
