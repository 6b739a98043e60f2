import { SITE_DEFAULTS } from '../../protocol/admin';
import type { DecideResponse } from '../../protocol/decide';
import { OVERLAY_SLOT_PREFIX } from '../../protocol/markup';
import { OVERLAY_DEFAULTS } from '../../protocol/triggers';
import { LAZY_MODULES } from '../generated/tag';

/** The overlay module's versioned path, which the answer names for the tag to import. */
const OVERLAY_MODULE_PATH = `/attune-overlay.js?v=${LAZY_MODULES['attune-overlay.js']?.version ?? ''}`;
import { newVisitorContext, requestFields, type RequestFacts } from '../engine/context';
import type { Env } from '../env';
import type { SiteConfig } from '../objects/site';
import { resolveProfile, tokenFor } from '../profiles/address';
import { onLiveProfile } from '../profiles/resolve';
import { evaluateDecision, evaluateFromDigest, type DecisionInput, type Evaluated } from './evaluate';
import { debugParam, verifyDebug } from './debug';
import { previewParam, verifyPreview } from './preview';
import type { Assignment } from '../engine/assign';
import { forPage, pageTriggers } from './for-page';
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
  const { experiences, slots, selectors, triggered } = page;
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
    const triggers = pageTriggers(triggered, decisions, embed, holdout, out.reasons);
    const reasons = everything ? out.reasons : Object.fromEntries(Object.values(decisions).map((d) => [d.experience, out.reasons[d.experience] ?? d.reason]));
    const overlays = triggers.length > 0 || Object.keys(decisions).some((k) => k.startsWith(OVERLAY_SLOT_PREFIX));
    res = {
      decisions,
      audiences,
      ...(holdout && { holdout }),
      reasons,
      ...(triggers.length > 0 && { triggers }),
      ...(overlays && { overlay: { ...(config.site.overlays ?? OVERLAY_DEFAULTS), module: OVERLAY_MODULE_PATH } }),
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
