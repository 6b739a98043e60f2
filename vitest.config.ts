import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * One `vitest run`, three projects:
 * - unit: pure modules in Node;
 * - worker: the edge inside workerd with real Durable Objects;
 * - browser: Debian Chromium (playwright-core) against a `wrangler dev` the test starts.
 */
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: 'test-admin-token',
                // Local receivers (127.0.0.1) as destinations; security-ssrf.test.ts runs without it.
                ATTUNE_ALLOW_PRIVATE_NETWORK: '1',
                DESTINATION_RETRY_SECONDS: '1',
                TRAFFIC_COUNT_SECONDS: '1',
                // The fuzz suites' seed and run-count multiplier (tests/worker/fuzz-arbitraries.ts).
                FUZZ_SEED: process.env.FUZZ_SEED ?? '',
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? '',
              },
            },
          }),
        ],
        test: { name: 'worker', include: ['tests/worker/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
