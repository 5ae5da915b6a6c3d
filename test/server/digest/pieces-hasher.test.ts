/**
 * The background pass computes SHA-256 and the BEP 52 tree together in a
 * worker thread and caches both by (item id, etag), in one transaction.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { createDirCatalog } from "../../../server/catalog/dir-catalog.js";
import type { Catalog, FileEntry } from "../../../server/catalog/catalog.js";
import { createBackgroundHasher, type BackgroundHasher } from "../../../server/digest/background-hasher.js";
import { createHashWorkerPool } from "../../../server/digest/hash-worker-pool.js";
import { hashFile, type FileHashes } from "../../../common/hash/hash-file.js";
import { FileChangedError } from "../../../common/files/file-reader.js";
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";
import { putDigest } from "../../../server/store/digest-repository.js";
import { getPieces } from "../../../server/store/pieces-repository.js";
import { leafHashes, pieceLayer, pieceLengthFor, rootFromLeaves } from "../../../common/pieces/tree.js";
import { layerToHex, toHex } from "../../../common/pieces/hex.js";

const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());
const expected = (data: Buffer) => {
  const leaves = leafHashes(data, sha);
  const pieceLength = pieceLengthFor(data.length);
  return {
    sha256: createHash("sha256").update(data).digest("hex"),
    piecesRoot: toHex(rootFromLeaves(leaves, sha)),
    pieceLength,
    layer: layerToHex(pieceLayer(leaves, pieceLength, sha)),
  };
};
const content = (size: number, seed: number) => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * seed + (i >>> 12)) & 0xff;
  return b;
};

let root: string;
let share: string;
let db: Kysely<ServerDatabase>;
let hasher: BackgroundHasher;
let catalog: Catalog;
const results: Array<{ entry: FileEntry; hashes: FileHashes }> = [];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-pieces-hasher-"));
  share = path.join(root, "share");
  await mkdir(share);
  db = await openServerDatabase(path.join(root, "data"));
  hasher = createBackgroundHasher({
    db,
    concurrency: 2,
    chunkSize: 100_000,
    onHashes: (entry, hashes) => results.push({ entry, hashes }),
  });
  catalog = createDirCatalog([{ name: "s", dir: share }], { digests: hasher });
});
after(async () => {
  await hasher.close();
  await db.destroy();
  await rm(root, { recursive: true, force: true });
});

test("hashFile: one pass gives the SHA-256, root, piece length and layer (table of sizes)", async () => {
  const sizes = [0, 1, 16383, 16384, 16385, 2 * 1024 * 1024 + 5, 32 * 1024 * 1024 + 1];
  for (const size of sizes) {
    const data = content(size, 13);
    const file = path.join(share, `t-${size}.bin`);
    await writeFile(file, data);
    const entry = await catalog.stat(`s/t-${size}.bin`);
    assert.ok(entry);
    const got = await hashFile(entry, { chunkSize: 100_000 });
    assert.deepEqual(got, expected(data), `size ${size}`);
    const alone = await hashFile(entry, { sha256Only: true });
    assert.deepEqual(
      alone,
      { sha256: expected(data).sha256, piecesRoot: "", pieceLength: 0, layer: "" },
      `size ${size}, SHA-256 only`,
    );
  }
  await hasher.idle();
});

test("the background pass stores digest and tree by etag; StatItem-level entries carry both", async () => {
  const data = content(3 * 1024 * 1024 + 77, 5);
  await writeFile(path.join(share, "a.bin"), data);
  const first = await catalog.stat("s/a.bin");
  assert.equal(first?.piecesRoot, undefined, "unknown at first");
  await hasher.idle();
  const second = await catalog.stat("s/a.bin");
  const want = expected(data);
  assert.equal(second?.sha256, want.sha256);
  assert.equal(second?.piecesRoot, want.piecesRoot);
  assert.equal(second?.pieceLength, want.pieceLength);
  assert.deepEqual(await getPieces(db, "s/a.bin", second!.etag), {
    piecesRoot: want.piecesRoot,
    pieceLength: want.pieceLength,
    layer: want.layer,
  });
  assert.deepEqual(await hasher.piecesFor(second!), {
    piecesRoot: want.piecesRoot,
    pieceLength: want.pieceLength,
    layer: want.layer,
  });
});

test("a changed file gets no stale root; its new version is hashed", async () => {
  const file = path.join(share, "b.bin");
  await writeFile(file, content(40_000, 3));
  await catalog.stat("s/b.bin");
  await hasher.idle();
  await new Promise((r) => setTimeout(r, 15));
  await appendFile(file, "more");
  const changed = await catalog.stat("s/b.bin");
  assert.equal(changed?.piecesRoot, undefined);
  assert.equal(await hasher.piecesFor(changed!), undefined);
  await hasher.idle();
  const now = await catalog.stat("s/b.bin");
  assert.equal(now?.piecesRoot, expected(Buffer.concat([content(40_000, 3), Buffer.from("more")])).piecesRoot);
});

test("a digest cached by an older server (no tree) is served and re-hashed once for the tree", async () => {
  const data = content(50_000, 11);
  await writeFile(path.join(share, "old.bin"), data);
  const entry = await createDirCatalog([{ name: "s", dir: share }]).stat("s/old.bin");
  assert.ok(entry);
  await putDigest(db, entry.id, entry.etag, expected(data).sha256);
  const before = results.length;
  const seen = await catalog.stat("s/old.bin");
  assert.equal(seen?.sha256, expected(data).sha256, "the old digest is still served");
  assert.equal(seen?.piecesRoot, undefined);
  await hasher.idle();
  assert.equal(results.length, before + 1, "one pass");
  assert.equal((await catalog.stat("s/old.bin"))?.piecesRoot, expected(data).piecesRoot);
  await hasher.idle();
  assert.equal(results.length, before + 1, "and no more");
});

test("worker pool: tasks in parallel workers; a changed file rejects with FileChangedError; close rejects", async () => {
  const pool = createHashWorkerPool({ size: 2, idleMs: 50 });
  try {
    const data = content(1_000_000, 7);
    await writeFile(path.join(share, "p.bin"), data);
    const entry = await catalog.stat("s/p.bin");
    assert.ok(entry);
    const both = await Promise.all([pool.run(entry), pool.run(entry), pool.run(entry, { sha256Only: true })]);
    assert.deepEqual(both[0], expected(data));
    assert.deepEqual(both[1], expected(data));
    assert.equal(both[2].sha256, expected(data).sha256);
    await new Promise((r) => setTimeout(r, 15));
    await appendFile(path.join(share, "p.bin"), "x");
    await assert.rejects(pool.run(entry), FileChangedError);
    // Idle workers end by themselves; the next task starts a new one.
    await new Promise((r) => setTimeout(r, 120));
    const fresh = await catalog.stat("s/p.bin");
    assert.equal(
      (await pool.run(fresh!)).sha256,
      createHash("sha256")
        .update(Buffer.concat([data, Buffer.from("x")]))
        .digest("hex"),
    );
    const big = path.join(share, "q.bin");
    await writeFile(big, Buffer.alloc(16 * 1024 * 1024, 3));
    const running = assert.rejects(pool.run((await catalog.stat("s/q.bin"))!, { chunkSize: 16384 }), /closed|exited/);
    await pool.close();
    await running;
    await assert.rejects(pool.run(fresh!), /closed/);
  } finally {
    await pool.close();
  }
});
