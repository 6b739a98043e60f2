/**
 * The names the tag keeps its state under in the browser: localStorage keys (a first-party cookie
 * of the same name where storage is blocked), and in proxy mode the cookies the edge reads and
 * sets itself (edge/proxy/handler.ts) for the anonymous id and the consent choice.
 *
 * Every browser that already ran the tag has them: renaming one forgets those visitors. Plain
 * string constants only, since the tag bundles this module.
 */

/** Set while events may be waiting in the IndexedDB outbox. */
export const OUTBOX_FLAG_KEY = '_attune_ob';
/** The anonymous id. Proxy mode: also a cookie, which the edge sets on a first page view. */
export const ANONYMOUS_ID_KEY = '_attune_aid';
/** The profile token the edge last answered with (the sealed digest). Proxy mode: also a cookie the edge reads. */
export const PROFILE_TOKEN_KEY = '_attune_pt';

/** The visitor's consent choice, `granted` or `denied`. Proxy mode: also a cookie the edge reads. */
export const CONSENT_KEY = '_attune_c';
/** Events a page left unacknowledged at pagehide, for the next page to send. */
export const SPILL_KEY = '_attune_q';
/** Set once the edge said the site changes pages without markup (declared slots, page experiences). */
export const PAGES_KEY = '_attune_p';
/** Overlays: when each experience was last shown, the session's start and last activity, the paths seen in it (snippet/assist.ts). */
export const SHOWN_KEY = '_attune_o';
