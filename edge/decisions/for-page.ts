import { type Experience, type Slot } from '../../protocol/admin';
import { isOverlayExperience } from '../../protocol/experience-target';
import type { DecideResponse, ExperienceReason, PageTrigger } from '../../protocol/decide';
import { OVERLAY_SLOT_PREFIX } from '../../protocol/markup';
import { urlPatternMatches } from '../../protocol/url-pattern';
import { slotOf } from '../engine/assign';

/** What of a site's config a page's decision reads (edge/objects/site.ts's SiteConfig has it): pure, no Workers API. */
interface PageConfig {
  experiences: Experience[];
  slots: Slot[];
}

/** Which of a site's experiences a page can be decided by, and which wait there for a trigger. */

/** Experiences in the order they claim slots: highest priority first, equal priorities oldest first. */
export function byPriority(config: PageConfig) {
  return config.experiences.slice().sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
}

/** Whether the site personalizes pages that mark no slot: declared slots, or live page or overlay experiences. */
export function changesPages(config: PageConfig): boolean {
  return (
    config.slots.length > 0 ||
    config.experiences.some((e) => (e.page != null || isOverlayExperience(e)) && (e.status === 'running' || e.status === 'paused'))
  );
}

/**
 * What a page can be decided: the site's slots declared for this URL (by selector), and the
 * experiences that apply here — page and overlay experiences whose pattern matches (an overlay
 * experience without one: every page), slot experiences unless their slot is declared for other
 * pages only. `marked` are the slots the page itself marks; a request naming only `!<id>` keys
 * asks for triggered experiences whose trigger fired, and gets just those. A triggered experience
 * is decided only when asked for so (or `embed`, proxy mode); else it is one of the page's
 * `triggered`, which the tag watches.
 */
export function forPage(config: PageConfig, url: string, marked?: readonly string[], embed = false) {
  const declared = new Map(config.slots.map((s) => [s.name, s]));
  const here = config.slots.filter((s) => !s.urlPattern || urlPatternMatches(s.urlPattern, url));
  const applies = (e: Experience) =>
    e.page != null
      ? urlPatternMatches(e.page, url)
      : isOverlayExperience(e) || !declared.has(e.slot ?? '') || here.some((s) => s.name === e.slot) || !!marked?.includes(e.slot ?? '');
  const fired = !!marked?.[0] && marked.every((s) => s.startsWith(OVERLAY_SLOT_PREFIX));
  const matching = byPriority(config).filter(applies);
  const waits = (e: Experience) => e.trigger != null && !embed && !marked?.includes(slotOf(e));
  const experiences = matching.filter((e) => !waits(e));
  // The page's triggers: its running triggered experiences not asked for now (embedded, all of them: decided with the page).
  const triggered = matching.filter((e) => e.trigger != null && e.status === 'running' && (embed || !marked?.includes(slotOf(e))));
  const pageWide = (e: Experience) => e.page != null || (isOverlayExperience(e) && (e.trigger == null || embed));
  const slots = fired ? marked.slice() : marked && [...new Set([...marked, ...here.map((s) => s.name), ...experiences.filter(pageWide).map(slotOf)])];
  return { experiences, slots, triggered, selectors: new Map(here.map((s) => [s.name, s.selector])) };
}

/**
 * The page's triggers for the tag (for a visitor in the holdout: none). Embedded (proxy mode), each
 * carries its decision, taken out of the page's decisions: it shows only when it fires — unless the
 * visitor is not in its audience yet, which the triggering event itself may change: then the tag
 * asks when it fires, with the event counted.
 */
export function pageTriggers(
  triggered: Experience[],
  decisions: DecideResponse['decisions'],
  embed: boolean,
  held: boolean,
  reasons: Readonly<Record<string, ExperienceReason>> = {},
): PageTrigger[] {
  if (held) return [];
  return triggered.map((e) => {
    const key = slotOf(e);
    const t: PageTrigger = { experience: e.id, on: e.trigger!, ...(e.frequency && { frequency: e.frequency }) };
    // Not in the audience now: the triggering event may change that, so the tag asks when it fires.
    if (embed && reasons[e.id] !== 'not_in_audience') t.decision = decisions[key] ?? null;
    delete decisions[key];
    return t;
  });
}

