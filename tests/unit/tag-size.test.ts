import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm test` builds the tag first; sizes are deterministic for a given source, so a budget is testable.
const sizes = JSON.parse(readFileSync(new URL('../../dist/sizes.json', import.meta.url), 'utf8')) as {
  raw: number;
  gzip: number;
  brotli: number;
  whole: { raw: number; gzip: number; brotli: number };
};
const tag = readFileSync(new URL('../../dist/attune.js', import.meta.url), 'utf8');

/*
 * The budgets (docs/ARCHITECTURE.md, Budgets): what a page view loads no larger than Plausible's
 * tracker (2,670 B gzip -9 when last measured), the whole tag at most 6 KB (6,144 B) gzip -9. The
 * page-view tag does not meet its budget yet; these ceilings sit just above what the tag measures
 * now (3,322 B and 6,051 B), so it cannot grow back while the rest of the way is found. Lower them
 * as the tag shrinks; replace them with the budgets once those hold.
 */
const PAGE_VIEW_CEILING = 3325;
const WHOLE_CEILING = 6055;

describe('the tag bundle', () => {
  it('keeps what a page view loads (attune.js) within its gzip ceiling', () => {
    expect(sizes.gzip).toBeLessThanOrEqual(PAGE_VIEW_CEILING);
  });

  it('keeps the whole tag, every lazily loaded module included, within its gzip ceiling', () => {
    expect(sizes.whole.gzip).toBeLessThanOrEqual(WHOLE_CEILING);
  });

  it('keeps IndexedDB, idb and identify hashing out of what every page view loads', () => {
    expect(tag).not.toMatch(/indexedDB|SHA-256|IntersectionObserver/);
    const outbox = readFileSync(new URL('../../dist/attune-outbox.js', import.meta.url), 'utf8');
    const more = readFileSync(new URL('../../dist/attune-more.js', import.meta.url), 'utf8');
    expect(outbox).toMatch(/indexedDB/);
    expect(more).toMatch(/SHA-256/);
    expect(more).toMatch(/IntersectionObserver/);
  });

  it('registers no unload or beforeunload listener (keeps the back/forward cache usable)', () => {
    expect(tag).not.toMatch(/["'`](?:before)?unload["'`]/);
    expect(tag).toContain('pagehide');
  });
});
