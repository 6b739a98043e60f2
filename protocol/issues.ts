import type { z } from 'zod';

/** Turns a validation error into one sentence naming the offending field, e.g. `events[2].ts: expected number`. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      let path = prefix;
      for (const part of issue.path) {
        path += typeof part === 'number' ? `[${part}]` : path ? `.${String(part)}` : String(part);
      }
      return `${path || 'body'}: ${issue.message}`;
    })
    .join('; ');
}
