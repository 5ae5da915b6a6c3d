import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDirListingCache } from "../../../server/catalog/dir-listing-cache.js";

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-listing-"));
});
after(() => rm(root, { recursive: true, force: true }));

/** A clock far ahead, so no directory is inside the racy window. */
const later = () => Date.now() + 60_000;

/**
 * With the racy window disabled, two changes in one file-system clock tick
 * would look like one: wait out the tick (coarse clocks tick every 1–10 ms).
 */
const tick = () => new Promise((r) => setTimeout(r, 30));

test("children are sorted so that ids come out in string order; odd names are left out", async () => {
  const dir = path.join(root, "order");
  await mkdir(path.join(dir, "a"), { recursive: true });
  await writeFile(path.join(dir, "a-c"), "");
  await writeFile(path.join(dir, "a0"), "");
  await writeFile(path.join(dir, "B"), "");
  await writeFile(path.join(dir, "back\\slash"), "");
  await writeFile(path.join(dir, "new\nline"), "");
  await symlink("a0", path.join(dir, "link"));
  const children = await createDirListingCache().children(dir);
  assert.deepEqual(
    children?.map((c) => [c.key, c.kind]),
    [
      ["B", "file"],
      ["a-c", "file"],
      ["a/", "dir"],
      ["a0", "file"],
      ["link", "symlink"],
    ],
  );
});

test("a cached listing is reused until the directory changes", async () => {
  const dir = path.join(root, "changes");
  await mkdir(dir);
  await writeFile(path.join(dir, "one"), "");
  await tick();
  const cache = createDirListingCache({ now: later, minNamesToCache: 0 });
  const first = await cache.children(dir);
  assert.equal(await cache.children(dir), first, "same listing object: served from the cache");
  await tick();
  await writeFile(path.join(dir, "two"), "");
  const second = await cache.children(dir);
  assert.deepEqual(
    second?.map((c) => c.name),
    ["one", "two"],
    "an added file is seen",
  );
  await tick();
  await rm(path.join(dir, "one"));
  assert.deepEqual(
    (await cache.children(dir))?.map((c) => c.name),
    ["two"],
    "a removed file is gone",
  );
  await tick();
  await rm(path.join(dir, "two"));
  await mkdir(path.join(dir, "two"));
  assert.deepEqual(
    (await cache.children(dir))?.map((c) => c.kind),
    ["dir"],
    "a file replaced by a directory",
  );
});

test("a directory changed within the racy window is not cached", async () => {
  const dir = path.join(root, "racy");
  await mkdir(dir);
  await writeFile(path.join(dir, "x"), "");
  const cache = createDirListingCache({ minNamesToCache: 0 }); // real clock: just modified
  const first = await cache.children(dir);
  assert.notEqual(await cache.children(dir), first, "listed again, not cached");
});

test("small listings are not cached; the name budget evicts the least recently used", async () => {
  const dirs = ["l1", "l2", "l3"].map((n) => path.join(root, n));
  for (const d of dirs) {
    await mkdir(d);
    for (let i = 0; i < 4; i++) await writeFile(path.join(d, `f${i}`), "");
  }
  const small = createDirListingCache({ now: later, minNamesToCache: 5 });
  const a = await small.children(dirs[0] as string);
  assert.notEqual(await small.children(dirs[0] as string), a);
  const cache = createDirListingCache({ now: later, minNamesToCache: 0, maxNames: 8 });
  const l1 = await cache.children(dirs[0] as string);
  const l2 = await cache.children(dirs[1] as string);
  assert.equal(await cache.children(dirs[0] as string), l1, "l1 used again: most recent now");
  await cache.children(dirs[2] as string); // 12 names > 8: evicts l2, the least recently used
  assert.equal(await cache.children(dirs[0] as string), l1);
  assert.notEqual(await cache.children(dirs[1] as string), l2);
});

test("a missing directory is undefined", async () => {
  assert.equal(await createDirListingCache().children(path.join(root, "missing")), undefined);
  const file = path.join(root, "plain");
  await writeFile(file, "");
  assert.equal(await createDirListingCache().children(file), undefined);
});
