/**
 * Step times of saved funnels, kept as a histogram so that shards can add them up: buckets 1/16
 * of a doubling wide (about 4.4%), so a median read from them is within about 2.2% of the exact one.
 */
const PER_DOUBLING = 16;

/** The bucket of a duration in ms (0 for 0 ms). */
export const gapBucket = (ms: number) => Math.floor(Math.log2(1 + Math.max(0, ms)) * PER_DOUBLING);

/** The middle of a bucket, in ms. */
export const bucketMiddle = (bucket: number) => Math.round(2 ** ((bucket + 0.5) / PER_DOUBLING) - 1);

/**
 * The median of a histogram (bucket → count), as its bucket's middle; the mean of the two middle
 * buckets for an even count that falls between two. Null for no values.
 */
export function histogramMedian(hist: ReadonlyMap<number, number>): number | null {
  const buckets = [...hist].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [b, n] of buckets) if ((seen += n) > rank) return bucketMiddle(b);
    return bucketMiddle(buckets[buckets.length - 1]![0]);
  };
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}
