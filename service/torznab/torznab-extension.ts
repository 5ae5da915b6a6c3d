/**
 * The Torznab route as the download service mounts it: the remotes read from the data dir on
 * every request (`peer remote add` while serving is seen at once), a key admitted only with the
 * `downloads` scope, each remote's catalog through the client SDK.
 */
import type { Logger } from "pino";
import { createPeerClient } from "../../client/index.js";
import { readRemotes } from "../../client/remotes/index.js";
import type { Authenticate } from "../../server/index.js";
import { createTorznabRoute } from "./torznab-route.js";

/** Options of {@link torznabRoute}. */
export interface TorznabMountOptions {
  /** The data dir holding `remotes.json`. */
  readonly dataDir: string;
  /** The server's key check. */
  readonly authenticate: Authenticate;
  /** Where left-out remotes are reported. */
  readonly logger: Logger;
  /** Whether the listener is TLS. */
  readonly tls: boolean;
  /** Base URL for download links; the request's origin when absent. @default undefined */
  readonly publicUrl?: string | undefined;
}

/** The `/api/torznab` route of `peer serve --downloads`. */
export function torznabRoute(options: TorznabMountOptions): ReturnType<typeof createTorznabRoute> {
  return createTorznabRoute({
    remotes: async () => (await readRemotes(options.dataDir)).map(({ name, url, key }) => ({ name, url, key })),
    authorize: async (key) => {
      const principal = await options.authenticate(key);
      if (principal === undefined) return "unauthenticated";
      return principal.scopes.includes("downloads") ? "ok" : "forbidden";
    },
    catalog: (remote) => {
      const client = createPeerClient({ baseUrl: remote.url, apiKey: remote.key });
      return { name: remote.name, list: (query, signal) => client.listAllItems({ query }, { signal }) };
    },
    warn: (message, fields) => options.logger.warn(fields, message),
    tls: options.tls,
    publicUrl: options.publicUrl,
  });
}
