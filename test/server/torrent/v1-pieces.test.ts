/**
 * v1 SHA-1 pieces over a layout with pad files (real temp files), against
 * the plain definition: SHA-1 of each piece of the files' bytes laid end to
 * end with zeros for the pads; a file changed while hashing fails the job;
 * the cache answers pending, then ready.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { torrentLayout, type TorrentFile } from "../../../common/torrent/hybrid-torrent.js";
import { createV1PiecesCache, hashLayout, type V1Source } from "../../../server/torrent/v1-pieces.js";
import { fileBytes } from "../http/helpers/cases.js";

const P = 16_384;
let dir: string;
const contents: Record<string, Buffer> = {
  a: fileBytes(P * 2 + 100, 1),
  b: Buffer.alloc(0),
  c: fileBytes(P, 2),
  d: fileBytes(5000, 3),
};
const files: TorrentFile[] = Object.entries(contents).map(([name, b]) => ({
  path: [name],
  size: b.length,
  piecesRoot: b.length === 0 ? "" : "ab".repeat(32),
  layer: "",
}));

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-v1-"));
  for (const [name, b] of Object.entries(contents)) await writeFile(path.join(dir, name), b);
});
after(() => rm(dir, { recursive: true, force: true }));

function sources(check: () => Promise<boolean> = async () => true): V1Source[] {
  return Object.entries(contents).map(([name, b]) => ({ path: path.join(dir, name), size: b.length, check }));
}

function expected(): Buffer {
  const layout = torrentLayout(files, P);
  const all = Buffer.concat(
    layout.map((e) => (e.kind === "pad" ? Buffer.alloc(e.size) : (contents[e.file.path[0] as string] as Buffer))),
  );
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; at += P)
    out.push(
      createHash("sha1")
        .update(all.subarray(at, at + P))
        .digest(),
    );
  return Buffer.concat(out);
}

for (const readSize of [1000, P, 1024 * 1024]) {
  test(`SHA-1 per piece across pad files (reads of ${readSize} bytes)`, async () => {
    const got = await hashLayout(torrentLayout(files, P), P, sources(), readSize);
    assert.equal(Buffer.from(got).toString("hex"), expected().toString("hex"));
    assert.equal(got.length, 5 * 20, "a: 3 pieces (padded), c: 1, d: 1 (the last file is not padded)");
  });
}

test("a file that changed while hashing fails the job", async () => {
  await assert.rejects(
    hashLayout(
      torrentLayout(files, P),
      P,
      sources(async () => false),
      P,
    ),
    /changed/,
  );
});

test("the cache: pending, then ready; a failed job is retried on the next ask", async () => {
  const cache = createV1PiecesCache();
  const layout = torrentLayout(files, P);
  assert.equal(cache.get("k", layout, P, () => sources()).state, "pending");
  let state = cache.get("k", layout, P, () => sources());
  while (state.state === "pending") {
    await new Promise((r) => setImmediate(r));
    state = cache.get("k", layout, P, () => sources());
  }
  assert.equal(state.state, "ready");
  assert.equal(state.state === "ready" && Buffer.from(state.pieces).toString("hex"), expected().toString("hex"));
  assert.equal(cache.get("bad", layout, P, () => sources(async () => false)).state, "pending");
  let bad = cache.get("bad", layout, P, () => sources(async () => false));
  while (bad.state === "pending") {
    await new Promise((r) => setImmediate(r));
    bad = cache.get("bad", layout, P, () => sources(async () => false));
  }
  assert.equal(bad.state, "failed");
  assert.equal(cache.get("bad", layout, P, () => sources()).state, "pending", "asked again: a new job");
});
