/**
 * Fetches and checks an item's piece layer (GetPieceHashes, paged, `if_match` = the
 * job's etag) so every piece can be checked before it counts. The layer is trusted only
 * when it hashes up to the pieces root the job expects (docs/pieces.md).
 */
import { checkPieceLayer, MAX_PIECE_LENGTH, MIN_PIECE_LENGTH } from "../../common/pieces/tree.js";
import { rootFromHex, splitNodes } from "../../common/pieces/hex.js";
import { DownloadError } from "../errors.js";
import type { PeerClient } from "../rpc/peer-client.js";
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

/**
 * Files up to this size are fetched as one piece checked against the root itself, without asking
 * for a layer: a BEP 52 root does not depend on the piece length (it is the Merkle root of the 16 KiB
 * blocks), and a piece of the next power of two at or above the size spans exactly the root's tree.
 * This saves a GetPieceHashes round trip per small file (docs/performance.md "Folders"); a bad
 * piece then costs at most this much again.
 */
export const ONE_PIECE_MAX_SIZE = 1024 * 1024;

/** The piece length that makes a file of `size` (≤ {@link ONE_PIECE_MAX_SIZE}) one piece. */
export function onePieceLength(size: number): number {
  let length = MIN_PIECE_LENGTH;
  while (length < size) length *= 2;
  return length;
}

/**
 * The piece length a job of `size` bytes is checked with: one piece up to {@link ONE_PIECE_MAX_SIZE},
 * else the peer's. A new job's row stores it, so the plan finds nothing to write. Pure.
 */
export function plannedPieceLength(size: number, peerPieceLength: number): number {
  return size > 0 && size <= ONE_PIECE_MAX_SIZE ? onePieceLength(size) : peerPieceLength;
}

/**
 * Pages through GetPieceHashes; throws "changed" when the peer's content moved on, "protocol" when
 * the layer lies. A file of at most {@link ONE_PIECE_MAX_SIZE} needs no layer: one piece, checked
 * against the root (nothing asked; a changed file shows in the read's If-Match).
 */
export async function fetchPieceLayer(
  client: Pick<PeerClient, "getPieceHashes">,
  t: PieceTarget,
  signal: AbortSignal,
): Promise<CheckedLayer> {
  const root = rootFromHex(t.root);
  if (t.size > 0 && t.size <= ONE_PIECE_MAX_SIZE) return { root, pieceLength: onePieceLength(t.size), layer: [] };
  const nodes: Uint8Array[] = [];
  let pieceLength = 0;
  let count = 0;
  do {
    const res = await client.getPieceHashes({ itemId: t.itemId, ifMatch: t.etag, first: nodes.length }, { signal });
    if (res.piecesRoot !== t.root || (res.etag !== "" && res.etag !== t.etag)) {
      throw new DownloadError("changed", "the peer's pieces root changed");
    }
    const shape = {
      size: t.size,
      pieceLength: Number(res.pieceLength),
      count: Number(res.pieceCount),
      before: nodes.length === 0 ? undefined : { pieceLength, count },
      received: nodes.length,
      pageNodes: Math.floor(res.hashes.length / 32),
    };
    const problem = checkLayerPage(shape);
    if (problem !== undefined)
      throw new DownloadError("protocol-violation", `the peer's piece hashes for ${t.itemId} are refused: ${problem}`);
    pieceLength = shape.pieceLength;
    count = shape.count;
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

/** One GetPieceHashes page as the peer describes it. */
export interface LayerPage {
  /** The file's size as the job knows it. */
  readonly size: number;
  readonly pieceLength: number;
  /** The piece count the peer claims. */
  readonly count: number;
  /** Piece length and count of the first page; undefined on the first. */
  readonly before: { readonly pieceLength: number; readonly count: number } | undefined;
  /** Nodes received before this page. */
  readonly received: number;
  /** Nodes in this page. */
  readonly pageNodes: number;
}

/**
 * Checks a page before anything is paged further or kept: the piece length is a power of two in
 * [16 KiB, 16 MiB] (Item.piece_length), the claimed count is exactly ceil(size ÷ piece length),
 * neither changes between pages, and no page goes past the count. A message, or undefined.
 */
export function checkLayerPage(p: LayerPage): string | undefined {
  const { size, pieceLength, count } = p;
  const power = Number.isSafeInteger(pieceLength) && pieceLength > 0 && (pieceLength & (pieceLength - 1)) === 0;
  if (!power || pieceLength < MIN_PIECE_LENGTH || pieceLength > MAX_PIECE_LENGTH)
    return `piece length ${pieceLength} is not a power of two from ${MIN_PIECE_LENGTH} to ${MAX_PIECE_LENGTH}`;
  const want = Math.ceil(size / pieceLength);
  if (count !== want) return `${count} pieces claimed where ${size} bytes at ${pieceLength} make ${want}`;
  if (p.before !== undefined && (p.before.pieceLength !== pieceLength || p.before.count !== count))
    return "the piece length or count changed between pages";
  if (p.received + p.pageNodes > count) return `more than the ${count} piece hashes were sent`;
  return undefined;
}

function safeCheck(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
