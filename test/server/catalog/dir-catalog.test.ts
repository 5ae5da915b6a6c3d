import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createDirCatalog } from "../../../server/catalog/dir-catalog.js";
import type { Catalog, FileEntry } from "../../../server/catalog/catalog.js";
import { InvalidPageTokenError } from "../../../server/catalog/page-token.js";

let root: string;
let shareA: string;
let shareB: string;
let catalog: Catalog;
const expectedIds: string[] = [];

/** Small seeded PRNG (mulberry32), so the random tree is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), "peer-catalog-")));
  shareA = path.join(root, "a");
  shareB = path.join(root, "b-share");
  await mkdir(shareA);
  await mkdir(shareB);
  // A random tree with names that stress string ordering ("-" < "/" < "0" < "A" < "_" < "a").
  const rand = random(42);
  const names = ["a", "a-b", "a.b", "a0", "A", "_x", "z", "Zeta.MKV", "é", "a b"];
  const pick = () => names[Math.floor(rand() * names.length)] ?? "a";
  for (let i = 0; i < 150; i++) {
    const depth = Math.floor(rand() * 4);
    const dirs = Array.from({ length: depth }, () => pick() + "d");
    const file = [...dirs, `${pick()}-${i}.txt`];
    await mkdir(path.join(shareA, ...dirs), { recursive: true });
    await writeFile(path.join(shareA, ...file), `file ${i}`);
    expectedIds.push("a/" + file.join("/"));
  }
  await writeFile(path.join(shareB, "only.bin"), "b");
  expectedIds.push("b-share/only.bin");
  // Things that must not be listed or served.
  await writeFile(path.join(root, "outside.txt"), "secret");
  await symlink(path.join(root, "outside.txt"), path.join(shareA, "zz-link-out"));
  await symlink(root, path.join(shareA, "zz-dirlink-out"));
  await mkdir(path.join(shareA, "zz-loop"));
  await symlink("..", path.join(shareA, "zz-loop", "up")); // a loop: not followed
  await writeFile(path.join(shareA, "zz-back\\slash.txt"), "unreachable by id");
  await promisify(execFile)("mkfifo", [path.join(shareA, "zz-fifo")]);
  // Allowed: a symlink to a file inside the share.
  await symlink("zz-target.txt", path.join(shareA, "zz-link-in"));
  await writeFile(path.join(shareA, "zz-target.txt"), "target");
  expectedIds.push("a/zz-link-in", "a/zz-target.txt");
  expectedIds.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  catalog = createDirCatalog([
    { name: "b-share", dir: shareB },
    { name: "a", dir: shareA },
  ]);
});
after(() => rm(root, { recursive: true, force: true }));

async function pages(request: { share?: string; query?: string; pageSize: number }): Promise<FileEntry[][]> {
  const out: FileEntry[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await catalog.list({ ...request, pageToken });
    out.push([...page.items]);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return out;
}

test("shares() is sorted", () => {
  assert.deepEqual(catalog.shares(), ["a", "b-share"]);
});

test("list: every regular file once, in string order, for any page size", async () => {
  for (const pageSize of [1, 7, 50, 1000]) {
    const all = await pages({ pageSize });
    assert.deepEqual(
      all.flat().map((e) => e.id),
      expectedIds,
      `pageSize ${pageSize}`,
    );
    for (const page of all.slice(0, -1)) assert.equal(page.length, pageSize);
    assert.ok((all[all.length - 1]?.length ?? 0) > 0, "no empty last page");
  }
});

test("list: share and case-insensitive name filters", async () => {
  assert.deepEqual(
    (await pages({ share: "b-share", pageSize: 10 })).flat().map((e) => e.id),
    ["b-share/only.bin"],
  );
  const zeta = (await pages({ query: "zETA.mkv-", pageSize: 3 })).flat();
  assert.deepEqual(
    zeta.map((e) => e.id),
    expectedIds.filter((id) => (id.split("/").pop() ?? "").toLowerCase().includes("zeta.mkv-")),
  );
  assert.ok(zeta.length > 3, "spans pages");
  assert.deepEqual((await pages({ query: "no-such", pageSize: 10 })).flat(), []);
});

test("list: foreign page tokens and aborted signals are refused", async () => {
  await assert.rejects(catalog.list({ pageSize: 10, pageToken: "nope!" }), InvalidPageTokenError);
  await assert.rejects(catalog.list({ pageSize: 10, signal: AbortSignal.abort() }));
});

test("stat: fields of an entry", async () => {
  const entry = await catalog.stat("b-share/only.bin");
  assert.ok(entry);
  assert.equal(entry.id, "b-share/only.bin");
  assert.equal(entry.share, "b-share");
  assert.equal(entry.name, "only.bin");
  assert.equal(entry.path, path.join(shareB, "only.bin"));
  assert.equal(entry.size, 1);
  assert.match(entry.etag, /^"1-[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(entry.modified.getTime(), Number(entry.mtimeNs / 1_000_000n));
  assert.equal(entry.sha256, undefined, "no digest source");
});

test("stat: refuses what is not a regular file inside the share", async () => {
  for (const id of [
    "a/zz-link-out",
    "a/zz-dirlink-out/outside.txt",
    "a/zz-loop",
    "a/zz-loop/up",
    "a/zz-fifo",
    "a/zz-back\\slash.txt",
    "a/Ad",
  ]) {
    assert.equal(await catalog.stat(id), undefined, id);
  }
  const inside = await catalog.stat("a/zz-link-in");
  assert.equal(inside?.name, "zz-link-in", "named after the link");
  assert.equal(inside?.path, path.join(shareA, "zz-target.txt"), "resolved to the real file");
  // A symlinked directory that stays inside the share is followed by stat (not by list).
  assert.equal((await catalog.stat("a/zz-loop/up/zz-target.txt"))?.size, 6);
});

test("stat: sees files added and removed after creation", async () => {
  assert.equal(await catalog.stat("b-share/new.txt"), undefined);
  await writeFile(path.join(shareB, "new.txt"), "new");
  assert.equal((await catalog.stat("b-share/new.txt"))?.size, 3);
  await rm(path.join(shareB, "new.txt"));
  assert.equal(await catalog.stat("b-share/new.txt"), undefined);
});

test("digests come from the digest source for the entry's etag", async () => {
  const asked: string[] = [];
  const withDigests = createDirCatalog([{ name: "b", dir: shareB }], {
    digests: {
      async sha256For(entry) {
        asked.push(entry.etag);
        return entry.id === "b/only.bin" ? "ab".repeat(32) : undefined;
      },
    },
  });
  const entry = await withDigests.stat("b/only.bin");
  assert.equal(entry?.sha256, "ab".repeat(32));
  assert.deepEqual(asked, [entry?.etag]);
});

test("creation refuses duplicate names and missing directories", () => {
  assert.throws(
    () =>
      createDirCatalog([
        { name: "x", dir: shareA },
        { name: "x", dir: shareB },
      ]),
    /used twice/,
  );
  assert.throws(() => createDirCatalog([{ name: "x", dir: path.join(root, "missing") }]));
});
