/**
 * Everything a ReadFile call decides before it opens the file, in one place
 * for the stock handler (read-file.ts) and the fast path
 * (fast-read-file/fast-read-file.ts): request checks, catalog lookup,
 * `if_match`, the byte range, then a limiter slot. Order matters: a bad
 * request never costs a stat, and a refused call never holds a slot.
 */
import { Code } from "@connectrpc/connect";
import type { ReadFileRequest } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import { fail, notFound, resourceExhausted } from "../errors.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { checkReadRequest, clampChunkSize } from "./read-request.js";

/** What {@link prepareRead} needs. */
export interface PrepareReadDeps {
  /** Resolves item ids. */
  readonly catalog: Catalog;
  /** Shared by both ReadFile paths and the HTTP route. */
  readonly limiter: StreamLimiter;
}

/** A read that may start: the item, its byte range, and the limiter slot it holds. */
export interface PreparedRead {
  /** The item as the catalog sees it now. */
  readonly entry: FileEntry;
  /** First byte to send. */
  readonly start: number;
  /** One past the last byte to send (`start === end`: one message with metadata and no data). */
  readonly end: number;
  /** The request's chunk size hint, clamped (read-request.ts). */
  readonly chunkSize: number;
  /** Gives the limiter slot back; idempotent, so both `finally` and an abort listener may call it. */
  readonly release: () => void;
}

/**
 * Checks `req` (docs/protocol.md's ReadFile table): length ≥ 0 → INVALID_ARGUMENT; unknown item → NOT_FOUND;
 * `if_match` differs → FAILED_PRECONDITION; offset outside the file → OUT_OF_RANGE; `signal` aborted → its
 * reason; no slot for `keyId` → RESOURCE_EXHAUSTED with a retry hint. Throws the ConnectError; on success
 * the caller owns the slot and must call `release`.
 */
export async function prepareRead(
  deps: PrepareReadDeps,
  req: ReadFileRequest,
  keyId: string,
  signal: AbortSignal,
): Promise<PreparedRead> {
  if (req.length < 0n) {
    throw fail(Code.InvalidArgument, `length must be >= 0 (0 reads to the end), got ${req.length}`);
  }
  const entry = await deps.catalog.stat(req.itemId);
  if (entry === undefined) throw notFound(req.itemId);
  if (req.ifMatch !== "" && req.ifMatch !== entry.etag) {
    throw fail(
      Code.FailedPrecondition,
      "the item changed (if_match differs from its current etag); restart from offset 0",
    );
  }
  const decision = checkReadRequest(req.offset, req.length, entry.size);
  if (!decision.ok) throw fail(decision.code, decision.message);
  signal.throwIfAborted();
  const permit = deps.limiter.acquire(keyId);
  if (!permit.ok) throw resourceExhausted(permit.retryAfterMs, permit.scope);
  return {
    entry,
    start: decision.start,
    end: decision.end,
    chunkSize: clampChunkSize(req.chunkSize),
    release: () => permit.release(),
  };
}
