/**
 * A FIFO counting semaphore with direct hand-off: a released permit goes to
 * the oldest waiter without passing through the free count, so no later
 * `acquire` can jump the queue. A waiter cancelled through its AbortSignal
 * leaves the queue and never consumes a permit (p-limit, async-sema).
 */

/** Gives the permit back; calling it twice is a no-op. */
export type Release = () => void;

/** A counting semaphore. */
export interface Semaphore {
  /** Waits for a permit; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** A permit now, or undefined when none is free (never queues). */
  tryAcquire(): Release | undefined;
  /** Free permits now. */
  readonly available: number;
  /** Callers waiting now. */
  readonly waiting: number;
}

interface Waiter {
  grant: (release: Release) => void;
}

/** Creates a semaphore with `permits` permits (a positive integer). */
export function createSemaphore(permits: number): Semaphore {
  if (!Number.isInteger(permits) || permits < 1) {
    throw new RangeError(`a semaphore needs a positive integer of permits, got ${permits}`);
  }
  let free = permits;
  const queue: Waiter[] = [];

  const makeRelease = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next !== undefined) next.grant(makeRelease());
      else free++;
    };
  };

  return {
    get available() {
      return free;
    },
    get waiting() {
      return queue.length;
    },
    tryAcquire(): Release | undefined {
      if (free <= 0 || queue.length > 0) return undefined;
      free--;
      return makeRelease();
    },
    acquire(signal?: AbortSignal): Promise<Release> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (free > 0 && queue.length === 0) {
        free--;
        return Promise.resolve(makeRelease());
      }
      return new Promise<Release>((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          grant: (release) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(release);
          },
        };
        queue.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
