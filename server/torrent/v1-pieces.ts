/**
 * The v1 SHA-1 piece hashes of a hybrid torrent, computed when a torrent is
 * asked for and kept in memory (docs/pieces.md, "Hybrid torrents"). Not in the
 * background hasher: the piece length depends on the whole torrent (a file's
 * SHA-1 pieces at one length say nothing at another, unlike the merkle tree),
 * and SHA-1 costs about as much as the SHA-256 pass (measured 493 vs 446 MiB/s
 * on the CI box), which every shared file would pay for torrents few are made of.
 *
 * One job at a time; the route answers 503 + Retry-After while it runs. Every
 * file is re-stat'ed after its read: a file that changed meanwhile fails the job.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import type { LayoutEntry } from "../../common/torrent/hybrid-torrent.js";

/** One file of a v1 pieces job: where to read it and how to tell it is unchanged. */
export interface V1Source {
  /** Reads the file's bytes; `check()` after the last read proves it did not change. */
  readonly path: string;
  readonly size: number;
  /** True when the file on disk is still the version read. */
  check(): Promise<boolean>;
}

/** The state of a job. */
export type V1Pieces =
  | { readonly state: "ready"; readonly pieces: Uint8Array }
  /** `settled` resolves when the running job ends (whichever it is). */
  | { readonly state: "pending"; readonly settled: Promise<void> }
  | { readonly state: "failed"; readonly reason: string };

/** Cache of v1 piece hashes by content key. */
export interface V1PiecesCache {
  /** The hashes for `key` if known, else starts the job (if none runs) and says pending. */
  get(key: string, layout: readonly LayoutEntry[], pieceLength: number, sources: () => V1Source[]): V1Pieces;
}

/** Options of {@link createV1PiecesCache}. */
export interface V1PiecesCacheOptions {
  /** Results kept (least recently used go first). @default 64 */
  readonly maxEntries?: number;
  /** Bytes per read. @default 1 MiB */
  readonly readSize?: number;
}

/** Creates the cache. */
export function createV1PiecesCache(options: V1PiecesCacheOptions = {}): V1PiecesCache {
  const maxEntries = options.maxEntries ?? 64;
  const readSize = options.readSize ?? 1024 * 1024;
  const done = new Map<string, V1Pieces>();
  let running: { key: string; settled: Promise<void> } | undefined;

  function remember(key: string, value: V1Pieces): void {
    done.set(key, value);
    for (const oldest of done.keys()) {
      if (done.size <= maxEntries) break;
      done.delete(oldest);
    }
  }

  return {
    get(key, layout, pieceLength, sources) {
      const hit = done.get(key);
      if (hit !== undefined) {
        if (hit.state === "failed")
          done.delete(key); // the next ask tries again
        else {
          done.delete(key);
          done.set(key, hit);
        }
        return hit;
      }
      if (running !== undefined) return { state: "pending", settled: running.settled };
      const settled = hashLayout(layout, pieceLength, sources(), readSize)
        .then(
          (pieces) => remember(key, { state: "ready", pieces }),
          (error: Error) => remember(key, { state: "failed", reason: error.message }),
        )
        .finally(() => {
          running = undefined;
        });
      running = { key, settled };
      return { state: "pending", settled };
    },
  };
}

/** SHA-1 of every piece of the layout: files read in order, pad files as zeros. */
export async function hashLayout(
  layout: readonly LayoutEntry[],
  pieceLength: number,
  sources: readonly V1Source[],
  readSize: number,
): Promise<Uint8Array> {
  const out: Buffer[] = [];
  let piece = createHash("sha1");
  let filled = 0;
  const feed = (bytes: Uint8Array): void => {
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(bytes.length - at, pieceLength - filled);
      piece.update(bytes.subarray(at, at + take));
      filled += take;
      at += take;
      if (filled === pieceLength) {
        out.push(piece.digest());
        piece = createHash("sha1");
        filled = 0;
      }
    }
  };
  let next = 0;
  const buffer = Buffer.alloc(readSize);
  for (const entry of layout) {
    if (entry.kind === "pad") {
      for (let left = entry.size; left > 0; left -= Math.min(left, readSize))
        feed(buffer.fill(0).subarray(0, Math.min(left, readSize)));
      continue;
    }
    const source = sources[next++];
    if (source === undefined || source.size !== entry.file.size) throw new Error("the files changed while hashing");
    const handle = await open(source.path, "r");
    try {
      for (let offset = 0; offset < source.size; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(readSize, source.size - offset), offset);
        if (bytesRead === 0) throw new Error("a file shrank while hashing");
        feed(buffer.subarray(0, bytesRead));
        offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
    if (!(await source.check())) throw new Error("a file changed while hashing");
  }
  if (filled > 0) out.push(piece.digest());
  return Buffer.concat(out);
}
