// Measures the tag's weight as a page loads it: raw, gzip -9 and brotli (q11) bytes.
// Usage: npm run bench   (writes nothing; BENCHMARKS.md records the figures with this command)
import { buildTag } from '../scripts/build-tag.mjs';

const s = await buildTag();
console.log('| file | raw | gzip -9 | brotli |');
console.log('|---|---|---|---|');
console.log(`| attune.js | ${s.raw} | ${s.gzip} | ${s.brotli} |`);
