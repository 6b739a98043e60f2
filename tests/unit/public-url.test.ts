import { describe, expect, it } from 'vitest';
import { outboundUrlRule, privateUrlRule } from '../../edge/http/public-url';
import cases from './cases/private-urls.json';

describe('outbound URLs must be public', () => {
  it.each(cases as [string, string | null][])('%s → %s', (url, rule) => {
    expect(privateUrlRule(url)).toBe(rule);
  });

  it('lets local development opt in, and only with the exact value', () => {
    expect(outboundUrlRule({ ATTUNE_ALLOW_PRIVATE_NETWORK: '1' }, 'http://127.0.0.1:9/')).toBeNull();
    expect(outboundUrlRule({ ATTUNE_ALLOW_PRIVATE_NETWORK: 'true' }, 'http://127.0.0.1:9/')).toMatch(/loopback/);
    expect(outboundUrlRule({}, 'http://127.0.0.1:9/')).toMatch(/loopback/);
  });
});
