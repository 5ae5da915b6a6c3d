/**
 * The pieces side of an attempt (docs/pieces.md "Client engine"): learn the pieces root
 * (the row, else StatItem), fetch and check the piece layer, then prepare the per-piece
 * check with hooks that keep the row's bitmap and the events in step. When the peer has no
 * root yet, or its GetPieceHashes cannot be reached, {@link planPieces} says so and the
 * SHA-256 check runs instead.
 */
import { classify, DownloadError } from "../errors.js";
import type { JobClaim } from "../job/claim.js";
import { createSourceBook, layerFromOtherPeers, openSources } from "../sources/job-sources.js";
import { bitmapFromText, emptyBitmap, hasPiece, setPiece, type Bitmap } from "../pieces/bitmap.js";
import { sharedHashPool } from "../pieces/hash-pool.js";
import { fetchPieceLayer, type CheckedLayer } from "../pieces/piece-layer-fetch.js";
import type { DownloadRow } from "../store/download.table.js";
import { chunkSizeAfterFailures } from "../transfer/rpc-source.js";
import type { PieceCheck } from "../transfer/transfer.js";
import { pieceHooks } from "./attempt-hooks.js";
import { planChangesRow } from "./plan-write.js";
import type { AttemptInput, AttemptSetup, PiecePlan } from "./attempt-types.js";

/**
 * The plan, or undefined for the whole-file path: no root known to the row or the peer, an
 * empty file, or GetPieceHashes unreachable. A changed file throws ("changed": restart).
 */
export async function planPieces(claim: JobClaim, r: DownloadRow, signal: AbortSignal): Promise<PiecePlan | undefined> {
  const known = await knownContent(claim, r, signal);
  if (known === undefined) return undefined;
  sharedHashPool().warm(); // worker start-up overlaps GetPieceHashes
  let layer: CheckedLayer;
  try {
    layer = await fetchPieceLayer(claim.entry.client, { itemId: r.item_id, ...known }, signal);
  } catch (e) {
    const error = classify(e);
    // A peer that lies about its layer's shape (protocol-violation) ends the job: no retry, no fallback.
    if (error.action === "restart" || error.action === "cancel" || error.code === "protocol-violation") throw error;
    // The job's peer is away: another peer of the job can give the layer (checked against the root).
    const other = error.action === "retry" ? await layerFromOtherPeers(claim, r, known, signal) : undefined;
    if (other !== undefined) return plan(claim, r, known, other);
    // A passing fault with verified pieces on record: try again rather than drop them for the
    // whole-file path. Otherwise (the RPC not served, or nothing verified yet) check the whole file.
    const hasPieces = r.pieces_verified !== null && r.pieces_verified !== undefined;
    if (error.action === "retry" && hasPieces) throw error;
    return undefined;
  }
  return plan(claim, r, known, layer);
}

/** Stores what the plan learnt (root, piece length, the bitmap that still fits) and returns it. */
async function plan(claim: JobClaim, r: DownloadRow, known: KnownContent, layer: CheckedLayer): Promise<PiecePlan> {
  const count = Math.ceil(known.size / layer.pieceLength);
  let verified = emptyBitmap(count);
  let stored: string | null = null;
  if (r.pieces_verified !== null && r.pieces_verified !== undefined && Number(r.piece_length) === layer.pieceLength) {
    try {
      verified = bitmapFromText(r.pieces_verified, count);
      stored = r.pieces_verified;
    } catch {
      // A bitmap that does not fit is never trusted: the pieces on disk are checked again.
    }
  }
  const facts = {
    expected_size: known.size,
    expected_etag: known.etag,
    expected_sha256: known.sha256,
    pieces_root: known.root,
    piece_length: layer.pieceLength,
    pieces_verified: stored,
  };
  // Nothing new (a folder's file job knows it all from the listing): no write (plan-write.ts).
  if (planChangesRow(r, facts)) await claim.owned({ ...facts, updated_at: claim.ctx.now() });
  return { rootHex: known.root, etag: known.etag, size: known.size, sha256: known.sha256, layer, verified };
}

/** What the row or the peer says the content is. */
interface KnownContent {
  readonly root: string;
  readonly etag: string;
  readonly size: number;
  readonly sha256: string | null;
}

/**
 * Root, etag, size and SHA-256 from the row, else from StatItem when it agrees with the row (a
 * digest the peer finished after the enqueue is learnt here, so the completed job records it).
 */
async function knownContent(claim: JobClaim, r: DownloadRow, signal: AbortSignal): Promise<KnownContent | undefined> {
  const size = r.expected_size === null ? null : Number(r.expected_size);
  if (r.pieces_root !== null && r.pieces_root !== undefined && r.expected_etag !== null && size !== null && size > 0) {
    return { root: r.pieces_root, etag: r.expected_etag, size, sha256: r.expected_sha256 };
  }
  const item = await claim.entry.client.statItem(r.item_id, { signal }).catch(() => undefined);
  if (item === undefined || item.piecesRoot === "" || item.size <= 0n) return undefined;
  // Another version than the part's bytes: the whole-file path's read sees it and restarts.
  if ((r.expected_etag !== null && item.etag !== r.expected_etag) || (size !== null && Number(item.size) !== size))
    return undefined;
  const sha256 = /^[0-9a-f]{64}$/i.test(item.sha256) ? item.sha256.toLowerCase() : r.expected_sha256;
  return { root: item.piecesRoot, etag: item.etag, size: Number(item.size), sha256 };
}

/** Prepares the per-piece check of a planned attempt, with every usable source of the job. */
export async function piecesSetup(a: AttemptInput, plan: PiecePlan): Promise<AttemptSetup> {
  const { claim, row: r, stats } = a;
  const { ctx } = claim;
  const trusted = claim.trustedPieces;
  const sources = await openSources(claim, r, plan, chunkSizeAfterFailures(a.failures), claim.attemptCtl.signal);
  if (sources.length === 0)
    throw new DownloadError("unavailable", "no source of this job can be reached now (see peer downloads show)");
  const book = createSourceBook(claim);
  const tap = ctx.tapOf({ ...r, expected_size: plan.size });
  const check: PieceCheck = {
    kind: "pieces",
    size: plan.size,
    etag: plan.etag,
    root: plan.layer.root,
    pieceLength: plan.layer.pieceLength,
    layer: plan.layer.layer,
    verified: plan.verified,
    // Pieces this process wrote or checked itself are not checked again.
    recheck: (i) => trusted === undefined || trusted.count !== plan.verified.count || !hasPiece(trusted, i),
    sources,
    backoff: ctx.o.backoff,
    random: ctx.random,
    pool: sharedHashPool(),
    steer: tap,
    rootHex: plan.rootHex,
  };
  return {
    check,
    hooks: pieceHooks(claim, r, plan, book, stats, tap),
    result: (t) => ({
      size: t.size,
      sha256: plan.sha256,
      computedSha256: undefined,
      verified: "pieces root",
      piecesRoot: plan.rootHex,
      destination: t.destination,
    }),
    done: async () => {
      claim.trustedPieces = merge(trusted, stats.confirmed, plan.verified.count);
      await book.flush(stats.sources).catch(() => undefined);
    },
  };
}

/** The pieces set in `a` or `b` (a bitmap of `count` pieces); `a` when `b` is unknown. */
function merge(a: Bitmap | undefined, b: Bitmap | undefined, count: number): Bitmap | undefined {
  if (b === undefined) return a;
  const out = a !== undefined && a.count === count ? { count, bytes: a.bytes.slice() } : emptyBitmap(count);
  for (let i = 0; i < count; i++) if (hasPiece(b, i)) setPiece(out, i);
  return out;
}
