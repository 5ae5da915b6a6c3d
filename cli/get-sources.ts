/**
 * The check of `peer get`'s `--source` and `--mirror` before anything runs: a mirror serves one
 * file, so it needs exactly one item id; each mirror is an http(s) URL without credentials (its
 * problem is said without echoing the URL, which may hold a password); the rest (URLs, duplicates, at most 16 sources) is the
 * engine's own check (client/sources/plan-sources.ts), reported here as a usage error (exit 2).
 */
import { DownloadError } from "../client/internal.js";
import { checkMirrorUrl } from "../client/internal.js";
import { planSources, type PeerSourceInput } from "../client/internal.js";
import { DOWNLOAD_DEFAULTS } from "../client/internal.js";

/** What `peer get` was given. */
export interface SourceArguments {
  readonly primaryUrl: string;
  readonly itemCount: number;
  readonly sources: readonly PeerSourceInput[];
  readonly mirrors: readonly string[];
}

/** Why the command line cannot run, or undefined. */
export function checkSourceArguments(a: SourceArguments): string | undefined {
  if (a.mirrors.length > 0 && a.itemCount !== 1) {
    return (
      `--mirror is the URL of one file, so it needs exactly one item id (got ${a.itemCount}); ` +
      "run one peer get per file with its own --mirror"
    );
  }
  for (const mirror of a.mirrors) {
    // Checked here rather than by commander, which would echo a URL holding a password.
    const checked = checkMirrorUrl(mirror);
    if (!checked.ok) return `--mirror: ${checked.error}`;
  }
  try {
    planSources({ ...a, defaultTransport: DOWNLOAD_DEFAULTS.transport });
  } catch (error) {
    if (error instanceof DownloadError) return error.message;
    throw error;
  }
  return undefined;
}
