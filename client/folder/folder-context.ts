/** What folder jobs need from their download manager. @internal */
import type { Kysely } from "kysely";
import type { DownloadEvent } from "../events/download-events.js";
import type { ClientEntry } from "../job/context.js";
import type { ClientDatabase } from "../store/database.js";
import type { Download } from "../store/download-mapper.js";

/** The manager's side of a folder job. @internal */
export interface FolderContext {
  db(): Kysely<ClientDatabase>;
  now(): number;
  emit(e: DownloadEvent): void;
  /** The client for a peer (its key registered). */
  clientFor(row: { peer_url: string; transport: string; key_ref: string }): ClientEntry | undefined;
  /** Runs a file job in this manager. */
  schedule(id: string): void;
  /** Waits for a file job to end. */
  wait(id: string): Promise<Download>;
  /** Waits for every file job of `ids` to end (one listener, one read of their rows). */
  waitAll(ids: readonly string[]): Promise<void>;
  /** Re-queues a failed, paused or cancelled file job. */
  retry(id: string): Promise<unknown>;
  readonly maxFileSize: number;
}

/** The peer of a folder job, as the manager resolved it. @internal */
export interface FolderPeer {
  readonly peerUrl: string;
  readonly keyRef: string;
  readonly transport: string;
}
