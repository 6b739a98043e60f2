// What the edge benches share: a closed-loop load of HTTP requests and percentiles of its latencies.
import { performance } from 'node:perf_hooks';

/** The p-th percentile of sorted values. */
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * Runs `count` requests over `connections` concurrent loops, `make()` giving each one's
 * [url, init]; returns the sorted latencies (ms), p50, p99, requests per second and errors (≥ 400).
 */
export async function load(make, count, connections) {
  const latencies = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        next++;
        const [url, init] = make();
        const t = performance.now();
        const res = await fetch(url, init);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status >= 400) failed++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { latencies, p50: pct(latencies, 50), p99: pct(latencies, 99), rps: count / seconds, failed };
}
