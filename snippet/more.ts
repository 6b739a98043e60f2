import { hashTraits } from './identify';
import { personalizer } from './personalize';
import type { MoreModule } from './types';

// One-letter export names: the page-view tag spells them out, bytes every page view pays (MoreModule).
export { capture as c } from './capture';
export { open as o } from './outbox';

/**
 * What the tag imports on demand (attune-more.js), one immutable versioned module for all of it:
 * capture (with the visitor's first interaction), personalization (pages with slots, or decide())
 * and identify (login pages), and the durable outbox (after a failed send, or when an earlier page
 * left events behind). Kept out of attune.js so a page view, a bounce, loads none of it. One module
 * rather than three: a file each cost the whole tag ~330 B gzip more (module boundaries,
 * compression context), past its 6 KB budget; a visitor pays for it once, as it is cached.
 */
export const p: MoreModule['p'] = (t) => ({
  ...personalizer(t),
  async identify_(userId, traits = {}, opts = {}) {
    t.send_('identify', undefined, undefined, {
      userId: String(userId),
      traits: await hashTraits(traits),
      ...(opts.signature && { signature: String(opts.signature) }),
    });
  },
});
