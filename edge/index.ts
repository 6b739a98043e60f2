import { app } from './app';
import type { Env } from './env';

export { ProfileObject } from './objects/profile';
export { SiteObject } from './objects/site';
export { SiteIndex } from './objects/site-index';
export { ActivityFeed } from './objects/activity-feed';
export { IdentityObject } from './objects/identity';
export { ExperienceStats } from './objects/experience-stats';
export { AttributionStats } from './objects/attribution-stats';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
