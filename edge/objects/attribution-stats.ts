import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { CreditIncrement } from '../profiles/attribution-store';
import { SEEN_SCHEMA, firstTime, fromAllShards } from './shards';
import { attributionShard } from './stubs';

/** One row of credited conversions and revenue. */
export interface CreditSum {
  channel: string;
  campaign: string | null;
  referralCode: string | null;
  conversions: number;
  revenue: number;
}

/**
 * One shard of a site's attribution: conversions and revenue credited per model, goal, day,
 * channel, campaign and referral code. Profiles send credits (never raw events); a key seen before
 * changes nothing, so a retried conversion credits once.
 */
export class AttributionStats extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      ${SEEN_SCHEMA}
      CREATE TABLE IF NOT EXISTS credits (
        model TEXT NOT NULL, goal TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL,
        campaign TEXT NOT NULL, referral_code TEXT NOT NULL, conversions REAL NOT NULL, revenue REAL NOT NULL,
        PRIMARY KEY (model, goal, day, channel, campaign, referral_code)
      );
    `);
  }

  apply(items: CreditIncrement[]): number {
    let applied = 0;
    this.ctx.storage.transactionSync(() => {
      for (const i of items) {
        if (!firstTime(this.sql, i.key)) continue;
        for (const c of i.credits) {
          // '' stands for "none" in the key columns (SQLite treats NULLs as distinct in a primary key).
          this.sql.exec(
            `INSERT INTO credits (model, goal, day, channel, campaign, referral_code, conversions, revenue) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (model, goal, day, channel, campaign, referral_code) DO UPDATE SET
               conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue`,
            i.model, i.goal, i.day, c.channel, c.campaign ?? '', c.referralCode ?? '', c.conversions, c.revenue,
          );
        }
        applied++;
      }
    });
    return applied;
  }

  /** Credits for one model, optionally one goal, within [from, to] (days, inclusive). */
  read(model: string, goal: string | null, from: string, to: string): CreditSum[] {
    return this.sql
      .exec<{ channel: string; campaign: string; referral_code: string; conversions: number; revenue: number }>(
        `SELECT channel, campaign, referral_code, SUM(conversions) AS conversions, SUM(revenue) AS revenue FROM credits
         WHERE model = ? AND day >= ? AND day <= ? AND (? IS NULL OR goal = ?)
         GROUP BY channel, campaign, referral_code`,
        model, from, to, goal, goal,
      )
      .toArray()
      .map((r) => ({ channel: r.channel, campaign: r.campaign || null, referralCode: r.referral_code || null, conversions: r.conversions, revenue: r.revenue }));
  }
}

export async function readCredits(env: Env, site: string, model: string, goal: string | null, from: string, to: string): Promise<CreditSum[]> {
  return fromAllShards(async (s) => await attributionShard(env, site, s).read(model, goal, from, to));
}
