/**
 * Whether V8's optimizing compiler (TurboFan) runs. entry.ts imports this first, so it is off while the
 * CLI starts (V8 would otherwise optimize path and protobuf start-up functions within the first 0.1 s),
 * and each long-lived command turns it back on when its action runs ({@link turbofanFor}). A `peer get`
 * over HTTP/1.1 spends its CPU in native code (SHA-256, copies, system calls), not in hot JavaScript,
 * and TurboFan cost it about 5 MiB of peak RSS: the compiler's own code pages in the node binary
 * (2.3 MiB), its zones on a background thread and the optimized code. V8 checks the flag each time a
 * function would tier up, so `v8.setFlagsFromString` holds when set at run time (as for the young
 * generation). HTTP/2 transports (a JS object per frame), `peer serve` and the queue worker
 * `peer downloads run` keep it. Measured in
 * docs/performance.md, "Client memory at 64 MiB".
 */
import v8 from "node:v8";
import type { YoungGenerationUse } from "./young-generation.js";

/** What the process is doing, for {@link turbofanFor}: a command whose action turns TurboFan back on. */
export type TurbofanUse = YoungGenerationUse | { readonly command: "downloads run" };

/**
 * Whether TurboFan runs for a command: not for `peer get` over HTTP/1.1 (connect, http); V8's own
 * default (on) for HTTP/2 transports, `peer serve` and `peer downloads run` (long-lived, any
 * transport). Pure.
 */
export function turbofanFor(use: TurbofanUse): boolean {
  if (use.command !== "get") return true;
  return !(use.transport === "connect" || use.transport === "http");
}

/** Turns TurboFan on or off for the rest of the process (functions already optimized keep their code). */
export function setTurbofan(on: boolean): void {
  v8.setFlagsFromString(on ? "--turbofan" : "--no-turbofan");
}

setTurbofan(false);
