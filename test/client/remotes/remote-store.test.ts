/**
 * The remotes file on a real filesystem: 0600 from the first byte, atomic
 * replacement, refused when others may read it (like ssh), and concurrent
 * changes serialised by the lock file.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readRemotes, RemotesFileError, remotesPath, updateRemotes } from "../../../client/remotes/remote-store.js";
import type { Remote } from "../../../client/remotes/remotes-format.js";

const SECRET = "peer_0123456789abcdef_SECRETSECRETSECRETSECRETSECRETSECRETSECRET";
let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-remotes-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh data dir (not created yet). */
function dataDir(): string {
  return path.join(root, `d${n++}`, "nested");
}

function remote(name: string, key = SECRET): Remote {
  return { name, url: `http://10.0.0.${name.length}:8080`, key, addedAt: new Date(0).toISOString() };
}

const add = (dir: string, r: Remote) => updateRemotes(dir, (list) => ({ remotes: [...list, r], result: undefined }));

test("no file: no remotes, and reading creates nothing", async () => {
  const dir = dataDir();
  assert.deepEqual(await readRemotes(dir), []);
  await assert.rejects(stat(path.dirname(dir)), { code: "ENOENT" });
});

test("the first write creates the data dir (0700) and the file (0600); no temp or lock file is left", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  assert.equal((await stat(remotesPath(dir))).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(dir), ["remotes.json"]);
  assert.deepEqual(await readRemotes(dir), [remote("nas")]);
});

test("a change keeps 0600 even under a permissive umask", async () => {
  const dir = dataDir();
  const old = process.umask(0);
  try {
    await add(dir, remote("nas"));
    await add(dir, remote("attic"));
  } finally {
    process.umask(old);
  }
  assert.equal((await stat(remotesPath(dir))).mode & 0o777, 0o600);
  assert.deepEqual(
    (await readRemotes(dir)).map((r) => r.name),
    ["attic", "nas"],
  );
});

test("a file others may read is refused, with the chmod to run; so is a change to it", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    await chmod(remotesPath(dir), mode);
    await assert.rejects(readRemotes(dir), (e: unknown) => {
      assert.ok(e instanceof RemotesFileError);
      assert.match(e.message, new RegExp(`permissions 0${mode.toString(8)}.*chmod 600 ${remotesPath(dir)}`));
      return true;
    });
    await assert.rejects(add(dir, remote("attic")), RemotesFileError);
  }
  await chmod(remotesPath(dir), 0o600);
  assert.deepEqual(await readRemotes(dir), [remote("nas")], "unchanged by the refused writes");
});

test("a symbolic link is refused (the file must be a plain file)", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  const real = path.join(path.dirname(dir), "elsewhere.json");
  await writeFile(real, await readFile(remotesPath(dir)), { mode: 0o600 });
  await rm(remotesPath(dir));
  await symlink(real, remotesPath(dir));
  await assert.rejects(readRemotes(dir), /symbolic link/);
});

test("a damaged file is refused without quoting it", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  await writeFile(remotesPath(dir), `{"version":1,"remotes":[{"key":"${SECRET}"`, { mode: 0o600 });
  await assert.rejects(readRemotes(dir), (e: unknown) => {
    assert.ok(e instanceof RemotesFileError);
    assert.match(e.message, /is damaged: it is not valid JSON; fix or remove it/);
    assert.ok(!e.message.includes("SECRET"));
    return true;
  });
});

test("concurrent changes are serialised: none is lost", async () => {
  const dir = dataDir();
  const names = Array.from({ length: 12 }, (_, i) => `r${i}`);
  await Promise.all(names.map((name) => add(dir, remote(name))));
  assert.deepEqual((await readRemotes(dir)).map((r) => r.name).sort(), [...names].sort());
  assert.deepEqual(await readdir(dir), ["remotes.json"]);
});

test("a change that throws leaves the file as it was", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  await assert.rejects(
    updateRemotes(dir, () => {
      throw new Error("no");
    }),
    /no/,
  );
  assert.deepEqual(await readRemotes(dir), [remote("nas")]);
  assert.deepEqual(await readdir(dir), ["remotes.json"]);
});

test("a stale lock file (left by a dead process) is broken; a fresh one is waited for", async () => {
  const dir = dataDir();
  await add(dir, remote("nas"));
  const lock = `${remotesPath(dir)}.lock`;
  await writeFile(lock, "12345\n");
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  await add(dir, remote("attic"));
  assert.deepEqual(
    (await readRemotes(dir)).map((r) => r.name),
    ["attic", "nas"],
  );
  await writeFile(lock, "12345\n");
  const waiting = add(dir, remote("cellar"));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    (await readRemotes(dir)).map((r) => r.name),
    ["attic", "nas"],
    "waits for the holder",
  );
  await rm(lock);
  await waiting;
  assert.deepEqual(
    (await readRemotes(dir)).map((r) => r.name),
    ["attic", "cellar", "nas"],
  );
});
