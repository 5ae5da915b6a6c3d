/**
 * A file name becomes a path on this machine: accept only a plain basename (docs/downloads.md
 * "One attempt" step 1, "Safe writes"), checked before any row or file exists. Returns a message
 * saying what is wrong, or undefined when safe.
 */

/** Longest accepted name in UTF-8 bytes (NAME_MAX on Linux). */
export const MAX_FILE_NAME_BYTES = 255;

/** Checks a file name; undefined when safe. `subject` names it in the message. @default "the peer's file name" */
export function checkFileName(name: string, subject = "the peer's file name"): string | undefined {
  if (name === "") return `${subject} is empty`;
  if (name === "." || name === "..") return `${subject} is "${name}"`;
  if (name.includes("/") || name.includes("\\")) return `${subject} contains a path separator`;
  if (name.includes("\0")) return `${subject} contains a NUL byte`;
  // Control characters would garble terminals and logs; a leading "-" would read as an option to other tools.
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${subject} contains control characters`;
  if (name.trim() !== name || name.trim() === "") return `${subject} starts or ends with white space`;
  if (Buffer.byteLength(name, "utf8") > MAX_FILE_NAME_BYTES)
    return `${subject} is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  if (name.endsWith(".part")) return `${subject} ends with ".part", which this client uses for partial files`;
  return undefined;
}
