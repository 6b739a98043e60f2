/**
 * Names shared by the tag, the edge's HTML rewrite (proxy mode) and the visual editor: plain
 * constants, so the tag pays only for the ones it uses.
 */

/** The attribute that marks a slot in the page (and that the tag puts on a declared slot's element). */
export const SLOT_ATTR = 'data-attune-slot';
/** The page URL parameter that carries a split-URL redirect's exposure: `<experience>.<variant>`. */
export const REDIRECT_PARAM = 'attune_x';
/** The page URL parameter that carries a visual-editor token. */
export const EDIT_PARAM = 'attune_edit';
/** The request header that carries it to the editor routes (/v1/editor/…). */
export const EDITOR_HEADER = 'X-Attune-Editor';
/** The decision key of a page experience: no slot, the page itself. */
export const PAGE_SLOT_PREFIX = '@';
/** The decision key of an overlay experience (banner, toast, modal): no slot, the tag renders it. */
export const OVERLAY_SLOT_PREFIX = '!';
/** Events the tag records from an overlay: a button pressed (a conversion of its experience), and a dismissal. */
export const OVERLAY_CLICK = '$overlay_click';
export const OVERLAY_DISMISS = '$overlay_dismiss';
