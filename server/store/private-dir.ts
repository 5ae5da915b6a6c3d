/**
 * The server's data directory is private (README: "the directory is created
 * 0700"): one that already exists with group or other access is tightened when
 * the server opens it, and the caller says so in the log.
 */
import { chmod, stat } from "node:fs/promises";

/** The mode a data directory should have (pure): group and other bits cleared; undefined when already private. */
export function privateDirMode(mode: number): number | undefined {
  const bits = mode & 0o7777;
  return (bits & 0o077) === 0 ? undefined : bits & ~0o077;
}

/** A directory whose mode was changed. */
export interface Tightened {
  /** The mode before (permission bits). */
  readonly from: number;
  /** The mode now. */
  readonly to: number;
}

/**
 * Clears group and other access on `dir` when it is ours; undefined when nothing
 * changed (already private, not ours, or a filesystem without modes: best effort).
 */
export async function tightenDataDir(dir: string): Promise<Tightened | undefined> {
  try {
    const info = await stat(dir);
    const to = privateDirMode(info.mode);
    if (!info.isDirectory() || to === undefined) return undefined;
    if (typeof process.getuid === "function" && info.uid !== process.getuid()) return undefined;
    await chmod(dir, to);
    return { from: info.mode & 0o7777, to };
  } catch {
    return undefined;
  }
}
