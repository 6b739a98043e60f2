import * as z from 'zod';
import { Selector } from './content';

/**
 * Triggered experiences: an experience that is decided and shown in the page the moment the
 * visitor does something — a micro-signal, a named event, time on the page or scroll depth —
 * rather than when the page loads. The tag watches for the trigger (the assist module,
 * snippet/assist.ts) and asks for the decision with the triggering event already counted.
 */

/** The micro-signals a trigger may wait for; `repeat_view` is a page viewed again in its session. */
export const TRIGGER_SIGNALS = ['rage_click', 'dead_click', 'exit_intent', 'form_abandon', 'repeat_view'] as const;
export type TriggerSignal = (typeof TRIGGER_SIGNALS)[number];

export const Trigger = z
  .object({
    signal: z.enum(TRIGGER_SIGNALS).optional(),
    /** A tracked event's name (`attune.track`, `data-attune-event`). */
    event: z.string().min(1).max(200).optional(),
    /** Seconds on the page (this page view). */
    afterSeconds: z.number().int().min(1).max(3_600).optional(),
    /** Percent of the page scrolled past. */
    scrollDepth: z.number().int().min(1).max(100).optional(),
    /**
     * Only when it happens on (or inside) an element this selector finds: the element clicked
     * (rage and dead clicks, an event from a click), the form (form abandonment).
     */
    selector: Selector.optional(),
  })
  .strict()
  .refine((t) => [t.signal, t.event, t.afterSeconds, t.scrollDepth].filter((x) => x !== undefined).length === 1, {
    message: 'a trigger is exactly one of signal, event, afterSeconds or scrollDepth',
  })
  .refine((t) => t.selector === undefined || t.signal !== undefined || t.event !== undefined, {
    message: 'selector narrows a signal or an event (where it happened), not time on page or scroll depth',
    path: ['selector'],
  });
export type Trigger = z.infer<typeof Trigger>;

/** How often one visitor may be shown an overlay experience: by default once per session; `days`: at most once in that many days. */
export const Frequency = z.object({ days: z.number().int().min(1).max(365) }).strict();
export type Frequency = z.infer<typeof Frequency>;

export { OVERLAY_CLICK, OVERLAY_DISMISS } from './markup';

/** A colour the theme may use: #rgb or #rrggbb. */
const Colour = z.string().regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, 'must be a hex colour such as #1a73e8');

/** The site's overlay look and rules: every overlay follows them, so a marketer never writes CSS. */
export const OverlaySettings = z
  .object({
    /** At most this many triggered experiences are shown in one page view. */
    perPage: z.number().int().min(1).max(5),
    theme: z
      .object({
        background: Colour,
        text: Colour,
        /** Buttons and the accent line. */
        accent: Colour,
        /** Text on buttons. */
        accentText: Colour,
        /** A CSS font-family list. */
        // Names, and quoted names with their quotes paired: nothing that could end the CSS declaration it lands in.
        font: z.string().max(200).regex(/^(?:[\w\s,-]|"[\w\s-]*"|'[\w\s-]*')+$/, 'must be a font-family list such as Inter, "Segoe UI", sans-serif'),
        /** Corner radius, px. */
        radius: z.number().int().min(0).max(32),
      })
      .strict(),
  })
  .strict();
export type OverlaySettings = z.infer<typeof OverlaySettings>;

export const OVERLAY_DEFAULTS: OverlaySettings = {
  perPage: 1,
  theme: { background: '#ffffff', text: '#1f2328', accent: '#1a56db', accentText: '#ffffff', font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif', radius: 10 },
};
