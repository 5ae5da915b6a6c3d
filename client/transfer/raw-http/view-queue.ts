/**
 * The body views a raw reader (raw-request.ts for HTTP/1.1, raw-h2/h2-exchange.ts for HTTP/2) has
 * read and not yet handed out, and the reader's `next()` waiting for one: a pull reader gets one
 * view per `next()`, then the failure, then the end, in that order.
 */

/** A reader's `next()` waiting for a view. */
interface PendingRead {
  resolve(r: IteratorResult<Uint8Array>): void;
  reject(e: Error): void;
}

/** Views waiting for the reader, and the reader waiting for a view. */
export class ViewQueue {
  private readonly views: Uint8Array[] = [];
  private waiter: PendingRead | undefined;

  /** Views read and not yet handed out. */
  get length(): number {
    return this.views.length;
  }

  /** A view read from the connection (valid until the reader asks for the next). */
  push(view: Uint8Array): void {
    this.views.push(view);
  }

  /** Drops the views not handed out (the reader returned). */
  clear(): void {
    this.views.length = 0;
  }

  /**
   * The answer to a `next()` now: the next view, else `failure` (the exchange failed), else the end
   * when `bodyDone` (`onEnd` runs first: the reader holds no view any more). Undefined while none is
   * ready: then {@link wait}.
   */
  answer(
    failure: Error | undefined,
    bodyDone: boolean,
    onEnd: () => void,
  ): Promise<IteratorResult<Uint8Array>> | undefined {
    const r = this.ready(failure, bodyDone, onEnd);
    if (r === undefined) return undefined;
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
  }

  /** A `next()` that waits for {@link deliver}. */
  wait(): Promise<IteratorResult<Uint8Array>> {
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Settles a waiting `next()` when a view, the failure or the end is ready (as {@link answer}). */
  deliver(failure: Error | undefined, bodyDone: boolean, onEnd: () => void): void {
    const w = this.waiter;
    if (w === undefined) return;
    const r = this.ready(failure, bodyDone, () => {
      this.waiter = undefined; // before onEnd, which may settle the exchange
      onEnd();
    });
    if (r === undefined) return;
    this.waiter = undefined;
    if (r instanceof Error) w.reject(r);
    else w.resolve(r);
  }

  private ready(
    failure: Error | undefined,
    bodyDone: boolean,
    onEnd: () => void,
  ): IteratorResult<Uint8Array> | Error | undefined {
    const view = this.views.shift();
    if (view !== undefined) return { done: false, value: view };
    if (failure !== undefined) return failure;
    if (!bodyDone) return undefined;
    onEnd();
    return { done: true, value: undefined };
  }
}
