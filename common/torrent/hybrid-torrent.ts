/**
 * The one torrent encoder (pure): a BEP 52 hybrid v1+v2 metainfo file. v2:
 * `meta version` 2, a `file tree` with each file's `pieces root`, and `piece
 * layers` for files longer than one piece. v1 (BEP 3): `pieces` (SHA-1 per
 * piece), `length` for one file or `files` for a folder, with BEP 47 pad files
 * (`attr` "p", path `.pad/<n>`) after every file that does not end on a piece
 * boundary, so that both views describe the same bytes in the same order
 * (BEP 52 "Upgrade Path"). Web seeds are BEP 19 `url-list`. Nothing in the
 * info dictionary depends on the time or the link, so the same content gives
 * the same info-hashes every time. See docs/pieces.md and docs/web.md.
 */
import { encode, type BValue } from "../bencode.js";
import { isPowerOfTwo, MIN_PIECE_LENGTH } from "../pieces/tree.js";

/** One file of a torrent. */
export interface TorrentFile {
  /** Path components below the torrent's name (one component for a single-file torrent). */
  readonly path: readonly string[];
  readonly size: number;
  /** Lower-case hex pieces root; "" for an empty file. */
  readonly piecesRoot: string;
  /** Lower-case hex piece layer at the torrent's piece length; "" when the file fits one piece. */
  readonly layer: string;
}

/** What a hybrid torrent is made of. */
export interface HybridTorrentInput {
  /** The torrent's name: the file's name, or the folder's. */
  readonly name: string;
  /** A folder torrent (v1 `files`, paths below `name`) rather than one file (v1 `length`). */
  readonly folder: boolean;
  /** A power of two ≥ 16 KiB (common/torrent/piece-length.ts). */
  readonly pieceLength: number;
  /** The files, in any order (sorted here). */
  readonly files: readonly TorrentFile[];
  /** v1 SHA-1 piece hashes, 20 bytes per piece of {@link torrentLayout}. */
  readonly v1Pieces: Uint8Array;
  /** BEP 19 web seed URL. */
  readonly webSeed: string;
  /** Free text, e.g. "peer". */
  readonly createdBy: string;
  /** Seconds since the epoch; none when undefined (kept out of the info dictionary either way). */
  readonly creationDate?: number | undefined;
}

/** One entry of the v1 view: a file, or a BEP 47 pad file of zeros. */
export type LayoutEntry =
  | { readonly kind: "file"; readonly file: TorrentFile }
  | { readonly kind: "pad"; readonly size: number };

const utf8 = new TextEncoder();

/** Byte order of UTF-8 strings, the order of bencoded dictionary keys. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

/** The order of files in a `file tree` walked depth first: component by component, by bytes. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareBytes(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * The v1 file list: files in `file tree` order, each followed by a pad file up
 * to the next piece boundary unless it is the last one or already aligned.
 */
export function torrentLayout(files: readonly TorrentFile[], pieceLength: number): LayoutEntry[] {
  const sorted = [...files].sort((a, b) => comparePaths(a.path, b.path));
  const out: LayoutEntry[] = [];
  sorted.forEach((file, i) => {
    out.push({ kind: "file", file });
    const tail = file.size % pieceLength;
    if (i < sorted.length - 1 && tail !== 0) out.push({ kind: "pad", size: pieceLength - tail });
  });
  return out;
}

/** Number of v1 pieces of a layout. */
export function v1PieceCount(layout: readonly LayoutEntry[], pieceLength: number): number {
  let total = 0;
  for (const e of layout) total += e.kind === "pad" ? e.size : e.file.size;
  return Math.ceil(total / pieceLength);
}

const HEX_ROOT = /^[0-9a-f]{64}$/;

/** Checks the input; a message saying what is wrong, or undefined. */
export function hybridTorrentProblem(input: HybridTorrentInput): string | undefined {
  if (!isPowerOfTwo(input.pieceLength) || input.pieceLength < MIN_PIECE_LENGTH)
    return "the piece length is not a power of two of at least 16 KiB";
  if (input.name === "" || input.name.includes("/")) return "the name must be a plain name";
  if (input.files.length === 0) return "a torrent needs at least one file";
  if (!input.folder && (input.files.length !== 1 || input.files[0]?.path.length !== 1))
    return "a single-file torrent has exactly one file";
  let total = 0;
  const seen = new Set<string>();
  for (const f of input.files) {
    if (f.path.length === 0 || f.path.some((p) => p === "" || p === "." || p === ".." || p.includes("/")))
      return `the path ${JSON.stringify(f.path)} has an empty, '.', '..' or '/' component`;
    const key = f.path.join("/");
    if (seen.has(key)) return `the path ${JSON.stringify(key)} is given twice`;
    seen.add(key);
    if (!Number.isSafeInteger(f.size) || f.size < 0) return `the size of ${JSON.stringify(key)} is not a whole number`;
    if (f.size === 0 ? f.piecesRoot !== "" : !HEX_ROOT.test(f.piecesRoot))
      return `the pieces root of ${JSON.stringify(key)} is wrong (64 hex, or "" for an empty file)`;
    const pieces = Math.ceil(f.size / input.pieceLength);
    if (f.layer.length !== (pieces > 1 ? pieces * 64 : 0) || !/^[0-9a-f]*$/.test(f.layer))
      return `the piece layer of ${JSON.stringify(key)} should hold ${pieces > 1 ? pieces : 0} hashes`;
    total += f.size;
  }
  if (total === 0) return "a torrent of empty files only has no pieces";
  const count = v1PieceCount(torrentLayout(input.files, input.pieceLength), input.pieceLength);
  if (input.v1Pieces.length !== count * 20) return `the v1 pieces should hold ${count} SHA-1 hashes`;
  return undefined;
}

/** The `file tree` dictionary of the files. */
function fileTree(files: readonly TorrentFile[]): BValue {
  const root = new Map<string, unknown>();
  for (const f of files) {
    let dir = root;
    for (const part of f.path.slice(0, -1)) {
      let next = dir.get(part) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        dir.set(part, next);
      }
      dir = next;
    }
    const leaf: Record<string, BValue> = { length: f.size };
    if (f.size > 0) leaf["pieces root"] = Buffer.from(f.piecesRoot, "hex");
    dir.set(f.path[f.path.length - 1] as string, { "": leaf });
  }
  return root as unknown as BValue;
}

/** The metainfo dictionary (before encoding), for tests and tools. */
export function hybridTorrentDictionary(input: HybridTorrentInput): BValue {
  const layout = torrentLayout(input.files, input.pieceLength);
  const info: Record<string, BValue> = {
    "file tree": input.folder
      ? fileTree(input.files)
      : fileTree([{ ...(input.files[0] as TorrentFile), path: [input.name] }]),
    "meta version": 2,
    name: input.name,
    "piece length": input.pieceLength,
    pieces: input.v1Pieces,
  };
  if (input.folder) {
    info.files = layout.map(
      (e): BValue =>
        e.kind === "pad"
          ? { attr: "p", length: e.size, path: [".pad", String(e.size)] }
          : { length: e.file.size, path: [...e.file.path] },
    );
  } else {
    info.length = (input.files[0] as TorrentFile).size;
  }
  const dict: Record<string, BValue> = { "created by": input.createdBy, info, "url-list": [input.webSeed] };
  if (input.creationDate !== undefined) dict["creation date"] = input.creationDate;
  // BEP 52: one entry per distinct root (identical files share it), keyed by the raw root.
  const layers = new Map<string, [Uint8Array, BValue]>();
  for (const f of input.files)
    if (f.layer !== "") layers.set(f.piecesRoot, [Buffer.from(f.piecesRoot, "hex"), Buffer.from(f.layer, "hex")]);
  if (layers.size > 0) dict["piece layers"] = new Map([...layers.values()]);
  return dict;
}

/** The bencoded .torrent; throws a RangeError when {@link hybridTorrentProblem} finds one. */
export function buildHybridTorrent(input: HybridTorrentInput): Uint8Array {
  const problem = hybridTorrentProblem(input);
  if (problem !== undefined) throw new RangeError(problem);
  return encode(hybridTorrentDictionary(input));
}
