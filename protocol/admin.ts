import * as z from 'zod';
import { SiteKey } from './events';
import { Selector, VariantContentSchema } from './content';
import { Frequency, OVERLAY_DEFAULTS, OverlaySettings, Trigger } from './triggers';
import { targetProblems } from './experience-target';
import { SlotName } from './decide';
import { URL_PATTERN, URL_PATTERN_HINT } from './url-pattern';

/** Where a slot or page experience applies (protocol/url-pattern.ts). */
export const UrlPattern = z.string().max(500).regex(URL_PATTERN, URL_PATTERN_HINT);

const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "-" or "_"');

/** An origin exactly as browsers send it in the Origin header: scheme://host[:port]. */
export const Origin = z
  .string()
  .max(255)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://shop.example (scheme, host, optional port; no path)');

/** A DNS host name as it appears in a URL, lower-case, without port. */
export const Hostname = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a lower-case host name such as www.shop.example (no scheme, port or path)');

/** Site fields without defaults: PATCH must not reset what it does not mention. */
const SiteFields = z.object({
  name: z.string().min(1).max(200),
  origins: z.array(Origin).max(50),
  proxyOrigin: Origin.nullable(),
  /** Host names the worker serves in proxy mode for this site (e.g. www.shop.example); port ignored. */
  proxyHosts: z.array(Hostname).max(20),
  /** Proxy mode: how long a page may wait for its decision (ms) before it is served with defaults; 0 = never wait. */
  proxyDecideMs: z.number().int().min(0).max(5_000),
  verificationSecret: z.string().min(16).max(256).nullable(),
  verificationRequired: z.boolean(),
  retentionDays: z.number().int().min(1).max(3650),
  consentDefault: z.enum(['granted', 'required']),
  /** Conversion events credited to marketing touches (attribution); experience goals count too. */
  goals: z.array(z.string().min(1).max(200)).max(50),
  /** Attribution: how far back before a conversion touches count (days), and the time-decay half-life. */
  attribution: z.object({
    lookbackDays: z.number().int().min(1).max(90),
    halfLifeDays: z.number().min(0.1).max(90),
  }),
  /** Share of visitors (0..0.5) held out of every experience, to measure personalization as a whole. */
  holdout: z.number().min(0).max(0.5),
  /** How many identifiers of a type one profile may hold, and how many profiles one identifier may join. */
  identifierLimits: z.object({
    user: z.number().int().min(1).max(100),
    email: z.number().int().min(1).max(100),
    phone: z.number().int().min(1).max(100),
    profilesPerIdentifier: z.number().int().min(1).max(10_000),
  }),
  /** How overlays look (theme) and how many triggered experiences one page view may show. */
  overlays: OverlaySettings,
});

/**
 * The one place of every site setting's default (all but the name): what a new site gets for a
 * setting it leaves out, and what a site stored before a setting existed reads (edge/objects/site.ts),
 * the dashboard's new-site form shows, and the edge falls back to. A setting added to the site
 * without a default here does not compile.
 */
export const SITE_DEFAULTS: Omit<z.infer<typeof SiteFields>, 'name'> = {
  origins: [],
  proxyOrigin: null,
  proxyHosts: [],
  proxyDecideMs: 300,
  verificationSecret: null,
  verificationRequired: false,
  /** About 13 months. */
  retentionDays: 395,
  consentDefault: 'granted',
  identifierLimits: { user: 1, email: 3, phone: 3, profilesPerIdentifier: 100 },
  holdout: 0,
  goals: [],
  /** GA4's default lookback for conversions, and the half-life of GA's time-decay model. */
  attribution: { lookbackDays: 30, halfLifeDays: 7 },
  overlays: OVERLAY_DEFAULTS,
};

export const SiteInput = SiteFields.extend({
  key: SiteKey,
  origins: SiteFields.shape.origins.default(SITE_DEFAULTS.origins),
  proxyOrigin: SiteFields.shape.proxyOrigin.default(SITE_DEFAULTS.proxyOrigin),
  proxyHosts: SiteFields.shape.proxyHosts.default(SITE_DEFAULTS.proxyHosts),
  proxyDecideMs: SiteFields.shape.proxyDecideMs.default(SITE_DEFAULTS.proxyDecideMs),
  verificationSecret: SiteFields.shape.verificationSecret.default(SITE_DEFAULTS.verificationSecret),
  verificationRequired: SiteFields.shape.verificationRequired.default(SITE_DEFAULTS.verificationRequired),
  retentionDays: SiteFields.shape.retentionDays.default(SITE_DEFAULTS.retentionDays),
  consentDefault: SiteFields.shape.consentDefault.default(SITE_DEFAULTS.consentDefault),
  identifierLimits: SiteFields.shape.identifierLimits.default(SITE_DEFAULTS.identifierLimits),
  holdout: SiteFields.shape.holdout.default(SITE_DEFAULTS.holdout),
  goals: SiteFields.shape.goals.default(SITE_DEFAULTS.goals),
  attribution: SiteFields.shape.attribution.default(SITE_DEFAULTS.attribution),
  // Nested (the theme): a copy of its own for each site, not the defaults' object.
  overlays: SiteFields.shape.overlays.default(() => structuredClone(SITE_DEFAULTS.overlays)),
});
export const SitePatch = SiteFields.partial();

export { VariantContentSchema };

export const VariantInput = z.object({
  key: Slug,
  name: z.string().max(200).optional(),
  /** Relative weight; 0 stops new visitors getting this variant (those already in it stay). */
  weight: z.number().min(0).max(1000),
  /** null keeps the slot's default content: the usual control. */
  content: VariantContentSchema.nullable().default(null),
});

const ExperienceFields = z.object({
  name: z.string().min(1).max(200),
  /** The slot it fills: a slot the site declared by selector, or a `data-attune-slot` name. */
  slot: SlotName.nullish(),
  /**
   * Instead of a slot, the pages it changes (a page experience: `changes` or `redirect` variants);
   * for an overlay experience, the pages it may show on (absent: every page).
   */
  page: UrlPattern.nullish(),
  /** Decide and show it when the visitor does this in the page, not when the page loads (overlay experiences). */
  trigger: Trigger.nullish(),
  /** Overlay experiences: how often one visitor may be shown it (default: once per session). */
  frequency: Frequency.nullish(),
  status: z.enum(['draft', 'running', 'paused', 'ended']),
  /** Share of eligible visitors who enter the experience at all, 0..1. */
  traffic: z.number().min(0).max(1),
  variants: z.array(VariantInput).min(1).max(20),
  goals: z.array(z.string().min(1).max(200)).max(20),
  /** Only visitors in this audience (an audience id of the site) enter; null: everyone. */
  audience: z.string().max(64).nullable(),
  /** When experiences want the same slot, the highest priority decides first (then the oldest). */
  priority: z.number().int().min(-1000).max(1000),
  /** split: new visitors by the variants' weights; bandit: by Thompson sampling on the first goal. */
  mode: z.enum(['split', 'bandit']),
});

type VariantsOf = { variants?: { key: string; weight: number }[] };
const uniqueKeys = (e: VariantsOf) => !e.variants || new Set(e.variants.map((v) => v.key)).size === e.variants.length;
const someWeight = (e: VariantsOf) => !e.variants || e.variants.some((v) => v.weight > 0);
const UNIQUE = { message: 'variant keys must be unique', path: ['variants'] };
const WEIGHTED = { message: 'at least one variant needs a weight above 0', path: ['variants'] };

export const ExperienceInput = ExperienceFields.extend({
  id: Slug.optional(),
  status: ExperienceFields.shape.status.default('draft'),
  traffic: ExperienceFields.shape.traffic.default(1),
  goals: ExperienceFields.shape.goals.default([]),
  audience: ExperienceFields.shape.audience.default(null),
  priority: ExperienceFields.shape.priority.default(0),
  mode: ExperienceFields.shape.mode.default('split'),
})
  .refine(uniqueKeys, UNIQUE)
  .refine(someWeight, WEIGHTED)
  .superRefine((e, ctx) => targetProblems(e, ctx));

/** PATCH body: a subset of the fields, with no defaults applied. */
export const ExperiencePatch = ExperienceFields.partial().refine(uniqueKeys, UNIQUE).refine(someWeight, WEIGHTED);

/** A slot the site declares by CSS selector, so its pages need no `data-attune-slot` markup. */
export const SlotInput = z.object({
  name: SlotName,
  selector: Selector,
  /** Where it applies (default: every page). */
  urlPattern: UrlPattern.optional(),
});
export const SlotPatch = SlotInput.omit({ name: true }).partial();
export type SlotInput = z.infer<typeof SlotInput>;
export interface Slot extends SlotInput {
  id: string;
  createdAt: number;
  updatedAt: number;
}

export type SiteInput = z.infer<typeof SiteInput>;
export type SitePatch = z.infer<typeof SitePatch>;
export type ExperienceInput = z.infer<typeof ExperienceInput>;
export type ExperiencePatch = z.infer<typeof ExperiencePatch>;
export type Variant = z.infer<typeof VariantInput>;

/**
 * A site as the admin API shows it. The verification secret is left out (`verificationSecretSet`
 * says whether one exists); admins read it from `GET …/verification`, and visitors never see it.
 */
export interface Site extends Omit<SiteInput, 'verificationSecret'> {
  verificationSecretSet: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Experience extends Omit<ExperienceInput, 'id'> {
  id: string;
  /** Bandit mode: the split for new visitors, recomputed from the results (absent until enough data). */
  allocation?: { weights: Record<string, number>; updatedAt: number };
  createdAt: number;
  updatedAt: number;
}
