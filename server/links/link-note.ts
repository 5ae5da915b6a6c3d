/** Longest accepted link note, in characters. @default 200 */
export const LINK_NOTE_MAX_LENGTH = 200;

// Control characters, line/paragraph separators and bidi overrides would let a note rewrite a terminal or a log line.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Checks a link note (pure): at most 200 printable characters. A message saying what is wrong, or undefined. */
export function checkLinkNote(note: string): string | undefined {
  const length = [...note].length;
  if (length > LINK_NOTE_MAX_LENGTH)
    return `the note is ${length} characters long; use at most ${LINK_NOTE_MAX_LENGTH}`;
  if (FORBIDDEN.test(note)) return "the note must contain only printable characters";
  return undefined;
}
