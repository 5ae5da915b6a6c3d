import type { BenchContext } from "../context.js";
import type { GroupResult } from "../model.js";

/** Placeholder until written. */
export async function runRpcGroup(ctx: BenchContext): Promise<GroupResult> {
  void ctx;
  return { group: "rpc", title: "rpc", description: "", throughput: [], metrics: [], notes: [] };
}
