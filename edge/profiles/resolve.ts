import type { Site } from '../../protocol/admin';
import { byAge, planMerge, type MergeSide } from '../engine/merge-plan';
import type { Env } from '../env';
import { profileIdForAnonymous } from './address';
import { uniqueIdentifiers, type Identifier } from './identifiers';
import { destinationHub, feedStub, identityStub, profileStub } from '../objects/stubs';

/**
 * Identity across objects. A merged-away profile forwards to its survivor, and a profile only ever
 * forwards to a smaller profile id, so forward chains cannot loop and two merges racing in opposite
 * directions agree on the survivor.
 */
const MAX_HOPS = 16;

/** The live profile a profile id stands for now. */
export async function followForward(env: Env, site: string, profileId: string): Promise<string> {
  let id = profileId;
  for (let i = 0; i < MAX_HOPS; i++) {
    const next = await profileStub(env, site, id).forwardedTo();
    if (!next) return id;
    id = next;
  }
  throw new Error(`forward chain from ${profileId} is longer than ${MAX_HOPS}`);
}

/**
 * Merges the profiles behind `a` and `b` into one and returns the survivor: the smaller id. Safe to
 * retry and to race: the retiring profile forwards before it hands over its data, the survivor
 * takes in data idempotently, and if either side moved meanwhile the merge resolves again.
 */
export async function mergeProfiles(env: Env, site: string, a: string, b: string, now: number): Promise<string> {
  for (let attempt = 0; attempt < MAX_HOPS; attempt++) {
    const [x, y] = await Promise.all([followForward(env, site, a), followForward(env, site, b)]);
    if (x === y) return x;
    const [survivor, retiring] = byAge(x, y);
    const handed = await profileStub(env, site, retiring).beginMerge(survivor);
    if ('forward' in handed) continue; // it merged elsewhere meanwhile: resolve again
    // The survivor may itself have merged away meanwhile: the data follows its forwards.
    let target = survivor;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const res = await profileStub(env, site, target).absorb(handed.data, now);
      if (!('forward' in res)) return target;
      target = res.forward;
    }
  }
  throw new Error(`could not merge ${a} and ${b}`);
}

export type Limits = Site['identifierLimits'];

/** What planning a merge needs to know about a live profile. */
async function mergeSide(env: Env, site: string, profileId: string): Promise<MergeSide> {
  const stub = profileStub(env, site, profileId);
  const [identifiers, refuses] = await Promise.all([stub.knownIdentifiers(), stub.separatedFrom()]);
  return { profileId, identifiers: identifiers.map((id) => `${id.type}:${id.value}`), refuses };
}

/**
 * Links a profile to the identifiers an identify named. An identifier claimed by another profile
 * means the two are one person: they merge, unless that would break the site's identifier limits
 * (two user ids in one profile are two people). Returns the profile the visitor is now.
 */
export async function linkIdentifiers(env: Env, site: string, profileId: string, ids: Identifier[], now: number, limits: Limits): Promise<string> {
  let current = profileId;
  for (const id of uniqueIdentifiers(ids)) {
    const { owner, refused } = await identityStub(env, site, id).claim(current, now, limits.profilesPerIdentifier);
    if (refused || owner === current) continue;
    const [x, y] = await Promise.all([followForward(env, site, current), followForward(env, site, owner)]);
    if (x === y) continue;
    const plan = planMerge(await mergeSide(env, site, x), await mergeSide(env, site, y), limits);
    if ('refused' in plan) continue;
    current = await mergeProfiles(env, site, current, owner, now);
  }
  return current;
}

/**
 * Runs `call` on the profile, following forwards when it was merged away, and says which profile
 * answered. One hop in the common case; a merged browser's next request carries the new token.
 */
export async function onLiveProfile<R extends object>(
  env: Env,
  site: string,
  profileId: string,
  call: (stub: ReturnType<typeof profileStub>, profileId: string) => Promise<R>,
): Promise<{ profileId: string; result: Exclude<R, { forward: string }> }> {
  let id = profileId;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const result: R = await call(profileStub(env, site, id), id);
    if (!('forward' in result)) return { profileId: id, result: result as Exclude<R, { forward: string }> };
    id = (result as { forward: string }).forward;
  }
  throw new Error(`forward chain from ${profileId} is longer than ${MAX_HOPS}`);
}

/**
 * Erases a person: the live profile, every profile merged into it (they keep copies for unmerge),
 * the objects of the identifiers they claimed, every entry of the site's activity feed that
 * names one of those profiles or browsers, and the webhook dead letters and delivery log entries
 * of their messages. Each object's storage goes as a whole. Returns the
 * erased profile ids.
 */
export async function eraseProfile(env: Env, site: string, profileId: string): Promise<string[]> {
  const first = await profileStub(env, site, profileId).erase();
  const others = await Promise.all(first.mergedFrom.map((from) => profileStub(env, site, from).erase()));
  const all = [first, ...others];
  const identifiers = uniqueIdentifiers(all.flatMap((e) => e.identifiers));
  await Promise.all(identifiers.map((id) => identityStub(env, site, id).release()));
  const erased = [profileId, ...first.mergedFrom];
  await feedStub(env, site).forget(erased, [...new Set(all.flatMap((e) => e.anonymousIds))]);
  await destinationHub(env, site).forget(erased);
  return erased;
}

/**
 * Undoes a recorded merge: `from` lives again with its own data plus what its browsers sent since,
 * and the survivor gives back exactly the events and identifiers the merge brought. The two are
 * marked never to merge again on their own. False when the survivor has no such merge.
 */
export async function unmergeProfile(env: Env, site: string, survivor: string, from: string): Promise<boolean> {
  const retired = profileStub(env, site, from);
  const history = await retired.mergedFrom();
  const out = await profileStub(env, site, survivor).split(from, history);
  if (!out) return false;
  await retired.restore(out, survivor);
  return true;
}

/**
 * Segment's alias: `previousId` (an earlier anonymous id or user id) is the same person as the
 * profile now. Merges the two when the earlier identity exists, within the same limits as identify.
 */
export async function aliasProfile(env: Env, site: string, profileId: string, previousId: string, now: number, limits: Limits): Promise<string> {
  const byUser = await identityStub(env, site, { type: 'user', value: previousId }).owner();
  const previous = byUser ?? (/^[A-Za-z0-9_-]{8,64}$/.test(previousId) ? await profileIdForAnonymous(site, previousId) : null);
  if (!previous || !(await profileStub(env, site, previous).snapshot())) return profileId;
  const [x, y] = await Promise.all([followForward(env, site, profileId), followForward(env, site, previous)]);
  if (x === y || 'refused' in planMerge(await mergeSide(env, site, x), await mergeSide(env, site, y), limits)) return x;
  return mergeProfiles(env, site, x, y, now);
}
