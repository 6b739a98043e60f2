import * as z from 'zod';
import type { VariantContent } from './content';
import type { Frequency, OverlaySettings, Trigger } from './triggers';
import { SLOT_NAME } from './content-rules';
import { ClientId, SiteKey } from './events';
import { MAX_PROFILE_TOKEN, MAX_STRING } from './limits';

export const SlotName = z.string().regex(SLOT_NAME, 'must be 1-64 characters of A-Z a-z 0-9 _ -');

/** What a decide request may name: a slot, or `!<experience id>` — an overlay experience whose trigger just fired. */
export const DecideSlot = z
  .string()
  .refine((s) => SLOT_NAME.test(s) || /^![a-z0-9][a-z0-9_-]{0,62}$/.test(s), 'must be a slot name (1-64 characters of A-Z a-z 0-9 _ -) or !<experience id>');

export const DecideContext = z.object({
  url: z.string().max(MAX_STRING),
  path: z.string().max(MAX_STRING).optional(),
  referrer: z.string().max(MAX_STRING).optional(),
  lang: z.string().max(35).optional(),
  tz: z.string().max(64).optional(),
});

export const DecideRequest = z.object({
  /** A signed preview token (from the admin API); also read from the URL's attune_preview parameter. */
  preview: z.string().max(1024).optional(),
  /** A debug token (from the admin API; also the URL's attune_debug parameter): `reasons` then covers every experience. */
  debug: z.string().max(1024).optional(),
  site: SiteKey,
  anonymousId: ClientId,
  profileToken: z.string().max(MAX_PROFILE_TOKEN).optional(),
  /**
   * The browser sent events its profile token has not answered for (the tag knows): the profile
   * itself decides, not the digest sealed in the token.
   */
  fresh: z.boolean().optional(),
  slots: z.array(DecideSlot).max(50).optional(),
  context: DecideContext,
});

export type DecideContext = z.infer<typeof DecideContext>;
export type DecideRequest = z.infer<typeof DecideRequest>;

export type { ContentType, VariantContent, Change } from './content';

/** Why a decision came out as it did; shown in debug tools. */
export type DecisionReason = 'matched' | 'sticky' | 'not_allocated' | 'fallback' | 'preview';

/**
 * Why each of the site's experiences did or did not decide a slot for this visitor (debugging):
 * a decision reason, or why it was skipped.
 */
export type ExperienceReason =
  | DecisionReason
  | 'control' // assigned to a variant that keeps the default content
  | 'not_in_audience'
  | 'holdout'
  | 'draft'
  | 'paused'
  | 'ended'
  | 'slot_taken' // a higher-priority experience decided the slot
  | 'slot_not_requested';

export interface Decision {
  experience: string;
  variant: string;
  /** A slot the site declared by selector (not marked in the page): where the tag finds it. */
  selector?: string;
  /** null: keep the slot's default content (a control variant with no content). */
  content: VariantContent | null;
  reason: DecisionReason;
}

export interface DecideResponse {
  profileToken: string;
  decisions: Record<string, Decision>;
  audiences: string[];
  /** The visitor is in the site's holdout group: every slot keeps its default. */
  holdout?: boolean;
  /**
   * Per experience id, why it decided: only the experiences that decided a slot for this visitor,
   * unless the request carried a preview or debug token — then every experience, with why each
   * did not (see ExperienceReason).
   */
  reasons?: Record<string, ExperienceReason>;
  /**
   * The overlay experiences of this page that wait for a trigger: the tag watches for each and,
   * when one fires, asks for `!<experience>` (or, in proxy mode, shows the decision embedded here).
   * Present, with `overlay`, only when the page has overlay experiences.
   */
  triggers?: PageTrigger[];
  /**
   * When this answer has overlays or triggers: the site's overlay look and rules, and the
   * versioned path of the tag's overlay module (attune-overlay.js), which shows them.
   */
  overlay?: OverlaySettings & { module: string };
}

export interface PageTrigger {
  experience: string;
  on: Trigger;
  /** How often it may be shown (absent: once per session). */
  frequency?: Frequency;
  /**
   * Proxy mode: decided already, shown with no request when the trigger fires (null: this visitor
   * gets nothing from it). Absent: the tag asks when the trigger fires.
   */
  decision?: Decision | null;
}
