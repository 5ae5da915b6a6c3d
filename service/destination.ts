/**
 * The one rule for where the download service may write (docs/service.md):
 * a destination is a folder given relative to the download root, and it must
 * stay inside it. Pure: it looks at the text only (the service also checks
 * that no existing folder on the way is a symlink leading out).
 */
import path from "node:path";

/** Longest destination accepted, in characters. @default 1024 */
export const MAX_DESTINATION_LENGTH = 1024;

/** The outcome of {@link resolveDestination}. */
export type DestinationCheck =
  | { readonly ok: true; readonly dir: string }
  | { readonly ok: false; readonly error: string };

// Control characters would let a name rewrite a terminal or a log line.
const CONTROL = /[\p{Cc}]/u;

/**
 * Resolves `relative` (POSIX separators, "" = the root) against the absolute `root`; refuses absolute
 * paths, `..` segments, backslashes, control characters and over-long text.
 */
export function resolveDestination(root: string, relative: string): DestinationCheck {
  if (relative.length > MAX_DESTINATION_LENGTH)
    return { ok: false, error: `the destination is longer than ${MAX_DESTINATION_LENGTH} characters` };
  if (CONTROL.test(relative)) return { ok: false, error: "the destination must not contain control characters" };
  if (relative.includes("\\")) return { ok: false, error: 'the destination uses "/" between folders, not "\\"' };
  if (relative.startsWith("/") || /^[A-Za-z]:/.test(relative))
    return { ok: false, error: "the destination must be relative to the download root, not absolute" };
  const segments = relative.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { ok: false, error: 'the destination must not contain ".."' };
  const base = path.resolve(root);
  const dir = path.join(base, ...segments);
  if (dir !== base && !dir.startsWith(base + path.sep))
    return { ok: false, error: "the destination leaves the download root" };
  return { ok: true, dir };
}

/** A path inside the root as the API shows it: relative, "/"-separated. */
export function relativeToRoot(root: string, file: string): string {
  return path.relative(path.resolve(root), file).split(path.sep).join("/");
}
