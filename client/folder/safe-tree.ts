/**
 * Creating a folder's directories without following a symlink (docs/downloads.md "Folder jobs"):
 * every level is created or found, then lstat'ed; a symlink or a non-directory where a directory
 * must be stops that file. The peer's paths are checked before (relative-path.ts).
 */
import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";

/** Creates `root` (its parent must exist) and `components` below it, one level at a time; returns the deepest directory. */
export async function makeTree(root: string, components: readonly string[]): Promise<string> {
  let dir = root;
  await makeLevel(dir);
  for (const c of components) {
    dir = path.join(dir, c);
    await makeLevel(dir);
  }
  return dir;
}

async function makeLevel(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EEXIST") throw err;
  }
  const st = await lstat(dir);
  if (st.isSymbolicLink()) throw new Error(`${dir} is a symbolic link; refusing to write through it`);
  if (!st.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
}
