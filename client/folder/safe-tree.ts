/**
 * Creating a folder's directories without following a symlink (docs/downloads.md "Folder jobs"):
 * the folder's own directory and every level below it go through safe-fs.ts `makeDirectory`
 * (created, or found and lstat'ed to be a real directory); a symlink or a file where a directory
 * must be refuses that file ("unsafe-path"). The peer's paths are checked before (relative-path.ts).
 */
import path from "node:path";
import { makeDirectories, makeDirectory } from "../transfer/safe-fs.js";

/** Creates `root` (its parent must exist) and `components` below it, one level at a time; returns the deepest directory. */
export async function makeTree(root: string, components: readonly string[]): Promise<string> {
  await makeDirectory(root);
  return makeDirectories(root, components);
}

/** {@link makeTree} with what one pass has made or checked already remembered. */
export type TreeMaker = (root: string, components: readonly string[]) => Promise<string>;

/**
 * A {@link makeTree} for one pass over a folder's files (settle-file.ts): each directory is made
 * or lstat-checked once, not once per file below it (2–3 lstat per file of a folder of 1,000).
 * A directory swapped for a link after its check is still never written through: every file job
 * checks, when it runs, that its directory is its own real path (safe-fs.ts `checkRealDirectory`).
 * A failed directory is not remembered: the next file below it tries again and is refused on its own.
 */
export function treeMaker(): TreeMaker {
  const made = new Map<string, Promise<void>>();
  const once = (dir: string): Promise<void> => {
    let p = made.get(dir);
    if (p === undefined) {
      p = makeDirectory(dir);
      made.set(dir, p);
      p.catch(() => made.delete(dir));
    }
    return p;
  };
  return async (root, components) => {
    await once(root);
    let dir = root;
    for (const c of components) {
      dir = path.join(dir, c);
      await once(dir);
    }
    return dir;
  };
}
