/**
 * Where a slot or page experience applies: a path pattern, the same syntax everywhere — `/pricing`
 * (that page), `/blog/*` (everything under /blog/), `/pricing*` (/pricing, /pricing-b, …), `*`
 * (every page). Matched against the page's path, without the query. Pure, and plain (no zod):
 * the visual editor uses it as the edge does; the schema is protocol/admin.ts's UrlPattern.
 */
export const URL_PATTERN = /^(\*|\/[^\s?#]*)$/;
export const URL_PATTERN_HINT = 'must be a path pattern such as /pricing, /blog/* or * (no query, no spaces)';

const compiled = new Map<string, RegExp>();

export function urlPatternMatches(pattern: string, pathOrUrl: string): boolean {
  let path = pathOrUrl;
  if (!path.startsWith('/')) {
    try {
      path = new URL(pathOrUrl).pathname;
    } catch {
      return false;
    }
  }
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(path.split('?')[0]!);
}
