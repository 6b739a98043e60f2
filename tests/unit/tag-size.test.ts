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
 * whole tag holds its budget. The page-view tag does not yet: its ceiling sits just above what it
 * measures now (3,355 B: 3,322 B plus 33 B for pages personalized without markup, within the 40 B
 * that change was allowed), so it cannot grow back while the rest of the way is found. Lower it as
 * the tag shrinks; replace it with the budget once that holds.
 */
const PAGE_VIEW_CEILING = 3360;
const WHOLE_BUDGET = 6144;

describe('the tag bundle', () => {
  it('keeps what a page view loads (attune.js) within its gzip ceiling', () => {
    expect(sizes.gzip).toBeLessThanOrEqual(PAGE_VIEW_CEILING);
  });

  it('keeps the whole tag, every lazily loaded module included, within its 6 KB gzip budget', () => {
    expect(sizes.whole.gzip).toBeLessThanOrEqual(WHOLE_BUDGET);
  });

  it('keeps IndexedDB and identify hashing out of what every page view loads', () => {
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
