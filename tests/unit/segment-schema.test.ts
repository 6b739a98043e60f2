import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../protocol/issues';
import { SegmentMessage } from '../../protocol/segment';
import cases from './cases/segment-messages.json';

describe('Segment messages as real libraries send them', () => {
  it.each(cases as { name: string; message: unknown; ok?: boolean; error?: string }[])('$name', ({ message, ok, error }) => {
    const parsed = SegmentMessage.safeParse(message);
    if (ok) {
      expect(parsed.success, parsed.success ? '' : formatIssues(parsed.error)).toBe(true);
      // Nulls read as "not given".
      if (parsed.success) expect(Object.values(parsed.data).includes(null as never)).toBe(false);
    } else {
      expect(parsed.success).toBe(false);
      if (!parsed.success) expect(formatIssues(parsed.error)).toContain(error);
    }
  });
});
