/** safe-fs.ts on real files: links refused where the engine writes, nothing replaced without asking. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { link, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DownloadError } from "../../../client/errors.js";
import {
  checkRealDirectory,
  ensureDirectory,
  finishLinkedPlacement,
  makeDirectories,
  openPartFile,
  openPartFileSized,
  placeNoReplace,
  placeReplacing,
} from "../../../client/transfer/safe-fs.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-safe-fs-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const isUnsafe = (e: unknown) => e instanceof DownloadError && e.code === "unsafe-path";

test("openPartFile: a link, a dangling link, a directory or a hard-linked file is refused; targets untouched", async () => {
  const victim = path.join(dir, "victim.txt");
  await writeFile(victim, "precious");
  const cases: Array<[string, (p: string) => Promise<void>]> = [
    ["a link to a file", (p) => symlink(victim, p)],
    ["a dangling link", (p) => symlink(path.join(dir, "nowhere"), p)],
    ["a directory", (p) => mkdir(p)],
    ["a hard link to another file", (p) => link(victim, p)],
  ];
  for (const [name, plant] of cases) {
    const part = path.join(dir, `${name.replaceAll(" ", "-")}.part`);
    await plant(part);
    await assert.rejects(openPartFile(part), isUnsafe, name);
  }
  assert.equal(await readFile(victim, "utf8"), "precious");
  await assert.rejects(lstat(path.join(dir, "nowhere")), /ENOENT/, "nothing created through the dangling link");
});

test("openPartFile: creates a new part, reopens an existing one", async () => {
  const part = path.join(dir, "new.part");
  const fh = await openPartFile(part);
  await fh.write(Buffer.from("abc"), 0, 3, 0);
  await fh.close();
  const again = await openPartFile(part);
  assert.equal((await again.stat()).size, 3);
  await again.close();
});

test("openPartFileSized: a new part is created empty; an existing one keeps its bytes and says its size", async () => {
  const part = path.join(dir, "sized.part");
  const created = await openPartFileSized(part);
  assert.equal(created.size, 0);
  const st = await created.fh.stat();
  assert.ok(st.isFile());
  assert.equal(st.nlink, 1);
  await created.fh.write(Buffer.from("abcdef"), 0, 6, 0);
  await created.fh.close();
  const again = await openPartFileSized(part);
  assert.equal(again.size, 6);
  await again.fh.close();
  // A link where the part goes: O_EXCL says EEXIST, the existing-part path refuses it (ELOOP).
  const victim = path.join(dir, "sized-victim.txt");
  await writeFile(victim, "precious");
  const linked = path.join(dir, "sized-link.part");
  await symlink(victim, linked);
  await assert.rejects(openPartFileSized(linked), isUnsafe);
  assert.equal(await readFile(victim, "utf8"), "precious");
});

test("placeNoReplace: never replaces a file, a link or a dangling link; places when free", async () => {
  const target = path.join(dir, "target.txt");
  await writeFile(target, "theirs");
  const cases: Array<[string, (p: string) => Promise<void>]> = [
    ["a file", (p) => writeFile(p, "mine")],
    ["a link", (p) => symlink(target, p)],
    ["a dangling link", (p) => symlink(path.join(dir, "gone"), p)],
  ];
  for (const [name, plant] of cases) {
    const part = path.join(dir, `p-${name.replaceAll(" ", "-")}.part`);
    const dest = path.join(dir, `d-${name.replaceAll(" ", "-")}`);
    await writeFile(part, "downloaded");
    await plant(dest);
    assert.equal(await placeNoReplace(part, dest), false, name);
    assert.equal(await readFile(part, "utf8"), "downloaded", `${name}: the part is kept`);
  }
  assert.equal(await readFile(target, "utf8"), "theirs");
  await assert.rejects(lstat(path.join(dir, "gone")), /ENOENT/);
  const part = path.join(dir, "free.part");
  const dest = path.join(dir, "free.txt");
  await writeFile(part, "downloaded");
  assert.equal(await placeNoReplace(part, dest), true);
  assert.equal(await readFile(dest, "utf8"), "downloaded");
  await assert.rejects(lstat(part), /ENOENT/);
  assert.equal((await lstat(dest)).nlink, 1);
});

test("placeReplacing: replaces a link itself, never its target", async () => {
  const target = path.join(dir, "kept.txt");
  await writeFile(target, "theirs");
  const dest = path.join(dir, "link-dest");
  await symlink(target, dest);
  const part = path.join(dir, "over.part");
  await writeFile(part, "downloaded");
  await placeReplacing(part, dest);
  assert.equal(await readFile(dest, "utf8"), "downloaded");
  assert.ok((await lstat(dest)).isFile());
  assert.equal(await readFile(target, "utf8"), "theirs");
});

test("makeDirectories / ensureDirectory: a link on the way is refused; the user's own --out link is honoured", async () => {
  const elsewhere = path.join(dir, "elsewhere");
  await mkdir(elsewhere);
  const root = path.join(dir, "root");
  await mkdir(root);
  await symlink(elsewhere, path.join(root, "sub"));
  await assert.rejects(makeDirectories(root, ["sub", "deeper"]), isUnsafe);
  await assert.rejects(lstat(path.join(elsewhere, "deeper")), /ENOENT/, "nothing created through the link");
  await writeFile(path.join(root, "file"), "x");
  await assert.rejects(makeDirectories(root, ["file"]), isUnsafe);
  assert.equal(await makeDirectories(root, ["a", "b"]), path.join(root, "a", "b"));
  // --out is a link the user made: honoured, and what is missing below it is created for real.
  const userLink = path.join(dir, "user-out");
  await symlink(elsewhere, userLink);
  await ensureDirectory(path.join(userLink, "x", "y"));
  assert.ok((await lstat(path.join(elsewhere, "x", "y"))).isDirectory());
  assert.equal(await readlink(userLink), elsewhere);
});

test("checkRealDirectory: a directory swapped for a link is refused; a gone one is named", async () => {
  const real = path.join(dir, "real");
  await mkdir(real);
  await checkRealDirectory(real);
  const swapped = path.join(dir, "swapped");
  await symlink(real, swapped);
  await assert.rejects(checkRealDirectory(swapped), isUnsafe);
  await assert.rejects(
    checkRealDirectory(path.join(dir, "gone-dir")),
    (e: unknown) => isUnsafe(e) && (e as Error).message.includes("gone-dir"),
  );
});

test("finishLinkedPlacement: one file under both names loses its part name; two files are left alone", async () => {
  const part = path.join(dir, "crash.part");
  const dest = path.join(dir, "crash.bin");
  await writeFile(part, "downloaded");
  await link(part, dest); // the crash came between the link and the unlink
  assert.equal(await finishLinkedPlacement(part, dest), true);
  await assert.rejects(lstat(part), /ENOENT/);
  assert.equal(await readFile(dest, "utf8"), "downloaded");
  const other = path.join(dir, "other.part");
  await writeFile(other, "x");
  assert.equal(await finishLinkedPlacement(other, dest), false);
  assert.equal(await finishLinkedPlacement(path.join(dir, "none.part"), dest), false);
  assert.equal(await readFile(other, "utf8"), "x");
});
