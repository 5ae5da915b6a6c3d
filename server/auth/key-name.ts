/** Longest accepted key name, in characters. @default 64 */
export const KEY_NAME_MAX_LENGTH = 64;

// Control characters (C0, DEL, C1), line/paragraph separators and bidi
// overrides would let a name rewrite the terminal or a log line.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * Checks a key name: 1–64 printable characters, not blank, no leading or
 * trailing spaces. Returns a message saying what is wrong, or `undefined`
 * when the name is fine.
 */
export function checkKeyName(name: string): string | undefined {
  const length = [...name].length;
  if (length === 0 || name.trim() === "") return "the key name must not be empty";
  if (length > KEY_NAME_MAX_LENGTH) {
    return `the key name is ${length} characters long; use at most ${KEY_NAME_MAX_LENGTH}`;
  }
  if (FORBIDDEN.test(name)) return "the key name must contain only printable characters";
  if (name.trim() !== name) return "the key name must not start or end with spaces";
  return undefined;
}
