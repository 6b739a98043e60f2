/**
 * A message or event the edge could not take, as the site's recent rejections keep it (shown on
 * the dashboard's Install page, `GET /api/sites/:site/rejections`): so a developer sees why events
 * are missing even when their library never reads the answer.
 */
export interface Rejection {
  /** When it was refused (epoch ms). */
  at: number;
  /** The route it was sent to: `/v1/collect`, `/v1/batch`, `/v1/t`, … */
  route: string;
  /** The client that sent it (`context.library` as `name version`, or the User-Agent's product), when known. */
  library: string | null;
  /** Its place in the request. */
  index: number;
  messageId?: string;
  /** The field at fault, e.g. `batch[2].userId` or `events[0].ts`. */
  field: string;
  reason: string;
}

/** The field and reason of a rejection's error line (`field: reason; …`, the first issue). */
export function splitError(error: string): { field: string; reason: string } {
  const first = error.split('; ')[0] ?? error;
  const colon = first.indexOf(': ');
  return colon < 0 ? { field: 'body', reason: first } : { field: first.slice(0, colon), reason: first.slice(colon + 2) };
}
