/**
 * Whose contributions a reader of the profile sees. An identify that is not signed by the site's
 * server is a claim: it may join a browser to the person for measurement (events, attribution,
 * results), but what that browser is decided and shown — audiences, placeholders, counts — is built
 * only from what it sent itself, plus the request. A verified browser sees what every verified
 * browser of the person sent, and the traits of signed identifies. The admin API, webhooks and
 * estimates read the whole profile (no scope).
 */
import type { BrowserStore } from './browser-store';

export interface Scope {
  /** The browsers whose events, sessions and traits count. */
  browsers: string[];
  /** Whether traits from signed identifies count too. */
  verified: boolean;
}

/** A trait's source when a signed identify set it (and for traits kept from before sources were recorded). */
export const VERIFIED_SOURCE = '';

/** The scope of what `anonymousId` may read of the profile. */
export function scopeFor(browsers: BrowserStore, anonymousId: string): Scope {
  if (!browsers.isVerified(anonymousId)) return { browsers: [anonymousId], verified: false };
  return { browsers: [...new Set([anonymousId, ...browsers.verifiedIds()])], verified: true };
}

/** `AND <column> IN (…)` for a scope, with its bindings; nothing for the whole profile. */
export function inScope(scope: Scope | undefined, column: string): { sql: string; args: string[] } {
  if (!scope) return { sql: '', args: [] };
  return { sql: ` AND ${column} IN (${scope.browsers.map(() => '?').join(', ')})`, args: scope.browsers };
}
