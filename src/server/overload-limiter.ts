/**
 * Counts the requests in progress and refuses more than `max` at once: the
 * excess is answered 503 at once instead of waiting in a queue whose delay
 * would make every request late.
 */
export class InFlightLimiter {
  private current = 0;
  /** Requests refused so far (for logs and tests). */
  refused = 0;

  constructor(private readonly max: number) {}

  get inFlight(): number {
    return this.current;
  }

  tryAcquire(): boolean {
    if (this.current >= this.max) {
      this.refused++;
      return false;
    }
    this.current++;
    return true;
  }

  release(): void {
    if (this.current > 0) this.current--;
  }
}
