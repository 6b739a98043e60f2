import { describe, expect, it } from 'vitest';
import { IsolateCache } from '../../edge/sites/isolate-cache';

/** The per-isolate cache of Durable Object reads: no request awaits another's load. */
describe('IsolateCache', () => {
  it('loads once per TTL, and serves a stale value to everyone but the one request refreshing it', async () => {
    const cache = new IsolateCache<number>(1_000, 10);
    let loads = 0;
    let release: (v: number) => void = () => {};
    const slow = () => new Promise<number>((r) => ((loads++), (release = r)));
    const first = cache.get('k', slow, 0);
    release(1);
    expect(await first).toBe(1);
    expect(await cache.get('k', slow, 500)).toBe(1); // fresh: no load
    const refreshing = cache.get('k', slow, 1_500); // stale: this request loads …
    expect(await cache.get('k', slow, 1_600)).toBe(1); // … and the others go on with the stale value at once
    expect(loads).toBe(2);
    release(2);
    expect(await refreshing).toBe(2);
    expect(await cache.get('k', slow, 1_700)).toBe(2);
  });

  it('keeps the last value when a refresh fails, and never caches a failure', async () => {
    const cache = new IsolateCache<string>(1_000, 10);
    await expect(cache.get('k', () => Promise.reject(new Error('down')), 0)).rejects.toThrow('down');
    expect(cache.size).toBe(0);
    expect(await cache.get('k', async () => 'v1', 0)).toBe('v1');
    expect(await cache.get('k', () => Promise.reject(new Error('down')), 2_000)).toBe('v1');
    expect(await cache.get('k', async () => 'v2', 3_100)).toBe('v2'); // tried again a TTL later
  });

  it('is bounded: a flood of keys clears it rather than growing', async () => {
    const cache = new IsolateCache<number>(1_000, 3);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, async () => i, 0);
    expect(cache.size).toBeLessThanOrEqual(3);
  });
});
