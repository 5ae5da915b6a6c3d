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
import { openServerDatabase, type ServerDatabase } from "../../../server/store/database.js";
import { getDigest } from "../../../server/store/digest-repository.js";

let root: string;
let share: string;
let db: Kysely<ServerDatabase>;
let hasher: BackgroundHasher;
let catalog: Catalog;
const hashed: FileEntry[] = [];

const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-hasher-"));
  share = path.join(root, "share");
  await mkdir(share);
  db = await openServerDatabase(path.join(root, "data"));
  hasher = createBackgroundHasher({ db, concurrency: 2, chunkSize: 64 * 1024, onHashed: (e) => hashed.push(e) });
  catalog = createDirCatalog([{ name: "s", dir: share }], { digests: hasher });
});
after(async () => {
  await hasher.close();
  await db.destroy();
  await rm(root, { recursive: true, force: true });
});

test("a stat never waits: unknown first, then the digest once hashed, cached by etag", async () => {
  const content = Buffer.alloc(3 * 1024 * 1024 + 7, 9);
  await writeFile(path.join(share, "a.bin"), content);
  const first = await catalog.stat("s/a.bin");
  assert.ok(first);
  assert.equal(first.sha256, undefined, "unknown at first: hashing is in the background");
  await hasher.idle();
  const second = await catalog.stat("s/a.bin");
  assert.equal(second?.sha256, sha(content));
  assert.equal(await getDigest(db, "s/a.bin", first.etag), sha(content), "stored in the database by etag");
  // Asking again does not hash again.
  const before = hashed.length;
  await catalog.stat("s/a.bin");
  await hasher.idle();
  assert.equal(hashed.length, before);
});

test("a changed file is re-hashed; the old digest is never returned for the new etag", async () => {
  await writeFile(path.join(share, "b.txt"), "one");
  await catalog.stat("s/b.txt");
  await hasher.idle();
  assert.equal((await catalog.stat("s/b.txt"))?.sha256, sha("one"));
  await new Promise((r) => setTimeout(r, 15));
  await appendFile(path.join(share, "b.txt"), " two");
  const changed = await catalog.stat("s/b.txt");
  assert.equal(changed?.sha256, undefined);
  await hasher.idle();
  assert.equal((await catalog.stat("s/b.txt"))?.sha256, sha("one two"));
});

test("many requests for one version schedule one hash; concurrency is bounded", async () => {
  for (let i = 0; i < 20; i++) await writeFile(path.join(share, `m${i}.txt`), `m${i}`);
  const before = hashed.length;
  await Promise.all(Array.from({ length: 5 }, () => catalog.list({ pageSize: 100 })));
  assert.ok(hasher.pending() <= 20);
  await hasher.idle();
  const names = hashed.slice(before).map((e) => e.id);
  assert.equal(new Set(names).size, names.length, "no version hashed twice");
  for (let i = 0; i < 20; i++) assert.equal((await catalog.stat(`s/m${i}.txt`))?.sha256, sha(`m${i}`));
});

test("a file that changes while being hashed is skipped, not cached with a wrong digest", async () => {
  const file = path.join(share, "moving.bin");
  await writeFile(file, Buffer.alloc(16 * 1024 * 1024, 1));
  const entry = await catalog.stat("s/moving.bin");
  assert.ok(entry);
  // The hash starts on a later turn and reads 64 KiB per step: change it now.
  await appendFile(file, "x");
  await hasher.idle();
  assert.equal(await getDigest(db, "s/moving.bin", entry.etag), undefined);
  const now = await catalog.stat("s/moving.bin");
  await hasher.idle();
  assert.ok(now);
  assert.equal(
    await getDigest(db, "s/moving.bin", now.etag),
    sha(Buffer.concat([Buffer.alloc(16 * 1024 * 1024, 1), Buffer.from("x")])),
  );
});
