import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: plain ESM module shared with bench/; it exports a string and a string array.
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';

/** Debian's Chromium, started the way this machine allows (no sandbox, no background networking). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH as string, args: CHROMIUM_ARGS as string[] });
}
