import { describe, expect, it } from 'vitest';
import type { Event } from '../../protocol/events';
import { classifyClick, enrichEvent } from '../../edge/enrich/page';
import table from './cases/click-classes.json';

const click = (href: unknown, extra: Partial<Event> = {}): Event =>
  ({
    id: 'evt-00000001',
    type: 'track',
    name: 'click',
    ts: 1_700_000_000_000,
    props: { tag: 'a', text: 'Go', href, id: 'go' },
    page: { url: table.page },
    ...extra,
  }) as Event;

describe('link clicks named at the edge (the tag sends every link click as "click")', () => {
  it.each(table.cases)('$name', ({ href, expect: name }) => {
    const e = classifyClick(click(href));
    expect(e.name).toBe(name);
    // A classified click keeps only its href, as the tag's older builds sent it.
    if (name !== 'click') expect(e.props).toEqual({ href });
    else expect(e.props).toEqual({ tag: 'a', text: 'Go', href, id: 'go' });
  });

  it('leaves other events, clicks without an href and named events alone', () => {
    const named = click('https://partner.example/', { name: 'Upgrade' });
    expect(classifyClick(named)).toBe(named);
    const button = click(undefined);
    expect(classifyClick(button)).toBe(button);
    const page = { ...click('https://partner.example/'), type: 'page' as const };
    expect(classifyClick(page)).toBe(page);
  });

  it('names a download even when the page URL does not parse, but no outbound link then', () => {
    const unknownPage = { page: { url: 'not a url' } };
    expect(classifyClick(click('https://shop.example/files/report.pdf', unknownPage)).name).toBe('download');
    expect(classifyClick(click('https://partner.example/', unknownPage)).name).toBe('click');
  });

  it('is part of enrichEvent, with the path still derived', () => {
    const e = enrichEvent(click('https://partner.example/offer'), {});
    expect(e.name).toBe('outbound');
    expect(e.page?.path).toBe('/products');
  });
});
