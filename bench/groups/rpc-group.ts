/**
 * Group 2: ReadFile consumed and discarded by the SDK over Connect HTTP/1.1,
 * Connect HTTP/2 and gRPC, at 256 KiB and 1 MiB chunks, against the stock
 * connect-node server + client pair built in bench/ from the same proto, with
 * nginx → curl in the same interleave as the absolute reference.
 */
import { bigFileName, itemId, type BenchContext } from "../context.js";
import { runCurl } from "../curl.js";
import { runInterleaved, type ThroughputTarget } from "../interleave.js";
import type { GroupResult } from "../model.js";
import { formatSize } from "../options.js";
import { waitForDigests } from "../peer-ready.js";
import type { Goal } from "../stats.js";
import type { Comparison } from "../summarize.js";
import type { RpcTransport } from "../worker-protocol.js";

/** Chunk sizes of issue 6. */
export const RPC_CHUNK_SIZES = [256 * 1024, 1048576] as const;
/** Transports of issue 6, in table order. */
export const RPC_TRANSPORTS: readonly RpcTransport[] = ["connect", "connect-h2", "grpc"];

const TRANSPORT_LABEL: Record<RpcTransport, string> = {
  connect: "Connect h1",
  "connect-h2": "Connect h2",
  grpc: "gRPC",
};

/** SDK over our server vs the stock pair: "we add no overhead of our own". */
const SDK_GOAL: Goal = { op: ">=", threshold: 0.9 };
/** Runs group 2. */
export async function runRpcGroup(ctx: BenchContext): Promise<GroupResult> {
  const { size } = ctx.options;
  const name = await ctx.files.ensure(bigFileName(size), size);
  const id = itemId(name);
  const [nginx, stock, peer, worker] = await Promise.all([
    ctx.pool.nginx(),
    ctx.pool.stock(),
    ctx.pool.peer(),
    ctx.pool.worker(),
  ]);
  const probe = await worker.probe();
  const notes: string[] = [];
  if (!nginx.ok) notes.push(nginx.reason);
  if (peer.ok) {
    const note = await waitForDigests(
      peer.value.info.url,
      peer.value.info.key,
      [id],
      ctx.options.quick ? 15_000 : 120_000,
    );
    if (note) notes.push(note);
  }
  const sdkUnavailable = !peer.ok ? peer.reason : probe.sdk;
  const targets: ThroughputTarget[] = [
    {
      group: "rpc",
      id: "rpc.nginx",
      label: `nginx sendfile → curl (reference)`,
      unavailable: nginx.ok ? undefined : nginx.reason,
      unavailableStatus: "skipped",
      serverPid: nginx.ok ? nginx.value.pid : undefined,
      run: () => runCurl(`${nginx.ok ? nginx.value.url : ""}/${name}`, { expectedBytes: size }),
    },
  ];
  const vsNginx = (): Comparison[] => (nginx.ok ? [{ baseId: "rpc.nginx", baseLabel: "nginx" }] : []);
  // Quick mode keeps one chunk size so the smoke run stays short.
  const chunks = ctx.options.quick ? [1048576] : RPC_CHUNK_SIZES;
  for (const chunkSize of chunks) {
    for (const transport of RPC_TRANSPORTS) {
      const suffix = `${TRANSPORT_LABEL[transport]}, ${formatSize(chunkSize)} chunks`;
      const stockId = `rpc.stock.${transport}.${chunkSize}`;
      targets.push({
        group: "rpc",
        id: stockId,
        label: `stock connect-node pair, ${suffix}`,
        unavailable: stock.ok ? undefined : stock.reason,
        serverPid: stock.ok ? stock.value.pid : undefined,
        harnessOwned: true,
        run: () =>
          worker.run({
            kind: "stock-read",
            baseUrl: stock.ok ? (transport === "connect" ? stock.value.info.h1Url : stock.value.info.h2Url) : "",
            transport,
            itemId: id,
            chunkSize,
            expectedBytes: size,
          }),
        compare: vsNginx(),
      });
      // The SDK's stock read path (the generated client), for the client fast path's before/after in one run.
      const sdkStockId = `rpc.peer-stock-read.${transport}.${chunkSize}`;
      if (chunkSize === 1048576) {
        targets.push({
          group: "rpc",
          id: sdkStockId,
          label: `peer server + SDK stock read path, ${suffix}`,
          unavailable: sdkUnavailable,
          serverPid: peer.ok ? peer.value.pid : undefined,
          run: () =>
            worker.run({
              kind: "sdk-read",
              baseUrl: peer.ok ? peer.value.info.url : "",
              apiKey: peer.ok ? peer.value.info.key : "",
              transport,
              itemId: id,
              chunkSize,
              expectedBytes: size,
              readPath: "stock",
            }),
          compare: [{ baseId: stockId, baseLabel: "stock pair" }, ...vsNginx()],
        });
      }
      targets.push({
        group: "rpc",
        id: `rpc.peer.${transport}.${chunkSize}`,
        label: `**peer server + SDK fast read path**, ${suffix}`,
        unavailable: sdkUnavailable,
        serverPid: peer.ok ? peer.value.pid : undefined,
        run: () =>
          worker.run({
            kind: "sdk-read",
            baseUrl: peer.ok ? peer.value.info.url : "",
            apiKey: peer.ok ? peer.value.info.key : "",
            transport,
            itemId: id,
            chunkSize,
            expectedBytes: size,
          }),
        compare: [
          { baseId: stockId, baseLabel: "stock pair", goal: SDK_GOAL },
          ...(chunkSize === 1048576 ? [{ baseId: sdkStockId, baseLabel: "SDK stock read path" }] : []),
          ...vsNginx(),
        ],
      });
    }
  }
  const raw = await runInterleaved(targets, {
    samples: ctx.options.samples,
    log: ctx.log,
    onHarnessFailure: ctx.harnessError,
  });
  const { summarizeThroughput } = await import("../summarize.js");
  return {
    group: "rpc",
    title: "2. ReadFile through the SDK vs the stock connect-node pair",
    description: `ReadFile of one ${formatSize(size)} file, bytes discarded by the client (a separate worker process; client CPU measured there). Stock pair = a minimal connect-node server (generator yielding \`create(ReadFileResponseSchema, …)\` from \`fs.createReadStream\`) and a stock \`createClient\`, compression off on both sides, default HTTP/2 settings. Our server frames each chunk straight from the file read (server/rpc/fast-read-file/); the SDK decodes it with its own fast path (client/transfer/fast-read/).`,
    throughput: summarizeThroughput(raw),
    metrics: [],
    notes,
  };
}
