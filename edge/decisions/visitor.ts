import { isOverlayExperience, SITE_DEFAULTS } from '../../protocol/admin';
import type { DecideResponse, PageTrigger } from '../../protocol/decide';
import { OVERLAY_SLOT_PREFIX } from '../../protocol/markup';
import { OVERLAY_DEFAULTS } from '../../protocol/triggers';
import { newVisitorContext, requestFields, type RequestFacts } from '../engine/context';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { resolveProfile, tokenFor } from '../profiles/address';
import { onLiveProfile } from '../profiles/resolve';
import { evaluateDecision, evaluateFromDigest, type DecisionInput, type Evaluated } from './evaluate';
import { debugParam, verifyDebug } from './debug';
import { previewParam, verifyPreview } from './preview';
import type { Experience } from '../../protocol/admin';
import { urlPatternMatches } from '../../protocol/url-pattern';
import { slotOf, type Assignment } from '../engine/assign';
import { digestFromContext, unrecorded, withAssignments, type DigestData } from '../engine/digest';
import { needsOf } from './digest-needs';
import { destinationRoutes } from '../destinations/routes-cache';

export interface VisitorRequest {
  site: string;
  anonymousId: string;
  profileToken?: string;
  slots?: string[];
  url: string;
  referrer?: string;
  lang?: string;
  userAgent: string;
  cf?: RequestFacts['cf'];
  /** A preview token; else one in the page URL's attune_preview parameter is used. */
  preview?: string;
  /** A debug token; else one in the page URL's attune_debug parameter is used. */
  debug?: string;
  /** The browser sent events its token has not answered for: the profile decides, not the digest. */
  fresh?: boolean;
  now: number;
  /** Keeps background work (recording assignments made from a digest) alive past the answer. */
  waitUntil(p: Promise<unknown>): void;
  /**
   * The edge has just minted this visitor's id (proxy mode, first page view): there is no history
   * to read and no profile object is made — crawlers that never run the tag leave nothing behind.
   */
  newVisitor?: boolean;
  /**
   * Proxy mode: triggered experiences are decided now too and embedded in their triggers, so the
   * tag shows them with no request when they fire.
   */
  embedTriggers?: boolean;
  /** Told what decided (for the Server-Timing header): the digest, the profile object, or the edge for a new visitor. */
  decidedBy?(source: 'digest' | 'profile' | 'new'): void;
}

/** Experiences in the order they claim slots: highest priority first, equal priorities oldest first. */
export function byPriority(config: SiteConfig) {
  return config.experiences.slice().sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
}

/** Whether the site personalizes pages that mark no slot: declared slots, or live page or overlay experiences. */
export function changesPages(config: SiteConfig): boolean {
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
export function forPage(config: SiteConfig, url: string, marked?: readonly string[], embed = false) {
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
  const triggered = matching.filter((e) => waits(e) && e.status === 'running');
  const pageWide = (e: Experience) => e.page != null || (isOverlayExperience(e) && (e.trigger == null || embed));
  const slots = fired ? marked.slice() : marked && [...new Set([...marked, ...here.map((s) => s.name), ...experiences.filter(pageWide).map(slotOf)])];
  return { experiences, slots, triggered, selectors: new Map(here.map((s) => [s.name, s.selector])) };
}

/**
 * The page's triggers for the tag (without the visitor's holdout: none). Embedded (proxy mode),
 * each carries its decision, taken out of the page's decisions: it shows only when it fires.
 */
function pageTriggers(triggered: Experience[], decisions: DecideResponse['decisions'], embed: boolean, held: boolean): PageTrigger[] {
  if (held) return [];
  return triggered.map((e) => {
    const key = slotOf(e);
    const t: PageTrigger = { experience: e.id, on: e.trigger!, ...(e.frequency && { frequency: e.frequency }) };
    if (embed) {
      t.decision = decisions[key] ?? null;
      delete decisions[key];
    }
    return t;
  });
}

/**
 * One visitor's decisions, shared by /v1/decide and proxy mode. From the digest sealed in the
 * browser's profile token when it covers them (edge/engine/digest.ts): no Durable Object is asked,
 * and assignments made here are recorded by the profile in the background. Otherwise the profile
 * object decides (one hop with a valid token), and answers with a fresh digest.
 */
export async function decideForVisitor(env: Env, config: SiteConfig, req: VisitorRequest): Promise<DecideResponse> {
  const profile = await resolveProfile(env, req.site, req.anonymousId, req.profileToken, req.now);
  const embed = !!req.embedTriggers;
  const page = forPage(config, req.url, req.slots, embed);
  const { experiences, slots, selectors } = page;
  // Proxy mode decides the triggered experiences now (forPage put them in `experiences`): they are its triggers.
  const triggered = embed ? experiences.filter((e) => e.trigger != null && e.status === 'running') : page.triggered;
  const preview = await verifyPreview(env, req.site, req.preview ?? previewParam(req.url), req.now);
  let profileId = profile.profileId;
  /** What the answer's token seals; undefined keeps the browser's token. */
  let digest: DigestData | null | undefined;
  let res: Omit<DecideResponse, 'profileToken'> = { decisions: {}, audiences: [] };
  if (experiences.length > 0 || config.audiences.length > 0 || triggered.length > 0) {
    const fields = requestFields({
      url: req.url,
      referrer: req.referrer,
      lang: req.lang,
      userAgent: req.userAgent,
      cf: req.cf,
      now: req.now,
    });
    const input: DecisionInput = {
      site: req.site,
      profileId,
      anonymousId: req.anonymousId,
      experiences,
      audiences: config.audiences,
      fields,
      holdout: config.site.holdout ?? SITE_DEFAULTS.holdout,
      slots,
      preview: preview ? { experience: preview.experience, variant: preview.variant } : undefined,
      now: req.now,
    };
    // Audience changes are worked out by the profile from this decision, for the destinations that want them.
    const destinations = config.audiences.length > 0 ? await destinationRoutes(env, req.site) : [];
    const needs = needsOf(config, destinations);
    let out: Omit<Evaluated, 'newAssignments'>;
    if (req.newVisitor) {
      // No history and no profile object: decided here, and the digest carries the assignments
      // until the tag's first report creates the profile, which adopts them.
      const ctx = newVisitorContext(fields, req.now);
      const { newAssignments, ...decided } = evaluateDecision(input, () => ctx, new Map());
      out = decided;
      digest = withAssignments(digestFromContext(ctx, new Map(), needs), newAssignments);
      req.decidedBy?.('new');
    } else {
      const held = req.fresh ? null : profile.digest;
      const fromDigest = held && evaluateFromDigest(input, held, needs);
      if (held && fromDigest) {
        const { newAssignments, ...decided } = fromDigest;
        out = decided;
        req.decidedBy?.('digest');
        if (newAssignments.length > 0) {
          digest = withAssignments(held, newAssignments);
          if (held.o) req.waitUntil(remember(env, req, profileId, newAssignments));
        }
      } else {
        const live = await onLiveProfile(env, req.site, profileId, async (stub, id) =>
          await stub.decide({ ...input, profileId: id, needs, adopt: unrecorded(profile.digest), ...(destinations.length > 0 && { destinations }) }),
        );
        profileId = live.profileId;
        const { digest: fresh, ...decided } = live.result;
        out = decided;
        digest = fresh ?? null;
        req.decidedBy?.('profile');
      }
    }
    const { decisions, audiences, holdout } = out;
    // A declared slot's decision says where the tag finds it; the page marks no element for it.
    for (const [slot, d] of Object.entries(decisions)) {
      const selector = selectors.get(slot);
      if (selector) d.selector = selector;
    }
    // A visitor hears only why what they got was decided: the site's other experiences (drafts,
    // other slots, other audiences) are named only to a preview or debug token from the admin API.
    const everything = preview || (await verifyDebug(env, req.site, req.debug ?? debugParam(req.url), req.now));
    const triggers = pageTriggers(triggered, decisions, embed, holdout);
    const reasons = everything ? out.reasons : Object.fromEntries(Object.values(decisions).map((d) => [d.experience, out.reasons[d.experience] ?? d.reason]));
    const overlays = triggers.length > 0 || Object.keys(decisions).some((k) => k.startsWith(OVERLAY_SLOT_PREFIX));
    res = {
      decisions,
      audiences,
      ...(holdout && { holdout }),
      reasons,
      ...(triggers.length > 0 && { triggers }),
      ...(overlays && { overlay: config.site.overlays ?? OVERLAY_DEFAULTS }),
    };
  }
  return { profileToken: await tokenFor(env, req.site, profile, profileId, digest, req.now), ...res };
}

/** Records assignments made from a digest in the visitor's profile, after the answer (best effort: the digest carries them meanwhile). */
function remember(env: Env, req: VisitorRequest, profileId: string, made: Assignment[]): Promise<unknown> {
  return onLiveProfile(env, req.site, profileId, async (stub) => await stub.remember(req.anonymousId, made, req.now)).catch((err: unknown) =>
    console.error('recording assignments made from a digest failed', err),
  );
}
