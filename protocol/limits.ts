/** Wire limits shared by the tag and the edge. Plain constants: no runtime weight worth noting. */
export const MAX_BODY_BYTES = 64 * 1024; // the keepalive/sendBeacon budget browsers enforce
export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_PROPS = 64;
export const MAX_STRING = 2048;
/** Events stamped further in the future than this are refused (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
/** A profile token carries the sealed digest (edge/profiles/token.ts); it also rides in a cookie in proxy mode. */
export const MAX_PROFILE_TOKEN = 3500;
