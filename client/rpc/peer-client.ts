/**
 * The SDK's typed client over the generated PeerService client (a factory returning a
 * narrow interface, as CONTRIBUTING.md asks). It adds the key header, turns
 * compression off (5–10× slower on file bytes, docs/connect-notes.md), bounds every
 * message it reads (common/wire/limits.ts: no 4 GiB reservation on a peer's word), gives every
 * call its own AbortController aborted in `finally` (breaking out of a
 * `for await` does not cancel a Connect stream), tunes HTTP/2 windows, and
 * checks the protocol version through Handshake.
 */
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  PeerService,
  HandshakeRequestSchema,
  type HandshakeResponse,
  type GetPieceHashesResponse,
  type Item,
  type ListItemsResponse,
  type ReadFileResponse,
} from "../../gen/peer/v1/peer_pb.js";
import {
  MAX_LIST_ITEMS_MESSAGE_BYTES,
  MAX_READ_FILE_MESSAGE_BYTES,
  MAX_SMALL_UNARY_MESSAGE_BYTES,
} from "../../common/wire/limits.js";
import { DownloadError } from "../errors.js";
import type { FastReadWire } from "../transfer/fast-read/read-file-call.js";
import { TunedHttp2SessionManager } from "./http2-window.js";
import { TRANSPORT_KINDS, type TransportKind } from "./transport-kind.js";
import { CLIENT_PROTOCOL_VERSION, checkCompatibility } from "../version.js";

export { TRANSPORT_KINDS, type TransportKind } from "./transport-kind.js";

/** Options for {@link createPeerClient}. */
export interface PeerClientOptions {
  /** The peer's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The API key, sent as `Authorization: Bearer <key>`; never logged. */
  apiKey: string;
  /**
   * `connect` = Connect over HTTP/1.1 (fastest in Node), `connect-h2` = Connect
   * over HTTP/2, `grpc` = gRPC (HTTP/2), `http` = file bytes over
   * `GET /v1/files/…` and metadata over Connect HTTP/1.1.
   * @default "connect"
   */
  transport?: TransportKind;
  /** Timeout of unary calls in ms. @default 30000 */
  timeoutMs?: number;
  /** Client name sent in Handshake. @default "peer-sdk" */
  clientName?: string;
  /** A transport to use instead (e.g. `createRouterTransport` in tests); ReadFile then goes through it too. */
  customTransport?: Transport;
  /**
   * How the download engine reads ReadFile streams: `fast` decodes envelopes and
   * fields straight from the network buffers (client/transfer/fast-read/), `stock`
   * uses the generated Connect client (kept for comparison in `npm run bench`).
   * @default "fast"
   */
  readPath?: "fast" | "stock";
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal | undefined;
}

/** A ReadFile request. */
export interface ReadFileParams {
  /** The item id. */
  itemId: string;
  /** First byte. @default 0 */
  offset?: number;
  /** At most this many bytes; 0 = to the end. @default 0 */
  length?: number;
  /** Fail with FAILED_PRECONDITION unless the etag still matches. */
  ifMatch?: string | undefined;
  /** Preferred chunk size hint. */
  chunkSize?: number;
}

/** A ListItems request. */
export interface ListItemsParams {
  /** Only this share. */
  share?: string;
  /** Case-insensitive name substring. */
  query?: string;
  /** Items per page (server default 100, cap 1000). */
  pageSize?: number;
  /** Token from a previous page. */
  pageToken?: string;
  /** Only items with this BEP 52 pieces root (64 lower-case hex): the same content (docs/pieces.md). */
  piecesRoot?: string;
  /** Only the files under this folder id (`share/a/b`, no trailing `/`), recursively, plus its empty folders; needs the "folders" capability. */
  folder?: string;
}

/** A GetPieceHashes request (one page of the piece layer). */
export interface PieceHashesParams {
  /** The item id. */
  itemId: string;
  /** Fail with FAILED_PRECONDITION unless the etag still matches. */
  ifMatch?: string | undefined;
  /** First piece index. @default 0 */
  first?: number;
  /** Hashes wanted; 0 = as many as fit a 64 KiB answer. @default 0 */
  count?: number;
}

/** The SDK's client for one peer. */
export interface PeerClient {
  /** The peer's base URL (no trailing slash). */
  readonly baseUrl: string;
  /** The transport in use. */
  readonly transport: TransportKind;
  /** The key, for the HTTP route (never log it). @internal */
  readonly apiKey: string;
  /** Calls Handshake and refuses an incompatible peer with a DownloadError("incompatible-peer"). */
  handshake(options?: CallOptions): Promise<HandshakeResponse>;
  /** One page of items. */
  listItems(params?: ListItemsParams, options?: CallOptions): Promise<ListItemsResponse>;
  /** All items (follows page tokens). */
  listAllItems(params?: Omit<ListItemsParams, "pageToken">, options?: CallOptions): AsyncIterable<Item>;
  /** One item's metadata. */
  statItem(itemId: string, options?: CallOptions): Promise<Item>;
  /** One page of an item's piece layer (docs/pieces.md). */
  getPieceHashes(params: PieceHashesParams, options?: CallOptions): Promise<GetPieceHashesResponse>;
  /** Streams bytes; the call is cancelled when the loop ends for any reason. */
  readFile(params: ReadFileParams, options?: CallOptions): AsyncIterable<ReadFileResponse>;
  /** Closes HTTP/2 connections (no-op on HTTP/1.1). */
  close(): void;
  /** How the ReadFile fast path reaches the peer; undefined with a custom transport or `readPath: "stock"`. @internal */
  readonly fastRead?: FastReadWire | undefined;
}

/** Default unary timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Validates and normalises a peer URL; throws a DownloadError("invalid-argument") when unusable. */
export function normalizePeerUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new DownloadError("invalid-argument", `"${baseUrl}" is not a URL; give the peer as http://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DownloadError(
      "invalid-argument",
      `the peer URL must start with http:// or https://, got "${url.protocol}"`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new DownloadError("invalid-argument", "put the key in --key or PEER_KEY, not in the URL");
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** Creates a client for one peer. */
export function createPeerClient(options: PeerClientOptions): PeerClient {
  const baseUrl = normalizePeerUrl(options.baseUrl);
  const transportKind = options.transport ?? "connect";
  if (!TRANSPORT_KINDS.includes(transportKind)) {
    throw new DownloadError(
      "invalid-argument",
      `unknown transport "${String(transportKind)}"; use one of ${TRANSPORT_KINDS.join(", ")}`,
    );
  }
  if (typeof options.apiKey !== "string" || options.apiKey === "") {
    throw new DownloadError("no-key", "an API key is needed: pass --key or set PEER_KEY");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const apiKey = options.apiKey;
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${apiKey}`);
    return next(req);
  };
  let sessionManager: TunedHttp2SessionManager | undefined;
  let bounded: (readMaxBytes: number) => Transport;
  if (options.customTransport !== undefined) {
    const custom = withHeader(options.customTransport, "authorization", `Bearer ${apiKey}`);
    bounded = () => custom;
  } else {
    const sm =
      transportKind === "connect" || transportKind === "http" ? undefined : new TunedHttp2SessionManager(baseUrl);
    sessionManager = sm;
    bounded = (readMaxBytes) => {
      const common = { baseUrl, acceptCompression: [], interceptors: [auth], readMaxBytes };
      if (sm === undefined) return createConnectTransport({ ...common, httpVersion: "1.1" });
      return transportKind === "grpc"
        ? createGrpcTransport({ ...common, sessionManager: sm })
        : createConnectTransport({ ...common, httpVersion: "2", sessionManager: sm });
    };
  }
  // One transport per bound, over the same connections: connect-es bounds a whole transport, and
  // a ListItems page may be 100 times a StatItem answer (common/wire/limits.ts).
  const client = createClient(PeerService, bounded(MAX_SMALL_UNARY_MESSAGE_BYTES));
  const listClient = createClient(PeerService, bounded(MAX_LIST_ITEMS_MESSAGE_BYTES));
  const streamClient = createClient(PeerService, bounded(MAX_READ_FILE_MESSAGE_BYTES));
  const fastRead: FastReadWire | undefined =
    options.customTransport !== undefined || options.readPath === "stock"
      ? undefined
      : {
          protocol: transportKind === "grpc" ? "grpc" : "connect",
          baseUrl,
          authorization: `Bearer ${apiKey}`,
          http2: sessionManager,
          // The pieces path's reads over plain http: take raw-h2/ (docs/performance.md "HTTP/2 (grpc, connect-h2)").
          rawHttp2: true,
        };

  /** Runs `fn` with a controller linked to the caller's signal, always aborted at the end. */
  async function unary<T>(options: CallOptions | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    const unlink = link(options?.signal, ctl);
    try {
      return await fn(ctl.signal);
    } finally {
      unlink();
      ctl.abort();
    }
  }

  const self: PeerClient = {
    baseUrl,
    transport: transportKind,
    apiKey,
    fastRead,
    async handshake(callOptions) {
      const res = await unary(callOptions, (signal) =>
        client.handshake(
          create(HandshakeRequestSchema, {
            clientName: options.clientName ?? "peer-sdk",
            clientVersion: CLIENT_PROTOCOL_VERSION,
          }),
          { signal, timeoutMs },
        ),
      );
      const problem = checkCompatibility(res);
      if (problem !== undefined) throw new DownloadError("incompatible-peer", problem);
      return res;
    },
    listItems(params = {}, callOptions) {
      return unary(callOptions, (signal) => listClient.listItems(params, { signal, timeoutMs }));
    },
    async *listAllItems(params = {}, callOptions) {
      let pageToken = "";
      do {
        const page = await self.listItems({ ...params, pageToken }, callOptions);
        yield* page.items;
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    },
    async statItem(itemId, callOptions) {
      const res = await unary(callOptions, (signal) => client.statItem({ itemId }, { signal, timeoutMs }));
      if (res.item === undefined) throw new DownloadError("protocol", "the peer answered StatItem without an item");
      return res.item;
    },
    getPieceHashes(params, callOptions) {
      const request = {
        itemId: params.itemId,
        ifMatch: params.ifMatch ?? "",
        first: BigInt(params.first ?? 0),
        count: BigInt(params.count ?? 0),
      };
      return unary(callOptions, (signal) => client.getPieceHashes(request, { signal, timeoutMs }));
    },
    async *readFile(params, callOptions) {
      const ctl = new AbortController();
      const unlink = link(callOptions?.signal, ctl);
      try {
        yield* streamClient.readFile(
          {
            itemId: params.itemId,
            offset: BigInt(params.offset ?? 0),
            length: BigInt(params.length ?? 0),
            ifMatch: params.ifMatch ?? "",
            chunkSize: params.chunkSize ?? 0,
          },
          { signal: ctl.signal },
        );
      } finally {
        // Breaking out of for-await does not cancel a Connect stream (docs/connect-notes.md).
        unlink();
        ctl.abort();
      }
    },
    close() {
      sessionManager?.abort();
    },
  };
  return self;
}

/** A transport that adds one request header to every call (interceptors cannot be added to a given transport). */
function withHeader(inner: Transport, name: string, value: string): Transport {
  const add = (header: ConstructorParameters<typeof Headers>[0]): Headers => {
    const h = new Headers(header);
    h.set(name, value);
    return h;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      inner.unary(method, signal, timeoutMs, add(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      inner.stream(method, signal, timeoutMs, add(header), input, contextValues),
  };
}

/** Forwards an abort of `from` to `to`; returns the unlink function. */
function link(from: AbortSignal | undefined, to: AbortController): () => void {
  if (from === undefined) return () => {};
  if (from.aborted) {
    to.abort(from.reason);
    return () => {};
  }
  const onAbort = () => to.abort(from.reason);
  from.addEventListener("abort", onAbort, { once: true });
  return () => from.removeEventListener("abort", onAbort);
}
