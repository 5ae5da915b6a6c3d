/**
 * Speed and ETA from a sliding window of (time, bytes) samples. Pure; the
 * clock comes from the caller. (jack's ETA was always unknown.)
 */

/** A meter's reading. */
export interface ProgressReading {
  /** Bytes per second over the window; 0 until two samples span time. */
  readonly bytesPerSecond: number;
  /** Seconds left at that speed; null when unknown (no speed yet, or no size). */
  readonly etaSeconds: number | null;
}

/** A sliding-window meter. */
export interface ProgressMeter {
  /** Records the position at `nowMs`. */
  add(nowMs: number, position: number): void;
  /** Reads speed and ETA for a file of `size` bytes. */
  read(size: number | null): ProgressReading;
}

/** Creates a meter averaging over `windowMs`. @default 5000 */
export function createProgressMeter(windowMs = 5000): ProgressMeter {
  const samples: Array<{ t: number; pos: number }> = [];
  return {
    add(t, pos) {
      const last = samples[samples.length - 1];
      // A restart moves the position back: start a new window.
      if (last !== undefined && pos < last.pos) samples.length = 0;
      samples.push({ t, pos });
      while (samples.length > 2 && (samples[0]?.t ?? t) < t - windowMs) samples.shift();
    },
    read(size) {
      const first = samples[0];
      const last = samples[samples.length - 1];
      if (first === undefined || last === undefined || last.t <= first.t)
        return { bytesPerSecond: 0, etaSeconds: null };
      const bytesPerSecond = ((last.pos - first.pos) * 1000) / (last.t - first.t);
      const etaSeconds =
        size === null || bytesPerSecond <= 0 ? null : Math.max(0, Math.ceil((size - last.pos) / bytesPerSecond));
      return { bytesPerSecond: Math.round(bytesPerSecond), etaSeconds };
    },
  };
}
