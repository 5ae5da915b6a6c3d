/**
 * Whether a file may hold secrets, decided like ssh decides for a private
 * key: owned by the user who reads it, and no permission bit for the group
 * or others ("Permissions 0644 ... are too open").
 */

/** What {@link checkPrivateFile} needs to know about the file. */
export interface FileOwnership {
  /** `stat.mode`. */
  readonly mode: number;
  /** `stat.uid`. */
  readonly uid: number;
}

/** Who reads it. */
export interface Reader {
  /** `process.getuid()`, or undefined where there is none (Windows: no check). */
  readonly uid: number | undefined;
}

/** Why the file at `path` must not be trusted with keys, or `undefined` when it may. */
export function checkPrivateFile(file: FileOwnership, reader: Reader, path: string): string | undefined {
  if (reader.uid === undefined) return undefined;
  if (file.uid !== reader.uid && reader.uid !== 0) {
    return `${path} belongs to user ${file.uid}, not to you (${reader.uid}); it holds API keys, so it must be yours: remove it or fix its owner`;
  }
  const open = file.mode & 0o077;
  if (open !== 0) {
    const octal = (file.mode & 0o777).toString(8).padStart(4, "0");
    return `${path} has permissions ${octal}: it holds API keys and must be readable by you only; run: chmod 600 ${path}`;
  }
  return undefined;
}
