/**
 * Starts a real serving peer on 127.0.0.1:0 over a temp share directory and a
 * temp data directory, with a valid API key and a silent logger.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino, type Logger } from "pino";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { startPeerServer, type PeerServer, type PeerServerHooks, type PeerServerOptions } from "../../server/index.js";

/** Options of {@link startTestPeer}: files to create, plus any server option. */
export interface TestPeerOptions extends Partial<Omit<PeerServerOptions, "shares" | "dataDir">> {
  /** Files to create in the share, by relative path (`/` separators; folders are created). */
  files?: Record<string, string | Buffer>;
  /** Share name. @default "share" */
  shareName?: string;
  /** More shares: name → files (each in its own temp directory). */
  extraShares?: Record<string, Record<string, string | Buffer>>;
  /** Test seams passed to startPeerServer. */
  hooks?: PeerServerHooks;
}

/** A running test peer. */
export interface TestPeer {
  /** The server. */
  readonly server: PeerServer;
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** A valid API key (created through `server.keys`). */
  readonly key: string;
  /** The key's id. */
  readonly keyId: string;
  /** The share's name (item ids start with `<shareName>/`). */
  readonly shareName: string;
  /** The shared directory. */
  readonly shareDir: string;
  /** The server's data directory. */
  readonly dataDir: string;
  /** Closes the server and removes both temp directories. Idempotent. */
  close(): Promise<void>;
}

/** Writes `files` under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Starts a test peer; close it in `after()`. */
export async function startTestPeer(options: TestPeerOptions = {}): Promise<TestPeer> {
  const { files = {}, shareName = "share", extraShares = {}, hooks, ...serverOptions } = options;
  const root = await mkdtemp(path.join(os.tmpdir(), "peer-test-"));
  const shareDir = path.join(root, "share");
  const dataDir = path.join(root, "data");
  await mkdir(shareDir);
  await writeFiles(shareDir, files);
  const shares = [{ name: shareName, dir: shareDir }];
  for (const [name, extraFiles] of Object.entries(extraShares)) {
    const dir = path.join(root, `extra-${shares.length}`);
    await mkdir(dir);
    await writeFiles(dir, extraFiles);
    shares.push({ name, dir });
  }
  let server: PeerServer;
  try {
    server = await startPeerServer(
      {
        logger: pino({ level: "silent" }),
        ...serverOptions,
        shares,
        dataDir,
        host: serverOptions.host ?? "127.0.0.1",
        port: serverOptions.port ?? 0,
      },
      hooks,
    );
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const created = await server.keys.create({ name: "test" });
  let closing: Promise<void> | undefined;
  return {
    server,
    url: server.url,
    key: created.key,
    keyId: created.id,
    shareName,
    shareDir,
    dataDir,
    close() {
      closing ??= (async () => {
        await server.close();
        await rm(root, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** The three protocols a peer serves on one port. */
export const PEER_PROTOCOLS = ["connect", "grpc", "grpc-web"] as const;
/** One of {@link PEER_PROTOCOLS}. */
export type PeerProtocol = (typeof PEER_PROTOCOLS)[number];

/**
 * A client transport for `protocol` without compression (see docs/connect-notes.md):
 * Connect and gRPC-Web over HTTP/1.1, gRPC over h2c.
 */
export function peerTransport(url: string, protocol: PeerProtocol): Transport {
  switch (protocol) {
    case "connect":
      return createConnectTransport({ baseUrl: url, httpVersion: "1.1", acceptCompression: [] });
    case "grpc":
      return createGrpcTransport({ baseUrl: url, acceptCompression: [] });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1", acceptCompression: [] });
  }
}

/** A PeerService client for `protocol` (or over a given transport). */
export function peerClient(url: string, protocol: PeerProtocol = "connect"): Client<typeof PeerService> {
  return createClient(PeerService, peerTransport(url, protocol));
}

/** A pino logger that keeps every line, parsed, in `lines` (for assertions on the call log). */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "debug" },
    {
      write(chunk: string) {
        raw.push(chunk);
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, text: () => raw.join("") };
}
