import type { BenchContext } from "../context.js";
import type { GroupResult } from "../model.js";

/** Placeholder until written. */
export async function runResumeGroup(ctx: BenchContext): Promise<GroupResult> {
  void ctx;
  return { group: "resume", title: "resume", description: "", throughput: [], metrics: [], notes: [] };
}
