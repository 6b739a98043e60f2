import { z } from 'zod';
import { SiteKey } from './events';
import { SlotName } from './decide';

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

export const SiteInput = z.object({
  key: SiteKey,
  name: z.string().min(1).max(200),
  origins: z.array(Origin).max(50).default([]),
  proxyOrigin: Origin.nullable().default(null),
  verificationSecret: z.string().min(16).max(256).nullable().default(null),
  verificationRequired: z.boolean().default(false),
  retentionDays: z.number().int().min(1).max(3650).default(395),
  consentDefault: z.enum(['granted', 'required']).default('granted'),
});
export const SitePatch = SiteInput.omit({ key: true }).partial();

export const VariantContentSchema = z.object({
  type: z.enum(['html', 'text', 'json']),
  value: z.string().max(32 * 1024),
});

export const VariantInput = z.object({
  key: Slug,
  name: z.string().max(200).optional(),
  weight: z.number().positive().max(1000),
  /** null keeps the slot's default content: the usual control. */
  content: VariantContentSchema.nullable().default(null),
});

export const ExperienceInput = z
  .object({
    id: Slug.optional(),
    name: z.string().min(1).max(200),
    slot: SlotName,
    status: z.enum(['draft', 'running', 'paused', 'ended']).default('draft'),
    /** Share of eligible visitors who enter the experience at all, 0..1. */
    traffic: z.number().min(0).max(1).default(1),
    variants: z.array(VariantInput).min(1).max(20),
    goals: z.array(z.string().min(1).max(200)).max(20).default([]),
  })
  .refine((e) => new Set(e.variants.map((v) => v.key)).size === e.variants.length, {
    message: 'variant keys must be unique',
    path: ['variants'],
  });

export type SiteInput = z.infer<typeof SiteInput>;
export type SitePatch = z.infer<typeof SitePatch>;
export type ExperienceInput = z.infer<typeof ExperienceInput>;
export type Variant = z.infer<typeof VariantInput>;

/** A site as stored. The verification secret never leaves the edge; `verificationSecretSet` says whether one exists. */
export interface Site extends Omit<SiteInput, 'verificationSecret'> {
  verificationSecretSet: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Experience extends Omit<ExperienceInput, 'id'> {
  id: string;
  createdAt: number;
  updatedAt: number;
}
