/**
 * The fast path is pull-based: a client that stops reading stops the server's
 * disk reads (one chunk pending plus socket buffers), and when it resumes it
 * gets every byte; its stream slot is released when it goes away.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { truncate } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { ReadFileRequestSchema } from "../../../../gen/peer/v1/peer_pb.js";
import { encodeEnvelope as envelope } from "../../../../common/wire/envelope.js";
import { startTestPeer, type TestPeer } from "../../../helpers/peer-server.js";

const SIZE = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
let peer: TestPeer;
let reads = 0;

before(async () => {
  peer = await startTestPeer({ files: { "huge.bin": "" }, hooks: { onChunkRead: () => void reads++ } });
  await truncate(path.join(peer.shareDir, "huge.bin"), SIZE); // sparse: reads as zeros
});
after(async () => {
  await peer.close();
});

/** Resolves once `read()` has returned the same value for `quietMs`. */
async function settled(read: () => number, quietMs: number): Promise<number> {
  let last = read();
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

test("a stalled HTTP/1.1 Connect client stops the reads; resuming gets every byte", { timeout: 120_000 }, async () => {
  const url = new URL(peer.url);
  const body = envelope(
    0,
    toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, { itemId: "share/huge.bin", chunkSize: CHUNK })),
  );
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let received = 0;
  socket.on("data", (c: Buffer) => {
    received += c.length;
  });
  socket.write(
    [
      "POST /peer.v1.PeerService/ReadFile HTTP/1.1",
      `Host: ${url.host}`,
      "Content-Type: application/connect+proto",
      "Connect-Protocol-Version: 1",
      `Authorization: Bearer ${peer.key}`,
      `Content-Length: ${body.length}`,
      "Connection: close",
      "",
      "",
    ].join("\r\n"),
  );
  socket.write(body);
  // Let the first bytes arrive, then stop reading.
  while (received === 0) await new Promise((r) => setTimeout(r, 20));
  socket.pause();
  const stalledAt = await settled(() => reads, 1000);
  assert.ok(
    stalledAt < SIZE / CHUNK / 2,
    `a stalled client made the server read ${stalledAt} of ${SIZE / CHUNK} chunks`,
  );
  assert.equal(peer.server.limiter.active(), 1);
  const ended = new Promise<void>((resolve) => socket.once("end", resolve));
  socket.resume();
  await ended;
  socket.destroy();
  assert.equal(reads, SIZE / CHUNK);
  assert.ok(received > SIZE, "every data byte plus framing arrived");
  while (peer.server.limiter.active() !== 0) await new Promise((r) => setTimeout(r, 20));
});

test("a stalled client that disconnects releases its slot and stops reading", { timeout: 120_000 }, async () => {
  const url = new URL(peer.url);
  const body = envelope(
    0,
    toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, { itemId: "share/huge.bin", chunkSize: CHUNK })),
  );
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  let received = 0;
  socket.on("data", (c: Buffer) => {
    received += c.length;
  });
  socket.write(
    `POST /peer.v1.PeerService/ReadFile HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/connect+proto\r\nAuthorization: Bearer ${peer.key}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  while (received === 0) await new Promise((r) => setTimeout(r, 20));
  socket.pause();
  const atStart = reads;
  await settled(() => reads, 1000);
  socket.destroy();
  while (peer.server.limiter.active() !== 0) await new Promise((r) => setTimeout(r, 20));
  const afterClose = await settled(() => reads, 500);
  assert.ok(afterClose - atStart < SIZE / CHUNK / 2);
});
