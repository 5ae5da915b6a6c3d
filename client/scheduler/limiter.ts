/**
 * Two-level concurrency: a per-peer semaphore, then the global one. The peer's
 * permit is taken first, so a job waiting behind its own slow peer never holds
 * a global slot that another peer could use (docs/downloads.md "One job" and "Scheduling").
 */
import { createSemaphore, type Release, type Semaphore } from "./semaphore.js";

/** Limits for {@link createLimiter}. */
export interface LimiterOptions {
  /** Downloads at once, all peers together. @default 3 */
  global: number;
  /** Downloads at once from one peer. @default 2 */
  perPeer: number;
}

/** Acquires a global and a per-peer slot together. */
export interface Limiter {
  /** Waits for both slots; the returned release frees both. */
  acquire(peer: string, signal?: AbortSignal): Promise<Release>;
  /**
   * Takes a slot of `peer` only (no global slot), without waiting: for a job's extra sources,
   * which count against their peer's limit but are part of a job that holds its global slot.
   * Undefined when the peer is at its limit.
   */
  tryAcquirePeer(peer: string): Release | undefined;
  /** The global semaphore (for inspection). */
  readonly global: Semaphore;
}

/** Creates a limiter. */
export function createLimiter(options: LimiterOptions): Limiter {
  const global = createSemaphore(options.global);
  const peers = new Map<string, Semaphore>();
  const peerSemaphore = (peer: string): Semaphore => {
    let sem = peers.get(peer);
    if (sem === undefined) {
      sem = createSemaphore(options.perPeer);
      peers.set(peer, sem);
    }
    return sem;
  };
  return {
    global,
    tryAcquirePeer(peer) {
      return peerSemaphore(peer).tryAcquire();
    },
    async acquire(peer, signal) {
      const sem = peerSemaphore(peer);
      const releasePeer = await sem.acquire(signal);
      try {
        const releaseGlobal = await global.acquire(signal);
        return () => {
          releaseGlobal();
          releasePeer();
        };
      } catch (err) {
        releasePeer();
        throw err;
      }
    },
  };
}
