import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureRandomFile, ensureSmallFiles } from "../../bench/files.js";

describe("bench files", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "peer-bench-files-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a file of the exact size, then reuses it untouched", async () => {
    const file = path.join(dir, "sub", "a.bin");
    const first = await ensureRandomFile(file, 20 * 1048576 + 3);
    assert.equal(first.created, true);
    assert.equal((await stat(file)).size, 20 * 1048576 + 3);
    const bytes = await readFile(file);
    const second = await ensureRandomFile(file, 20 * 1048576 + 3);
    assert.equal(second.created, false);
    assert.ok(bytes.equals(await readFile(file)));
  });

  it("is random, not zeros (compression must not help)", async () => {
    const file = path.join(dir, "r.bin");
    await ensureRandomFile(file, 65536);
    const bytes = await readFile(file);
    const distinct = new Set(bytes).size;
    assert.ok(distinct > 200, `only ${distinct} distinct byte values`);
  });

  it("regenerates a file whose size is wrong", async () => {
    const file = path.join(dir, "short.bin");
    await writeFile(file, "short");
    const r = await ensureRandomFile(file, 1000);
    assert.equal(r.created, true);
    assert.equal((await stat(file)).size, 1000);
  });

  it("makes an empty file", async () => {
    const r = await ensureRandomFile(path.join(dir, "empty.bin"), 0);
    assert.equal((await stat(r.path)).size, 0);
  });

  it("refuses a negative size", async () => {
    await assert.rejects(ensureRandomFile(path.join(dir, "neg.bin"), -1), /non-negative integer/);
  });

  it("small files: numbered, sized, and listed in order", async () => {
    const names = await ensureSmallFiles(path.join(dir, "small"), 12, 4096);
    assert.equal(names.length, 12);
    assert.equal(names[0], "00000.bin");
    assert.equal(names[11], "00011.bin");
    for (const n of names) assert.equal((await stat(path.join(dir, "small", n))).size, 4096);
  });
});
