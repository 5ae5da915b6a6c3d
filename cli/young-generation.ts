/**
 * Holds V8's young generation at its start size for short `peer` commands (entry.ts imports this
 * first, so it applies before any other module loads). V8 starts each semi-space at 1 MiB and
 * doubles it under a high allocation rate (a download's chunks and promises) up to 16 MiB, which
 * stays resident: 8–15 MiB of a `peer get`'s peak. V8 reads the growth factor whenever it would grow
 * the space, so it can be set at run time (`--max-semi-space-size` is read only when the isolate
 * starts). Where the garbage per byte is high (Node's HTTP/2 layer: a JS object per 16 KiB frame)
 * or a long-lived server needs its throughput, the space may grow again: a 1 MiB space cost
 * `peer get` over gRPC 40 % more user CPU. Measured in docs/performance.md "Client memory".
 * `peer serve` lets it grow up to {@link SERVE_SEMI_SPACE_CAP} (docs/performance.md "Serving memory").
 */
import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import type { TransportKind } from "../client/internal.js";

/** V8's semi-space growth factor while the young generation is held: it keeps its start size. */
export const HELD_GROWTH_FACTOR = 1;

/** V8's own semi-space growth factor (the space doubles). */
export const V8_GROWTH_FACTOR = 2;

/** What the process is doing, for {@link growthFactorFor}. */
export type YoungGenerationUse =
  | { readonly command: "serve" }
  | { readonly command: "get"; readonly transport: TransportKind };

/**
 * The growth factor for a command: held for `peer get` over HTTP/1.1 (connect, http), V8's own for
 * HTTP/2 transports and for `peer serve` (which caps the space: {@link capYoungGeneration}). Pure.
 */
export function growthFactorFor(use: YoungGenerationUse): number {
  if (use.command === "serve") return V8_GROWTH_FACTOR;
  return use.transport === "connect" || use.transport === "http" ? HELD_GROWTH_FACTOR : V8_GROWTH_FACTOR;
}

/**
 * `peer serve`'s largest semi-space: V8 doubles it up to here, then it is held. Uncapped, the server's
 * semi-space grew 2 → 4 → 8 MiB over 28 transfers of 1 GiB (four clients, four transports), and its
 * peak RSS 88 → 96 MiB with it; capped here the peak stays at 88–89 MiB and the server's CPU per GiB
 * serving each transport did not change measurably (at 1 MiB it rose ≈ 5 %, at 2 MiB within noise).
 */
export const SERVE_SEMI_SPACE_CAP = 4 * 1024 * 1024;

/**
 * The growth factor for a semi-space of `semiSpaceBytes` under `capBytes`: V8's own while one more
 * doubling stays within the cap, else held. Pure.
 */
export function cappedGrowthFactor(semiSpaceBytes: number, capBytes: number): number {
  return semiSpaceBytes > 0 && semiSpaceBytes * V8_GROWTH_FACTOR <= capBytes ? V8_GROWTH_FACTOR : HELD_GROWTH_FACTOR;
}

/** The current semi-space size: V8's `new_space` size counts both semi-spaces (measured: 2 × `--max-semi-space-size`). */
function semiSpaceBytes(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  return space === undefined ? 0 : space.space_size / 2;
}

/**
 * Keeps V8's semi-space within `capBytes` (V8 grows it only at the end of a garbage collection, so
 * the factor is chosen again after each one). Returns a function that stops watching.
 */
export function capYoungGeneration(capBytes: number): () => void {
  let factor = cappedGrowthFactor(semiSpaceBytes(), capBytes);
  setGrowthFactor(factor);
  const observer = new PerformanceObserver(() => {
    const next = cappedGrowthFactor(semiSpaceBytes(), capBytes);
    if (next === factor) return;
    factor = next;
    setGrowthFactor(factor);
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => observer.disconnect();
}

/** Sets V8's semi-space growth factor for the rest of the process. */
export function setGrowthFactor(factor: number): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

setGrowthFactor(HELD_GROWTH_FACTOR);
