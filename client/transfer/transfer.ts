/**
 * One attempt of one download (downloads.md "One attempt"): open the part at
 * the resume point, hash the kept prefix, open the read (RPC or HTTP), check it
 * before writing a byte, write with backpressure while hashing, checkpoint
 * (fsync, then commit), verify size and digest, fsync → rename → fsync dir.
 * An idle timer runs only while waiting on the network.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { classify, DownloadError } from "../errors.js";
import { checkReadStart, type Expected } from "./check-read-start.js";
import { commitPart, hashPrefix, openPart, type TransferFs } from "./part-file.js";
import type { Chunk, OpenRead, ReadMeta } from "./read-source.js";

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

  let idle: NodeJS.Timeout | undefined;
  /** Awaits a network step under the idle timer; never runs across disk writes. */
  const network = async <T>(promise: Promise<T>): Promise<T> => {
    const w = inFlight;
    if (w !== undefined) {
      // A write is in flight: until it ends, a silent network may be our own backpressure,
      // so the idle timer waits for the disk (it never runs across a slow write).
      const settled = () => "settled" as const;
      const first = await raceAbort(Promise.race([promise.then(() => "network" as const, () => "network" as const), w.then(settled, settled)]), ctl.signal);
      if (first === "network") return promise;
    }
    idle = setTimeout(
      () => ctl.abort(new DownloadError("idle-timeout", `no bytes from the peer for ${Math.round(p.idleTimeoutMs / 1000)} s`)),
      p.idleTimeoutMs,
    );
    try {
      return await raceAbort(promise, ctl.signal);
    } finally {
      clearTimeout(idle);
    }
  };

  const opened = await openPart(p.partPath, p.committed, p.expected.size);
  const fh: FileHandle = opened.fh;
  let closed = false;
  let position = opened.resumeOffset;
  let committed = Math.min(p.committed, position);
  let lastCheckpointAt = p.now();
  let hash = createHash("sha256");
  let body: AsyncIterator<Chunk> | undefined;

  // Disk writes overlap the network: one write stays in flight while the next chunk is read;
  // chunks received meanwhile (already hashed, in order) are gathered into one write of up to
  // the layer's `writeBytes`. `position` counts bytes received, `written` bytes the filesystem accepted.
  const writeBytes = Math.max(0, p.fs.writeBytes ?? 0);
  let written = position;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  let inFlight: Promise<void> | undefined;
  /** True from the start of a write until it ends (inFlight stays set until someone awaits it). */
  let writing = false;
  /** A write failed: nothing more may be written in this attempt (later bytes would land at a wrong offset). */
  let writeBroken = false;
  /** Waits for the write in flight (its failure ends the attempt). */
  const settleWrite = async () => {
    const w = inFlight;
    inFlight = undefined;
    await w;
  };
  /** Starts writing the gathered bytes once the previous write is done (one in flight). */
  const startWrite = async () => {
    await settleWrite();
    if (writeBroken) throw new Error("a previous write to the part file failed");
    if (gatheredBytes === 0) return;
    const data = gathered.length === 1 ? (gathered[0] as Uint8Array) : Buffer.concat(gathered, gatheredBytes);
    const at = written;
    gathered = [];
    gatheredBytes = 0;
    writing = true;
    const w = p.fs.write(fh, data, at).then(
      () => {
        writing = false;
        written = at + data.length;
        stats.bytesWritten += data.length;
        p.hooks.onBytes(written);
      },
      (e: unknown) => {
        writing = false;
        writeBroken = true;
        throw e;
      },
    );
    w.catch(() => undefined); // observed by settleWrite; never an unhandled rejection meanwhile
    inFlight = w;
  };
  /** Every received byte written. */
  const flushWrites = async () => {
    await startWrite();
    await settleWrite();
  };
  /** fsync, THEN store the offset: the committed offset is never ahead of bytes on disk. */
  const checkpoint = async () => {
    await flushWrites();
    await fh.datasync();
    committed = written;
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
        written = 0;
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
      if (offset !== position) throw new DownloadError("protocol", `the peer sent bytes at ${offset}, ${position} was next`);
      if (position + data.length > size) throw new DownloadError("protocol", "the peer sent more bytes than the file has");
      hash.update(data);
      gathered.push(data);
      gatheredBytes += data.length;
      position += data.length;
      // An idle disk gets the bytes at once (nothing waits in memory on a slow link); while a
      // write is in flight, chunks gather up to `writeBytes`, then wait for it.
      if (!writing || gatheredBytes >= writeBytes) await startWrite();
      if (position - committed >= p.checkpointBytes || p.now() - lastCheckpointAt >= p.checkpointMs) await checkpoint();
    }
    await flushWrites();
    if (position !== size) {
      throw new DownloadError("short-stream", `the stream ended at ${position} of ${size} bytes`);
    }
    // The last checkpoint is stored together with the status change (one commit).
    if (committed !== written) {
      await fh.datasync();
      committed = written;
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
      throw new DownloadError("digest-mismatch", "the downloaded bytes do not match the peer's SHA-256; the part was discarded");
    }
    closed = true;
    await renameGuarded(p.hooks, () => commitPart(fh, p.partPath, p.destination), () => fh.close());
    return { size, sha256: digest, digestVerified: expectedSha !== undefined };
  } catch (err) {
    const reason = ctl.signal.aborted ? ctl.signal.reason : undefined;
    const error = reason instanceof DownloadError ? reason : classify(err);
    // No write may land after this point (a truncate, a checkpoint, the close).
    await settleWrite().catch(() => undefined);
    if (!closed) {
      if (error.action === "restart") {
        await fh.truncate(0).catch(() => undefined);
      } else {
        // Keep what arrived: write what was received (unless the disk just refused a write),
        // make it durable, then record it (the lease may be gone; then the row is not ours).
        try {
          if (!writeBroken) await flushWrites();
        } catch {
          // `written` stays at the last write that succeeded.
        }
        if (written > committed) {
          try {
            await fh.datasync();
            await p.hooks.onCheckpoint(written);
          } catch {
            // The next attempt resumes from the last good checkpoint instead.
          }
        }
      }
    }
    throw error;
  } finally {
    clearTimeout(idle);
    p.signal.removeEventListener("abort", onOuterAbort);
    ctl.abort(new DownloadError("cancelled", "the attempt ended"));
    await body?.return?.().catch(() => undefined);
    if (!closed) await fh.close().catch(() => undefined);
  }
}

/** Rejects with the signal's reason when it aborts first (a stuck read must not hang the attempt). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** The final commit through the guard: a refused (or failed) guard closes the part and throws "lease-lost". */
async function renameGuarded(hooks: TransferHooks, commit: () => Promise<void>, close: () => Promise<void>): Promise<void> {
  if (hooks.guardRename === undefined) return commit();
  let started = false;
  try {
    const ok = await hooks.guardRename(() => {
      started = true;
      return commit();
    });
    if (!ok) throw new DownloadError("lease-lost", "another worker took this job over before the rename; the part was not put in place");
  } finally {
    if (!started) await close().catch(() => undefined);
  }
}
