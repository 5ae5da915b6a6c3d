/** One attempt of a claimed job: handshake, choose the check, run the transfer engine with hooks that keep the row in step. */
import { classify } from "../errors.js";
import type { JobClaim } from "../job/claim.js";
import { jobSourceRows } from "../sources/job-sources.js";
import type { DownloadRow } from "../store/download.table.js";
import type { Expected } from "../transfer/check-read-start.js";
import { httpSource } from "../transfer/http-source.js";
import { chunkSizeAfterFailures, rpcSource } from "../transfer/rpc-source.js";
import { runTransfer, type TransferHooks, type TransferCheck, type TransferOptions } from "../transfer/transfer.js";
import { sha256Hooks } from "./attempt-hooks.js";
import type { AttemptInput, AttemptResult, AttemptSetup } from "./attempt-types.js";
import { chooseCheck } from "./choose-check.js";
import { piecesSetup, planPieces } from "./pieces-plan.js";

export type { AttemptInput, AttemptResult } from "./attempt-types.js";

/**
 * Runs one attempt to a file in place: verified piece by piece when the peer gives a pieces
 * root and its piece layer, else with a running SHA-256 over the whole file (choose-check.ts).
 * Returns what was put in place; throws what the attempt failed with.
 */
export async function runAttempt(a: AttemptInput): Promise<AttemptResult> {
  const { claim, row: r } = a;
  const { entry } = claim;
  const signal = claim.attemptCtl.signal;
  if (entry.handshake === undefined) entry.handshake = entry.client.handshake({ signal });
  try {
    await entry.handshake;
  } catch (e) {
    entry.handshake = undefined;
    if (!(await otherPeersCanServe(claim, r, e))) throw e;
  }
  const verifyPieces = claim.ctx.o.verifyPieces;
  const plan = verifyPieces ? await planPieces(claim, r, signal) : undefined;
  const rowHasBitmap = r.pieces_verified !== null && r.pieces_verified !== undefined;
  const choice = chooseCheck({ verifyPieces, planned: plan !== undefined, rowHasBitmap });
  let setup: AttemptSetup;
  if (choice.kind === "pieces" && plan !== undefined) setup = await piecesSetup(a, plan);
  else {
    if (choice.kind === "sha256" && choice.forgetBitmap) {
      await claim.owned({ pieces_verified: null, updated_at: claim.ctx.now() });
    }
    setup = sha256Setup(a);
  }
  try {
    return setup.result(await runTransfer(transferOptions(claim, r, setup.hooks, setup.check), a.stats));
  } finally {
    await setup.done();
  }
}

/** The engine's options: what every attempt shares, plus the check. */
function transferOptions(claim: JobClaim, r: DownloadRow, hooks: TransferHooks, check: TransferCheck): TransferOptions {
  const { ctx } = claim;
  return {
    partPath: r.part_path,
    destination: r.destination,
    onExisting: r.on_existing,
    signal: claim.attemptCtl.signal,
    idleTimeoutMs: ctx.o.idleTimeoutMs,
    checkpointBytes: ctx.o.checkpointBytes,
    checkpointMs: ctx.o.checkpointMs,
    maxFileSize: ctx.o.maxFileSize,
    fs: ctx.fs,
    now: ctx.now,
    hooks,
    check,
  };
}

/** The SHA-256 check (a peer without roots): the kept prefix, one read, the digest at the end. */
function sha256Setup(a: AttemptInput): AttemptSetup {
  const { claim, row: r } = a;
  const { entry } = claim;
  const state = { expected: expectedOf(r), live: a.live };
  return {
    check: {
      kind: "sha256",
      itemId: r.item_id,
      expected: state.expected,
      committed: Number(r.committed_bytes),
      chunkSize: chunkSizeAfterFailures(a.failures),
      openRead: entry.client.transport === "http" ? httpSource(entry.client) : rpcSource(entry.client),
      fetchDigest: async (sig) => {
        const item = await entry.client.statItem(r.item_id, { signal: sig });
        return { etag: item.etag, sha256: item.sha256 === "" ? undefined : item.sha256.toLowerCase() };
      },
    },
    hooks: sha256Hooks(claim, r, state),
    result: (t) => ({
      size: t.size,
      sha256: t.digestVerified ? (t.sha256 ?? null) : r.expected_sha256,
      computedSha256: t.sha256,
      verified: t.digestVerified ? "sha256" : "size only",
      piecesRoot: null,
      destination: t.destination,
    }),
    done: async () => undefined,
  };
}

/** The validators a row expects. */
export function expectedOf(r: DownloadRow): Expected {
  return {
    size: r.expected_size === null ? null : Number(r.expected_size),
    etag: r.expected_etag,
    sha256: r.expected_sha256,
  };
}

/**
 * True when the job's own peer is away (a passing fault) but the job knows its pieces root and
 * has another peer: the attempt goes on without it (docs/downloads.md "Scheduling").
 */
async function otherPeersCanServe(claim: JobClaim, r: DownloadRow, e: unknown): Promise<boolean> {
  if (classify(e).action !== "retry" || r.pieces_root === null || !claim.ctx.o.verifyPieces) return false;
  const rows = await jobSourceRows(claim, r);
  return rows.some((s) => s.kind === "peer" && s.url !== r.peer_url && s.banned_reason === null);
}
