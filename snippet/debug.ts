import type { TagContext } from './types';

/** With `data-debug` on the script tag: logs what the on-demand module dropped or could not do, and why. */
export const debug = (t: TagContext, ...a: unknown[]) => t.data_.debug != null && console.debug('[attune]', ...a);
