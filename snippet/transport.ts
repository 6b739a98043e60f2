import type { CollectResponse, Event } from '../protocol/events';

/**
 * Batches events and delivers them to /v1/collect. Events stay queued until the edge answered 202;
 * retryable failures back off exponentially with jitter (honouring Retry-After); a 4xx other than
 * 408/429 drops the batch, since sending it again cannot succeed.
 */
export interface Transport {
  push(e: Event): void;
  flush(): Promise<void>;
  /** Sends what is left with sendBeacon; for pagehide. */
  beacon(): void;
  clear(): void;
}

const MAX_BATCH = 50;
const MAX_BYTES = 60_000; // under the 64 KiB keepalive/beacon budget

export function createTransport(
  endpoint: string,
  envelope: () => { site: string; anonymousId: string; profileToken?: string },
  onToken: (token: string) => void,
  debug: (...a: unknown[]) => void,
): Transport {
  let queue: Event[] = [];
  let inflight: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), ms);
  };

  /** The next batch that fits the byte budget, and its encoded body. */
  const take = (): [Event[], string] => {
    const batch = queue.slice(0, MAX_BATCH);
    let body = JSON.stringify({ ...envelope(), events: batch });
    while (body.length > MAX_BYTES && batch.length > 1) {
      batch.length = Math.ceil(batch.length / 2);
      body = JSON.stringify({ ...envelope(), events: batch });
    }
    return [batch, body];
  };

  const done = (batch: Event[]) => {
    queue = queue.filter((e) => !batch.includes(e));
  };

  const send = async (): Promise<void> => {
    while (queue.length) {
      const [batch, body] = take();
      let res: Response;
      try {
        res = await fetch(endpoint, { method: 'POST', body, keepalive: true, headers: { 'Content-Type': 'text/plain' } });
      } catch (err) {
        return retry(0, err);
      }
      if (res.ok) {
        failures = 0;
        done(batch);
        try {
          const r = (await res.json()) as CollectResponse;
          if (r.profileToken) onToken(r.profileToken);
          if (r.rejected.length) debug('rejected', r.rejected);
        } catch {
          /* the events were accepted; an unreadable body changes nothing */
        }
      } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        debug('dropped batch', res.status);
        done(batch);
      } else {
        return retry(Number(res.headers.get('retry-after')) * 1000, res.status);
      }
    }
  };

  const retry = (after: number, why: unknown) => {
    failures++;
    const backoff = Math.min(60_000, 500 * 2 ** failures) * (0.5 + Math.random() / 2);
    debug('retrying', why);
    schedule(Math.max(after || 0, backoff));
  };

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    if (!inflight) inflight = send().finally(() => (inflight = null));
    return inflight;
  };

  return {
    push(e) {
      queue.push(e);
      if (queue.length >= 20) void flush();
      else if (!inflight && !failures) schedule(1000);
    },
    flush,
    beacon() {
      if (!queue.length) return;
      // Overlap with an in-flight keepalive fetch is harmless: the edge counts an event id once.
      const [batch, body] = take();
      // sendBeacon posts text/plain for a string body: CORS-simple, survives the page going away.
      if (navigator.sendBeacon?.(endpoint, body)) done(batch);
    },
    clear() {
      queue = [];
    },
  };
}
