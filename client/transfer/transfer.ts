/**
 * One attempt of one download (docs/downloads.md "One attempt"): open the part at
 * the resume point, hash the kept prefix, open the read (RPC or HTTP), check it
 * before writing a byte, write with backpressure while hashing, checkpoint
 * (fsync, then commit), verify size and digest, fsync → rename → fsync dir.
 * An idle timer runs only while waiting on the network.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { classify, DownloadError } from "../errors.js";
import { checkReadStart, type Expected } from "./check-read-start.js";
import { checkpointDue } from "./checkpoint-due.js";
import type { OnExisting } from "./existing-policy.js";
import { commitPartGuarded, hashPrefix, openPart, type TransferFs } from "./part-file.js";
import type { Chunk, OpenRead, ReadMeta } from "./read-source.js";
import { createNetworkWait } from "./network-wait.js";
import { createWriteBehind } from "./write-behind.js";

/** What the attempt reports to the manager while it runs (hooks may write the job row). */
export interface TransferHooks {
  /** The read was accepted; `meta` is what the peer says now (store a newly learnt size/etag/digest). */
  onValidated(meta: ReadMeta, resumeOffset: number): Promise<void>;
  /** The peer sent the whole file from 0 instead of the range: the part was discarded. May throw to stop. */
  onRestart(reason: string): Promise<void>;
  /** Bytes on disk (not yet durable) after each write. */
  onBytes(position: number): void;
  /** `committed` bytes are fsync'ed: store them. */
  onCheckpoint(committed: number): Promise<void>;
  /** All bytes are in and fsync'ed (`committed` = the size): store them and the status "verifying". */
  onVerifying(committed: number): Promise<void>;
  /**
   * Runs the final rename while the job is still ours (the fencing check); resolves false, without
   * calling `rename`, when it is not. @default the rename runs unguarded
   */
  guardRename?: ((rename: () => Promise<void>) => Promise<boolean>) | undefined;
}

/** Inputs of one attempt. */
export interface TransferParams {
  readonly itemId: string;
  readonly partPath: string;
  readonly destination: string;
  /** What the final step does when the destination exists (part-file.ts `placePart`). @default "refuse" */
  readonly onExisting?: OnExisting | undefined;
  readonly expected: Expected;
  readonly committed: number;
  readonly openRead: OpenRead;
  /** Asks the peer for the item's digest at the end when it was unknown (it hashes in the background). */
  readonly fetchDigest?: ((signal: AbortSignal) => Promise<{ etag: string; sha256: string | undefined }>) | undefined;
  /** RPC message size to ask for. @default 1 MiB */
  readonly chunkSize?: number | undefined;
  /** Aborted by the manager (cancel, shutdown, lease lost) with a DownloadError reason. */
  readonly signal: AbortSignal;
  /** No bytes for this long while waiting on the network aborts the attempt. */
  readonly idleTimeoutMs: number;
  /** Checkpoint after this many bytes. */
  readonly checkpointBytes: number;
  /** Checkpoint after this long. */
  readonly checkpointMs: number;
  readonly maxFileSize: number;
  readonly fs: TransferFs;
  readonly now: () => number;
  readonly hooks: TransferHooks;
}

/** Result of a successful attempt. */
export interface TransferResult {
  readonly size: number;
  readonly sha256: string;
  /** True when the digest was compared with the peer's. */
  readonly digestVerified: boolean;
  /** Where the file was put (another name than the destination after `--rename`). */
  readonly destination: string;
}

/** Counters the manager reads even when the attempt throws. */
export interface TransferStats {
  /** Bytes written in this attempt (progress resets the retry budget). */
  bytesWritten: number;
}

/** Runs one attempt. Throws a DownloadError (or something `classify` understands). */
export async function runTransfer(p: TransferParams, stats: TransferStats): Promise<TransferResult> {
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort(p.signal.reason);
  if (p.signal.aborted) ctl.abort(p.signal.reason);
  else p.signal.addEventListener("abort", onOuterAbort, { once: true });

  const opened = await openPart(p.partPath, p.committed, p.expected.size);
  const fh: FileHandle = opened.fh;
  let closed = false;
  let position = opened.resumeOffset;
  let committed = Math.min(p.committed, position);
  let lastCheckpointAt = p.now();
  let hash = createHash("sha256");
  let body: AsyncIterator<Chunk> | undefined;
  // Disk writes overlap the network (write-behind.ts states the invariants). `position`
  // counts bytes received, `wb.written` bytes the filesystem accepted.
  const newWriter = (start: number) =>
    createWriteBehind({
      fs: p.fs,
      fh,
      start,
      onWritten: (end, length) => {
        stats.bytesWritten += length;
        p.hooks.onBytes(end);
      },
    });
  let wb = newWriter(position);
  const net = createNetworkWait(ctl, p.idleTimeoutMs, () => wb.inFlight);
  const network = <T>(promise: Promise<T>) => net.wait(promise);
  /** fsync, THEN store the offset: the committed offset is never ahead of bytes on disk. */
  const checkpoint = async () => {
    await wb.flush();
    await fh.datasync();
    committed = wb.written;
    lastCheckpointAt = p.now();
    await p.hooks.onCheckpoint(committed);
  };

  try {
    if (opened.discarded) await p.hooks.onCheckpoint(0);
    await hashPrefix(fh, position, hash, ctl.signal);
    const read = await network(
      p.openRead({
        itemId: p.itemId,
        offset: position,
        ifMatch: p.expected.etag ?? undefined,
        expectedSize: p.expected.size ?? undefined,
        chunkSize: p.chunkSize,
        signal: ctl.signal,
      }),
    );
    body = read.body;
    const decision = checkReadStart(position, read.start, read.meta, p.expected, p.maxFileSize);
    switch (decision.kind) {
      case "ok":
        break;
      case "restart-with-body":
        // Reuse this body from byte 0; never append it to the old part.
        await fh.truncate(0);
        await fh.datasync();
        position = 0;
        wb = newWriter(0);
        committed = 0;
        hash = createHash("sha256");
        await p.hooks.onRestart(decision.reason);
        break;
      case "changed":
        throw new DownloadError("changed", decision.reason);
      case "protocol":
        throw new DownloadError("protocol", decision.reason);
      case "too-large":
        throw new DownloadError("too-large", decision.reason);
    }
    const meta = read.meta;
    await p.hooks.onValidated(meta, position);
    const size = meta.size;

    for (;;) {
      const r = await network(body.next());
      if (r.done === true) break;
      const { offset, data } = r.value;
      if (data.length === 0) continue;
      if (offset !== position)
        throw new DownloadError("protocol", `the peer sent bytes at ${offset}, ${position} was next`);
      if (position + data.length > size)
        throw new DownloadError("protocol", "the peer sent more bytes than the file has");
      hash.update(data);
      // An idle disk gets the bytes at once (nothing waits in memory on a slow link); while a
      // write is in flight, chunks gather up to `writeBytes`, then wait for it.
      await wb.push(position, data);
      position += data.length;
      const due = { pendingBytes: position - committed, sinceLastMs: p.now() - lastCheckpointAt };
      if (checkpointDue({ ...due, checkpointBytes: p.checkpointBytes, checkpointMs: p.checkpointMs }))
        await checkpoint();
    }
    await wb.flush();
    if (position !== size) {
      throw new DownloadError("short-stream", `the stream ended at ${position} of ${size} bytes`);
    }
    // The last checkpoint is stored together with the status change (one commit).
    if (committed !== wb.written) {
      await fh.datasync();
      committed = wb.written;
    }
    await p.hooks.onVerifying(committed);
    const digest = hash.digest("hex");
    // The job's digest belongs to its etag: after a restart onto a new version it does not apply.
    let expectedSha = meta.sha256 ?? (meta.etag === p.expected.etag ? (p.expected.sha256 ?? undefined) : undefined);
    if (expectedSha === undefined && p.fetchDigest !== undefined) {
      // The peer may have finished hashing meanwhile; a failure here only means "size-verified".
      const latest = await network(p.fetchDigest(ctl.signal)).catch(() => undefined);
      if (latest !== undefined && latest.etag === meta.etag) expectedSha = latest.sha256;
    }
    if (expectedSha !== undefined && expectedSha !== digest) {
      await fh.truncate(0);
      await fh.datasync();
      committed = 0;
      await p.hooks.onCheckpoint(0).catch(() => undefined);
      throw new DownloadError(
        "digest-mismatch",
        "the downloaded bytes do not match the peer's SHA-256; the part was discarded",
      );
    }
    closed = true;
    const placed = await commitPartGuarded(p.hooks.guardRename, fh, p.partPath, p);
    return { size, sha256: digest, digestVerified: expectedSha !== undefined, destination: placed };
  } catch (err) {
    const reason = ctl.signal.aborted ? ctl.signal.reason : undefined;
    const error = reason instanceof DownloadError ? reason : classify(err);
    // No write may land after this point (a truncate, a checkpoint, the close).
    await wb.settle().catch(() => undefined);
    if (!closed) {
      if (error.action === "restart") {
        await fh.truncate(0).catch(() => undefined);
      } else {
        // Keep what arrived: write what was received (unless the disk just refused a write),
        // make it durable, then record it (the lease may be gone; then the row is not ours).
        try {
          if (!wb.broken) await wb.flush();
        } catch {
          // `written` stays at the last write that succeeded.
        }
        if (wb.written > committed) {
          try {
            await fh.datasync();
            await p.hooks.onCheckpoint(wb.written);
          } catch {
            // The next attempt resumes from the last good checkpoint instead.
          }
        }
      }
    }
    throw error;
  } finally {
    net.clear();
    p.signal.removeEventListener("abort", onOuterAbort);
    ctl.abort(new DownloadError("cancelled", "the attempt ended"));
    await body?.return?.().catch(() => undefined);
    if (!closed) await fh.close().catch(() => undefined);
  }
}
