/**
 * createPeerHandler mounted in an app's own servers (node:http and cleartext node:http2) below
 * a path prefix, beside the app's routes: PeerService on every protocol and both ReadFile paths,
 * the file route, `next()` for what is not the peer's, and close().
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Code, ConnectError } from "@connectrpc/connect";
import { createPeerHandler, type PeerHandler } from "../../../server/index.js";
import { createPeerClient } from "../../../client/index.js";
import { PEER_PROTOCOLS, peerClient, writeFiles } from "../../helpers/peer-server.js";

const CONTENT = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));

let root: string;
let peer: PeerHandler;
let key: string;
let server: http.Server;
let h2server: http2.Http2Server;
let base: string;
let h2base: string;
const seenByApp: string[] = [];
const h2sessions = new Set<http2.ServerHttp2Session>();

async function listenOn(s: http.Server | http2.Http2Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-embed-"));
  const shareDir = path.join(root, "share");
  await mkdir(shareDir);
  await writeFiles(shareDir, { "a.bin": CONTENT, "dir/b.txt": "bee" });
  peer = await createPeerHandler({
    shares: [{ name: "share", dir: shareDir }],
    dataDir: path.join(root, "data"),
    logger: pino({ level: "silent" }),
    pathPrefix: "/peer",
  });
  key = (await peer.keys.create({ name: "app" })).key;
  // The app: its own route, the peer, then its own 404 (Express-style chain by hand).
  server = http.createServer((req, res) => {
    if (req.url === "/hello") {
      res.end("hello from the app");
      return;
    }
    peer(req, res, () => {
      seenByApp.push(req.url ?? "");
      res.statusCode = 404;
      res.end("app 404");
    });
  });
  h2server = http2.createServer((req, res) => peer(req, res));
  h2server.on("session", (session) => h2sessions.add(session));
  base = await listenOn(server);
  h2base = await listenOn(h2server);
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  // The gRPC clients keep their HTTP/2 sessions; close() would wait for them.
  for (const session of h2sessions) session.destroy();
  await new Promise((resolve) => h2server.close(resolve));
  await peer.close();
  await rm(root, { recursive: true, force: true });
});

test("PeerService below the prefix, on every protocol", async () => {
  const headers = { authorization: `Bearer ${key}` };
  for (const protocol of PEER_PROTOCOLS) {
    const client = peerClient(protocol === "grpc" ? `${h2base}/peer` : `${base}/peer`, protocol);
    const hello = await client.handshake({}, { headers });
    assert.ok(hello.capabilities.length > 0, protocol);
    const list = await client.listItems({ pageSize: 10 }, { headers });
    assert.deepEqual(list.items.map((i) => i.id).sort(), ["share/a.bin", "share/dir/b.txt"], protocol);
  }
});

test("the SDK client reads ranges below the prefix through both ReadFile paths", async () => {
  for (const readPath of ["fast", "stock"] as const) {
    for (const transport of ["connect", "grpc"] as const) {
      const client = createPeerClient({
        baseUrl: `${transport === "grpc" ? h2base : base}/peer/`,
        apiKey: key,
        transport,
        readPath,
      });
      try {
        const stat = await client.statItem("share/a.bin");
        assert.equal(Number(stat.size), CONTENT.length);
        const parts: Uint8Array[] = [];
        for await (const chunk of client.readFile({ itemId: "share/a.bin", offset: 1000, length: 100_000 })) {
          parts.push(chunk.data);
        }
        assert.deepEqual(Buffer.concat(parts), CONTENT.subarray(1000, 101_000), `${readPath} over ${transport}`);
      } finally {
        client.close();
      }
    }
  }
});

test("the file route below the prefix; the app's routes and next() around it", async () => {
  const file = await fetch(`${base}/peer/v1/files/share/dir/b.txt`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(file.status, 200);
  assert.equal(await file.text(), "bee");

  assert.equal(await (await fetch(`${base}/hello`)).text(), "hello from the app");
  // Not below the prefix (a name that merely starts like it), and below it but no route: the app's.
  for (const target of ["/peer.v1.PeerService/Handshake", "/peerx/v1/files/share/dir/b.txt", "/peer/nothing?x=1"]) {
    const res = await fetch(`${base}${target}`, { method: "POST" });
    assert.equal(res.status, 404, target);
    assert.equal(await res.text(), "app 404", target);
  }
  // The app saw its own URLs, prefix included.
  assert.deepEqual(seenByApp.slice(-3), [
    "/peer.v1.PeerService/Handshake",
    "/peerx/v1/files/share/dir/b.txt",
    "/peer/nothing?x=1",
  ]);
  // Without `next` (the http2 server here) the peer answers its own 404.
  const h2 = http2.connect(h2base);
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = h2.request({ ":path": "/elsewhere" });
      req.on("response", (headers) => resolve(Number(headers[":status"])));
      req.on("error", reject);
      req.resume();
      req.end();
    });
    assert.equal(status, 404);
  } finally {
    h2.close();
  }
});

test("a bad path prefix is refused with what to write instead", async () => {
  const shareDir = path.join(root, "share");
  await assert.rejects(
    createPeerHandler({
      shares: [{ name: "s", dir: shareDir }],
      dataDir: path.join(root, "bad"),
      pathPrefix: "/peer/",
    }),
    /pathPrefix "\/peer\/" must not end with "\/"; write "\/peer"/,
  );
  await assert.rejects(
    createPeerHandler({ shares: [{ name: "s", dir: shareDir }], dataDir: path.join(root, "bad"), pathPrefix: "peer" }),
    /must start with "\/"/,
  );
  await assert.rejects(
    createPeerHandler({
      shares: [{ name: "s", dir: shareDir }],
      dataDir: path.join(root, "bad"),
      secure: "yes" as unknown as boolean,
    }),
    /secure must be true or false, got yes/,
  );
});

test("close() is the caller's: it refuses calls, and the app's server keeps running", async () => {
  const shareDir = path.join(root, "share");
  const own = await createPeerHandler({
    shares: [{ name: "share", dir: shareDir }],
    dataDir: path.join(root, "data-close"),
    logger: pino({ level: "silent" }),
  });
  const ownKey = (await own.keys.create({ name: "x" })).key;
  const app = http.createServer((req, res) => own(req, res));
  const url = await listenOn(app);
  try {
    const client = peerClient(url, "connect");
    const headers = { authorization: `Bearer ${ownKey}` };
    await client.handshake({}, { headers });
    await own.close();
    await own.close(); // idempotent
    await assert.rejects(client.handshake({}, { headers }), (e: unknown) => {
      assert.equal(ConnectError.from(e).code, Code.Unavailable);
      return true;
    });
    const file = await fetch(`${url}/v1/files/share/dir/b.txt`, { headers });
    assert.equal(file.status, 503);
  } finally {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
});
