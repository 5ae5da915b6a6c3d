/**
 * Holds V8's young generation at its start size for short `peer` commands (entry.ts imports this
 * first, so it applies before any other module loads). V8 starts each semi-space at 1 MiB and
 * doubles it under a high allocation rate (a download's chunks and promises) up to 16 MiB, which
 * stays resident: 8–15 MiB of a `peer get`'s peak. V8 reads the growth factor whenever it would grow
 * the space, so it can be set at run time (`--max-semi-space-size` is read only when the isolate
 * starts). Where the garbage per byte is high (Node's HTTP/2 layer: a JS object per 16 KiB frame)
 * or a long-lived server needs its throughput, the space may grow again: a 1 MiB space cost
 * `peer get` over gRPC 40 % more user CPU. Measured in docs/performance.md "Client memory".
 */
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
 * HTTP/2 transports and for `peer serve`. Pure.
 */
export function growthFactorFor(use: YoungGenerationUse): number {
  if (use.command === "serve") return V8_GROWTH_FACTOR;
  return use.transport === "connect" || use.transport === "http" ? HELD_GROWTH_FACTOR : V8_GROWTH_FACTOR;
}

/** Sets V8's semi-space growth factor for the rest of the process. */
export function setGrowthFactor(factor: number): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

setGrowthFactor(HELD_GROWTH_FACTOR);
