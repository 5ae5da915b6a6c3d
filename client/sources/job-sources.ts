/**
 * A job's sources for one pieces attempt (docs/downloads.md "Sources"): read the
 * `download_source` rows, find each extra peer's item by pieces root (ListItems), open a
 * read for each, and keep the rows in step with what the transfer learns (bytes, rate,
 * failures, bans). The job's own peer comes first; banned sources are left out.
 */
import { classify, DownloadError } from "../errors.js";
import type { JobClaim } from "../job/claim.js";
import type { ClientEntry } from "../job/context.js";
import * as sources from "../store/download-source.repository.js";
import type { DownloadSourceRow } from "../store/download-source.table.js";
import type { DownloadRow } from "../store/download.table.js";
import { httpSource } from "../transfer/http-source.js";
import { mirrorSource } from "../transfer/mirror-source.js";
import { fetchPieceLayer, type CheckedLayer } from "../pieces/piece-layer-fetch.js";
import { rpcSource } from "../transfer/rpc-source.js";
import type { SourceRun, TransferSource } from "../transfer/source-run.js";
import type { SourceFailureDecision } from "../retry/source-failure.js";

/** The content the sources must hold. */
export interface SourceContent {
  readonly rootHex: string;
  readonly etag: string;
  readonly size: number;
}

/** The job's sources as rows, its own peer first (added when missing: a job from before sources). */
export async function jobSourceRows(claim: JobClaim, r: DownloadRow): Promise<DownloadSourceRow[]> {
  const { db, now } = claim.ctx;
  let rows = await sources.listSources(db, r.id);
  if (!rows.some((s) => s.url === r.peer_url)) {
    const spec = { kind: "peer" as const, url: r.peer_url, keyRef: r.key_ref, transport: r.transport };
    await sources.upsertSource(db, r.id, { ...spec, itemId: r.item_id, etag: r.expected_etag }, now());
    rows = await sources.listSources(db, r.id);
  }
  return [...rows.filter((s) => s.url === r.peer_url), ...rows.filter((s) => s.url !== r.peer_url)];
}

/**
 * Opens every usable source: the job's peer as it is, extra peers once their item is
 * found by root, mirrors as given. A source that cannot be used now is skipped with its
 * reason stored (it is tried again at the next attempt). Throws when every source is banned.
 */
export async function openSources(
  claim: JobClaim,
  r: DownloadRow,
  content: SourceContent,
  chunkSize: number,
  signal: AbortSignal,
): Promise<TransferSource[]> {
  const rows = await jobSourceRows(claim, r);
  const usable = rows.filter((s) => s.banned_reason === null);
  if (usable.length === 0) {
    const why = rows.map((s) => `${s.url}: ${s.banned_reason}`).join("; ");
    throw new DownloadError(
      "sources-banned",
      `every source of this job is banned (${why}); add another with --source or --mirror`,
    );
  }
  const opened = await Promise.all(usable.map((s) => openSource(claim, r, s, content, chunkSize, signal)));
  return opened.filter((s): s is TransferSource => s !== undefined);
}

async function openSource(
  claim: JobClaim,
  r: DownloadRow,
  row: DownloadSourceRow,
  content: SourceContent,
  chunkSize: number,
  signal: AbortSignal,
): Promise<TransferSource | undefined> {
  const { ctx } = claim;
  const base = { id: row.id, url: row.url, chunkSize, rate: Number(row.rate) };
  if (row.kind === "mirror") {
    const origin = new URL(row.url).origin;
    return {
      ...base,
      kind: "mirror",
      itemId: "",
      etag: undefined,
      openRead: mirrorSource(row.url),
      tryAcquire: () => ctx.limiter.tryAcquirePeer(origin),
    };
  }
  const primary = row.url === r.peer_url;
  const entry = primary
    ? claim.entry
    : ctx.clientFor({ peer_url: row.url, transport: row.transport ?? r.transport, key_ref: row.key_ref ?? "" });
  if (entry === undefined) {
    await note(claim, row, `no key for ${row.url}: pass --key, or add it as a remote (peer remote add)`);
    return undefined;
  }
  const item = primary
    ? { itemId: r.item_id, etag: content.etag }
    : await findByRoot(claim, row, entry, content, signal);
  if (item === undefined) return undefined;
  const { client } = entry;
  return {
    ...base,
    kind: "peer",
    itemId: item.itemId,
    etag: item.etag,
    openRead: client.transport === "http" ? httpSource(client) : rpcSource(client),
    tryAcquire: primary ? undefined : () => ctx.limiter.tryAcquirePeer(row.url),
  };
}

/** The item an extra peer holds the content under: stored, else asked by root (ListItems). */
async function findByRoot(
  claim: JobClaim,
  row: DownloadSourceRow,
  entry: ClientEntry,
  content: SourceContent,
  signal: AbortSignal,
): Promise<{ itemId: string; etag: string } | undefined> {
  if (row.item_id !== null && row.etag !== null) return { itemId: row.item_id, etag: row.etag };
  try {
    const page = await entry.client.listItems({ piecesRoot: content.rootHex, pageSize: 10 }, { signal });
    const item = page.items.find((i) => i.piecesRoot === content.rootHex && Number(i.size) === content.size);
    if (item === undefined) {
      await note(claim, row, "it does not hold this content (no item with this pieces root)");
      return undefined;
    }
    const found = { item_id: item.id, etag: item.etag, updated_at: claim.ctx.now() };
    await sources.updateSource(claim.ctx.db, row.id, found);
    return { itemId: item.id, etag: item.etag };
  } catch (e) {
    await note(claim, row, `not reachable: ${classify(e).message}`);
    return undefined;
  }
}

/**
 * The piece layer from the job's other peers, when its own peer cannot give it now: each
 * (not banned, item found by root) is asked in turn; the layer is checked against the root,
 * so any of them will do. Undefined when none answers.
 */
export async function layerFromOtherPeers(
  claim: JobClaim,
  r: DownloadRow,
  known: { root: string; etag: string; size: number },
  signal: AbortSignal,
): Promise<CheckedLayer | undefined> {
  const rows = await jobSourceRows(claim, r);
  const content = { rootHex: known.root, etag: known.etag, size: known.size };
  for (const row of rows) {
    if (row.kind !== "peer" || row.url === r.peer_url || row.banned_reason !== null) continue;
    const entry = claim.ctx.clientFor({
      peer_url: row.url,
      transport: row.transport ?? r.transport,
      key_ref: row.key_ref ?? "",
    });
    if (entry === undefined) continue;
    const item = await findByRoot(claim, row, entry, content, signal);
    if (item === undefined) continue;
    try {
      return await fetchPieceLayer(entry.client, { ...item, size: known.size, root: known.root }, signal);
    } catch (e) {
      await note(claim, row, `no piece layer: ${classify(e).message}`);
    }
  }
  return undefined;
}

async function note(claim: JobClaim, row: DownloadSourceRow, message: string): Promise<void> {
  await sources.updateSource(claim.ctx.db, row.id, { last_error: message, updated_at: claim.ctx.now() });
}

/** Keeps the rows in step with the transfer's sources: bytes and rates, failures, bans. */
export interface SourceBook {
  /** Adds the bytes delivered since the last call, and the rates. */
  flush(runs: readonly SourceRun[] | undefined): Promise<void>;
  banned(run: SourceRun, reason: string): Promise<void>;
  failed(run: SourceRun, error: DownloadError, decision: SourceFailureDecision): void;
}

/** Creates the book for one attempt. */
export function createSourceBook(claim: JobClaim): SourceBook {
  const { db, now } = claim.ctx;
  const stored = new Map<string, number>();
  const ignore = () => undefined;
  return {
    async flush(runs) {
      for (const run of runs ?? []) {
        const delta = run.bytes - (stored.get(run.source.id) ?? 0);
        if (delta <= 0) continue;
        stored.set(run.source.id, run.bytes);
        await sources.addSourceBytes(db, run.source.id, delta, run.rate(), now());
      }
    },
    async banned(run, reason) {
      await sources.updateSource(db, run.source.id, { banned_reason: reason, last_error: reason, updated_at: now() });
    },
    failed(run, error, decision) {
      const lost = error.code === "changed"; // its file changed: find the content again next time
      const patch = {
        failures: run.failures,
        last_error: error.message,
        next_retry_at: decision.kind === "backoff" ? now() + decision.delayMs : null,
        updated_at: now(),
        ...(lost && run.source.kind === "peer" ? { item_id: null, etag: null } : {}),
      };
      sources.updateSource(db, run.source.id, patch).catch(ignore);
    },
  };
}
