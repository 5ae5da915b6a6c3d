/**
 * Item lookup of the stock server (bench/servers/stock-server.ts): the first
 * message's item metadata. Ids are `bench/<relative path>` under one root.
 */
import { create } from "@bufbuild/protobuf";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ItemSchema, type Item } from "../../gen/peer/v1/peer_pb.js";

/** A resolved bench file. */
export interface BenchItem {
  /** Absolute path. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Metadata for the first ReadFile message. */
  readonly item: Item;
}

/** Resolves `bench/<rel>` under `root`; `undefined` for unknown ids, non-files and escapes. */
export async function resolveBenchItem(root: string, itemId: string): Promise<BenchItem | undefined> {
  if (!itemId.startsWith("bench/")) return undefined;
  const rel = itemId.slice("bench/".length);
  const file = path.resolve(root, rel);
  if (!file.startsWith(path.resolve(root) + path.sep)) return undefined;
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const item = create(ItemSchema, {
    id: itemId,
    name: path.basename(file),
    size: BigInt(st.size),
    etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
    share: "bench",
  });
  return { path: file, size: st.size, item };
}

/** Same clamp as docs/protocol.md: [16 KiB, 2 MiB], default 1 MiB. */
export function clampChunkSize(requested: number): number {
  if (requested <= 0) return 1048576;
  return Math.min(2 * 1048576, Math.max(16 * 1024, requested));
}
