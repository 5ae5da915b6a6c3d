/**
 * The client worker: a child process that runs client-side samples on request
 * (see worker-protocol.ts). Stock clients come straight from connect-node with
 * compression off and default settings; the SDK and the engine are loaded
 * lazily so a tree without them still runs the baselines.
 */
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { performance } from "node:perf_hooks";
import { PeerService } from "../gen/peer/v1/peer_pb.js";
import type * as ClientBarrel from "../client/index.js";
import type * as RpcSourceModule from "../client/transfer/rpc-source.js";
import { announceReady } from "./child.js";
import { prepareEngineDirs, probeEngine, runEngineDownload } from "./engine-runner.js";
import type { ProbeResult, ReadTask, TaskResult, WorkerReply, WorkerRequest, WorkerTask } from "./worker-protocol.js";

type Sdk = typeof ClientBarrel;
let sdkPromise: Promise<Sdk> | undefined;

/** Loads the SDK barrel (client/index.ts) once; the path is a variable so a missing SDK is a run-time "not available". */
function loadSdk(): Promise<Sdk> {
  const spec = "../client/index.js";
  sdkPromise ??= import(spec) as Promise<Sdk>;
  return sdkPromise;
}

const stockClients = new Map<string, Client<typeof PeerService>>();
const sdkClients = new Map<string, ClientBarrel.PeerClient>();

function stockTransport(task: ReadTask): Transport {
  if (task.transport === "grpc") return createGrpcTransport({ baseUrl: task.baseUrl, acceptCompression: [] });
  return createConnectTransport({
    baseUrl: task.baseUrl,
    httpVersion: task.transport === "connect" ? "1.1" : "2",
    acceptCompression: [],
  });
}

async function readStock(task: ReadTask, signal: AbortSignal): Promise<number> {
  const key = `${task.baseUrl}|${task.transport}`;
  let client = stockClients.get(key);
  if (!client) {
    client = createClient(PeerService, stockTransport(task));
    stockClients.set(key, client);
  }
  let bytes = 0;
  for await (const res of client.readFile({ itemId: task.itemId, chunkSize: task.chunkSize }, { signal })) {
    bytes += res.data.length;
  }
  return bytes;
}

/** Reads through the engine's read path (rpcSource over the SDK client), fast or stock. */
async function readSdk(task: ReadTask, signal: AbortSignal): Promise<number> {
  const sdk = await loadSdk();
  const { rpcSource } = (await import("../client/transfer/rpc-source.js")) as typeof RpcSourceModule;
  const readPath = task.readPath ?? "fast";
  const key = `${task.baseUrl}|${task.transport}|${readPath}`;
  let client = sdkClients.get(key);
  if (!client) {
    client = sdk.createPeerClient({
      baseUrl: task.baseUrl,
      apiKey: task.apiKey ?? "",
      transport: task.transport,
      readPath,
    });
    sdkClients.set(key, client);
  }
  const read = await rpcSource(client)({
    itemId: task.itemId,
    offset: 0,
    ifMatch: undefined,
    expectedSize: undefined,
    chunkSize: task.chunkSize,
    signal,
  });
  let bytes = 0;
  for (;;) {
    const r = await read.body.next();
    if (r.done === true) break;
    bytes += r.value.data.length;
  }
  return bytes;
}

async function timed(fn: () => Promise<{ bytes: number; extra?: Record<string, number> }>): Promise<TaskResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { bytes, extra } = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, bytes, clientCpuSeconds: (cpu.user + cpu.system) / 1e6, ...(extra ? { extra } : {}) };
}

async function probe(): Promise<ProbeResult> {
  const out: { sdk?: string; engine?: string } = {};
  try {
    const sdk = await loadSdk();
    if (typeof sdk.createPeerClient !== "function") out.sdk = "client/index.ts does not export createPeerClient";
  } catch (err) {
    out.sdk = `client/index.ts cannot be loaded: ${(err as Error).message.split("\n")[0]}`;
  }
  const engine = await probeEngine();
  if (engine !== undefined) out.engine = engine;
  return out;
}

async function run(task: WorkerTask): Promise<TaskResult | ProbeResult> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error("sample timed out")), 20 * 60_000);
  try {
    switch (task.kind) {
      case "probe":
        return await probe();
      case "stock-read":
      case "sdk-read":
        return await timed(async () => {
          const bytes =
            task.kind === "stock-read" ? await readStock(task, ctl.signal) : await readSdk(task, ctl.signal);
          if (bytes !== task.expectedBytes) throw new Error(`read ${bytes} bytes, expected ${task.expectedBytes}`);
          return { bytes };
        });
      case "engine-download":
        await prepareEngineDirs(task);
        return await timed(() => runEngineDownload(task, ctl.signal));
    }
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}

process.on("message", (msg: WorkerRequest) => {
  void run(msg.task).then(
    (result) => process.send?.({ id: msg.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => {
      const e = err as Error & { unavailable?: boolean };
      const text =
        e instanceof Error
          ? `${e.message}${e.cause instanceof Error ? ` (cause: ${e.cause.message})` : ""}`
          : String(err);
      process.send?.({
        id: msg.id,
        ok: false,
        error: text,
        ...(e?.unavailable ? { unavailable: true } : {}),
      } satisfies WorkerReply);
    },
  );
});
// A normal exit (not a signal death) so that --cpu-prof can write its profile.
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
announceReady({ pid: process.pid });
