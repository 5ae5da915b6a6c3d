/**
 * Which database a store uses (README "Several machines"): nothing → SQLite in the data
 * directory; a `postgres://` or `postgresql://` URL → PostgreSQL. Pure: no I/O.
 */

/** Where a store lives. */
export type DatabaseTarget =
  | { readonly kind: "sqlite" }
  | {
      readonly kind: "postgres";
      /** The URL as given (it may hold a password: never log it; log {@link DatabaseTarget.display}). */
      readonly url: string;
      /** `host:port/database`, safe to print. */
      readonly display: string;
      /** Host name (or the unix socket directory). */
      readonly host: string;
    };

/** The parse of a `--database` value. */
export type ParsedDatabaseUrl = { ok: true; value: DatabaseTarget } | { ok: false; error: string };

const POSTGRES_SCHEMES = new Set(["postgres:", "postgresql:"]);

/**
 * Parses `--database` / `PEER_DATABASE_URL`. Empty or absent means SQLite. Any other value must
 * be a PostgreSQL URL with a host: a typo such as `postgress://` or `mysql://` is refused rather than
 * silently falling back to a local SQLite file that other replicas would never see.
 */
export function parseDatabaseUrl(text: string | undefined): ParsedDatabaseUrl {
  if (text === undefined || text.trim() === "") return { ok: true, value: { kind: "sqlite" } };
  const hint = "give a URL such as postgres://user:password@host:5432/peer, or leave it out for SQLite in --data-dir";
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, error: `"${redact(text)}" is not a URL; ${hint}` };
  }
  if (!POSTGRES_SCHEMES.has(url.protocol)) {
    return { ok: false, error: `unsupported database scheme "${url.protocol}"; ${hint}` };
  }
  // A socket directory may come as ?host=/run/postgresql instead of the authority.
  const socketHost = url.searchParams.get("host") ?? "";
  const host = decodeURIComponent(url.hostname) || socketHost;
  if (host === "") return { ok: false, error: `the database URL has no host; ${hint}` };
  if (url.port !== "" && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) {
    return { ok: false, error: `the database URL's port "${url.port}" is not a port number; ${hint}` };
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database.includes("/")) return { ok: false, error: `the database name "${database}" contains "/"; ${hint}` };
  const port = url.port === "" ? "5432" : url.port;
  const display = `${host}:${port}/${database === "" ? "(default)" : database}`;
  return { ok: true, value: { kind: "postgres", url: url.toString(), display, host } };
}

/** The URL with its password replaced by `***`, for error messages. */
export function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return text.replace(/:[^:@/]*@/, ":***@");
  }
}
