/**
 * The remotes file's format (`<data-dir>/remotes.json`), parsed and written by
 * pure functions: `{"version":1,"remotes":[{name,url,key,addedAt}]}`.
 * Parse errors never quote the file: it holds keys.
 */
import { checkKeyText } from "./key-label.js";
import { checkRemoteName } from "./remote-name.js";

/** Version written in the file. @default 1 */
export const REMOTES_FORMAT_VERSION = 1;

/** One remembered peer. */
export interface Remote {
  /** Its name (see remote-name.ts). */
  readonly name: string;
  /** The peer's normalised base URL. */
  readonly url: string;
  /** The API key (secret: never print or log it). */
  readonly key: string;
  /** When it was added (ISO 8601). */
  readonly addedAt: string;
}

/** The outcome of {@link parseRemotes}. */
export type ParsedRemotes =
  | { readonly ok: true; readonly value: Remote[] }
  | { readonly ok: false; readonly error: string };

/** Parses the file's text; `error` says what is wrong without quoting any of it. */
export function parseRemotes(text: string): ParsedRemotes {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which holds keys: say only that it is not JSON.
    return { ok: false, error: "it is not valid JSON" };
  }
  if (!isObject(data) || data.version !== REMOTES_FORMAT_VERSION || !Array.isArray(data.remotes)) {
    return { ok: false, error: `it is not a version ${REMOTES_FORMAT_VERSION} remotes file` };
  }
  const remotes: Remote[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of data.remotes.entries()) {
    const problem = checkEntry(entry);
    if (problem !== undefined) return { ok: false, error: `entry ${index + 1}: ${problem}` };
    const remote = entry as unknown as Remote;
    if (seen.has(remote.name))
      return { ok: false, error: `entry ${index + 1}: the name "${remote.name}" appears twice` };
    seen.add(remote.name);
    remotes.push({ name: remote.name, url: remote.url, key: remote.key, addedAt: remote.addedAt });
  }
  return { ok: true, value: remotes };
}

/** The file's text for `remotes`, sorted by name, ending with a newline. */
export function formatRemotes(remotes: readonly Remote[]): string {
  const sorted = [...remotes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = sorted.map((r) => ({ name: r.name, url: r.url, key: r.key, addedAt: r.addedAt }));
  return `${JSON.stringify({ version: REMOTES_FORMAT_VERSION, remotes: entries }, null, 2)}\n`;
}

function checkEntry(entry: unknown): string | undefined {
  if (!isObject(entry)) return "not an object";
  for (const field of ["name", "url", "key", "addedAt"] as const) {
    if (typeof entry[field] !== "string") return `"${field}" is missing or not a string`;
  }
  const nameProblem = checkRemoteName(entry.name as string);
  if (nameProblem !== undefined) return nameProblem;
  if (!/^https?:\/\/\S+$/.test(entry.url as string)) return `the URL of "${entry.name as string}" is not http(s)`;
  // Only whether the key is usable, never its text.
  if (checkKeyText(entry.key as string) !== undefined) return `the key of "${entry.name as string}" is not usable`;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
