/**
 * Attribution inside a profile object: when a conversion arrives, its credits under every model
 * are worked out here, from this person's sessions (all their devices, once merged), and only the
 * credits leave — through the same outbox as the experiment counters — to the site's attribution
 * shards. Reports add shards up and never scan profiles. Keyed by event id and model, so a
 * retried batch credits once.
 */
import { MODELS, attribute, type AttributionTouch } from '../measure/attribution';
import { classifyTouch } from '../measure/channels';
import type { StoredEvent } from '../../protocol/events';
import { valueOf } from './measure-store';

const DAY_MS = 86_400_000;

/** What the profile needs to know about the site to attribute. */
export interface AttributionSettings {
  /** Event names that are conversions. */
  goals: string[];
  lookbackDays: number;
  halfLifeDays: number;
  /** The site's own hosts: a referrer from one of them is navigation, not a source. */
  siteHosts: string[];
}

/** One credited share, as the attribution shards store it. */
export interface CreditIncrement {
  kind: 'attribution';
  key: string;
  profile: string;
  model: string;
  goal: string;
  day: string;
  credits: { channel: string; source: string; medium: string; campaign: string | null; referralCode: string | null; conversions: number; revenue: number }[];
}

/** The person's sessions as attribution touches, oldest first. */
export function touchesOf(sql: SqlStorage, siteHosts: readonly string[], before: number, after: number): AttributionTouch[] {
  return sql
    .exec<{ ts: number; url: string | null; referrer: string | null; params: string | null }>(
      'SELECT ts, url, referrer, params FROM touches WHERE ts <= ? AND ts >= ? ORDER BY ts',
      before, after,
    )
    .toArray()
    .map((t) => {
      const c = classifyTouch({ url: t.url, referrer: t.referrer, params: t.params ? (JSON.parse(t.params) as Record<string, unknown>) : null, siteHosts });
      return { ts: t.ts, channel: c.channel, source: c.source, medium: c.medium, campaign: c.campaign, referralCode: c.referralCode };
    });
}

/** Credits a conversion event under every model and queues the credits. Returns whether it was a conversion. */
export function attributeEvent(
  sql: SqlStorage,
  profileId: string,
  e: StoredEvent,
  settings: AttributionSettings | undefined,
  enqueue: (item: CreditIncrement) => void,
): boolean {
  if (!settings || !e.name || (e.type !== 'track' && e.type !== 'signal') || !settings.goals.includes(e.name)) return false;
  const lookbackMs = settings.lookbackDays * DAY_MS;
  const touches = touchesOf(sql, settings.siteHosts, e.ts, e.ts - lookbackMs);
  const day = new Date(e.ts).toISOString().slice(0, 10);
  for (const model of MODELS) {
    const credits = attribute({ ts: e.ts, value: valueOf(e) }, touches, model, { lookbackMs, halfLifeMs: settings.halfLifeDays * DAY_MS });
    enqueue({
      kind: 'attribution',
      key: `attr:${e.id}:${model}`,
      profile: profileId,
      model,
      goal: e.name,
      day,
      credits: credits.map((c) => ({
        channel: c.touch.channel, source: c.touch.source, medium: c.touch.medium, campaign: c.touch.campaign,
        referralCode: c.touch.referralCode, conversions: c.conversions, revenue: c.value,
      })),
    });
  }
  return true;
}
