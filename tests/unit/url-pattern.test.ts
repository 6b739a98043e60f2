import { describe, expect, it } from 'vitest';
import { UrlPattern } from '../../protocol/admin';
import { urlPatternMatches } from '../../protocol/url-pattern';
import cases from './cases/url-patterns.json';

describe('URL patterns (slots and page experiences)', () => {
  it.each(cases as [string, string, boolean][])('%s ~ %s → %s', (pattern, url, matches) => {
    expect(UrlPattern.safeParse(pattern).success).toBe(true);
    expect(urlPatternMatches(pattern, url)).toBe(matches);
  });
  it.each(['pricing', '/pricing?x=1', '/a b', ''])('refuses %j', (p) => expect(UrlPattern.safeParse(p).success).toBe(false));
});
