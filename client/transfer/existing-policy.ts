/**
 * The never-clobber rules (docs/downloads.md "Safe writes"), pure: what to do when the destination
 * exists, the browser-style names `--rename` tries, and the local name of an item id.
 */
import type { OnExisting } from "../store/download.table.js";
import { checkFileName } from "./safe-name.js";

export type { OnExisting } from "../store/download.table.js";

/** Every {@link OnExisting} value. */
export const ON_EXISTING: readonly OnExisting[] = ["refuse", "overwrite", "rename"];

/**
 * What is at the destination: nothing; a regular file proven to hold the content (same size, and
 * its pieces root or SHA-256 computed here equals the peer's); one of the same size not yet hashed
 * ("maybe-same", enqueue only: hashing waits for the job); other content (or unprovable: a peer
 * with neither root nor digest); a symbolic link; a directory or another non-file.
 */
export type Found = "none" | "same" | "maybe-same" | "different" | "symlink" | "not-a-file";

/** What the engine does about it. */
export type ExistingAction =
  /** Download to this name (nothing there, or `--overwrite`). */
  | "download"
  /** Complete at once, nothing fetched. */
  | "already-there"
  /** Fail before fetching anything ("destination-exists"). */
  | "refuse"
  /** `--rename`: try the next candidate name. */
  | "next-name";

/**
 * The decision. Same content is "already there" whatever the mode; a directory is never replaced
 * (`--rename` moves on); `--overwrite` replaces a file or a link (the link itself, not its target).
 */
export function decideExisting(mode: OnExisting, found: Found): ExistingAction {
  if (found === "none" || found === "maybe-same") return "download";
  if (found === "same") return "already-there";
  if (mode === "rename") return "next-name";
  if (mode === "overwrite" && found !== "not-a-file") return "download";
  return "refuse";
}

/** How many numbered names `--rename` tries before giving up. */
export const MAX_RENAME_CANDIDATES = 999;

/** Extensions kept together when numbering (`a.tar.gz` → `a (1).tar.gz`, as Chromium and Firefox do). */
const COMPOUND = /\.tar\.(?:gz|bz2|xz|zst|lz|lzma|Z)$/i;

/**
 * The `n`th `--rename` candidate of `name` (n ≥ 1): ` (n)` before the extension, like a browser:
 * `notes.txt` → `notes (1).txt`, `a.tar.gz` → `a (1).tar.gz`, `.bashrc` → `.bashrc (1)`, `README`
 * → `README (1)`. The stem is cut (on a character boundary) so the result stays ≤ 255 bytes.
 */
export function renameCandidate(name: string, n: number): string {
  const compound = COMPOUND.exec(name);
  const dot = name.lastIndexOf(".");
  // A leading dot is part of the name, not an extension (".bashrc").
  const extStart = compound !== null && compound.index > 0 ? compound.index : dot > 0 ? dot : name.length;
  let stem = name.slice(0, extStart);
  const ext = name.slice(extStart);
  const suffix = ` (${n})${ext}`;
  while (stem.length > 0 && Buffer.byteLength(stem + suffix, "utf8") > 255)
    stem = Array.from(stem).slice(0, -1).join("");
  return stem + suffix;
}

/**
 * The local file name of an item id: its last `/` segment, checked by safe-name.ts. Returns the
 * name, or a message saying what is wrong. Never the peer's answer (docs/downloads.md "Safe writes").
 */
export function nameFromItemId(itemId: string): { name: string } | { problem: string } {
  const name = itemId.slice(itemId.lastIndexOf("/") + 1);
  const problem = checkFileName(name, "the item id's file name");
  return problem === undefined ? { name } : { problem };
}
