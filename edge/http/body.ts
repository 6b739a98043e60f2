import type { z } from 'zod';
import { formatIssues } from '../../protocol/issues';
import { ApiError, badRequest } from './errors';

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
    return JSON.parse(text) as unknown;
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
