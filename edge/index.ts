import { app } from './app';
import type { Env } from './env';
import { consumeDestinations } from './destinations/consumer';
import type { DestinationMessage } from './destinations/message';

export { ProfileObject } from './objects/profile';
export { SiteObject } from './objects/site';
export { SiteIndex } from './objects/site-index';
export { ActivityFeed } from './objects/activity-feed';
export { IdentityObject } from './objects/identity';
export { ExperienceStats } from './objects/experience-stats';
export { AttributionStats } from './objects/attribution-stats';
export { DestinationHub } from './objects/destination-hub';
export { AdminAccess } from './objects/admin-access';

export default {
  fetch: app.fetch,
  /** Webhook deliveries (the attune-destinations queue). */
  queue: (batch, env) => consumeDestinations(batch as MessageBatch<DestinationMessage>, env),
} satisfies ExportedHandler<Env>;
