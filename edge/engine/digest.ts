/**
 * The sealed profile digest, pure: what the worker needs from a visitor's profile to decide without
 * asking the profile object, and deciding from it. The object computes it (edge/profiles/digest-source.ts)
 * whenever it answers; edge/profiles/token.ts seals it into the profile token. A decision from a
 * digest equals the object's, or there is none and the caller asks the object:
 * - every profile-dependent condition of the site's audiences (event counts in windows, traits,
 *   session facts, signals, recency, exposures) is carried as its truth, with the moment a true one
 *   stops holding; a condition the digest lacks (a rule changed since) or whose time ran out answers nothing;
 * - request conditions (geo, device, URL, UTM, time of day …) are evaluated here from the request;
 * - sticky assignments are carried whole; a missing one is made by hash, as the object would;
 * - the trait values variant placeholders read are carried; a placeholder reading another profile
 *   field, or a trait the digest lacks, answers nothing.
 */
import type { Audience, Rule } from '../../protocol/audience';
import type { Assignment } from './assign';
import { PROFILE_FIELDS } from './context';
import { fnv1a32 } from './hash';
import { type ContextReads, type Leaf, leafMatches, leavesOf, lookup, type RuleContext, Unanswerable } from './rules';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A trait's value, as events carry them. */
type TraitValue = string | number | boolean | null;
/** A true condition that holds until something new happens to the profile (a trait, a signal). */
export const HOLDS = -1;
/** How long a digest decides after the object computed it: bounds what another device's activity can leave unseen. */
export const DIGEST_DECIDES_MS = 30 * 60 * 1000;

export interface DigestData {
  /** When the profile computed it (epoch ms). */
  at: number;
  /** Computed by the profile object (absent: made at the edge for a visitor with no object yet). */
  o?: 1;
  /** Sticky assignments, variant by experience (null: evaluated and left out). */
  a: Record<string, string | null>;
  /** Assignments made at the edge the profile has not recorded yet: it adopts them when next asked. */
  u?: string[];
  /** Profile-dependent conditions by key: 0 false, HOLDS, or true until that epoch ms (exclusive). */
  l: Record<string, number>;
  /** The trait values placeholders read (null: the profile has none). */
  t: Record<string, TraitValue>;
  /** Session facts: the session count … */
  n: number;
  /** … and when this browser's scope was last seen (epoch ms). */
  ls: number | null;
  /** The audiences the profile last recorded membership of; only when a destination wants audience changes. */
  m?: string[];
}

/** What a site's digest must cover, worked out once per site config. */
export interface DigestNeeds {
  /** The profile-dependent conditions of the site's audiences, by key. */
  leaves: [string, Leaf][];
  /** Trait names variant placeholders read. */
  traits: string[];
  /** A placeholder reads a profile field the digest does not carry: decisions need the object. */
  uncovered: boolean;
  /** A destination wants audience entered/exited messages: membership changes need the object. */
  membership: boolean;
  /** The parts of the profile the conditions and placeholders read: the object reads only those. */
  reads: ContextReads;
}

const PROFILE_ROOTS: ReadonlySet<string> = new Set(PROFILE_FIELDS);

/** Whether a condition reads the profile (anything but the request's own fields). */
export const readsProfile = (leaf: Leaf): boolean => !('field' in leaf) || PROFILE_ROOTS.has(leaf.field.split('.')[0]!);

/** A condition's key: two hashes of its JSON (a changed rule has another key, so the digest does not cover it). */
export function leafKey(leaf: Leaf): string {
  const json = JSON.stringify(leaf);
  return fnv1a32(json).toString(36) + fnv1a32(`~${json}`).toString(36);
}

/**
 * What the digest must cover for these audiences and these placeholder paths (the `{{path}}`s of
 * every variant of the site's experiences).
 */
export function digestNeeds(audiences: readonly Audience[], placeholders: readonly string[], membership: boolean): DigestNeeds {
  const leaves = new Map<string, Leaf>();
  for (const leaf of leavesOf(audiences.map((a) => a.rule))) if (readsProfile(leaf)) leaves.set(leafKey(leaf), leaf);
  const traits = new Set<string>();
  const roots = new Set<string>();
  let uncovered = false;
  for (const path of placeholders) {
    const [root, name] = path.split('.');
    if (!PROFILE_ROOTS.has(root!)) continue;
    roots.add(root!);
    if (root === 'isNew' || root === 'sessionCount') continue;
    if (root === 'traits' && name) traits.add(name);
    else uncovered = true;
  }
  const all = [...leaves.values()];
  for (const leaf of all) if ('field' in leaf) roots.add(leaf.field.split('.')[0]!);
  const reads: ContextReads = {
    traits: roots.has('traits'),
    exposures: roots.has('exposures'),
    sessions: roots.has('isNew') || roots.has('sessionCount'),
    signals: all.some((l) => 'signal' in l),
    lastSeen: all.some((l) => 'lastSeenWithinDays' in l),
  };
  return { leaves: [...leaves], traits: [...traits], uncovered, membership, reads };
}

/** Until when a condition that is true at `ctx.now` stays true if nothing new happens. */
function trueUntil(leaf: Leaf, ctx: RuleContext): number {
  if ('lastSeenWithinDays' in leaf) return (ctx.lastSeen ?? 0) + leaf.lastSeenWithinDays * DAY_MS + 1;
  if (!('event' in leaf)) return HOLDS;
  // Newest day first: the day whose events bring the count to atLeast is the last one the window
  // must still reach; the window starts past it D days after that day begins.
  const days = ctx.counts.filter((c) => c.name === leaf.event).sort((x, y) => (x.day < y.day ? 1 : -1));
  let n = 0;
  for (const c of days) {
    n += c.n;
    if (n >= (leaf.atLeast ?? 1)) return Date.parse(`${c.day}T00:00:00Z`) + (leaf.withinDays ?? 30) * DAY_MS;
  }
  return HOLDS; // unreachable while the condition is true
}

/** The digest of a profile, from its own rule context (`ctx`: the profile's fields, counts, signals, last seen). */
export function digestFromContext(ctx: RuleContext, assignments: ReadonlyMap<string, Assignment>, needs: DigestNeeds, membership?: string[]): DigestData {
  const l: Record<string, number> = {};
  for (const [key, leaf] of needs.leaves) l[key] = leafMatches(leaf, ctx) ? trueUntil(leaf, ctx) : 0;
  const t: Record<string, TraitValue> = {};
  for (const name of needs.traits) t[name] = (lookup(ctx.fields, `traits.${name}`) as TraitValue | undefined) ?? null;
  const a: Record<string, string | null> = {};
  for (const [id, v] of assignments) a[id] = v.variant;
  const sessions = Number(ctx.fields.sessionCount ?? 0);
  return { at: ctx.now, a, l, t, n: sessions, ls: ctx.lastSeen, ...(membership && { m: membership }) };
}

/** The digest's assignments as the decision engine takes them. */
export function digestAssignments(d: DigestData): Map<string, Assignment> {
  return new Map(Object.entries(d.a).map(([experience, variant]) => [experience, { experience, variant }]));
}

/** Each condition's key by the condition itself (the site config's own objects), once per needs. */
const leafKeys = new WeakMap<DigestNeeds, Map<Leaf, string>>();
function keysOf(needs: DigestNeeds): Map<Leaf, string> {
  let keys = leafKeys.get(needs);
  if (!keys) leafKeys.set(needs, (keys = new Map(needs.leaves.map(([k, leaf]) => [leaf, k]))));
  return keys;
}

/**
 * How to read conditions from a digest at `now`, or null when the digest cannot decide at all
 * (too old, from the future, or missing traits placeholders read). The returned leaf evaluator
 * throws Unanswerable for a condition the digest lacks or whose time ran out.
 */
export function digestReader(d: DigestData, needs: DigestNeeds, fields: Record<string, unknown>, now: number) {
  if (needs.uncovered || now < d.at || now - d.at > DIGEST_DECIDES_MS) return null;
  if (needs.traits.some((name) => !(name in d.t))) return null;
  const request: RuleContext = { fields, counts: [], sessionSignals: [], lastSeen: null, now };
  const keys = keysOf(needs);
  const leaf = (l: Leaf): boolean => {
    if (!readsProfile(l)) return leafMatches(l, request);
    const v = d.l[keys.get(l) ?? leafKey(l)];
    if (v === undefined || (v > 0 && now >= v)) throw new Unanswerable();
    return v !== 0;
  };
  // The profile's fields placeholders may read: the covered traits and the session facts.
  const all = { ...fields, traits: d.t, isNew: d.n <= 1, sessionCount: d.n };
  return { leaf, fields: all };
}

/** The assignments a digest made at the edge that its profile has not recorded yet. */
export function unrecorded(d: DigestData | null): Assignment[] {
  return d ? (d.u ?? []).filter((e) => e in d.a).map((experience) => ({ experience, variant: d.a[experience] ?? null })) : [];
}

/**
 * The digest after the edge decided from it: new assignments added, and listed as made at the edge
 * until the profile's next answer, so the tag's next report carries them: the profile adopts them
 * before counting that report's exposures, even if recording them in the background (or, for a
 * visitor with no profile object yet, at all) has not happened.
 */
export function withAssignments(d: DigestData, made: readonly Assignment[]): DigestData {
  const a = { ...d.a };
  for (const x of made) a[x.experience] = x.variant;
  const u = [...new Set([...(d.u ?? []), ...made.map((x) => x.experience)])];
  return { ...d, a, ...(u.length > 0 && { u }) };
}
