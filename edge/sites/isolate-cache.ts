/**
 * A per-isolate cache of values read from Durable Objects, shared by requests without sharing
 * promises. In workerd a promise made in one request and awaited in another waits on the first
 * request's context: with a shared pending load, every request that arrived during a refresh
 * stalled until the refreshing one finished (seconds under load). Here a request only ever awaits
 * its own load: once a value is known, others read it synchronously — a stale one while a single
 * request refreshes it — and a failed refresh keeps the value it had. Pure: no Workers APIs.
 */
export class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number; refreshing: number }>();

  /** `ttl`: how long a value is fresh (ms); `max`: entries kept (keys come from requests: a flood of them clears it). */
  constructor(private readonly ttl: number, private readonly max: number) {}

  async get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    // Stale: this request refreshes it, unless another started less than a TTL ago; the rest go on with the value.
    if (hit && now - hit.refreshing < this.ttl) return hit.value;
    if (hit) hit.refreshing = now;
    try {
      const value = await load();
      if (!this.entries.has(key) && this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, { value, expires: now + this.ttl, refreshing: 0 });
      return value;
    } catch (err) {
      if (hit) return hit.value; // a failed refresh: the last known value, tried again after a TTL
      throw err; // nothing known: the caller decides (a failure is never cached)
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
