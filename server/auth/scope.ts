/**
 * Key scopes (docs/service.md): what a key may do. `read` is the sharing side
 * (PeerService, files, torrents, browsing); `downloads` drives this machine's
 * download queue (DownloadService, the qBittorrent API, the downloads view), so
 * a friend's read key can never queue downloads here. The decision is pure:
 * a request path names the scope it needs.
 */

/** A key scope. */
export type Scope = "read" | "downloads";

/** Every scope, in display order. */
export const SCOPES: readonly Scope[] = Object.freeze(["read", "downloads"]);

/** The scopes of a key created without `--scope`, and of every key made before scopes existed. */
export const DEFAULT_SCOPES: readonly Scope[] = Object.freeze(["read"]);

/** What a request path needs: a scope, or `none` (no key at all: health, links, sign-in, the stylesheet). */
export type Requirement = Scope | "none";

/** Paths of the downloads view of the web page. */
const WEB_DOWNLOADS = "/web/downloads";

/**
 * The scope a request needs, from its path alone (query excluded): RPC paths are
 * `/<package.Service>/<Method>`. Unknown paths need `read`, the narrower grant:
 * they answer 404 anyway, but never to a key that may not even browse.
 */
export function requiredScope(path: string): Requirement {
  if (path.startsWith("/grpc.health.v1.Health/")) return "none";
  if (path.startsWith("/peer.v1.DownloadService/")) return "downloads";
  if (path.startsWith("/peer.v1.")) return "read";
  if (path === "/api/v2" || path.startsWith("/api/v2/")) return "downloads";
  if (path === "/api/torznab" || path.startsWith("/api/torznab/")) return "downloads";
  if (path.startsWith("/v1/downloads/")) return "downloads";
  if (path.startsWith("/v1/links/")) return "none";
  if (path === "/web/sign-in" || path === "/web/sign-out" || path === "/web/style.css") return "none";
  if (path === WEB_DOWNLOADS || path.startsWith(`${WEB_DOWNLOADS}/`)) return "downloads";
  return "read";
}

/** Whether a key holding `scopes` may make a request that needs `required`. */
export function allows(scopes: readonly Scope[], required: Requirement): boolean {
  return required === "none" || scopes.includes(required);
}

/** The message of a PERMISSION_DENIED / 403 for a missing scope. */
export function scopeDeniedMessage(required: Scope): string {
  return `this key lacks the "${required}" scope; create one with: peer keys create --name NAME --scope ${required}`;
}

/** Parses one `--scope` value; an error message names the accepted ones. */
export function parseScope(text: string): { ok: true; value: Scope } | { ok: false; error: string } {
  const t = text.trim().toLowerCase();
  const found = SCOPES.find((s) => s === t);
  return found !== undefined
    ? { ok: true, value: found }
    : { ok: false, error: `unknown scope "${text.slice(0, 40)}"; use ${SCOPES.join(" or ")}` };
}

/** The stored form of a scope set: sorted in {@link SCOPES} order, comma-separated, no duplicates. */
export function formatScopes(scopes: readonly Scope[]): string {
  const set = new Set(scopes);
  if (set.size === 0) throw new RangeError("a key needs at least one scope");
  return SCOPES.filter((s) => set.has(s)).join(",");
}

/** Reads a stored scope set; unknown words are dropped (a newer version's scope grants nothing here). */
export function readScopes(stored: string | null | undefined): Scope[] {
  if (stored === null || stored === undefined) return [...DEFAULT_SCOPES];
  const words = new Set(stored.split(","));
  return SCOPES.filter((s) => words.has(s));
}
