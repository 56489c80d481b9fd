/**
 * Token buckets, one per client (API key name, or address when the server
 * runs open): each holds up to `burst` tokens and refills at `perSecond`; a
 * request takes one. Buckets that have refilled completely are forgotten, and
 * at most `maxClients` are kept (the oldest go first), so memory stays bounded
 * however many addresses call.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxClients = 10_000,
  ) {}

  /** 0 when the request may go ahead (a token was taken), else the seconds until a token is there. */
  take(client: string): number {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.perSecond;
  }

  get clients(): number {
    return this.buckets.size;
  }

  /** Forgets full buckets; if none is full, the oldest half (Map keeps insertion order). */
  private sweep(now: number): void {
    for (const [client, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(client);
    }
    if (this.buckets.size >= this.maxClients) {
      let drop = this.buckets.size >> 1;
      for (const client of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(client);
      }
    }
  }
}
