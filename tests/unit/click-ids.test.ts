import { describe, expect, it } from 'vitest';
import { CLICK_IDS } from '../../protocol/marketing';
import { marketingParams } from '../../edge/enrich/page';
import { requestFields } from '../../edge/engine/context';
import { classifyTouch } from '../../edge/measure/channels';
import { FIELDS } from '../../dashboard/rules';

// protocol/marketing's CLICK_IDS is the one list: each place that reads click ids follows it.
describe('click ids: one list', () => {
  it.each(CLICK_IDS)('%s is kept by page enrichment, offered to rules, suggested by the builder and credited', (id) => {
    const url = `https://shop.test/p?${id}=abc&other=1`;
    expect(marketingParams(url)).toEqual({ [id]: 'abc' });
    expect(requestFields({ url, userAgent: '', now: 0 }).clickIds).toEqual({ [id]: 'abc' });
    expect(FIELDS).toContain(`clickIds.${id}`);
    const touch = classifyTouch({ url, referrer: null });
    expect(touch.source).not.toBe('(direct)');
    expect(touch.medium).not.toBe('(none)');
  });

  it('a landing URL with several is credited to the first of the list, wherever each stands in the URL', () => {
    const query = [...CLICK_IDS].reverse().map((id) => `${id}=x`).join('&');
    const first = classifyTouch({ url: `https://shop.test/?${CLICK_IDS[0]}=x`, referrer: null });
    expect(classifyTouch({ url: `https://shop.test/?${query}`, referrer: null })).toEqual(first);
  });

  it('parameters that only look like click ids are not kept', () => {
    expect(marketingParams('https://shop.test/?xgclid=1&gclid_=2&GCLID=3&gclid=4')).toEqual({ gclid: '4' });
    expect(requestFields({ url: 'https://shop.test/?xgclid=1&gclid_=2&GCLID=3', userAgent: '', now: 0 }).clickIds).toEqual({});
  });
});
