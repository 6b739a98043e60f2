/**
 * Every route of the public and admin HTTP API, described once. Request bodies and queries point
 * at the zod schemas the handlers validate with, so the OpenAPI document cannot drift from what is
 * accepted; tests/worker/openapi.test.ts fails when a route of the app is missing here or a route
 * here does not exist. (The dashboard and the demo shop are pages, not API, and are left out.)
 */
import * as z from 'zod';
import { SiteInput, SitePatch, ExperienceInput, ExperiencePatch, SlotInput, SlotPatch } from '../../protocol/admin';
import { AudienceInput, AudiencePatch } from '../../protocol/audience';
import { DecideRequest } from '../../protocol/decide';
import { DestinationInput, DestinationPatch, MOMENT_NAMES, MOMENTS } from '../../protocol/destinations';
import { CollectBatch, Event } from '../../protocol/events';
import { MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH } from '../../protocol/limits';
import { SegmentBatch, SegmentAlias, SegmentGroup, SegmentIdentify, SegmentPageCall, SegmentScreen, SegmentTrack } from '../../protocol/segment';
import { EstimateRequest } from '../admin/audience-estimate';
import { PreviewRequest } from '../admin/experiences';
import { DebugTokenRequest } from '../admin/debug';
import { EditorExperiencePatch, EditorLinkRequest, EditorSlotBody } from '../../protocol/editor';
import { SignatureCheck } from '../admin/verification';
import { UnmergeRequest } from '../admin/profiles';
import { ExportQuery } from '../export/events';
import { SavedFunnelInput, STATS_DIMENSIONS } from '../../protocol/stats';

export type Auth = 'none' | 'admin' | 'writeKey' | 'editor';

export interface RouteDoc {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Hono's path syntax (`/api/sites/:site`), exactly as the app registers it. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: z.ZodType;
  /** Query parameters, as a zod object (validated by the handler) or named with a description. */
  query?: z.ZodObject | Record<string, string>;
  /** Status → description; the first 2xx is the success answer. */
  responses: Record<number, string>;
  /** The success answer's media type when it is not JSON. */
  produces?: string;
}

/** /v1/collect's envelope with its events as they are validated, one by one. */
const CollectBody = CollectBatch.extend({ events: z.array(Event).min(1).max(MAX_EVENTS_PER_BATCH) });
const noBody = { 204: 'done' };
const E4 = { 400: 'invalid request (the error names the field)', 404: 'no such site or document' };

const docs = (kind: string, noun: string, create: z.ZodType, patch: z.ZodType, tag: string): RouteDoc[] => [
  { method: 'GET', path: `/api/sites/:site/${kind}`, tag, auth: 'admin', summary: `List the site's ${kind}`, responses: { 200: `{${kind}: [...]}`, ...E4 } },
  { method: 'POST', path: `/api/sites/:site/${kind}`, tag, auth: 'admin', summary: `Create ${noun}`, body: create, responses: { 201: `the ${noun}`, 409: 'id taken', ...E4 } },
  { method: 'GET', path: `/api/sites/:site/${kind}/:id`, tag, auth: 'admin', summary: `Read ${noun}`, responses: { 200: `the ${noun}`, ...E4 } },
  { method: 'PATCH', path: `/api/sites/:site/${kind}/:id`, tag, auth: 'admin', summary: `Change ${noun} (merged over the stored one, validated whole)`, body: patch, responses: { 200: `the ${noun}`, ...E4 } },
  { method: 'DELETE', path: `/api/sites/:site/${kind}/:id`, tag, auth: 'admin', summary: `Delete ${noun}`, responses: { ...noBody, ...E4 } },
];

/** A Segment message route and its one-letter short form (Segment's browser library posts to `/v1/t` …). */
const segment = (type: string, body: z.ZodType): RouteDoc[] =>
  [`/v1/${type}`, `/v1/${type[0]}`].map((path) => ({
    method: 'POST' as const, path, tag: 'Segment', auth: 'writeKey' as const, summary: `Segment-spec ${type} call`, body,
    description: 'HTTP Basic auth with the site key as the write key (or `writeKey` in the body); any Content-Type; CORS for the site\'s allowed origins. The path names the type. Bodies may be gzipped.',
    responses: { 200: '{success, accepted, duplicates, rejected}', 400: 'the message is invalid (named)', 401: 'missing or unknown write key', 403: 'a browser origin the site does not allow', 413: 'over 32 KB', 415: 'a Content-Encoding other than gzip', 429: 'rate limited (per write key)' },
  }));

export const ROUTES: RouteDoc[] = [
  { method: 'GET', path: '/healthz', tag: 'Edge', auth: 'none', summary: 'Liveness', responses: { 200: '{ok: true}' } },
  { method: 'GET', path: '/api/openapi.json', tag: 'Edge', auth: 'none', summary: 'This document (OpenAPI 3.1)', responses: { 200: 'the OpenAPI document' } },
  { method: 'GET', path: '/attune.js', tag: 'Tag', auth: 'none', summary: 'The browser tag', produces: 'text/javascript', responses: { 200: 'the tag (content-hash ETag)', 304: 'not modified' } },
  {
    method: 'GET', path: '/:file{attune-[a-z]+\\.js}', tag: 'Tag', auth: 'none', summary: "The tag's on-demand module (attune-more.js) and the visual editor (attune-editor.js, loaded only on an editor link's page)",
    produces: 'text/javascript', query: { v: 'content version: immutable caching when it is the current one; without it (or an old one) a short cache' }, responses: { 200: 'the module', 404: 'no such module' },
  },
  {
    method: 'POST', path: '/v1/collect', tag: 'Tag', auth: 'none', summary: 'A batch of events from the tag', body: CollectBody,
    description: 'Sent as text/plain (no CORS preflight). Each event is validated on its own: bad ones are listed in `rejected` and never drop the good ones. An event id counts once.',
    responses: { 202: '{accepted, duplicates, rejected, profileToken}', 400: 'no valid event / bad envelope', 403: 'origin not allowed', 404: 'unknown site', 413: `body over ${MAX_BODY_BYTES / 1024} KiB`, 429: 'rate limited' },
  },
  { method: 'OPTIONS', path: '/v1/collect', tag: 'Tag', auth: 'none', summary: 'CORS preflight (site named in ?site=)', query: { site: 'site key' }, responses: { 204: 'preflight answer' } },
  {
    method: 'POST', path: '/v1/decide', tag: 'Tag', auth: 'none', summary: "The visitor's variant per slot", body: DecideRequest,
    responses: { 200: '{profileToken, decisions, audiences, reasons (of what decided; every experience with a preview or debug token), holdout?, triggers? (overlay experiences waiting for a trigger on this page: {experience, on, frequency?, decision? (proxy mode)}; ask for one with slots: ["!<id>"] when it fires), overlay? (the site\'s overlay theme and rules, and the overlay module\'s path)}', 400: 'invalid request', 403: 'origin not allowed', 404: 'unknown site', 429: 'rate limited' },
  },
  { method: 'OPTIONS', path: '/v1/decide', tag: 'Tag', auth: 'none', summary: 'CORS preflight (site named in ?site=)', query: { site: 'site key' }, responses: { 204: 'preflight answer' } },
  ...['/v1/batch', '/v1/b', '/v1/import'].map((path): RouteDoc => ({
    method: 'POST', path, tag: 'Segment', auth: 'writeKey', summary: path === '/v1/batch' ? 'Segment-spec batch' : `Segment-spec batch (${path === '/v1/b' ? "the browser library's" : "Ruby's"} path)`, body: SegmentBatch,
    description: 'Each item is a track, page, screen, identify, alias or group message (see the single-message routes); optional fields may be null. `messageId` is the event id, so retries count once; emails and phones in traits are hashed before storage.',
    responses: { 200: '{success, accepted, duplicates, rejected}', 400: 'no valid message (the list) / bad envelope', 401: 'missing or unknown write key', 403: 'a browser origin the site does not allow', 413: 'over 500 KB (inflated, when gzipped)', 415: 'a Content-Encoding other than gzip', 429: 'rate limited (per write key)' },
  })),
  ...segment('track', SegmentTrack),
  ...segment('page', SegmentPageCall),
  ...segment('screen', SegmentScreen),
  ...segment('identify', SegmentIdentify),
  ...segment('alias', SegmentAlias),
  ...segment('group', SegmentGroup),
  ...['batch', 'b', 'import', 'track', 'page', 'identify', 'alias', 'screen', 'group', 't', 'p', 'i', 'a', 's', 'g', 'm'].map((p): RouteDoc => ({
    method: 'OPTIONS', path: `/v1/${p}`, tag: 'Segment', auth: 'none', summary: 'CORS preflight: answered for an origin some site allows (the request is checked against its own site)', responses: { 204: 'preflight answer' },
  })),
  { method: 'POST', path: '/v1/m', tag: 'Segment', auth: 'none', summary: "Segment's browser library's metrics: accepted and ignored", responses: { 200: '{success: true}' } },

  { method: 'GET', path: '/api/sites', tag: 'Sites', auth: 'admin', summary: 'List sites', responses: { 200: '{sites: [...]}' } },
  { method: 'POST', path: '/api/sites', tag: 'Sites', auth: 'admin', summary: 'Create a site', body: SiteInput, responses: { 201: 'the site', 400: 'invalid', 409: 'key or proxy host taken' } },
  { method: 'GET', path: '/api/sites/:site', tag: 'Sites', auth: 'admin', summary: 'Read a site', responses: { 200: 'the site', ...E4 } },
  { method: 'PATCH', path: '/api/sites/:site', tag: 'Sites', auth: 'admin', summary: "Change a site's settings", body: SitePatch, responses: { 200: 'the site', 409: 'proxy host taken', ...E4 } },

  ...docs('experiences', 'an experience', ExperienceInput, ExperiencePatch, 'Experiences'),
  { method: 'POST', path: '/api/sites/:site/experiences/:id/preview', tag: 'Experiences', auth: 'admin', summary: 'A signed preview link for one variant', body: PreviewRequest, responses: { 201: '{token, param, expiresAt, url?}', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/rejections', tag: 'Sites', auth: 'admin', summary: 'Messages the edge refused lately (route, library, field, reason), newest first', query: { limit: 'at most 200 (default 50)' }, responses: { 200: '{rejections: [...]}', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/slots', tag: 'Slots', auth: 'admin', summary: 'List the slots the site declared by selector', responses: { 200: '{slots: [...]}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/slots', tag: 'Slots', auth: 'admin', summary: 'Declare a slot by CSS selector (the subset HTMLRewriter and querySelectorAll share)', body: SlotInput, responses: { 201: 'the slot', 409: 'name taken', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/slots/:name', tag: 'Slots', auth: 'admin', summary: 'Read a slot', responses: { 200: 'the slot', ...E4 } },
  { method: 'PATCH', path: '/api/sites/:site/slots/:name', tag: 'Slots', auth: 'admin', summary: "Change a slot's selector or URL pattern", body: SlotPatch, responses: { 200: 'the slot', ...E4 } },
  { method: 'DELETE', path: '/api/sites/:site/slots/:name', tag: 'Slots', auth: 'admin', summary: 'Delete a slot', responses: { ...noBody, ...E4 } },
  { method: 'POST', path: '/api/sites/:site/editor-links', tag: 'Editor', auth: 'admin', summary: "A link that opens the visual editor on the site's page (signed, one site, at most an hour)", body: EditorLinkRequest, responses: { 201: '{url, expiresAt}', ...E4 } },
  { method: 'GET', path: '/v1/editor/session', tag: 'Editor', auth: 'editor', summary: "The editor's view: the site's slots and its draft or paused experiences", responses: { 200: '{site, expiresAt, experience, experiences, slots}', 401: 'missing, forged or expired editor token', 403: 'origin not allowed' } },
  { method: 'PUT', path: '/v1/editor/slots/:name', tag: 'Editor', auth: 'editor', summary: 'Declares (or moves) a slot', body: EditorSlotBody, responses: { 200: 'the slot', 400: 'invalid (named)', 401: 'missing, forged or expired editor token' } },
  { method: 'PATCH', path: '/v1/editor/experiences/:id', tag: 'Editor', auth: 'editor', summary: "Points a draft or paused experience at a slot or page and sets its variants' content", body: EditorExperiencePatch, responses: { 200: 'the experience', 400: 'invalid (named)', 401: 'missing, forged or expired editor token', 403: 'the experience is running or ended', 404: 'no such experience' } },
  { method: 'OPTIONS', path: '/v1/editor/*', tag: 'Editor', auth: 'none', summary: 'CORS preflight: answered for an origin some site allows', responses: { 204: 'preflight answer' } },
  { method: 'POST', path: '/api/sites/:site/debug-token', tag: 'Sites', auth: 'admin', summary: 'A token that makes /v1/decide explain every experience (reasons)', body: DebugTokenRequest, responses: { 201: '{token, param, expiresAt}', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/verification', tag: 'Sites', auth: 'admin', summary: "The identity-verification secret the site's server signs user ids with, and whether signatures are required", responses: { 200: '{secret, required}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/verification/secret', tag: 'Sites', auth: 'admin', summary: 'A new random verification secret (the old one stops verifying)', responses: { 201: '{secret}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/verification/check', tag: 'Sites', auth: 'admin', summary: "Checks a signature the site's server made for a user id", body: SignatureCheck, responses: { 200: '{valid, expected}', ...E4 } },
  {
    method: 'GET', path: '/api/sites/:site/experiences/:id/results', tag: 'Experiences', auth: 'admin', summary: 'Results: visitors, conversions, uplift, p-value, chance to beat control, SRM',
    query: { from: 'first day (YYYY-MM-DD)', to: 'last day (YYYY-MM-DD)' }, responses: { 200: 'the results', ...E4 },
  },
  { method: 'POST', path: '/api/sites/:site/experiences/:id/reallocate', tag: 'Experiences', auth: 'admin', summary: "Recompute a bandit's split now", responses: { 200: 'the new weights', ...E4 } },

  ...docs('audiences', 'an audience', AudienceInput, AudiencePatch, 'Audiences'),
  { method: 'POST', path: '/api/sites/:site/audiences/estimate', tag: 'Audiences', auth: 'admin', summary: "Size estimate of a rule being edited", body: EstimateRequest, responses: { 200: 'the estimate', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/audiences/:id/estimate', tag: 'Audiences', auth: 'admin', summary: "Size estimate of a saved audience", responses: { 200: 'the estimate', ...E4 } },

  {
    method: 'GET', path: '/api/sites/:site/profiles/:ref', tag: 'Profiles', auth: 'admin', summary: 'A person: identifiers, traits, audiences, assignments, merges',
    description: '`:ref` is a profile id, `anon:<anonymousId>`, `user:<userId>`, `email:<address>`, `phone:<number>` or `<custom type>:<value>`.', responses: { 200: 'the profile', ...E4 },
  },
  { method: 'GET', path: '/api/sites/:site/profiles/:ref/events', tag: 'Profiles', auth: 'admin', summary: 'The journey, oldest first', query: { limit: 'at most 1000 (100)', offset: 'skip this many' }, responses: { 200: '{events, total}', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/profiles/:ref/export', tag: 'Profiles', auth: 'admin', summary: 'Everything held about the person, as one JSON document', responses: { 200: '{exportedAt, profile, events}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/profiles/:ref/unmerge', tag: 'Profiles', auth: 'admin', summary: 'Undo the merge of profile `from` into this one', body: UnmergeRequest, responses: { 200: '{survivor, restored}', ...E4 } },
  { method: 'DELETE', path: '/api/sites/:site/profiles/:ref', tag: 'Profiles', auth: 'admin', summary: 'Erase the person everywhere', responses: { 200: '{deleted, profiles}', ...E4 } },
  {
    method: 'GET', path: '/api/sites/:site/fields', tag: 'Audiences', auth: 'admin', summary: 'What a rule can use: fields, and the events, traits and slots seen',
    description: "`fields`: the request and profile fields the rule engine reads, each `{field, label, source}`. `events` (track and signal names), `traits` (identify trait keys) and `slots` (slot names of exposures, then the declared slots) come from the site's latest 1,000 events, most frequent first, at most 200 each.",
    responses: { 200: '{fields, events, traits, slots}', ...E4 },
  },
  { method: 'GET', path: '/api/sites/:site/events', tag: 'Profiles', auth: 'admin', summary: "The site's most recent events, newest first", query: { limit: 'at most 1000 (50)' }, responses: { 200: '{events}', ...E4 } },
  {
    method: 'GET', path: '/api/sites/:site/export/events', tag: 'Export', auth: 'admin', summary: "The site's events as NDJSON, streamed", query: ExportQuery, produces: 'application/x-ndjson',
    description: 'One `{"profileId", ...event}` per line. Order: profiles (those seen since `from`) by profile id, each profile\'s events oldest first (time, then time received, then id). Merged-away profiles are skipped; their events are in the survivor.',
    responses: { 200: 'NDJSON stream', ...E4 },
  },
  {
    method: 'GET', path: '/api/sites/:site/stats', tag: 'Reports', auth: 'admin', summary: 'The traffic overview: totals, previous period, series and breakdowns',
    query: {
      from: 'YYYY-MM-DD (UTC; 30 days ago)', to: 'YYYY-MM-DD (today)', interval: 'hour | day (hour for one day, else day; hour for at most 31 days)',
      filter: `<dimension>:<value>, one of ${STATS_DIMENSIONS.join(', ')}: every number is of the visits with that key`, limit: 'rows per breakdown, 1-1000 (100)',
    },
    description: 'Read from counters the profile objects keep up to date as events arrive (never by scanning profiles). A visit is a person\'s activity with no gap over 30 minutes, counted on the day (hour) it started; `visitors` are distinct people, and two devices counted apart before they merged stay two for the days before the merge. `current`: people seen in the last 5 minutes.',
    responses: { 200: '{site, from, to, interval, filter, totals, previous, previousRange, series, breakdowns, current}', ...E4 },
  },
  { method: 'POST', path: '/api/sites/:site/funnels', tag: 'Reports', auth: 'admin', summary: 'Save a funnel: counted live by every profile from now on', body: SavedFunnelInput, responses: { 201: 'the saved funnel', 409: 'the site keeps 20 saved funnels already', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/funnels/:id', tag: 'Reports', auth: 'admin', summary: "A saved funnel's exact counts for the people who entered it in the range", query: { from: 'YYYY-MM-DD (the day it was saved)', to: 'YYYY-MM-DD (today)' }, responses: { 200: '{funnel, from, to, exact, steps}', ...E4 } },
  { method: 'DELETE', path: '/api/sites/:site/funnels/:id', tag: 'Reports', auth: 'admin', summary: 'Delete a saved funnel', responses: { ...noBody, ...E4 } },
  { method: 'GET', path: '/api/sites/:site/attribution', tag: 'Reports', auth: 'admin', summary: 'Conversions credited by channel, campaign and referral code', query: { model: 'first | last | linear | time_decay | position', goal: 'conversion event', from: 'YYYY-MM-DD', to: 'YYYY-MM-DD' }, responses: { 200: 'the credits', ...E4 } },
  {
    method: 'GET', path: '/api/sites/:site/funnels', tag: 'Reports', auth: 'admin', summary: 'The saved funnels; with `steps`, an ad hoc funnel worked out per person over a uniform random sample of the profiles seen in the range',
    description:
      'Without `steps`: `{funnels}`, the saved funnels, oldest first. With `steps`: ' +
      'Each sampled profile works out its own progress. The sample is drawn uniformly at random from the profiles seen since `from` (not the most recent ones): at most `sample` of them, and past the first 200 only as many as are read within 1.5 s. ' +
      '`population` is how many profiles were seen in the range, `sampled` how many were read, `exact` whether that was all of them. When not exact, each step carries `interval` {low, high}: the 95% Wilson score interval of its `fromFirst`, ' +
      "with the first step's count as the trials and the finite population correction for the share read (the first step's is [1, 1], its fromFirst being 1 by definition); absent when exact or when nobody in the sample entered the funnel. Saved funnels (POST) are exact.",
    query: { steps: 'JSON list of 2-10 steps, or comma-separated (page:/path, signal:name, an event name)', windowHours: 'conversion window in hours (24)', from: 'YYYY-MM-DD', to: 'YYYY-MM-DD', sample: 'at most this many profiles are read, 1-5000 (5000)' },
    responses: { 200: '{steps: [{step, label, visitors, fromPrevious, fromFirst, medianMsFromPrevious, interval?}], population, sampled, exact, windowHours, from, to}', ...E4 },
  },

  { method: 'GET', path: '/api/sites/:site/destinations', tag: 'Destinations', auth: 'admin', summary: "List the site's webhook destinations", responses: { 200: '{destinations}', ...E4 } },
  {
    method: 'POST', path: '/api/sites/:site/destinations', tag: 'Destinations', auth: 'admin', summary: 'Create a webhook destination', body: DestinationInput,
    description:
      'The answer carries the signing `secret`, shown this once. Webhooks are signed `X-Attune-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` and carry `X-Attune-Idempotency-Key`. ' +
      `\`moments\` subscribes to what the tag records about experiences — ${MOMENT_NAMES.map((m) => `\`${m}\` (track \`${MOMENTS[m].event}\`)`).join(', ')}; ` +
      'their webhooks (`type: "event"`) also carry `moment`, `experience: {id, variant, slot?}`, `button: {label, url?}` (clicks) and `person: {identifiers, traits, verified}`.',
    responses: { 201: 'the destination with its secret', 409: 'id taken', ...E4 },
  },
  { method: 'GET', path: '/api/sites/:site/destinations/:id', tag: 'Destinations', auth: 'admin', summary: 'Read a destination (never its secret)', responses: { 200: 'the destination', ...E4 } },
  { method: 'PATCH', path: '/api/sites/:site/destinations/:id', tag: 'Destinations', auth: 'admin', summary: 'Change a destination; `rotateSecret: true` answers with a new secret', body: DestinationPatch, responses: { 200: 'the destination', ...E4 } },
  { method: 'DELETE', path: '/api/sites/:site/destinations/:id', tag: 'Destinations', auth: 'admin', summary: 'Delete a destination, its log and dead letters', responses: { ...noBody, ...E4 } },
  { method: 'GET', path: '/api/sites/:site/destinations/:id/deliveries', tag: 'Destinations', auth: 'admin', summary: 'Recent delivery attempts, newest first', query: { limit: 'at most 200 (50)' }, responses: { 200: '{deliveries}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/destinations/:id/test', tag: 'Destinations', auth: 'admin', summary: 'Send a signed test message now', responses: { 200: '{delivered, status, error, durationMs, id}', ...E4 } },
  { method: 'GET', path: '/api/sites/:site/destinations/:id/dead-letters', tag: 'Destinations', auth: 'admin', summary: 'Messages that failed every attempt, oldest first', query: { limit: 'at most 1000 (100)' }, responses: { 200: '{deadLetters}', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/destinations/:id/dead-letters/:letter/replay', tag: 'Destinations', auth: 'admin', summary: 'Send one dead letter again (same body and idempotency key)', responses: { 202: '{replayed}', 409: 'the destination is disabled', ...E4 } },
  { method: 'POST', path: '/api/sites/:site/destinations/:id/dead-letters/replay', tag: 'Destinations', auth: 'admin', summary: "Send all of the destination's dead letters again", responses: { 202: '{replayed}', 409: 'the destination is disabled', ...E4 } },
];
