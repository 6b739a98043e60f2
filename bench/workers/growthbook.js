// GrowthBook's edge app (@growthbook/edge-cloudflare) with no GrowthBook server: the features
// payload is local and holds one visual-editor experiment on the hero (#hero, 50/50), as
// shared/PEERS.md describes. env.PROXY_TARGET (the origin), GROWTHBOOK_CLIENT_KEY and
// GROWTHBOOK_API_HOST come from an env file at run time. Run by bench/edge-proxy.mjs.
import { handleRequest } from '@growthbook/edge-cloudflare';

/** Variation B sets the hero's HTML to this text; bench/edge-proxy.mjs looks for it. */
const VARIANT_B = 'Variant B';

const payload = {
  features: {},
  experiments: [
    {
      key: 'hero-test',
      changeId: 'c1',
      variations: [
        { domMutations: [] },
        { domMutations: [{ selector: '#hero', action: 'set', attribute: 'html', value: VARIANT_B }] },
      ],
      weights: [0.5, 0.5],
      coverage: 1,
      hashAttribute: 'id',
      hashVersion: 2,
      urlPatterns: [{ include: true, type: 'simple', pattern: '/*' }],
    },
  ],
};

export default {
  // The package's init() replaces config.payload with the KV value (none here), so the payload
  // goes in as the third argument.
  fetch: (request, env) => handleRequest(request, env, { payload }),
};
