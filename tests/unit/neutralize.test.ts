import { describe, expect, it } from 'vitest';
import { neutralize } from '../../edge/engine/neutralize';
import cases from './cases/neutralize.json';

describe('variant HTML is neutralized before it reaches a page', () => {
  it.each(cases as [string, string, string][])('%s', (_name, html, out) => {
    expect(neutralize(html)).toBe(out);
  });
});
