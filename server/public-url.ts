/**
 * The server's public base URL (`peer serve --public-url`), and the small
 * `server.json` in the data directory through which `peer links create` (a
 * separate process) learns it, or else the address the server listens on.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** File name of the server facts inside the data directory. */
export const SERVER_INFO_FILE = "server.json";

/** What a running server leaves for the CLI. */
export interface ServerInfo {
  /** The URL the server listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** `--public-url`, when given. */
  readonly publicUrl?: string | undefined;
}

/**
 * Checks a public base URL (pure): `http://` or `https://`, a host, no user,
 * query or fragment; returned without a trailing slash. A path prefix is kept
 * (a reverse proxy may mount the peer below one).
 */
export function parsePublicUrl(text: string): { ok: true; value: string } | { ok: false; error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, error: `"${text}" is not a URL; write e.g. https://files.example.org` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, error: `"${text}" must start with http:// or https://` };
  if (url.username !== "" || url.password !== "")
    return { ok: false, error: `"${text}" must not carry a user name or password` };
  if (url.search !== "" || url.hash !== "" || text.includes("?") || text.includes("#")) {
    return { ok: false, error: `"${text}" must not have a query or fragment` };
  }
  return { ok: true, value: `${url.origin}${url.pathname}`.replace(/\/+$/, "") };
}

/** Writes `server.json` (atomically: temp file then rename). */
export async function writeServerInfo(dataDir: string, info: ServerInfo): Promise<void> {
  const file = path.join(dataDir, SERVER_INFO_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ url: info.url, publicUrl: info.publicUrl ?? null })}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** Reads `server.json`; undefined when missing or unreadable (the server never ran here). */
export async function readServerInfo(dataDir: string): Promise<ServerInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, SERVER_INFO_FILE), "utf8")) as {
      url?: unknown;
      publicUrl?: unknown;
    };
    if (typeof parsed.url !== "string") return undefined;
    return { url: parsed.url, publicUrl: typeof parsed.publicUrl === "string" ? parsed.publicUrl : undefined };
  } catch {
    return undefined;
  }
}
