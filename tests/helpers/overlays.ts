import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The overlay module (attune-overlay.js) is loaded on this page view and has had a moment to arm its triggers. */
export async function overlayModuleArmed(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/attune-overlay.js'))), { timeout: 15_000 })
    .toBe(true);
  await page.waitForTimeout(300);
}

/** The overlay the tag drew (its host element; its content is in the open shadow root). */
export const overlayOf = (page: Page) => page.locator('[data-attune-overlay]');

/**
 * Exit intent: the pointer up and out through the top edge of the window, as a visitor heading for
 * the tabs does — and the mouseout that leaving gives, for headless runs that have no edge to cross.
 */
export async function exitIntent(page: Page): Promise<void> {
  await page.mouse.move(300, 200);
  await page.mouse.move(300, -5, { steps: 4 });
  await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientY: -1, relatedTarget: null, bubbles: true })));
}
