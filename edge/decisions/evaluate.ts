import type { Experience } from '../../protocol/admin';
import type { Audience } from '../../protocol/audience';
import type { Decision, ExperienceReason } from '../../protocol/decide';
import { decideSlots, type Assignment } from '../engine/assign';
import { digestAssignments, digestReader, type DigestData, type DigestNeeds } from '../engine/digest';
import { matches, matchesVia, Unanswerable, type RuleContext } from '../engine/rules';
import { renderContent } from './content';

/** Everything a decision needs besides the person's data. */
export interface DecisionInput {
  site: string;
  profileId: string;
  anonymousId: string;
  experiences: Experience[];
  audiences: Audience[];
  /** The request's part of the context (geo, device, URL, UTM, local time …). */
  fields: Record<string, unknown>;
  holdout: number;
  slots?: string[];
  preview?: { experience: string; variant: string };
  now: number;
}

export interface Evaluated {
  decisions: Record<string, Decision>;
  audiences: string[];
  holdout: boolean;
  reasons: Record<string, ExperienceReason>;
  newAssignments: Assignment[];
}

/**
 * One decision, pure: audience membership from the rule context, slots from the experiences and
 * the person's sticky assignments, placeholders filled from the context (escaped in HTML).
 * `context` is called only when a rule or a placeholder needs it, since building it can cost reads.
 */
export function evaluateDecision(input: DecisionInput, context: () => RuleContext, assignments: ReadonlyMap<string, Assignment>): Evaluated {
  return decideWith(input, (a) => matches(a.rule, context()), () => context().fields, assignments);
}

/**
 * The same decision from a sealed digest (edge/engine/digest.ts) instead of the profile, or null
 * when the digest does not cover it: then the profile object decides.
 */
export function evaluateFromDigest(input: DecisionInput, digest: DigestData, needs: DigestNeeds): Evaluated | null {
  const reader = digestReader(digest, needs, input.fields, input.now);
  if (!reader) return null;
  try {
    const out = decideWith(input, (a) => matchesVia(a.rule, reader.leaf), () => reader.fields, digestAssignments(digest));
    // Entering or leaving an audience is recorded by the profile, for the destinations that want it.
    if (needs.membership && !sameMembers(out.audiences, digest.m ?? [])) return null;
    return out;
  } catch (err) {
    if (err instanceof Unanswerable) return null;
    throw err;
  }
}

const sameMembers = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

function decideWith(
  input: DecisionInput,
  member: (a: Audience) => boolean,
  fields: () => Record<string, unknown>,
  assignments: ReadonlyMap<string, Assignment>,
): Evaluated {
  const members = input.audiences.filter(member).map((a) => a.id);
  const out = decideSlots({
    profileId: input.profileId,
    experiences: input.experiences,
    slots: input.slots,
    assignments,
    audiences: new Set(members),
    site: input.site,
    holdout: input.holdout,
    preview: input.preview,
  });
  for (const d of Object.values(out.decisions)) {
    if (d.content) d.content = renderContent(d.content, fields);
  }
  return { decisions: out.decisions, audiences: members, holdout: out.holdout, reasons: out.reasons, newAssignments: out.newAssignments };
}
