import path from "node:path";
import type { Parsed } from "./duration.js";

/** A share as given on the command line. */
export interface ShareSpec {
  /** Share name: the first segment of its item ids. */
  readonly name: string;
  /** Directory, as typed (resolved later). */
  readonly dir: string;
}

/**
 * Parses `--share NAME=DIR`. The name ends at the first `=`, so directories
 * may contain `=`. Name rules (no `/`, `\`, control characters, not `.`/`..`)
 * are checked by the server's options; this only checks the shape.
 */
export function parseShareSpec(text: string): Parsed<ShareSpec> {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    return { ok: false, error: `"${text}" is not NAME=DIR; e.g. --share media=/srv/media` };
  }
  return { ok: true, value: { name: text.slice(0, eq), dir: text.slice(eq + 1) } };
}

/**
 * The share for a positional `peer serve DIR`: named after the directory's
 * own base name (`~/Videos` → `Videos`). Undefined when it has none (`/`).
 */
export function shareForDir(dir: string, cwd: string = process.cwd()): ShareSpec | undefined {
  const name = path.basename(path.resolve(cwd, dir));
  if (name === "" || name === "." || name === "..") return undefined;
  return { name, dir };
}
