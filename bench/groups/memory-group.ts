import type { BenchContext } from "../context.js";
import type { GroupResult } from "../model.js";

/** Placeholder until written. */
export async function runMemoryGroup(ctx: BenchContext): Promise<GroupResult> {
  void ctx;
  return { group: "memory", title: "memory", description: "", throughput: [], metrics: [], notes: [] };
}
