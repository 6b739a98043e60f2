import { app } from './app';
import type { Env } from './env';
import { consumeDestinations } from './destinations/consumer';
import type { DestinationMessage } from './destinations/message';
import { consumeFeed } from './feed/consumer';
import type { FeedMessage } from './feed/producer';
import { DESTINATIONS_QUEUE, FEED_QUEUE, TRAFFIC_QUEUE } from './queues';
import { consumeTraffic, type TrafficMessage } from './traffic/consumer';

export { ProfileObject } from './objects/profile';
export { SiteObject } from './objects/site';
export { SiteIndex } from './objects/site-index';
export { ActivityFeed } from './objects/activity-feed';
export { IdentityObject } from './objects/identity';
export { ExperienceStats } from './objects/experience-stats';
export { AttributionStats } from './objects/attribution-stats';
export { DestinationHub } from './objects/destination-hub';
export { AdminAccess } from './objects/admin-access';
export { TrafficStats } from './objects/traffic-stats';

export default {
  fetch: app.fetch,
  /** One handler for every queue: webhook deliveries, the activity feed's batched appends, traffic increments. */
  async queue(batch, env) {
    if (batch.queue === FEED_QUEUE) return consumeFeed(batch as MessageBatch<FeedMessage>, env);
    if (batch.queue === TRAFFIC_QUEUE) return consumeTraffic(batch as MessageBatch<TrafficMessage>, env);
    if (batch.queue === DESTINATIONS_QUEUE) return consumeDestinations(batch as MessageBatch<DestinationMessage>, env);
    // A queue bound to this worker by mistake: its messages wait (and retry) rather than vanish.
    console.error('queue: no consumer for', batch.queue);
    batch.retryAll();
  },
} satisfies ExportedHandler<Env>;
