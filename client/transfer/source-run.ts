/**
 * One source's state inside a piece transfer (docs/downloads.md "Sources"): what it is
 * reading, what it delivered, how fast, and whether it may still be asked. The transfer
 * (piece-engine.ts) changes it; the attempt reads {@link SourceRun.snapshot} for events
 * and the `download_source` row.
 */
import type { SourceProgress } from "../events/download-events.js";
import type { DownloadError } from "../errors.js";
import { createProgressMeter, type ProgressMeter } from "../events/progress-meter.js";
import type { OpenRead } from "./read-source.js";

/** A source as the transfer gets it. */
export interface TransferSource {
  /** The `download_source` row id. */
  readonly id: string;
  /** Its URL (peer base URL or mirror URL): named in events. */
  readonly url: string;
  readonly kind: "peer" | "mirror";
  /** The item id it holds the content under (a mirror's is unused). */
  readonly itemId: string;
  /** The etag it serves the content under (If-Match, and checked on each read); undefined for a mirror. */
  readonly etag: string | undefined;
  readonly openRead: OpenRead;
  /** Preferred RPC message size. @default the source's default */
  readonly chunkSize?: number | undefined;
  /** Rate measured by an earlier attempt (bytes per second), used until this one measures. @default 0 */
  readonly rate?: number | undefined;
  /**
   * Takes this source's slot under the per-peer limit, without waiting; undefined when the
   * peer is at its limit (the source waits). @default always granted (the job's own peer)
   */
  readonly tryAcquire?: (() => (() => void) | undefined) | undefined;
}

/** A source's state in the transfer. */
export type SourceState = SourceProgress["state"];

/** The range a source is reading now. */
export interface ActiveRange {
  readonly first: number;
  readonly end: number;
  /** Next piece this read will deliver. */
  position: number;
  /** A read of urgent pieces (small messages); false for a bulk read. */
  readonly urgent: boolean;
  readonly ctl: AbortController;
}

/** One source's runtime state. */
export class SourceRun {
  state: SourceState = "active";
  /** Verified bytes it delivered in this attempt. */
  bytes = 0;
  /** Failures in a row. */
  failures = 0;
  /** Not asked before this time (epoch ms). */
  retryAt = 0;
  lastError: DownloadError | undefined;
  /** Why it was banned or dropped. */
  reason: string | undefined;
  reading: ActiveRange | undefined;
  private readonly meter: ProgressMeter = createProgressMeter();

  constructor(readonly source: TransferSource) {}

  /** Records `length` more verified bytes at `nowMs`. */
  delivered(nowMs: number, length: number): void {
    if (this.bytes === 0) this.meter.add(nowMs, 0);
    this.bytes += length;
    this.meter.add(nowMs, this.bytes);
  }

  /** Bytes per second: measured in this attempt, else the stored rate. */
  rate(): number {
    const measured = this.meter.read(null).bytesPerSecond;
    return measured > 0 ? measured : (this.source.rate ?? 0);
  }

  /** Banned or dropped: never asked again in this attempt. */
  get gone(): boolean {
    return this.state === "banned" || this.state === "unusable";
  }

  /** For progress events. */
  snapshot(): SourceProgress {
    return {
      url: this.source.url,
      kind: this.source.kind,
      bytes: this.bytes,
      bytesPerSecond: this.rate(),
      state: this.state,
    };
  }
}
