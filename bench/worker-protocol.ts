/**
 * Messages between the harness and the client worker (bench/client-worker.ts),
 * a long-lived child process that runs the client side of RPC and engine
 * samples so they neither share the harness's event loop nor pay tsx start-up
 * per sample, and so that the client's CPU and RSS can be measured.
 */

/** RPC client flavours: Connect over HTTP/1.1, Connect over HTTP/2, gRPC. */
export type RpcTransport = "connect" | "connect-h2" | "grpc";

/** Read a whole item through a ReadFile stream and discard the bytes. */
export interface ReadTask {
  readonly kind: "stock-read" | "sdk-read";
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly transport: RpcTransport;
  readonly itemId: string;
  readonly chunkSize: number;
  readonly expectedBytes: number;
  /** SDK reads: the engine's read path (client/transfer/rpc-source.ts), fast or stock. @default "fast" */
  readonly readPath?: "fast" | "stock";
}

/** Download items to disk with the download engine. */
export interface DownloadTask {
  readonly kind: "engine-download";
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Transport the engine uses. */
  readonly transport: "connect" | "http";
  /** Items to queue at once. */
  readonly itemIds: readonly string[];
  /** Directory the files land in (emptied by the harness between samples). */
  readonly destDir: string;
  /** SQLite/state directory of the engine. */
  readonly stateDir: string;
  /** Downloads at once. */
  readonly concurrency: number;
  /** Total bytes expected on disk. */
  readonly expectedBytes: number;
  /** Retry backoff base of the engine (the resume group makes it short). @default the engine's */
  readonly backoffBaseMs?: number;
  /** Verify per piece when the peer has a pieces root (false: the whole-file SHA-256 path). @default true */
  readonly verifyPieces?: boolean;
  /** More peers holding the same file (`peer get --source`). @default none */
  readonly sources?: ReadonlyArray<{ readonly url: string; readonly key: string }>;
}

/** Checks whether the SDK / the engine can be loaded. */
export interface ProbeTask {
  readonly kind: "probe";
}

/** Any task. */
export type WorkerTask = ReadTask | DownloadTask | ProbeTask;

/** Result of a timed task. */
export interface TaskResult {
  /** Wall time of the transfer (client side). */
  readonly seconds: number;
  /** Payload bytes received. */
  readonly bytes: number;
  /** Client process CPU seconds during the task. */
  readonly clientCpuSeconds: number;
  /** Task-specific numbers (e.g. restarts, files). */
  readonly extra?: Record<string, number>;
}

/** Result of a probe. */
export interface ProbeResult {
  /** Why the SDK cannot be used, or undefined when it can. */
  readonly sdk?: string;
  /** Why the download engine cannot be used, or undefined when it can. */
  readonly engine?: string;
}

/** Request envelope. */
export interface WorkerRequest {
  readonly id: number;
  readonly task: WorkerTask;
}

/** Reply envelope. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: TaskResult | ProbeResult }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly unavailable?: boolean };
