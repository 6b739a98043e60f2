import { Hono } from 'hono';
import type { Slot } from '../../protocol/admin';
import { SlotName } from '../../protocol/decide';
import type { FeedEvent } from '../../protocol/events';
import { RULE_FIELDS, type RuleField } from '../engine/fields';
import type { AppEnv } from '../env';
import { feedStub, siteStub } from '../objects/stubs';
import { requireAdminSite } from './sites';

/**
 * GET /api/sites/:site/fields — what a rule can use, for the dashboard's pickers: the request and
 * profile fields the rule engine reads (each with a short label; the one list, derived from the
 * engine's context in edge/engine/fields.ts), and the event names, trait keys and slot names
 * the site's recent activity shows.
 */
export const fields = new Hono<AppEnv>();

export type { RuleField };

export interface SiteFields {
  fields: RuleField[];
  /** Names of track and signal events seen lately, most frequent first. */
  events: string[];
  /** Keys of identify traits seen lately, most frequent first. */
  traits: string[];
  /** Slot names seen in exposures lately (most frequent first), then declared slots not seen. */
  slots: string[];
}

/** How many of each list the answer holds. */
export const MAX_SEEN = 200;

/** Names by how often they occur, most first (ties by name), at most MAX_SEEN. */
function byFrequency(names: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, MAX_SEEN).map(([n]) => n);
}

/** Identify rows keep who they named beside the traits (edge/profiles/record.ts): not traits. */
const NOT_TRAITS = new Set(['userId', 'refused']);

/** Event names, trait keys and slot names in a site's recent events. Pure. */
export function seenIn(events: readonly FeedEvent[], declared: readonly string[] = []): Omit<SiteFields, 'fields'> {
  const names: string[] = [];
  const traits: string[] = [];
  const slots: string[] = [];
  for (const e of events) {
    if ((e.type === 'track' || e.type === 'signal') && e.name && !e.name.startsWith('$')) names.push(e.name);
    if (e.type === 'identify' && e.props) traits.push(...Object.keys(e.props).filter((k) => !NOT_TRAITS.has(k)));
    const slot = e.type === 'track' && e.name === '$exposure' ? e.props?.slot : undefined;
    // Only names an experience could target: a page experience's exposure names no slot.
    if (typeof slot === 'string' && SlotName.safeParse(slot).success) slots.push(slot);
  }
  const seenSlots = byFrequency(slots);
  const more = declared.filter((s) => !seenSlots.includes(s));
  return { events: byFrequency(names), traits: byFrequency(traits), slots: [...seenSlots, ...more].slice(0, MAX_SEEN) };
}

fields.get('/', async (c) => {
  const key = c.req.param('site') as string;
  await requireAdminSite(c.env, key);
  const [recent, declared] = await Promise.all([feedStub(c.env, key).recent(1000), siteStub(c.env, key).listDocs('slots')]);
  const body: SiteFields = { fields: [...RULE_FIELDS], ...seenIn(recent as FeedEvent[], (declared as Slot[]).map((s) => s.name)) };
  return c.json(body);
});
