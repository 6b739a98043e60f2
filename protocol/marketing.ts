/**
 * Ad platforms' click ids: the query parameters an ad click adds to its landing URL. The one list
 * of them: the edge keeps them as a page view's props (edge/enrich/page.ts), offers them to rules
 * as `clickIds.*` (edge/engine/context.ts, the dashboard's field suggestions) and credits a visit
 * that has no utm_source to the platform one names (edge/measure/channels.ts).
 *
 * In the order attribution reads them: a landing URL with several is credited to the first.
 */
export const CLICK_IDS = ['gclid', 'msclkid', 'ttclid', 'li_fat_id', 'fbclid'] as const;
export type ClickId = (typeof CLICK_IDS)[number];
