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

  it('registers no unload or beforeunload listener (keeps the back/forward cache usable)', () => {
    expect(tag).not.toMatch(/["'`](?:before)?unload["'`]/);
    expect(tag).toContain('pagehide');
  });
});
