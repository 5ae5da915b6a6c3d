/**
 * Cross-check against an independent BEP 52 implementation: libtorrent-rasterbar
 * 2.x (Debian python3-libtorrent, driven by test/helpers/libtorrent-tree.py)
 * makes v2 torrents of the same files at several piece lengths; every pieces
 * root and piece layer must equal ours, from the pure tree module and from the
 * server's one-pass hashFile(). Runs whenever /usr/bin/python3 can import
 * libtorrent; in CI (CI=true) it must (.ci/run installs python3-libtorrent).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { leafHashes, pieceLayer, pieceLengthFor, rootFromLeaves } from "../../../common/pieces/tree.js";
import { layerToHex, toHex } from "../../../common/pieces/hex.js";
import { createDirCatalog } from "../../../server/catalog/dir-catalog.js";
import { hashFile } from "../../../common/hash/hash-file.js";
import { seededRandom } from "../../../client/retry/backoff.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../helpers/libtorrent-tree.py", import.meta.url));
const KiB = 1024;
const MiB = 1024 * KiB;
const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());

/** File name → size: the table's sizes, several pieces with a short last one, and a multi-MiB file. */
const SIZES: Record<string, number> = {
  "one-byte": 1,
  "block-minus-1": 16 * KiB - 1,
  block: 16 * KiB,
  "block-plus-1": 16 * KiB + 1,
  "64k-exactly": 64 * KiB,
  "64k-plus-1": 64 * KiB + 1,
  "three-and-a-half-64k": 3.5 * 64 * KiB - 100,
  "five-mib-odd": 5 * MiB + 777,
  "over-32-mib": 32 * MiB + 16 * KiB + 3,
};
/** Includes every pieceLengthFor() of SIZES (16 KiB, and 32 KiB for the file over 32 MiB). */
const PIECE_LENGTHS = [16 * KiB, 32 * KiB, 64 * KiB, 256 * KiB, 4 * MiB];

interface Reference {
  version: string;
  pieceLengths: Record<string, Record<string, { length: number; root: string; layer: string }>>;
}

/** Why libtorrent cannot run here, or undefined when it can. */
async function libtorrentMissing(): Promise<string | undefined> {
  try {
    await run(PYTHON, ["-c", "import libtorrent"]);
    return undefined;
  } catch (error) {
    return `${PYTHON} cannot import libtorrent (apt-get install python3-libtorrent): ${(error as Error).message.split("\n")[0]}`;
  }
}

let dir: string;
let missing: string | undefined;
let reference: Reference | undefined;

before(async () => {
  missing = await libtorrentMissing();
  if (missing !== undefined) return;
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-libtorrent-"));
  const files = path.join(dir, "files");
  await mkdir(files);
  const random = seededRandom(52);
  for (const [name, size] of Object.entries(SIZES)) {
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = Math.floor(random() * 256);
    await writeFile(path.join(files, name), data);
  }
  await writeFile(path.join(files, "empty"), "");
  const { stdout } = await run(PYTHON, [SCRIPT, files, ...PIECE_LENGTHS.map(String)], { maxBuffer: 64 * MiB });
  reference = JSON.parse(stdout) as Reference;
});
after(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test("libtorrent computes the same pieces roots and piece layers at every piece length", async (t) => {
  if (missing !== undefined) {
    if (process.env.CI === "true") assert.fail(`CI must run the libtorrent cross-check: ${missing}`);
    console.log(`libtorrent cross-check skipped: ${missing}`);
    t.skip(missing);
    return;
  }
  const ref = reference as Reference;
  assert.match(ref.version, /^2\./, "libtorrent 2.x (BEP 52)");
  const names = [...Object.keys(SIZES), "empty"];
  for (const name of names) {
    const data = await readFile(path.join(dir, "files", name));
    const leaves = leafHashes(data, sha);
    const ourRoot = toHex(rootFromLeaves(leaves, sha));
    for (const pieceLength of PIECE_LENGTHS) {
      const theirs = ref.pieceLengths[String(pieceLength)]?.[name];
      assert.ok(theirs, `${name}: libtorrent listed it at P=${pieceLength}`);
      assert.equal(theirs.length, data.length, `${name}: length`);
      assert.equal(ourRoot, theirs.root, `${name}: root at P=${pieceLength}`);
      assert.equal(
        layerToHex(pieceLayer(leaves, pieceLength, sha)),
        theirs.layer,
        `${name}: piece layer at P=${pieceLength}`,
      );
    }
  }
  assert.equal(
    ref.pieceLengths[String(16 * KiB)]?.["empty"]?.root,
    "",
    "libtorrent gives an empty file no root either",
  );
});

test("the server's one-pass hashFile agrees with libtorrent (root, and the layer at its own piece length)", async (t) => {
  if (missing !== undefined) {
    if (process.env.CI === "true") assert.fail(`CI must run the libtorrent cross-check: ${missing}`);
    t.skip(missing);
    return;
  }
  const ref = reference as Reference;
  const catalog = createDirCatalog([{ name: "f", dir: path.join(dir, "files") }]);
  for (const name of [...Object.keys(SIZES), "empty"]) {
    const entry = await catalog.stat(`f/${name}`);
    assert.ok(entry, name);
    const ours = await hashFile(entry, { chunkSize: 100_000 });
    const theirs = ref.pieceLengths[String(16 * KiB)]?.[name];
    assert.equal(ours.piecesRoot, theirs?.root, `${name}: root`);
    assert.equal(ours.pieceLength, pieceLengthFor(entry.size));
    const atOurs = ref.pieceLengths[String(ours.pieceLength)]?.[name];
    assert.ok(atOurs, `${name}: libtorrent ran at our piece length ${ours.pieceLength}`);
    assert.equal(ours.layer, atOurs.layer, `${name}: layer at P=${ours.pieceLength}`);
  }
});
