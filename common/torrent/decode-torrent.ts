/**
 * The torrent decoder (BEP 3, BEP 52, BEP 19): what a .torrent names and where
 * it can be fetched. Pure. The v1 info-hash is SHA-1 of the `info` value's
 * exact bytes (what MonoTorrent's InfoHash and @ctrl/torrent-file's hash()
 * compute); the v2 one is SHA-256 of them. `hash` is the one qBittorrent
 * reports: the v1 hash of a v1 or hybrid torrent, else the v2 hash truncated
 * to 40 hex characters.
 */
import { createHash } from "node:crypto";
import { type BDecoded, decode } from "../bencode.js";
import { topLevelValueBytes } from "./value-span.js";

/** One file of a torrent. */
export interface TorrentFile {
  /** Path inside the torrent (its name first for a multi-file torrent), "/"-separated segments. */
  readonly path: readonly string[];
  /** Size in bytes. */
  readonly length: number;
  /** BEP 52 pieces root (64 hex) of a v2 file with bytes; undefined for v1-only or empty files. */
  readonly piecesRoot?: string | undefined;
}

/** What a torrent says. */
export interface TorrentInfo {
  /** The torrent's name. */
  readonly name: string;
  /** v1 info-hash (40 hex) of a v1 or hybrid torrent. */
  readonly infoHashV1?: string | undefined;
  /** v2 info-hash (64 hex) of a v2 or hybrid torrent. */
  readonly infoHashV2?: string | undefined;
  /** The hash qBittorrent reports (40 hex). */
  readonly hash: string;
  /** Piece length. */
  readonly pieceLength: number;
  /** Files, padding files (BEP 47) left out. */
  readonly files: readonly TorrentFile[];
  /** Total size of the files. */
  readonly size: number;
  /** BEP 19 web seeds (`url-list`), as given. */
  readonly webSeeds: readonly string[];
}

/** The outcome of {@link decodeTorrent}. */
export type TorrentDecoding =
  | { readonly ok: true; readonly value: TorrentInfo }
  | { readonly ok: false; readonly error: string };

const text = (v: BDecoded | undefined): string | undefined =>
  v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : undefined;
const int = (v: BDecoded | undefined): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
const dict = (v: BDecoded | undefined): Map<string, BDecoded> | undefined => (v instanceof Map ? v : undefined);
/** A decoded key (latin1) as the UTF-8 text it holds. */
const keyText = (k: string): string => Buffer.from(k, "latin1").toString("utf8");

/** Most files listed. @default 100000 */
export const MAX_TORRENT_FILES = 100_000;

/** Decodes a .torrent; errors say what is wrong. */
export function decodeTorrent(bytes: Uint8Array): TorrentDecoding {
  let root: BDecoded;
  try {
    root = decode(bytes);
  } catch (error) {
    return { ok: false, error: `not a torrent file (${(error as Error).message})` };
  }
  const top = dict(root);
  const info = dict(top?.get("info"));
  const infoBytes = topLevelValueBytes(bytes, "info");
  if (top === undefined || info === undefined || infoBytes === undefined)
    return { ok: false, error: "not a torrent file (no info dictionary)" };
  const name = text(info.get("name"));
  const pieceLength = int(info.get("piece length"));
  if (name === undefined || name === "") return { ok: false, error: "the torrent has no name" };
  if (pieceLength === undefined || pieceLength === 0) return { ok: false, error: "the torrent has no piece length" };
  const v2 = info.get("meta version") === 2 && info.has("file tree");
  const v1 = info.has("pieces");
  if (!v1 && !v2) return { ok: false, error: "the torrent has neither v1 pieces nor a v2 file tree" };
  const files = v2 ? v2Files(info.get("file tree"), [], 0) : v1Files(info, name);
  if (typeof files === "string") return { ok: false, error: files };
  const infoHashV1 = v1 ? createHash("sha1").update(infoBytes).digest("hex") : undefined;
  const infoHashV2 = v2 ? createHash("sha256").update(infoBytes).digest("hex") : undefined;
  const list = top.get("url-list");
  const webSeeds = (Array.isArray(list) ? list : [list])
    .map(text)
    .filter((u): u is string => u !== undefined && u !== "");
  return {
    ok: true,
    value: {
      name,
      infoHashV1,
      infoHashV2,
      hash: infoHashV1 ?? (infoHashV2 as string).slice(0, 40),
      pieceLength,
      files,
      size: files.reduce((n, f) => n + f.length, 0),
      webSeeds,
    },
  };
}

/** The files of a v2 `file tree` (names in tree order), or an error. */
function v2Files(tree: BDecoded | undefined, prefix: string[], depth: number): TorrentFile[] | string {
  const node = dict(tree);
  if (node === undefined || depth > 32) return "the torrent's file tree is malformed";
  const out: TorrentFile[] = [];
  for (const [k, child] of node) {
    const leaf = dict(dict(child)?.get(""));
    const name = keyText(k);
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\\"))
      return `the torrent holds an unsafe file name "${name.slice(0, 80)}"`;
    if (leaf !== undefined) {
      const length = int(leaf.get("length"));
      const r = leaf.get("pieces root");
      if (length === undefined) return "a file of the torrent has no length";
      const piecesRoot = r instanceof Uint8Array && r.length === 32 ? Buffer.from(r).toString("hex") : undefined;
      if (length > 0 && piecesRoot === undefined) return "a file of the torrent has no pieces root";
      out.push({ path: [...prefix, name], length, piecesRoot });
    } else {
      const inner = v2Files(child, [...prefix, name], depth + 1);
      if (typeof inner === "string") return inner;
      out.push(...inner);
    }
    if (out.length > MAX_TORRENT_FILES) return `the torrent lists more than ${MAX_TORRENT_FILES} files`;
  }
  return out;
}

/** The files of a v1 info dictionary (BEP 47 padding files left out), or an error. */
function v1Files(info: Map<string, BDecoded>, name: string): TorrentFile[] | string {
  const single = int(info.get("length"));
  if (single !== undefined) return [{ path: [name], length: single }];
  const list = info.get("files");
  if (!Array.isArray(list) || list.length > MAX_TORRENT_FILES) return "the torrent's file list is malformed";
  const out: TorrentFile[] = [];
  for (const entry of list) {
    const e = dict(entry);
    const length = int(e?.get("length"));
    const segments = e?.get("path");
    if (e === undefined || length === undefined || !Array.isArray(segments))
      return "the torrent's file list is malformed";
    if (text(e.get("attr"))?.includes("p")) continue;
    const parts = segments.map(text);
    if (parts.some((p) => p === undefined || p === "" || p === "." || p === ".." || p.includes("/")))
      return "the torrent holds an unsafe file name";
    out.push({ path: [name, ...(parts as string[])], length });
  }
  return out;
}
