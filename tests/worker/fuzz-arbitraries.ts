import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Hostile inputs for the fuzz suites, and the runner that keeps them deterministic: every
 * property runs from a fixed seed (FUZZ_SEED overrides, FUZZ_RUNS multiplies the run counts; both
 * passed through vitest.config.ts), and a failure names the seed and path to replay it.
 */
const vars = env as unknown as { FUZZ_SEED?: string; FUZZ_RUNS?: string };
export const BASE_SEED = Number(vars.FUZZ_SEED) || 0x5eed_a77e;
const RUNS = Number(vars.FUZZ_RUNS) || 1;

/** A stable seed per property, so adding one property never shifts the inputs of another. */
function seedFor(name: string): number {
  let h = BASE_SEED >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

/** Runs an async property `numRuns` times from the property's own seed; the error names the seed and replay path. */
export async function fuzz<T>(name: string, arb: fc.Arbitrary<T>, property: (value: T) => Promise<void>, numRuns: number): Promise<void> {
  const seed = seedFor(name);
  const details = await fc.check(fc.asyncProperty(arb, property), { seed, numRuns: numRuns * RUNS, endOnFailure: true });
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `fuzz "${name}" failed after ${details.numRuns} runs (seed ${seed}, path "${details.counterexamplePath ?? ''}"; FUZZ_SEED=${BASE_SEED}).\n` +
        `input: ${fc.stringify(details.counterexample?.[0]).slice(0, 2_000)}\n${cause}`,
    );
  }
}

/**
 * Fails with the fuzzed input instead of hanging silently. A hang guard, not a speed check: the
 * bound is far above any answer on a loaded machine (speed is bench/'s job).
 */
export async function answered(p: Promise<Response>, ms = 60_000): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Whether a string is well-formed UTF-16 (no lone surrogate): String#isWellFormed, which ES2022 typings lack. */
export const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Characters that break naive code: NUL, lone surrogates, bidi overrides, zero-width, BOM, line separators, 4-byte emoji, combining marks. */
export const EDGE_CHARS = [
  '\u0000', '\u0001', '\u001f', '\u007f', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u202E', '\u202D', '\u200F', '\u200E',
  '\u200B', '\u2060', '\uFEFF', '\uFFFE', '\uFFFF', '\u2028', '\u2029', '\u0085', '😀', '👩‍👩‍👧‍👦', '🏳️‍🌈', '𝕏', '𠜎',
  'e\u0301', '\u0301', 'İ', 'ß', 'ﷺ', 'ا', '\\', '"', "'", '<', '>', '&', '%', '%00', '%ZZ', '\n', '\r\n', '\t', '/', '.', ':',
];

const HOSTILE_STRINGS = [
  '', ' ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', 'true', '{}', '[]',
  '<img src=x onerror=alert(1)>', '</script><script>alert(1)</script>', '"><svg onload=alert(1)>', "'; DROP TABLE events; --",
  '../../../etc/passwd', '%2e%2e%2f', 'javascript:alert(1)', '${7*7}', '{{7*7}}', '\u202Egnp.exe', 'a'.repeat(300), 'é'.repeat(1100),
  '😀'.repeat(600), 'x'.repeat(2049), 'p_aaaaaaaaaaaa', 'anon:', 'user:', 'email:', 'p_', '..', '/', '\\u0000',
];

/** Strings a fuzzer should try: hand-picked hostile ones, edge characters mixed into text, and arbitrary Unicode. */
export const edgeString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.array(fc.oneof(fc.constantFrom(...EDGE_CHARS), fc.string({ maxLength: 4 })), { maxLength: 24 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** Well-formed Unicode only (no lone surrogates): what must round-trip exactly when accepted. */
export const unicodeText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...EDGE_CHARS.filter((c) => wellFormed(c) && c.length > 0)),
        fc.string({ unit: 'grapheme', maxLength: 3 }),
        fc.string({ unit: 'binary', maxLength: 3 }),
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((parts) => parts.join('').slice(0, maxLength))
    .filter((s) => s.length > 0 && wellFormed(s));

/** Objects with own `__proto__` / `constructor` / `prototype` keys, as JSON.parse builds them from a body. */
export const protoObject: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('{"polluted":true}', '{"prototype":{"polluted":true}}', '"x"', '1', 'null', '[]'))
  .map(([key, value]) => JSON.parse(`{"ok":1,"${key}":${value}}`) as unknown);

/** Nested arrays/objects deeper than any schema allows (built as text: no recursion to generate them). */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 3_000 }), fc.boolean())
  .map(([depth, arrays]) => JSON.parse(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) as unknown);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  edgeString,
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1_500_000_000_000, 9_999_999_999_999),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** Any wrong-typed value: scalars, small containers, prototype keys, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 6 },
  { arbitrary: fc.array(scalar, { maxLength: 5 }), weight: 2 },
  { arbitrary: fc.dictionary(edgeString, scalar, { maxKeys: 5 }), weight: 2 },
  { arbitrary: protoObject, weight: 1 },
  { arbitrary: deepValue, weight: 1 },
);

/** Mostly `valid`, sometimes hostile: inputs that reach deep into a handler before something is wrong. */
export const mostly = <T>(valid: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | unknown> =>
  fc.oneof({ arbitrary: valid, weight }, { arbitrary: hostileValue, weight: 1 });

/** Bodies that are not a JSON document at all: garbage text, broken JSON, invalid UTF-8, empty, huge. */
export const brokenBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  edgeString,
  fc.constantFrom('', ' ', '{', '{"site":', '[', 'null', 'true', '0', '"x"', '[]', '{}', '{"a":1,}', "{'a':1}", 'NaN', '\uFEFF{}', '{"a":1}{"b":2}', '{"__proto__":'),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.constantFrom(new Uint8Array([0xc3, 0x28]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), new Uint8Array([0xf4, 0x90, 0x80, 0x80])),
  fc.integer({ min: 64 * 1024 + 1, max: 80 * 1024 }).map((n) => `{"pad":"${'x'.repeat(n)}"}`),
);

/** Turns a generated body into request text: values are serialized as JSON, text and bytes sent as they are. */
export function bodyOf(value: unknown): string | Uint8Array {
  if (value instanceof Uint8Array || typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'null';
}

/** Everything a refusal must be: a 4xx (never 5xx), JSON, `{error:{code,message}}` with a message that says something. */
export async function expectRefusal(res: Response, allowed: number[] = [400, 404, 409, 413]): Promise<{ code: string; message: string }> {
  const text = await res.text();
  expect(allowed, `status ${res.status}: ${text.slice(0, 400)}`).toContain(res.status);
  expect(res.headers.get('content-type') ?? '', text.slice(0, 200)).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, text.slice(0, 300)).toBe('string');
  expect(typeof body.error?.message, text.slice(0, 300)).toBe('string');
  expect((body.error!.message as string).length).toBeGreaterThan(3);
  return body.error as { code: string; message: string };
}
