import type { ActivityFeed } from './objects/activity-feed';
import type { AdminAccess } from './objects/admin-access';
import type { DestinationHub } from './objects/destination-hub';
import type { DestinationMessage } from './destinations/message';
import type { FeedMessage } from './feed/producer';
import type { ExperienceStats } from './objects/experience-stats';
import type { AttributionStats } from './objects/attribution-stats';
import type { TrafficStats } from './objects/traffic-stats';
import type { TrafficMessage } from './traffic/consumer';
import type { IdentityObject } from './objects/identity';
import type { ProfileObject } from './objects/profile';
import type { SiteIndex } from './objects/site-index';
import type { SiteObject } from './objects/site';

export interface Env {
  PROFILES: DurableObjectNamespace<ProfileObject>;
  SITES: DurableObjectNamespace<SiteObject>;
  SITE_INDEX: DurableObjectNamespace<SiteIndex>;
  FEEDS: DurableObjectNamespace<ActivityFeed>;
  IDENTITIES: DurableObjectNamespace<IdentityObject>;
  /** Sharded experiment counters (exposures, conversions, revenue per variant and day). */
  STATS: DurableObjectNamespace<ExperienceStats>;
  /** Sharded attribution credits per model, goal, day, channel, campaign and referral code. */
  ATTRIBUTION: DurableObjectNamespace<AttributionStats>;
  /** Sharded traffic counters (the overview's cells per day and hour) and saved funnels' counts. */
  TRAFFIC: DurableObjectNamespace<TrafficStats>;
  /** Profiles' traffic and funnel increments, applied to the shards 100 at a time (consumer: edge/traffic/consumer.ts). */
  TRAFFIC_QUEUE: Queue<TrafficMessage>;
  /** Dashboard sessions and failed admin authentications (one object for the deployment). */
  ADMIN_ACCESS: DurableObjectNamespace<AdminAccess>;
  /** Per site: webhook destinations, their secrets, the delivery log and dead letters. */
  DESTINATIONS: DurableObjectNamespace<DestinationHub>;
  /** Messages for webhook destinations (producer: profile outboxes and replays; consumer: edge/destinations/consumer.ts). */
  DESTINATION_QUEUE: Queue<DestinationMessage>;
  /** Accepted batches for the sites' activity feeds (producer: ingest; consumer: edge/feed/consumer.ts, 100 at a time). */
  FEED_QUEUE: Queue<FeedMessage>;
  /** Static assets (dist/assets, built by `npm run build`): the lazy modules, the dashboard's files, the OpenAPI document (edge/http/assets.ts). */
  ASSETS: Fetcher;
  /** Seconds a profile waits after an event before counting it for the reports (default 5; tests use less). */
  TRAFFIC_COUNT_SECONDS?: string;
  /** First retry delay of a failed webhook in seconds, doubled per attempt (default 10; tests use less). */
  DESTINATION_RETRY_SECONDS?: string;
  /** Requests per minute from one client address on the public routes (edge/http/rate-limit.ts). */
  RATE_LIMIT_IP?: RateLimit;
  /** Requests per minute for one visitor (site + anonymous id) on the public routes. */
  RATE_LIMIT_VISITOR?: RateLimit;
  /** Requests per 10 seconds for one write key (site) on the Segment-spec routes. */
  RATE_LIMIT_WRITE_KEY?: RateLimit;
  /** Bearer token for /api/** and the dashboard. Admin routes answer 503 while it is unset. */
  ADMIN_TOKEN?: string;
  /** Key for profile tokens; derived from ADMIN_TOKEN when unset. */
  TOKEN_SECRET?: string;
  /**
   * "1" lets destinations and proxy origins use loopback and private addresses: local development
   * only (every edge `npm start`, the tests and the benchmarks start sets it; `wrangler deploy` never does).
   */
  ATTUNE_ALLOW_PRIVATE_NETWORK?: string;
}

export type AppEnv = { Bindings: Env };
