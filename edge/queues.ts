/**
 * The names of the deployment's queues, as wrangler.toml spells them: the one `queue` handler
 * tells its consumers apart by `batch.queue`, so the names live in one place.
 */
export const DESTINATIONS_QUEUE = 'attune-destinations';
export const FEED_QUEUE = 'attune-feed';
export const TRAFFIC_QUEUE = 'attune-traffic';
