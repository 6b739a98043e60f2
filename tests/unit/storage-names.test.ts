import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as storage from '../../protocol/storage';

const dist = (name: string) => readFileSync(new URL(`../../dist/${name}`, import.meta.url), 'utf8');

describe("the tag's storage and cookie names (protocol/storage.ts)", () => {
  it('are the names browsers already hold: renaming one would forget every visitor who has it', () => {
    expect({ ...storage }).toEqual({
      ANONYMOUS_ID_KEY: '_attune_aid',
      CONSENT_KEY: '_attune_c',
      PROFILE_TOKEN_KEY: '_attune_pt',
      SPILL_KEY: '_attune_q',
      OUTBOX_FLAG_KEY: '_attune_ob',
      PAGES_KEY: '_attune_p',
      SHOWN_KEY: '_attune_o',
    });
  });

  it('are the ones the built tag uses, and it uses no other _attune_ name', () => {
    // `npm test` builds the tag first (as for tests/unit/tag-size.test.ts).
    const names = new Set(Object.values(storage));
    const used = (code: string) => new Set(code.match(/"_attune_\w+"/g)?.map((s) => s.slice(1, -1)));
    // The page-view tag uses all but the overlay module's own (when each overlay was shown).
    expect(used(dist('attune.js'))).toEqual(new Set([...names].filter((n) => n !== storage.SHOWN_KEY)));
    // The on-demand module's outbox clears its flag once everything it held was sent.
    expect(used(dist('attune-more.js'))).toEqual(new Set([storage.OUTBOX_FLAG_KEY]));
    expect(used(dist('attune-overlay.js'))).toEqual(new Set([storage.SHOWN_KEY]));
  });
});
