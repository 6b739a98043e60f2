import * as z from 'zod';
import { UrlPattern } from './admin';
import { SlotName } from './decide';
import { Selector, VariantContentSchema, type VariantContent } from './content';

/**
 * The visual editor's wire format. The editor (`/attune-editor.js`, loaded by the tag only on a
 * page whose URL carries a valid `attune_edit=<token>`) talks to the editor routes under
 * `/v1/editor/…` with the token in the `X-Attune-Editor` header (protocol/markup.ts) — never to
 * the admin API. The token is made by
 * `POST /api/sites/:site/editor-links`, is bound to one site, lasts at most an hour, and opens only
 * this site's slots and the variants (and slot or page) of its draft or paused experiences.
 */
export const EDITOR_TTL_MAX_S = 3600;

/** POST /api/sites/:site/editor-links */
export const EditorLinkRequest = z.object({
  /** The site's page to open the editor on (http or https). */
  url: z.url({ protocol: /^https?$/ }).max(2000),
  /** The experience to edit first (a draft or paused one of the site). */
  experience: z.string().max(64).optional(),
  ttlSeconds: z.number().int().min(60).max(EDITOR_TTL_MAX_S).default(EDITOR_TTL_MAX_S),
});

export interface EditorLink {
  /** The page with `attune_edit=<token>` added. */
  url: string;
  expiresAt: number;
}

/** An experience as the editor sees it: only what it may change (and what it must show). */
export interface EditorExperience {
  id: string;
  name: string;
  status: 'draft' | 'paused';
  slot: string | null;
  page: string | null;
  variants: { key: string; name?: string; content: VariantContent | null }[];
}

export interface EditorSlot {
  name: string;
  selector: string;
  urlPattern?: string;
}

/** GET /v1/editor/session */
export interface EditorSession {
  site: string;
  expiresAt: number;
  /** The experience the link was made for, if any (also in `experiences`). */
  experience: string | null;
  /** The site's draft and paused experiences. */
  experiences: EditorExperience[];
  slots: EditorSlot[];
}

/** PUT /v1/editor/slots/:name → the slot. */
export const EditorSlotBody = z.object({ selector: Selector, urlPattern: UrlPattern.optional() });

/**
 * PATCH /v1/editor/experiences/:id → the experience. Draft or paused experiences only; it may
 * point the experience at a slot or a page and set its variants' content (by key: variants are
 * added and removed in the dashboard), nothing else.
 */
export const EditorExperiencePatch = z
  .object({
    slot: SlotName.optional(),
    page: UrlPattern.optional(),
    variants: z.array(z.object({ key: z.string().min(1).max(64), content: VariantContentSchema.nullable() })).max(20).optional(),
  })
  .strict()
  .refine((p) => !(p.slot && p.page), { message: 'give slot or page, not both', path: ['slot'] });

export type EditorSlotBody = z.infer<typeof EditorSlotBody>;
export type EditorExperiencePatch = z.infer<typeof EditorExperiencePatch>;
