/**
 * Fetches and checks an item's piece layer (GetPieceHashes, paged, `if_match` = the
 * job's etag) so every piece can be checked before it counts. The layer is trusted only
 * when it hashes up to the pieces root the job expects (docs/pieces.md).
 */
import { checkPieceLayer } from "../../common/pieces/tree.js";
import { rootFromHex, splitNodes } from "../../common/pieces/hex.js";
import { DownloadError } from "../errors.js";
import type { PeerClient } from "../peer-client.js";
import { sha256 } from "./hash-pool.js";

/** What the job knows of the content. */
export interface PieceTarget {
  readonly itemId: string;
  readonly etag: string;
  readonly size: number;
  /** 64 lower-case hex. */
  readonly root: string;
}

/** A checked piece layer. */
export interface CheckedLayer {
  readonly root: Uint8Array;
  readonly pieceLength: number;
  /** One node per piece; [] when the file is one piece (checked against the root). */
  readonly layer: Uint8Array[];
}

/** Pages through GetPieceHashes; throws "changed" when the peer's content moved on, "protocol" when the layer lies. */
export async function fetchPieceLayer(
  client: Pick<PeerClient, "getPieceHashes">,
  t: PieceTarget,
  signal: AbortSignal,
): Promise<CheckedLayer> {
  const root = rootFromHex(t.root);
  const nodes: Uint8Array[] = [];
  let pieceLength = 0;
  let count = 0;
  do {
    const res = await client.getPieceHashes({ itemId: t.itemId, ifMatch: t.etag, first: nodes.length }, { signal });
    if (res.piecesRoot !== t.root || (res.etag !== "" && res.etag !== t.etag)) {
      throw new DownloadError("changed", "the peer's pieces root changed");
    }
    pieceLength = Number(res.pieceLength);
    count = Number(res.pieceCount);
    if (Number(res.first) !== nodes.length)
      throw new DownloadError("protocol", "the peer sent piece hashes from another index");
    const page = splitNodes(res.hashes);
    if (page.length === 0) break;
    nodes.push(...page);
  } while (nodes.length < count);
  const layer = { layer: nodes, size: t.size, pieceLength, root, hash: sha256 };
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0 || !safeCheck(() => checkPieceLayer(layer))) {
    throw new DownloadError("protocol", "the peer's piece hashes do not add up to the pieces root");
  }
  return { root, pieceLength, layer: nodes };
}

function safeCheck(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
