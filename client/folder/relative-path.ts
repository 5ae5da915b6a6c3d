/**
 * A folder listing's relative paths become paths on this machine: each is
 * checked here, before any directory or row exists (docs/downloads.md
 * "Folder jobs"). Pure; a refused path refuses only that file.
 */
import { MAX_FILE_NAME_BYTES } from "../transfer/safe-name.js";

/** Longest relative path accepted, in UTF-8 bytes (PATH_MAX on Linux is 4096, with room for the out dir). */
export const MAX_RELATIVE_PATH_BYTES = 3072;

/** Deepest tree accepted (components of one relative path). */
export const MAX_PATH_DEPTH = 64;

/** Result of {@link checkRelativePath}: the path's components, or why it is refused. */
export type RelativePathCheck =
  | { readonly ok: true; readonly components: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** Checks one relative path (`/` separators, as the peer lists it); never throws. */
export function checkRelativePath(rel: string): RelativePathCheck {
  const refuse = (reason: string): RelativePathCheck => ({ ok: false, reason });
  if (typeof rel !== "string" || rel === "") return refuse("empty path");
  if (rel.includes("\0")) return refuse("contains a NUL byte");
  if (rel.startsWith("/")) return refuse("absolute path");
  if (/^[A-Za-z]:/.test(rel)) return refuse("absolute path (drive letter)");
  if (rel.includes("\\")) return refuse("contains a backslash (a separator on Windows)");
  if (/[\u0000-\u001f\u007f]/.test(rel)) return refuse("contains control characters");
  if (Buffer.byteLength(rel, "utf8") > MAX_RELATIVE_PATH_BYTES)
    return refuse(`path longer than ${MAX_RELATIVE_PATH_BYTES} bytes`);
  const components = rel.split("/");
  if (components.length > MAX_PATH_DEPTH) return refuse(`deeper than ${MAX_PATH_DEPTH} folders`);
  for (const c of components) {
    const problem = checkComponent(c);
    if (problem !== undefined) return refuse(problem);
  }
  return { ok: true, components };
}

/** Why one path component is refused; undefined when safe. */
function checkComponent(c: string): string | undefined {
  if (c === "") return "empty path component (a doubled or trailing /)";
  if (c === ".") return 'a "." component';
  if (c === "..") return 'a ".." component';
  if (c.trim() !== c) return `component ${JSON.stringify(c)} starts or ends with white space`;
  if (Buffer.byteLength(c, "utf8") > MAX_FILE_NAME_BYTES)
    return `component longer than ${MAX_FILE_NAME_BYTES} bytes (the file system's limit)`;
  if (c.endsWith(".part"))
    return `component ${JSON.stringify(c)} ends with ".part", which this client uses for partial files`;
  return undefined;
}

/**
 * The key two names collide under on a case-insensitive or normalising file system (macOS, Windows):
 * NFC, then lower case.
 */
export function foldName(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** One path of a listing, with its kind. */
export interface TreeEntry {
  readonly path: string;
  readonly kind: "file" | "folder";
}

/**
 * Refuses, in listing order, every entry that would collide with an earlier one: a name differing
 * only in case (or Unicode normalisation) from a sibling, or a file where a folder is (or the
 * reverse). Entries must have passed {@link checkRelativePath}. Returns the refused paths and why.
 */
export function findCollisions(entries: readonly TreeEntry[]): Map<string, string> {
  const refused = new Map<string, string>();
  // "<exact parent>\n<folded name>" → the exact name and kind first seen there.
  const seen = new Map<string, { name: string; kind: "file" | "folder" }>();
  for (const e of entries) {
    const parts = e.path.split("/");
    const claims: Array<[string, { name: string; kind: "file" | "folder" }]> = [];
    let problem: string | undefined;
    for (let i = 0; i < parts.length && problem === undefined; i++) {
      const name = parts[i] as string;
      const kind = i === parts.length - 1 ? e.kind : "folder";
      const key = `${parts.slice(0, i).join("/")}\n${foldName(name)}`;
      const first = seen.get(key);
      if (first === undefined) claims.push([key, { name, kind }]);
      else if (first.name !== name)
        problem = `${JSON.stringify(name)} differs only in case from ${JSON.stringify(first.name)}`;
      else if (first.kind !== kind || (kind === "file" && i === parts.length - 1))
        problem =
          first.kind === kind
            ? `${JSON.stringify(name)} is listed twice`
            : `${JSON.stringify(name)} is both a file and a folder`;
    }
    if (problem !== undefined) {
      refused.set(e.path, problem);
      continue;
    }
    for (const [key, value] of claims) seen.set(key, value);
  }
  return refused;
}
