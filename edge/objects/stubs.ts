/**
 * How every Durable Object is reached: by a name made here and nowhere else, so two callers can
 * never spell one object's name two ways.
 */
import type { Env } from '../env';
import { identifierKey, type Identifier } from '../profiles/identifiers';

function byName<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return ns.get(ns.idFromName(name));
}

/** One visitor's profile (a profile id is unique within its site). */
export const profileStub = (env: Env, site: string, profileId: string) => byName(env.PROFILES, `${site}/${profileId}`);

/** One identifier of one site, and the profile that claimed it. */
export const identityStub = (env: Env, site: string, id: Identifier) => byName(env.IDENTITIES, identifierKey(site, id));

/** A site's configuration: audiences, experiences, settings. */
export const siteStub = (env: Env, site: string) => byName(env.SITES, site);

/** The list of sites and the proxy-mode hosts of each: one object for the whole deployment. */
export const siteIndexStub = (env: Env) => byName(env.SITE_INDEX, 'all');

/** A site's recent events and the live sockets watching them. */
export const feedStub = (env: Env, site: string) => byName(env.FEEDS, site);

/** One shard of an experiment's counters. */
export const statsShard = (env: Env, site: string, experience: string, shard: number) => byName(env.STATS, `${site}\n${experience}\n${shard}`);

/** One shard of a site's attribution credits. */
export const attributionShard = (env: Env, site: string, shard: number) => byName(env.ATTRIBUTION, `${site}\n${shard}`);

/** One shard of a site's traffic counters and saved funnels. */
export const trafficShard = (env: Env, site: string, shard: number) => byName(env.TRAFFIC, `${site}\n${shard}`);

/** Dashboard sessions and throttled admin authentication: one object for the whole deployment. */
export const adminAccessStub = (env: Env) => byName(env.ADMIN_ACCESS, 'all');

/** A site's webhook destinations, their delivery log and dead letters. */
export const destinationHub = (env: Env, site: string) => byName(env.DESTINATIONS, site);
