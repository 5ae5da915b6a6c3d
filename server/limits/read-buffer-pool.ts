/**
 * The buffers file bytes are read into before they go to a socket, reused across responses: the
 * ReadFile fast path (two per stream) and the HTTP route (one per response, replaced as its reads grow).
 *
 * Why: a buffer of 64 KiB–2 MiB per response, allocated fresh, lives for the whole transfer, so V8
 * promotes its object to the old generation, and its memory comes back only at the next mark-compact,
 * which a server that makes little JS garbage per byte reaches rarely (V8 forces one when external
 * memory has grown by about 64 MiB). Serving 1 GiB to curl, wget, aria2c and `peer get` over the four
 * transports one after another, `peer serve`'s array buffers grew by ≈ 2 MiB per response and never
 * fell (0.9 → 30.7 MiB after 14 responses), and its RSS with them; malloc's heap kept another 12 MiB
 * of freed buffers (docs/performance.md "Serving memory"). Reused, the buffers are allocated once.
 *
 * A buffer goes back only after the socket called back for the last write that used it (the caller's
 * duty): a buffer the socket still holds must never be refilled for another response.
 */

/** Most bytes of idle buffers kept for reuse; a released buffer that would exceed it is left to the GC. */
export const MAX_IDLE_BYTES = 8 * 1024 * 1024;

/**
 * Buffers are allocated in multiples of this, so sizes that differ by a few bytes (a ReadFile message
 * is its chunk, a header of ≤ 22 bytes and, in the first message, the item) share buffers.
 */
export const BUFFER_GRANULE = 64 * 1024;

/** Bytes to allocate for a request of `size` bytes: `size` rounded up to {@link BUFFER_GRANULE}. Pure. */
export function allocationSize(size: number): number {
  return Math.max(BUFFER_GRANULE, Math.ceil(size / BUFFER_GRANULE) * BUFFER_GRANULE);
}

/**
 * Which idle buffer serves a request of `size` bytes: the index of the smallest one at least that
 * long, or -1 (allocate). A bigger buffer than needed costs no memory: it is resident already. Pure.
 */
export function pickIdle(idleLengths: readonly number[], size: number): number {
  let best = -1;
  for (let i = 0; i < idleLengths.length; i++) {
    const length = idleLengths[i] ?? 0;
    if (length >= size && (best === -1 || length < (idleLengths[best] ?? 0))) best = i;
  }
  return best;
}

/** Whether a released buffer of `length` bytes is kept, given the idle bytes kept now. Pure. */
export function keepReleased(idleBytes: number, length: number, maxIdleBytes: number): boolean {
  return idleBytes + length <= maxIdleBytes;
}

/** What a pool holds, for tests and diagnostics. */
export interface ReadBufferPoolStats {
  /** Bytes of idle buffers kept for reuse. */
  readonly idleBytes: number;
  /** Bytes of buffers handed out and not yet released. */
  readonly lentBytes: number;
  /** Buffers handed out and not yet released. */
  readonly lentBuffers: number;
  /** Bytes allocated since the pool was created. */
  readonly allocatedBytes: number;
}

/** A free list of read buffers. */
export interface ReadBufferPool {
  /** A buffer of at least `size` bytes (its contents are arbitrary). */
  acquire(size: number): Buffer;
  /** Gives a buffer back; only once nothing (no socket write) uses its bytes any more. */
  release(buffer: Buffer): void;
  /**
   * Gives a buffer back once `lastWrite` (the socket's callback for the last write of its bytes)
   * has resolved; at once when undefined. A write that never completes (an aborted response) keeps
   * the buffer from the pool: it is left to the GC, never refilled under the socket.
   */
  releaseAfter(buffer: Buffer, lastWrite: Promise<void> | undefined): void;
  stats(): ReadBufferPoolStats;
}

/** Creates a pool keeping at most `maxIdleBytes` (default {@link MAX_IDLE_BYTES}) of idle buffers. */
export function createReadBufferPool(maxIdleBytes: number = MAX_IDLE_BYTES): ReadBufferPool {
  const idle: Buffer[] = [];
  let idleBytes = 0;
  let lentBytes = 0;
  let lentBuffers = 0;
  let allocatedBytes = 0;
  const lent = new WeakSet<Buffer>();
  return {
    acquire(size) {
      const at = pickIdle(
        idle.map((b) => b.length),
        size,
      );
      let buffer: Buffer;
      if (at === -1) {
        const bytes = allocationSize(size);
        buffer = Buffer.allocUnsafeSlow(bytes);
        allocatedBytes += bytes;
      } else {
        buffer = idle.splice(at, 1)[0] as Buffer;
        idleBytes -= buffer.length;
      }
      lent.add(buffer);
      lentBytes += buffer.length;
      lentBuffers++;
      return buffer;
    },
    release(buffer) {
      if (!lent.delete(buffer)) return; // not ours, or released twice: never hand one buffer out twice
      lentBytes -= buffer.length;
      lentBuffers--;
      if (!keepReleased(idleBytes, buffer.length, maxIdleBytes)) return;
      idle.push(buffer);
      idleBytes += buffer.length;
    },
    releaseAfter(buffer, lastWrite) {
      if (lastWrite === undefined) this.release(buffer);
      else void lastWrite.then(() => this.release(buffer));
    },
    stats: () => ({ idleBytes, lentBytes, lentBuffers, allocatedBytes }),
  };
}

/** The process's pool, shared by every peer handler's fast ReadFile path and HTTP routes. */
export const readBuffers: ReadBufferPool = createReadBufferPool();
