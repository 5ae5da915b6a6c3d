/** client/folder/safe-tree.ts on real directories: each level made once per pass, a link refused, a failure not remembered. */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, symlink, mkdir, rmdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DownloadError } from "../../../client/errors.js";
import { treeMaker } from "../../../client/folder/safe-tree.js";

test("treeMaker: makes each level once; a link in the way is refused, and found again after it is fixed", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "peer-safe-tree-"));
  try {
    const root = path.join(dir, "folder");
    const make = treeMaker();
    const [a, b, c] = await Promise.all([make(root, ["d0", "sub"]), make(root, ["d0"]), make(root, ["d0", "sub"])]);
    assert.equal(a, path.join(root, "d0", "sub"));
    assert.equal(b, path.join(root, "d0"));
    assert.equal(c, a);
    assert.ok((await stat(a)).isDirectory());
    // A link where a directory must be: refused, nothing made through it.
    const elsewhere = path.join(dir, "elsewhere");
    await mkdir(elsewhere);
    await symlink(elsewhere, path.join(root, "d1"));
    const unsafe = (e: unknown) => e instanceof DownloadError && e.code === "unsafe-path";
    await assert.rejects(make(root, ["d1", "x"]), unsafe);
    await assert.rejects(stat(path.join(elsewhere, "x")), /ENOENT/);
    // The refusal is not remembered: once the link is gone the same pass makes the directory.
    await rm(path.join(root, "d1"));
    assert.equal(await make(root, ["d1", "x"]), path.join(root, "d1", "x"));
    await rmdir(path.join(root, "d1", "x"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
