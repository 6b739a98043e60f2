import type { Decision, DecisionReason, ExperienceReason } from '../../protocol/decide';
import type { Experience } from '../../protocol/admin';
import { inTraffic, pickVariant } from './bucketing';
import { bucket } from './hash';
import { OVERLAY_SLOT_PREFIX, PAGE_SLOT_PREFIX } from '../../protocol/markup';
import { isOverlayExperience } from '../../protocol/experience-target';

/** An assignment remembered by the profile: the sticky part of a decision. */
export interface Assignment {
  experience: string;
  variant: string | null; // null: evaluated and kept out of the experience (not allocated)
}

export interface DecideInput {
  profileId: string;
  /** The site's experiences in priority order; only running ones decide (others get a reason). */
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
  /** A verified preview: this experience's variant fills its slot, for this request only. */
  preview?: { experience: string; variant: string };
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
  /** Per experience id: why it decided its slot or not. */
  reasons: Record<string, ExperienceReason>;
}

/**
 * Decides every requested slot. Pure and total: a malformed experience yields no decision for its
 * slot (the page keeps its default), never an exception.
 *
 * Stickiness: once a profile has an assignment it keeps it, even if weights or traffic change
 * later, as long as the variant still exists.
 */
/** Where an experience's decision goes: its slot, for a page experience the page (`@<id>`), for an overlay experience `!<id>`. */
export const slotOf = (exp: Pick<Experience, 'id' | 'slot' | 'trigger' | 'variants'>): string =>
  exp.slot ?? `${isOverlayExperience(exp) ? OVERLAY_SLOT_PREFIX : PAGE_SLOT_PREFIX}${exp.id}`;

export function decideSlots(input: DecideInput): DecideOutput {
  const decisions: Record<string, Decision> = {};
  const reasons: Record<string, ExperienceReason> = {};
  const newAssignments: Assignment[] = [];
  const wanted = input.slots ? new Set(input.slots) : null;
  const held = !!input.site && inHoldout(input.site, input.profileId, input.holdout ?? 0);

  // A preview shows the chosen variant whatever the status, audience or holdout, and is never remembered.
  const preview = input.preview && input.experiences.find((e) => e.id === input.preview!.experience);
  const shown = preview && preview.variants.find((v) => v.key === input.preview!.variant);
  if (preview && shown && (!wanted || wanted.has(slotOf(preview)))) {
    decisions[slotOf(preview)] = { experience: preview.id, variant: shown.key, content: shown.content, reason: 'preview' };
    reasons[preview.id] = 'preview';
  }

  for (const exp of input.experiences) {
    if (reasons[exp.id]) continue;
    const skip = (r: ExperienceReason) => void (reasons[exp.id] = r);
    if (exp.status !== 'running') { skip(exp.status); continue; }
    const slot = slotOf(exp);
    if (wanted && !wanted.has(slot)) { skip('slot_not_requested'); continue; }
    if (held) { skip('holdout'); continue; }
    if (decisions[slot]) { skip('slot_taken'); continue; } // first running experience wins the slot (ordered by the caller)
    // Targeting is checked on every decision: a visitor who leaves the audience sees the default
    // (and another experience may take the slot); the assignment is kept for when they return.
    if (exp.audience && !input.audiences?.has(exp.audience)) { skip('not_in_audience'); continue; }

    const previous = input.assignments.get(exp.id);
    let variantKey: string | null;
    let reason: DecisionReason;
    if (previous && (previous.variant === null || exp.variants.some((v) => v.key === previous.variant))) {
      variantKey = previous.variant;
      reason = previous.variant === null ? 'not_allocated' : 'sticky';
    } else if (!inTraffic(exp.id, input.profileId, exp.traffic)) {
      variantKey = null;
      reason = 'not_allocated';
      newAssignments.push({ experience: exp.id, variant: null });
    } else {
      variantKey = pickVariant(exp.id, input.profileId, weightedVariants(exp));
      reason = 'matched';
      if (variantKey) newAssignments.push({ experience: exp.id, variant: variantKey });
    }
    const variant = variantKey ? exp.variants.find((v) => v.key === variantKey) : undefined;
    if (!variant) { skip(variantKey === null && reason === 'not_allocated' ? reason : 'fallback'); continue; } // default content stays
    decisions[slot] = { experience: exp.id, variant: variant.key, content: variant.content, reason };
    reasons[exp.id] = reason;
  }
  return { decisions, newAssignments, holdout: held, reasons };
}

/**
 * The weights new visitors are split by: the marketer's weights for a fixed split; for a bandit,
 * the latest Thompson-sampling allocation where one has been computed (variants keep a weight of
 * 0 if the marketer stopped them).
 */
export function weightedVariants(exp: Pick<Experience, 'variants' | 'mode' | 'allocation'>): Experience['variants'] {
  if (exp.mode !== 'bandit' || !exp.allocation) return exp.variants;
  const alloc = exp.allocation.weights;
  return exp.variants.map((v) => ({ ...v, weight: v.weight > 0 ? (alloc[v.key] ?? v.weight) : 0 }));
}
