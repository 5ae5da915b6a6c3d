/**
 * What a remote may be called. A name must never be mistaken for a URL or a
 * host (no `:`, `/` or `.`), so `peer get nas share/x` and
 * `peer get http://nas:8080 share/x` can never mean each other.
 */

/** Longest remote name. @default 32 */
export const REMOTE_NAME_MAX = 32;

const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Why `name` cannot be a remote's name, or `undefined` when it can. */
export function checkRemoteName(name: string): string | undefined {
  if (name === "") return "a remote's name cannot be empty";
  if (name.length > REMOTE_NAME_MAX) return `a remote's name has at most ${REMOTE_NAME_MAX} characters`;
  if (!NAME_PATTERN.test(name)) {
    return (
      `"${printable(name)}" is not a remote name: use lower-case letters, digits, "-" and "_", ` +
      "starting with a letter (e.g. nas, laptop-2)"
    );
  }
  return undefined;
}

/** True when `name` is a well-formed remote name. */
export function isRemoteName(name: string): boolean {
  return checkRemoteName(name) === undefined;
}

/** The name with control characters escaped and cut to a readable length, for messages. */
function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 64 ? `${escaped.slice(0, 61)}...` : escaped;
}
