/**
 * The SHA-256 check of the transfer engine (docs/downloads.md "One attempt"), for a peer
 * with no pieces root yet: keep the fsync'ed prefix and hash it again, open one read from
 * there, check it before writing a byte (check-read-start.ts), append with a running
 * SHA-256, and compare the digest with the peer's at the end. The part file, write-behind,
 * checkpoints and the final step are the session's (part-session.ts).
 */
import { createHash, type Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { DownloadError } from "../errors.js";
import { checkReadStart } from "./check-read-start.js";
import { hashPrefix, openPart } from "./part-file.js";
import { PartSession, type Recorder } from "./part-session.js";
import type { Chunk, OpenedRead, ReadMeta } from "./read-source.js";
import type { Checkpoint, Sha256Check, TransferOptions, TransferResult, TransferStats } from "./transfer-options.js";
import type { NetworkWait } from "./network-wait.js";

/** Runs one attempt with the SHA-256 check. */
export async function runSha256Transfer(
  o: TransferOptions,
  c: Sha256Check,
  stats: TransferStats,
): Promise<TransferResult> {
  const opened = await openPart(o.partPath, c.committed, c.expected.size);
  return new Sha256Read(o, c, stats, opened.fh, opened.resumeOffset).run(opened.discarded);
}

/** One whole-file read: what arrived, what is recorded, the running digest. */
class Sha256Read implements Recorder {
  readonly session: PartSession;
  readonly keepsAfterBrokenWrite = true; // `written` is exact: every byte before it reached the file
  /** Bytes received (pushed to the write-behind). */
  private position: number;
  /** Bytes fsync'ed and stored. */
  private committed: number;
  private hash: Hash = createHash("sha256");
  private body: AsyncIterator<Chunk> | undefined;
  private net!: NetworkWait;

  constructor(
    private readonly o: TransferOptions,
    private readonly c: Sha256Check,
    stats: TransferStats,
    fh: FileHandle,
    resumeOffset: number,
  ) {
    this.session = new PartSession(o, stats, fh, this, resumeOffset);
    this.position = resumeOffset;
    this.committed = Math.min(c.committed, resumeOffset);
  }

  record(): Checkpoint {
    this.committed = this.session.wb.written;
    return { committed: this.committed, verified: null };
  }

  unrecorded(): boolean {
    return this.session.wb.written > this.committed;
  }

  written(end: number): void {
    this.o.hooks.onBytes(end);
  }

  run(discarded: boolean): Promise<TransferResult> {
    this.net = this.session.networkWait();
    return this.session.run(
      () => this.transfer(discarded),
      async () => {
        this.net.clear();
        await this.body?.return?.().catch(() => undefined);
      },
    );
  }

  private async transfer(discarded: boolean): Promise<TransferResult> {
    const { session } = this;
    if (discarded) await this.o.hooks.onCheckpoint({ committed: 0, verified: null });
    await hashPrefix(session.fh, this.position, this.hash, session.ctl.signal);
    const read = await this.open();
    const meta = read.meta;
    await this.o.hooks.onValidated(meta, this.position);
    await this.receive(read.body, meta.size);
    await session.wb.flush();
    if (this.position !== meta.size)
      throw new DownloadError("short-stream", `the stream ended at ${this.position} of ${meta.size} bytes`);
    const digest = this.hash.digest("hex");
    let verified = false;
    const destination = await session.finish(async () => {
      verified = await this.compareDigest(meta, digest);
    });
    return { size: meta.size, destination, sha256: digest, digestVerified: verified, checkedOnDisk: 0, refetched: 0 };
  }

  /** Opens the read at the resume point and checks it before a byte is written. */
  private async open(): Promise<OpenedRead> {
    const { c, o } = this;
    const read = await this.net.wait(
      c.openRead({
        itemId: c.itemId,
        offset: this.position,
        ifMatch: c.expected.etag ?? undefined,
        expectedSize: c.expected.size ?? undefined,
        chunkSize: c.chunkSize,
        signal: this.session.ctl.signal,
      }),
    );
    this.body = read.body;
    const decision = checkReadStart(this.position, read.start, read.meta, c.expected, o.maxFileSize);
    if (decision.kind === "restart-with-body") {
      // Reuse this body from byte 0; never append it to the old part.
      await this.session.restartAtZero();
      this.position = 0;
      this.committed = 0;
      this.hash = createHash("sha256");
      await o.hooks.onRestart?.(decision.reason);
    } else if (decision.kind !== "ok") {
      throw new DownloadError(decision.kind, decision.reason);
    }
    return read;
  }

  /** Appends the body's bytes in order, hashing them; checkpoints when due. */
  private async receive(body: AsyncIterator<Chunk>, size: number): Promise<void> {
    for (;;) {
      const r = await this.net.wait(body.next());
      if (r.done === true) return;
      const { offset, data } = r.value;
      if (data.length === 0) continue;
      if (offset !== this.position)
        throw new DownloadError("protocol", `the peer sent bytes at ${offset}, ${this.position} was next`);
      if (this.position + data.length > size)
        throw new DownloadError("protocol", "the peer sent more bytes than the file has");
      this.hash.update(data);
      // An idle disk gets the bytes at once (nothing waits in memory on a slow link); while a
      // write is in flight, chunks gather up to `writeBytes`, then wait for it.
      await this.session.wb.push(this.position, data);
      this.position += data.length;
      await this.session.added(data.length);
    }
  }

  /**
   * Compares the digest with the peer's for this etag (asking the peer again when it was
   * unknown); a mismatch discards the part. Returns true when a digest was compared.
   */
  private async compareDigest(meta: ReadMeta, digest: string): Promise<boolean> {
    const { c, o, session } = this;
    // The job's digest belongs to its etag: after a restart onto a new version it does not apply.
    let expected = meta.sha256 ?? (meta.etag === c.expected.etag ? (c.expected.sha256 ?? undefined) : undefined);
    if (expected === undefined && c.fetchDigest !== undefined) {
      // The peer may have finished hashing meanwhile; a failure here only means "size-verified".
      const latest = await this.net.wait(c.fetchDigest(session.ctl.signal)).catch(() => undefined);
      if (latest !== undefined && latest.etag === meta.etag) expected = latest.sha256;
    }
    if (expected === undefined) return false;
    if (expected === digest) return true;
    await session.fh.truncate(0);
    await session.fh.datasync();
    this.committed = 0;
    await o.hooks.onCheckpoint({ committed: 0, verified: null }).catch(() => undefined);
    throw new DownloadError(
      "digest-mismatch",
      "the downloaded bytes do not match the peer's SHA-256; the part was discarded",
    );
  }
}
