/** A queued download's folder on disk: checked by destination.ts, created, and proved inside the root. */
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { resolveDestination } from "./destination.js";
import { invalid } from "./errors.js";

/** Creates `<root>/<relative>` and returns it; refuses a path out of the root, also through a symlink. */
export async function destinationDir(root: string, relative: string): Promise<string> {
  const checked = resolveDestination(root, relative);
  if (!checked.ok) throw invalid(checked.error);
  await mkdir(checked.dir, { recursive: true });
  // A folder on the way may be a symlink leading out of the root: compare real paths.
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(checked.dir)]);
  if (realDir !== realRoot && !realDir.startsWith(realRoot + path.sep))
    throw invalid("the destination leads out of the download root (through a symlink)");
  return checked.dir;
}
