import type { BenchContext } from "../context.js";
import type { GroupResult } from "../model.js";

/** Placeholder until written. */
export async function runDownloadGroup(ctx: BenchContext): Promise<GroupResult> {
  void ctx;
  return { group: "download", title: "download", description: "", throughput: [], metrics: [], notes: [] };
}
