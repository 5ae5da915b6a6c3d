import type { BenchContext } from "../context.js";
import type { GroupResult } from "../model.js";

/** Placeholder until written. */
export async function runSmallGroup(ctx: BenchContext): Promise<GroupResult> {
  void ctx;
  return { group: "small", title: "small", description: "", throughput: [], metrics: [], notes: [] };
}
