// A user's program, type-checked (strict) against the .d.ts of the installed tarball and run by
// test/package/consumer.test.ts. It imports only the package's public entries and express.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import express from "express";
import {
  classify,
  createDownloadManager,
  createPeerClient,
  type Download,
  type DownloadEvent,
  type PeerClient,
} from "peer-share";
import { createPeerHandler, type PeerHandler, type PeerHandlerOptions } from "peer-share/server";
import { PeerService, type Item } from "peer-share/proto";

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), "peer-consumer-run-"));
  const shareDir = path.join(root, "share");
  await mkdir(shareDir);
  const content = Buffer.alloc(200_000, "peer");
  await writeFile(path.join(shareDir, "data.bin"), content);

  const options: PeerHandlerOptions = {
    shares: [{ name: "docs", dir: shareDir }],
    dataDir: path.join(root, "peer-data"),
    pathPrefix: "/peer",
  };
  const peer: PeerHandler = await createPeerHandler(options);
  const { key } = await peer.keys.create({ name: "consumer" });

  const app = express();
  app.get("/health", (_req, res) => {
    res.json({ ok: true });
  });
  app.use(peer);
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = `${origin}/peer`;

  const client: PeerClient = createPeerClient({ baseUrl, apiKey: key });
  const listed = await client.listItems({});
  const item: Item = await client.statItem("docs/data.bin");
  const parts: Uint8Array[] = [];
  for await (const chunk of client.readFile({ itemId: "docs/data.bin", offset: 10, length: 1000 }))
    parts.push(chunk.data);
  const range = Buffer.concat(parts);
  let notFound = "";
  try {
    await client.statItem("docs/missing.bin");
  } catch (error) {
    notFound = classify(error).code; // PeerClient calls throw ConnectError; classify() says what it means
  }
  client.close();

  const manager = createDownloadManager({
    dataDir: path.join(root, "client-data"),
    downloadDir: path.join(root, "out"),
  });
  const events: DownloadEvent["type"][] = [];
  manager.on((event) => events.push(event.type));
  await manager.start({ runQueue: false });
  const id = await manager.enqueue({ url: baseUrl, key }, "docs/data.bin");
  const done: Download = await manager.wait(id);
  const downloaded = await readFile(done.destination);
  await manager.close();

  const health = await (await fetch(`${origin}/health`)).json();
  server.close();
  server.closeAllConnections();
  await peer.close();

  process.stdout.write(
    `${JSON.stringify({
      service: PeerService.typeName,
      listed: listed.items.map((i) => i.id),
      size: Number(item.size),
      rangeOk: range.equals(content.subarray(10, 1010)),
      notFound,
      status: done.status,
      downloadOk: downloaded.equals(content),
      events: [...new Set(events)],
      health,
    })}\n`,
  );
}

await main();
