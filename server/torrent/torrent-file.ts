/**
 * A BitTorrent v2 (BEP 52) metainfo file for one item (pure): `meta version`
 * 2, a one-file `file tree` with the item's `pieces root`, the `piece length`
 * and `piece layers` from the server's cached tree (docs/pieces.md), and a
 * `url-list` web seed (BEP 19) that is a share link base, so any v2 client
 * downloads the file over HTTP and checks every piece (docs/web.md).
 */
import { encode, type BValue } from "../../common/bencode.js";
import { isPowerOfTwo, MIN_PIECE_LENGTH } from "../../common/pieces/tree.js";

/** What a torrent is made of. */
export interface TorrentInput {
  /** The file's name (the torrent's `name` and its one `file tree` entry). */
  readonly name: string;
  readonly size: number;
  /** Lower-case hex pieces root (64 chars). */
  readonly piecesRoot: string;
  /** A power of two ≥ 16 KiB. */
  readonly pieceLength: number;
  /** Lower-case hex piece layer (one 32-byte node per piece); "" when the file fits one piece. */
  readonly layer: string;
  /** Web seed: a share-link base ending in `/` (the client appends the name). */
  readonly webSeed: string;
  /** Seconds since the epoch. */
  readonly creationDate: number;
  /** Free text, e.g. "peer 0.1.0". */
  readonly createdBy: string;
  /** A comment (e.g. the item id). */
  readonly comment?: string | undefined;
}

const HEX_ROOT = /^[0-9a-f]{64}$/;

/** Checks the input; a message saying what is wrong, or undefined. */
export function torrentProblem(input: TorrentInput): string | undefined {
  if (input.size <= 0 || !Number.isSafeInteger(input.size))
    return "an empty file has no BitTorrent v2 torrent (no pieces root)";
  if (!HEX_ROOT.test(input.piecesRoot)) return "the pieces root is not 64 lower-case hex characters";
  if (!isPowerOfTwo(input.pieceLength) || input.pieceLength < MIN_PIECE_LENGTH)
    return "the piece length is not a power of two of at least 16 KiB";
  const pieces = Math.ceil(input.size / input.pieceLength);
  const expected = pieces > 1 ? pieces * 64 : 0;
  if (input.layer.length !== expected || !/^[0-9a-f]*$/.test(input.layer))
    return `the piece layer should hold ${pieces > 1 ? pieces : 0} hashes`;
  if (input.name === "" || input.name.includes("/")) return "the name must be a plain file name";
  return undefined;
}

/** The metainfo dictionary (before encoding), for tests and tools. */
export function torrentDictionary(input: TorrentInput): BValue {
  const root = Buffer.from(input.piecesRoot, "hex");
  const info = {
    "file tree": { [input.name]: { "": { length: input.size, "pieces root": root } } },
    "meta version": 2,
    name: input.name,
    "piece length": input.pieceLength,
  };
  const dict: Record<string, BValue> = {
    "created by": input.createdBy,
    "creation date": input.creationDate,
    info,
    "url-list": [input.webSeed],
  };
  if (input.comment !== undefined) dict.comment = input.comment;
  // BEP 52: files larger than one piece carry their layer, keyed by their root.
  if (input.layer !== "") dict["piece layers"] = new Map([[root, Buffer.from(input.layer, "hex")]]);
  return dict;
}

/** The bencoded .torrent; throws a RangeError when {@link torrentProblem} finds one. */
export function buildTorrent(input: TorrentInput): Uint8Array {
  const problem = torrentProblem(input);
  if (problem !== undefined) throw new RangeError(problem);
  return encode(torrentDictionary(input));
}
