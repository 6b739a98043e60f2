import type { Decision } from '../../protocol/decide';
import type { Experience } from '../../protocol/admin';
import { inTraffic, pickVariant } from './bucketing';
import { bucket } from './hash';

/** An assignment remembered by the profile: the sticky part of a decision. */
export interface Assignment {
  experience: string;
  variant: string | null; // null: evaluated and kept out of the experience (not allocated)
}

export interface DecideInput {
  profileId: string;
  /** Running experiences of the site. */
  experiences: readonly Experience[];
  /** Slots on the page; undefined means every slot the site has experiences for. */
  slots?: readonly string[];
  /** What the profile already holds, by experience id. */
  assignments: ReadonlyMap<string, Assignment>;
  /** Audience ids the visitor is in now; an experience with an audience only takes its members. */
  audiences?: ReadonlySet<string>;
  /** The site's holdout share (0..0.5): those visitors always see the defaults. */
  holdout?: number;
  /** Seed of the holdout hash: the site key, so a visitor is held out of all its experiences. */
  site?: string;
}

/** Whether a profile is in the site's holdout group; stable per site and profile. */
export function inHoldout(site: string, profileId: string, share: number): boolean {
  return share > 0 && bucket(`${site}:holdout`, profileId) < share;
}

export interface DecideOutput {
  decisions: Record<string, Decision>;
  holdout: boolean;
  /** Assignments made now that the profile must remember. */
  newAssignments: Assignment[];
}

/**
 * Decides every requested slot. Pure and total: a malformed experience yields no decision for its
 * slot (the page keeps its default), never an exception.
 *
 * Stickiness: once a profile has an assignment it keeps it, even if weights or traffic change
 * later, as long as the variant still exists.
 */
export function decideSlots(input: DecideInput): DecideOutput {
  const decisions: Record<string, Decision> = {};
  const newAssignments: Assignment[] = [];
  const wanted = input.slots ? new Set(input.slots) : null;
  if (input.site && inHoldout(input.site, input.profileId, input.holdout ?? 0)) return { decisions, newAssignments, holdout: true };

  for (const exp of input.experiences) {
    if (exp.status !== 'running') continue;
    if (wanted && !wanted.has(exp.slot)) continue;
    if (decisions[exp.slot]) continue; // first running experience wins the slot (ordered by the caller)
    // Targeting is checked on every decision: a visitor who leaves the audience sees the default
    // (and another experience may take the slot); the assignment is kept for when they return.
    if (exp.audience && !input.audiences?.has(exp.audience)) continue;

    const previous = input.assignments.get(exp.id);
    let variantKey: string | null;
    let reason: Decision['reason'];
    if (previous && (previous.variant === null || exp.variants.some((v) => v.key === previous.variant))) {
      variantKey = previous.variant;
      reason = 'sticky';
    } else if (!inTraffic(exp.id, input.profileId, exp.traffic)) {
      variantKey = null;
      reason = 'not_allocated';
      newAssignments.push({ experience: exp.id, variant: null });
    } else {
      variantKey = pickVariant(exp.id, input.profileId, exp.variants);
      reason = 'matched';
      if (variantKey) newAssignments.push({ experience: exp.id, variant: variantKey });
      else reason = 'fallback';
    }

    if (!variantKey) continue; // default content stays
    const variant = exp.variants.find((v) => v.key === variantKey);
    if (!variant) continue;
    decisions[exp.slot] = { experience: exp.id, variant: variant.key, content: variant.content, reason };
  }
  return { decisions, newAssignments, holdout: false };
}
