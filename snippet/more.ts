import { hashTraits } from './identify';
import { personalizer } from './personalize';
import type { PersonalizeModule } from './types';

/**
 * What the tag imports on demand: personalization (pages with slots, or decide()) and identify
 * (login pages). Kept out of attune.js so a normal page view stays small.
 */
export const create: PersonalizeModule['create'] = (t) => ({
  ...personalizer(t),
  async identify_(userId, traits = {}, opts = {}) {
    t.send_('identify', undefined, undefined, {
      userId: String(userId),
      traits: await hashTraits(traits),
      ...(opts.signature && { signature: String(opts.signature) }),
    });
  },
});
