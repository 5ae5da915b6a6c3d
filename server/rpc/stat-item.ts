/** StatItem: one item's metadata; unknown and escaping ids are both NOT_FOUND. */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { StatItemResponseSchema, type StatItemRequest, type StatItemResponse } from "../../gen/peer/v1/peer_pb.js";
import type { Catalog } from "../catalog/catalog.js";
import { callStatsKey } from "../call-context.js";
import { notFound } from "../errors.js";
import { itemMessage } from "./item-message.js";

/** Creates the StatItem implementation. */
export function createStatItem(catalog: Catalog) {
  return async function statItem(req: StatItemRequest, ctx: HandlerContext): Promise<StatItemResponse> {
    const stats = ctx.values.get(callStatsKey);
    if (stats) stats.itemId = req.itemId;
    const entry = await catalog.stat(req.itemId);
    if (entry === undefined) throw notFound(req.itemId);
    return create(StatItemResponseSchema, { item: itemMessage(entry) });
  };
}
