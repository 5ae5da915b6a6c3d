/**
 * The peer's file name becomes a path on this machine: accept only a plain
 * basename (docs/downloads.md "One attempt" step 1), checked before any row or
 * file exists. Returns a message saying what is wrong, or undefined when safe.
 */

/** Longest accepted name in UTF-8 bytes (NAME_MAX on Linux). */
export const MAX_FILE_NAME_BYTES = 255;

/** Checks a file name; undefined when safe. */
export function checkFileName(name: string): string | undefined {
  if (name === "") return "the peer sent an empty file name";
  if (name === "." || name === "..") return `the peer sent the file name "${name}"`;
  if (name.includes("/") || name.includes("\\")) return "the peer's file name contains a path separator";
  if (name.includes("\0")) return "the peer's file name contains a NUL byte";
  // Control characters would garble terminals and logs; a leading "-" would read as an option to other tools.
  if (/[\u0000-\u001f\u007f]/.test(name)) return "the peer's file name contains control characters";
  if (name.trim() !== name || name.trim() === "") return "the peer's file name starts or ends with white space";
  if (Buffer.byteLength(name, "utf8") > MAX_FILE_NAME_BYTES)
    return `the peer's file name is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  if (name.endsWith(".part"))
    return 'the peer\'s file name ends with ".part", which this client uses for partial files';
  return undefined;
}
