/**
 * Test helper: a source peer sharing files, and a `peer serve --downloads`
 * process-alike (startPeerServer with the download service) whose remote "src"
 * is that peer, with a downloads key and a read key.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { updateRemotes } from "../../../client/remotes/index.js";
import { DownloadService, DownloadState, type WatchDownloadsResponse } from "../../../gen/peer/v1/download_pb.js";
import { startPeerServer, type PeerServer } from "../../../server/index.js";
import { downloadServiceExtension } from "../../../service/download-service.js";
import type { DownloadQueue } from "../../../service/download-queue.js";
import { startTestPeer, type PeerProtocol, type TestPeer } from "../../helpers/peer-server.js";

/** A running download service. */
export interface ServicePeer {
  server: PeerServer;
  queue: DownloadQueue;
  /** A key with the downloads scope. */
  downloadsKey: string;
  /** A key with the read scope only. */
  readKey: string;
  /** The download root. */
  root: string;
  /** The data dir (kept across restart()). */
  dataDir: string;
  /** A DownloadService client with the downloads key. */
  client(protocol?: PeerProtocol, key?: string): Client<typeof DownloadService>;
  /** Closes and starts again over the same data dir and root (the port changes). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the source peer and the service, with remote "src" → the source. */
export async function startServicePeer(
  files: Record<string, string | Buffer>,
  databaseUrl?: string,
): Promise<{ source: TestPeer; service: ServicePeer }> {
  const source = await startTestPeer({ files });
  const base = await mkdtemp(path.join(os.tmpdir(), "peer-service-"));
  const dataDir = path.join(base, "data");
  const root = path.join(base, "downloads");
  const shareDir = path.join(base, "share");
  await mkdir(shareDir, { recursive: true });
  await updateRemotes(dataDir, (remotes) => ({
    remotes: [...remotes, { name: "src", url: source.url, key: source.key, addedAt: new Date().toISOString() }],
    result: undefined,
  }));
  let queue: DownloadQueue | undefined;
  const start = () =>
    startPeerServer({
      shares: [{ name: "mine", dir: shareDir }],
      dataDir,
      databaseUrl,
      host: "127.0.0.1",
      port: 0,
      logger: pino({ level: process.env.PEER_TEST_SERVICE_LOG ?? "silent" }),
      extension: downloadServiceExtension({ downloadDir: root, dataDir, databaseUrl, onQueue: (q) => (queue = q) }),
    });
  let server = await start();
  const downloadsKey = (await server.keys.create({ name: "arr", scopes: ["downloads"] })).key;
  const readKey = (await server.keys.create({ name: "friend" })).key;
  const service: ServicePeer = {
    get server() {
      return server;
    },
    get queue() {
      if (queue === undefined) throw new Error("no queue");
      return queue;
    },
    downloadsKey,
    readKey,
    root,
    dataDir,
    client(protocol = "connect", key = downloadsKey) {
      return createClient(DownloadService, keyedTransport(server.url, protocol, key));
    },
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      await source.close();
      await rm(base, { recursive: true, force: true });
    },
  };
  return { source, service };
}

/** A transport of `protocol` that sends `key` on every call. */
export function keyedTransport(url: string, protocol: PeerProtocol, key: string): Transport {
  const interceptors: Interceptor[] = [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${key}`);
      return next(req);
    },
  ];
  switch (protocol) {
    case "connect":
      return createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors });
    case "grpc":
      return createGrpcTransport({ baseUrl: url, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1", interceptors });
  }
}

/** Reads a WatchDownloads stream until every download in `ids` is completed; fails on a failed one. */
export async function untilCompleted(
  iterator: AsyncIterator<WatchDownloadsResponse>,
  ids: ReadonlySet<string>,
): Promise<void> {
  const done = new Set<string>();
  while (done.size < ids.size) {
    const next = await iterator.next();
    assert.ok(next.done !== true, "the watch ended before every download completed");
    const download = next.value?.download;
    if (download === undefined || !ids.has(download.id)) continue;
    assert.notEqual(download.state, DownloadState.FAILED, download.errorMessage);
    if (download.state === DownloadState.COMPLETED) done.add(download.id);
  }
}
