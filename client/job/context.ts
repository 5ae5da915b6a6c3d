/** What a job needs from its manager (client/manager/download-manager.ts builds it). @internal */
import type { Kysely } from "kysely";
import type { DownloadEvent } from "../events/download-events.js";
import type { ResolvedDownloadOptions } from "../options.js";
import type { PeerClient } from "../rpc/peer-client.js";
import type { Limiter } from "../scheduler/limiter.js";
import type { ClientDatabase } from "../store/database.js";
import type { DownloadRow } from "../store/download.table.js";
import type { TransferFs } from "../transfer/part-file.js";
import type { StreamTap } from "../stream/stream-tap.js";

/** A peer client and its (cached) handshake. */
export interface ClientEntry {
  readonly client: PeerClient;
  handshake?: Promise<unknown> | undefined;
}

/** What a job needs from its manager. @internal */
export interface JobContext {
  readonly db: Kysely<ClientDatabase>;
  /** This process's lease owner id. */
  readonly owner: string;
  readonly o: ResolvedDownloadOptions;
  readonly now: () => number;
  readonly random: () => number;
  readonly fs: TransferFs;
  readonly limiter: Limiter;
  /** The client for a row's peer, or undefined when no key is known for it. */
  clientFor(row: Pick<DownloadRow, "peer_url" | "transport" | "key_ref">): ClientEntry | undefined;
  emit(event: DownloadEvent): void;
  /** The job's stream tap (its readers in this process, and the `sequential` option). Throws without a size. */
  tapOf(row: DownloadRow): StreamTap;
}
