/**
 * A link's pace for the throttling proxy: every slice of bytes reserves its
 * transmission time on a virtual clock shared by all connections of one
 * direction, so N connections share the rate (like N TCP streams on one
 * link) and timer lateness never lowers the average. A little burst credit
 * (an idle link may send BURST_MS worth at once) keeps small writes smooth.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Burst credit of an idle link, in ms of its rate. @default 50 */
export const BURST_MS = 50;

/** One direction of a link. */
export interface LinkPacer {
  /** Bytes per second, or undefined for no limit. */
  rate: number | undefined;
  /** The largest slice to pace at once (1/50 s worth, 1 KiB to 64 KiB; all of it without a rate). */
  sliceSize(available: number): number;
  /** Waits until `bytes` may be sent. */
  pace(bytes: number): Promise<void>;
}

/** Creates a pacer; `now` in ms (performance.now by default). */
export function createLinkPacer(rate: number | undefined, now: () => number = () => performance.now()): LinkPacer {
  let free = 0;
  const pacer: LinkPacer = {
    rate,
    sliceSize(available) {
      if (pacer.rate === undefined) return available;
      return Math.min(available, Math.max(1024, Math.min(64 * 1024, Math.floor(pacer.rate / 50))));
    },
    async pace(bytes) {
      const r = pacer.rate;
      if (r === undefined || bytes <= 0) return;
      const t = now();
      const start = Math.max(free, t - BURST_MS);
      free = start + (bytes / r) * 1000;
      const wait = free - t;
      if (wait > 0) await sleep(wait);
    },
  };
  return pacer;
}
