import type { z } from 'zod';
import { formatIssues } from '../../protocol/issues';
import { ApiError, badRequest } from './errors';

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE);
const LONE_SURROGATES = new RegExp(LONE, 'g');
const wellFormed = (s: string) => s.replace(LONE_SURROGATES, '\uFFFD');

/**
 * Replaces lone surrogates in strings and keys with U+FFFD, as String#toWellFormed does. Storage
 * is UTF-8 (SQLite, object names), which cannot hold them: left alone, one would be stored as
 * three U+FFFD in one column and escaped in another, and two different ids could become one.
 * Objects are rebuilt only when a key changes, with own properties (a `__proto__` key stays a key).
 */
function wellFormedReviver(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => LONE_SURROGATE.test(k))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), v]));
  }
  return value;
}

/**
 * Reads a request body as JSON without ever buffering more than `maxBytes`.
 * Accepts any content type: the tag posts `text/plain` so cross-origin sends need no preflight.
 */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new ApiError(413, 'payload_too_large', `body exceeds ${maxBytes} bytes`, { limit: maxBytes });
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!req.body) throw badRequest('body is empty: expected a JSON object');

  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) throw badRequest('body is empty: expected a JSON object');
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest('body is not valid UTF-8');
  }
  try {
    // A lone surrogate can only arrive as a JSON escape (the bytes were valid UTF-8); only then
    // does parsing pay for the reviver.
    return JSON.parse(text, SURROGATE_ESCAPE.test(text) ? wellFormedReviver : undefined) as unknown;
  } catch (err) {
    throw badRequest(`body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Validates with a schema, answering 400 with the offending fields named. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(formatIssues(result.error, prefix));
  return result.data;
}

/** Reads and validates in one step. */
export async function readBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = 64 * 1024): Promise<z.infer<S>> {
  return parseWith(schema, await readJson(req, maxBytes));
}
