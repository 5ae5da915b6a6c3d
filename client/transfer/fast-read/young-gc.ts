/**
 * Frees the socket-read buffers of HTTP/2 responses early. Node's HTTP/2 session allocates a new
 * ArrayBuffer (≈ 64 KiB, outside V8's heap) for every socket read and hands the DATA frames out as
 * views of it; once consumed they are garbage, but V8 only collects them when its young generation
 * fills with JS objects (a few hundred bytes per read) or when external memory has grown by 64 MiB
 * (a full mark-compact). A 1 GiB ReadFile over gRPC held 35–40 MiB of dead read buffers and ran a
 * dozen mark-compacts; a scavenge every {@link H2_YOUNG_GC_BYTES} received frees them young, at a
 * fraction of the cost (docs/performance.md "HTTP/2"). HTTP/1.1's raw reader reuses its read areas
 * and needs none of this.
 */
import v8 from "node:v8";
import vm from "node:vm";

/** Bytes received over HTTP/2 between two young-generation collections: 8 MiB (measured 4–8 best). */
export const H2_YOUNG_GC_BYTES = 8 * 1024 * 1024;

type GcFunction = (options?: { type?: "minor" | "major"; execution?: "sync" | "async" }) => unknown;

let collector: GcFunction | null | undefined;

/**
 * V8's `gc` without exposing it to the program: the flag is raised only while one fresh context is
 * made (`vm`), then lowered again. Undefined where this V8 refuses (the transfer works without it).
 */
function gcFunction(): GcFunction | undefined {
  if (collector !== undefined) return collector ?? undefined;
  collector = null;
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === "function") {
    collector = own as GcFunction;
    return collector;
  }
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined");
    if (typeof gc === "function") collector = gc as GcFunction;
  } catch {
    // No collector: V8 collects on its own schedule, as before.
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
  return collector ?? undefined;
}

/**
 * Whether a collection is due after `received` more bytes, with `pending` bytes counted since the
 * last one; returns the new pending count and the decision. Pure.
 * @param every bytes between collections; 0 or less = never. @default H2_YOUNG_GC_BYTES
 */
export function youngGcDue(
  pending: number,
  received: number,
  every: number = H2_YOUNG_GC_BYTES,
): { pending: number; due: boolean } {
  if (!(every > 0) || !(received > 0)) return { pending: Math.max(0, pending), due: false };
  const total = Math.max(0, pending) + received;
  return total >= every ? { pending: total % every, due: true } : { pending: total, due: false };
}

let pendingBytes = 0;

/** Counts `bytes` received over HTTP/2 by this process; runs a scavenge every H2_YOUNG_GC_BYTES. */
export function noteHttp2BytesRead(bytes: number): void {
  const next = youngGcDue(pendingBytes, bytes);
  pendingBytes = next.pending;
  if (next.due) gcFunction()?.({ type: "minor" });
}
