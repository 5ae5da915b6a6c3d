/**
 * Creating a folder's directories without following a symlink (docs/downloads.md "Folder jobs"):
 * the folder's own directory and every level below it go through safe-fs.ts `makeDirectory`
 * (created, or found and lstat'ed to be a real directory); a symlink or a file where a directory
 * must be refuses that file ("unsafe-path"). The peer's paths are checked before (relative-path.ts).
 */
import { makeDirectories, makeDirectory } from "../transfer/safe-fs.js";

/** Creates `root` (its parent must exist) and `components` below it, one level at a time; returns the deepest directory. */
export async function makeTree(root: string, components: readonly string[]): Promise<string> {
  await makeDirectory(root);
  return makeDirectories(root, components);
}
