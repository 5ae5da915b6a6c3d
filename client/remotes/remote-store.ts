/**
 * The remotes file on disk: `<data-dir>/remotes.json`, mode 0600, read only
 * when it is private (private-file.ts), replaced atomically (temp file,
 * fsync, rename, fsync of the directory) under a lock file so two
 * `peer remote add` at once cannot lose one another's entry.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { checkPrivateFile } from "./private-file.js";
import { formatRemotes, parseRemotes, type Remote } from "./remotes-format.js";

/** File name of the remotes file in the data dir. @default "remotes.json" */
export const REMOTES_FILE = "remotes.json";

/** How long {@link updateRemotes} waits for another process's lock. @default 10000 */
export const LOCK_WAIT_MS = 10_000;

/** A lock file older than this is left over by a dead process and is broken. @default 30000 */
export const STALE_LOCK_MS = 30_000;

/** A remotes file that cannot be used: its message says why and what to do (never quotes a key). */
export class RemotesFileError extends Error {
  override readonly name = "RemotesFileError";
}

/** The path of the remotes file in `dataDir`. */
export function remotesPath(dataDir: string): string {
  return path.join(dataDir, REMOTES_FILE);
}

/** The remotes of `dataDir` (none when the file does not exist). Throws RemotesFileError for an unsafe or broken file. */
export async function readRemotes(dataDir: string): Promise<Remote[]> {
  const file = remotesPath(dataDir);
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a symbolic link could point the keys' reader anywhere (absent on Windows).
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if (errno(error) === "ENOENT") return [];
    if (errno(error) === "ELOOP")
      throw new RemotesFileError(`${file} is a symbolic link; it holds API keys and must be a plain file`);
    throw new RemotesFileError(`cannot read ${file}: ${errno(error) ?? String(error)}`);
  }
  try {
    // fstat of the opened file: what is checked is what is read.
    const info = await handle.stat();
    if (!info.isFile()) throw new RemotesFileError(`${file} is not a regular file`);
    const problem = checkPrivateFile(info, { uid: process.getuid?.() }, file);
    if (problem !== undefined) throw new RemotesFileError(problem);
    const parsed = parseRemotes(await handle.readFile("utf8"));
    if (!parsed.ok) throw new RemotesFileError(`${file} is damaged: ${parsed.error}; fix or remove it`);
    return parsed.value;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the remotes, lets `change` compute the new list, writes it atomically
 * (0600) and returns `change`'s result. Serialised between processes by
 * `remotes.json.lock`.
 */
export async function updateRemotes<T>(
  dataDir: string,
  change: (remotes: Remote[]) => { remotes: Remote[]; result: T },
): Promise<T> {
  // 0700 for a directory created here; an existing one is left as it is.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const release = await lock(remotesPath(dataDir));
  try {
    const { remotes, result } = change(await readRemotes(dataDir));
    await writeAtomically(remotesPath(dataDir), formatRemotes(remotes));
    return result;
  } finally {
    await release();
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  // "wx": never follow or reuse an existing path; 0600 from the first byte.
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.chmod(0o600); // the umask may only remove bits, but be explicit
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Takes `<file>.lock` (O_EXCL), waiting for another holder; returns the release function. */
async function lock(file: string): Promise<() => Promise<void>> {
  const lockFile = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockFile, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if (errno(error) !== "EEXIST") throw error;
    }
    const age = await stat(lockFile).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new RemotesFileError(
        `${lockFile} is held by another peer command; try again (remove it if no peer command is running)`,
      );
    }
    await sleep(20 + Math.floor(Math.random() * 30));
  }
}

function errno(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}
