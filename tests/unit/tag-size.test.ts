import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm test` builds the tag first; sizes are deterministic for a given source, so a budget is testable.
const sizes = JSON.parse(readFileSync(new URL('../../dist/sizes.json', import.meta.url), 'utf8')) as {
  raw: number;
  gzip: number;
  brotli: number;
};
const tag = readFileSync(new URL('../../dist/attune.js', import.meta.url), 'utf8');

describe('the tag bundle', () => {
  it('stays within the 5 KB gzip budget for the whole tag', () => {
    expect(sizes.gzip).toBeLessThanOrEqual(5 * 1024);
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
