import type * as z from 'zod';
import type { ContentType } from './content';
import { OVERLAY_CONTENT, PAGE_CONTENT, SLOT_CONTENT } from './content-rules';
import { OVERLAY_CLICK } from './markup';

/**
 * What an experience targets — a slot, pages, or overlays the tag draws — and what follows from it:
 * which content its variants may have, whether it may wait for a trigger, what it counts as a
 * conversion. Shared by the admin schema (protocol/admin.ts), decisions, measurement and the dashboard.
 */
export interface Target {
  slot?: string | null;
  page?: string | null;
  trigger?: unknown;
  frequency?: unknown;
  variants: { content: { type: ContentType } | null }[];
}

/**
 * An overlay experience shows banners, toasts or modals the tag renders (no slot): it has an
 * overlay variant or a trigger. Its decision key is `!<id>` (edge/engine/assign.ts).
 */
export const isOverlayExperience = (e: Target): boolean =>
  e.slot == null && (e.trigger != null || e.variants.some((v) => v.content != null && (OVERLAY_CONTENT as readonly string[]).includes(v.content.type)));

/**
 * The conversions an experience counts: its goals, and for an overlay experience a press of one of
 * its overlay's buttons (`$overlay_click`), automatically — first when it names no goal, so a
 * bandit learns on it.
 */
export const goalsOf = (e: Target & { goals: readonly string[] }): readonly string[] =>
  isOverlayExperience(e) && !e.goals.includes(OVERLAY_CLICK) ? [...e.goals, OVERLAY_CLICK] : e.goals;

/**
 * A slot experience fills a slot (html, text, json); a page experience changes or redirects pages;
 * an overlay experience shows overlays (on the pages `page` matches, or every page), when the page
 * loads or when its trigger fires. Only overlay experiences take a trigger or a frequency.
 */
export function targetProblems(e: Target, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const overlay = isOverlayExperience(e);
  const isPage = e.page != null && !overlay;
  if (!overlay && (e.slot == null) === !isPage) issue(['slot'], 'give either slot (a slot to fill) or page (a URL pattern to change), not both');
  if (e.trigger != null && e.slot != null) issue(['trigger'], 'a triggered experience shows an overlay: give its variants overlay content and no slot');
  if (!overlay && e.frequency != null) issue(['frequency'], 'frequency applies to overlay experiences');
  const allowed: readonly ContentType[] = overlay ? OVERLAY_CONTENT : isPage ? PAGE_CONTENT : SLOT_CONTENT;
  e.variants.forEach((v, i) => {
    if (v.content && !allowed.includes(v.content.type)) {
      issue(
        ['variants', i, 'content', 'type'],
        overlay
          ? 'an overlay experience takes overlay content in every variant (or none: a control)'
          : isPage ? 'a page experience takes changes or redirect content' : 'a slot takes html, text or json content (changes and redirect need page; overlay needs no slot)',
      );
    }
  });
}

