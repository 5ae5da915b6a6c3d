/**
 * Group 4 (b): peak RSS of the client process during one big download.
 */
import type { BenchContext } from "../context.js";
import type { MetricResult } from "../model.js";

/** Measures client RSS during a big engine download (placeholder until the engine lands). */
export async function measureClientRss(ctx: BenchContext): Promise<MetricResult[]> {
  void ctx;
  return [];
}
