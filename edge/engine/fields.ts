/**
 * The fields a rule can name (`geo.country`, `utm.source`, `traits.*`, `isNew`, …), each with a
 * short label: the one list the dashboard's pickers and GET /api/sites/:site/fields offer. Derived
 * from the rule engine's own context (./context.ts: the request part and what a profile adds), so a field the engine gains shows up here by itself.
 * Pure (no Worker types): the rule builder and its unit tests import it.
 */
import { CLICK_IDS } from '../../protocol/marketing';
import { newVisitorContext, requestFields, type RequestFacts } from './context';

export interface RuleField {
  /** The dotted path a rule names (`geo.country`); `traits.*` stands for every trait. */
  field: string;
  label: string;
  source: 'request' | 'profile';
}

/** The standard UTM parameters; the engine keeps any `utm_*` parameter as `utm.*`. */
const UTM = ['source', 'medium', 'campaign', 'term', 'content'];

/**
 * A request with every fact the edge can know, so the engine's context built from it names every
 * field it offers (a field added to requestFields or the profile's context shows up here by itself).
 */
const PROBE: RequestFacts = {
  url: `https://probe.invalid/p?${[...UTM.map((k) => `utm_${k}`), ...CLICK_IDS, 'ref'].map((k) => `${k}=x`).join('&')}`,
  referrer: 'https://referrer.invalid/',
  lang: 'en',
  userAgent: 'probe',
  cf: { country: 'CH', region: 'Zurich', regionCode: 'ZH', city: 'Zurich', timezone: 'Europe/Zurich' },
  now: 0,
};

/** Labels by path; `utm.*` and `clickIds.*` are labelled by their prefix. */
const LABELS: Record<string, string> = {
  'geo.country': 'country (ISO code, e.g. CH)',
  'geo.region': 'region code',
  'geo.city': 'city',
  'geo.timezone': 'time zone (e.g. Europe/Zurich)',
  device: 'device: mobile, tablet, desktop or bot',
  browser: 'browser (Chrome, Safari, Firefox, …)',
  os: 'operating system (iOS, Android, Windows, …)',
  lang: 'browser language (e.g. de-CH)',
  url: 'page URL',
  path: 'page path (e.g. /pricing)',
  referrer: 'referrer URL',
  referrerDomain: 'referrer domain, without www.',
  ref: 'referral code (?ref=…)',
  hour: "hour of day, 0-23, in the visitor's time zone",
  weekday: "weekday, 0 = Sunday, in the visitor's time zone",
  'traits.*': 'a trait the site set with identify (traits.plan, …)',
  isNew: 'first session (true / false)',
  sessionCount: 'number of sessions',
  exposures: 'experiences whose variant the visitor saw',
};

export function labelOf(path: string): string {
  if (LABELS[path]) return LABELS[path];
  if (path.startsWith('utm.')) return `campaign parameter utm_${path.slice(4)}`;
  if (path.startsWith('clickIds.')) return `ad click id ${path.slice(9)} in the landing URL`;
  return path;
}

/** Leaf paths of a context object; an empty object (traits) stands for its keys as `name.*`. */
function paths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) => {
    const p = prefix + k;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return [p];
    return Object.keys(v).length ? paths(v as Record<string, unknown>, `${p}.`) : [`${p}.*`];
  });
}

function ruleFields(): RuleField[] {
  const request = requestFields(PROBE);
  const fromRequest = new Set(paths(request));
  return paths(newVisitorContext(request, PROBE.now).fields).map((field) => ({
    field, label: labelOf(field), source: fromRequest.has(field) ? 'request' : 'profile',
  }));
}

/** Every field a rule can name, from the engine's own context (request, then profile). */
export const RULE_FIELDS: readonly RuleField[] = ruleFields();

