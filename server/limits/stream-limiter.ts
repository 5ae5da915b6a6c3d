/**
 * Caps concurrent file streams (ReadFile RPCs and the HTTP route share one
 * limiter): per API key, so one client cannot starve the others, and for the
 * whole server. Synchronous and I/O-free: a decision, then a release.
 */

/** Options of {@link createStreamLimiter}. */
export interface StreamLimiterOptions {
  /** Concurrent streams per key. @default 8 */
  readonly maxPerKey?: number;
  /** Concurrent streams on the server. @default 64 */
  readonly maxTotal?: number;
  /** Delay suggested to refused clients, in ms. @default 1000 */
  readonly retryAfterMs?: number;
}

/** Outcome of {@link StreamLimiter.acquire}. */
export type StreamPermit =
  | { readonly ok: true /** Gives the slot back; idempotent. */; release(): void }
  | {
      readonly ok: false /** Which limit was hit. */;
      readonly scope: "key" | "server" /** Suggested delay. */;
      readonly retryAfterMs: number;
    };

/** Counts running streams; callers release every permit they got (in `finally`). */
export interface StreamLimiter {
  /** Takes a slot for `keyId`, or says which limit refuses it. */
  acquire(keyId: string): StreamPermit;
  /** Streams running now, for one key or in total. */
  active(keyId?: string): number;
  /** The suggested retry delay, in ms. */
  readonly retryAfterMs: number;
}

/** Creates a {@link StreamLimiter}. */
export function createStreamLimiter(options: StreamLimiterOptions = {}): StreamLimiter {
  const maxPerKey = options.maxPerKey ?? 8;
  const maxTotal = options.maxTotal ?? 64;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  for (const [name, v] of [
    ["maxPerKey", maxPerKey],
    ["maxTotal", maxTotal],
    ["retryAfterMs", retryAfterMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  const perKey = new Map<string, number>();
  let total = 0;
  return {
    retryAfterMs,
    active: (keyId) => (keyId === undefined ? total : (perKey.get(keyId) ?? 0)),
    acquire(keyId) {
      const mine = perKey.get(keyId) ?? 0;
      if (mine >= maxPerKey) return { ok: false, scope: "key", retryAfterMs };
      if (total >= maxTotal) return { ok: false, scope: "server", retryAfterMs };
      perKey.set(keyId, mine + 1);
      total++;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          total--;
          const n = (perKey.get(keyId) ?? 1) - 1;
          if (n <= 0) perKey.delete(keyId);
          else perKey.set(keyId, n);
        },
      };
    },
  };
}
