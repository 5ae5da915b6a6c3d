/**
 * The read buffers of a real server (server/limits/read-buffer-pool.ts): a slow reader holds at most
 * two of them on the ReadFile fast path and one on the HTTP route, every buffer goes back when its
 * response ends (also when the client went away), responses after the first allocate nothing, and
 * streams served at once never share one (every byte checked).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { ReadFileRequestSchema } from "../../../gen/peer/v1/peer_pb.js";
import { encodeEnvelope } from "../../../common/wire/envelope.js";
import { DEFAULT_CHUNK_SIZE } from "../../../server/http/serve-file.js";
import { allocationSize, MAX_IDLE_BYTES, readBuffers } from "../../../server/limits/read-buffer-pool.js";
import { peerClient, startTestPeer, type PeerProtocol, type TestPeer } from "../../helpers/peer-server.js";

const MiB = 1024 * 1024;
const SIZE = 12 * MiB + 12_345;
const CHUNK = 1 * MiB;
const content = randomBytes(SIZE);
const digest = createHash("sha256").update(content).digest("hex");
/** The largest buffer either path asks for (a lent buffer may be a bigger idle one, never above this). */
const LARGEST = Math.max(allocationSize(DEFAULT_CHUNK_SIZE), allocationSize(CHUNK + 1024));
let peer: TestPeer;

before(async () => {
  peer = await startTestPeer({ files: { "big.bin": content } });
});
after(async () => {
  await peer.close();
});

/** Waits (event-loop turns, no clock) until every lent buffer is back. */
async function allReturned(): Promise<void> {
  for (let i = 0; readBuffers.stats().lentBuffers !== 0; i++) {
    if (i > 100_000) assert.fail(`${readBuffers.stats().lentBuffers} read buffers never came back`);
    await new Promise((r) => setImmediate(r));
  }
}

function checkLent(maxBuffers: number, where: string): void {
  const { lentBuffers, lentBytes } = readBuffers.stats();
  assert.ok(lentBuffers <= maxBuffers, `${where}: ${lentBuffers} buffers lent`);
  assert.ok(lentBytes <= maxBuffers * LARGEST, `${where}: ${lentBytes} bytes lent`);
}

/** How a reader reads: at once, yielding to the event loop after each piece, or that and checking the lent buffers (alone). */
type Pace = "fast" | "slow" | "slow, alone";

/** ReadFile of the whole file. */
async function readFileOver(protocol: PeerProtocol, pace: Pace): Promise<string> {
  const hash = createHash("sha256");
  for await (const res of peerClient(peer.url, protocol).readFile(
    { itemId: "share/big.bin", chunkSize: CHUNK },
    { headers: { authorization: `Bearer ${peer.key}` } },
  )) {
    hash.update(res.data);
    if (pace === "slow, alone") checkLent(2, `ReadFile over ${protocol}`);
    if (pace !== "fast") await new Promise((r) => setTimeout(r, 1));
  }
  return hash.digest("hex");
}

/** GET of the whole file on the HTTP route. */
async function getOverHttp(pace: Pace): Promise<string> {
  const res = await fetch(`${peer.url}/v1/files/share/big.bin`, { headers: { authorization: `Bearer ${peer.key}` } });
  assert.equal(res.status, 200);
  const hash = createHash("sha256");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    if (pace === "slow, alone") checkLent(1, "HTTP route");
    if (pace !== "fast") await new Promise((r) => setTimeout(r, 1));
  }
  return hash.digest("hex");
}

test("a slow reader: at most two buffers lent on the ReadFile fast path, one on the HTTP route", async () => {
  for (const protocol of ["connect", "grpc", "grpc-web"] as const) {
    assert.equal(await readFileOver(protocol, "slow, alone"), digest, protocol);
    await allReturned();
  }
  assert.equal(await getOverHttp("slow, alone"), digest);
  await allReturned();
  assert.ok(readBuffers.stats().idleBytes <= MAX_IDLE_BYTES);
});

test("responses after the first allocate no read buffer", async () => {
  assert.equal(await getOverHttp("fast"), digest);
  assert.equal(await readFileOver("connect", "fast"), digest);
  await allReturned();
  const allocated = readBuffers.stats().allocatedBytes;
  for (const protocol of ["connect", "grpc", "grpc-web"] as const)
    assert.equal(await readFileOver(protocol, "fast"), digest, protocol);
  assert.equal(await getOverHttp("fast"), digest);
  await allReturned();
  assert.equal(readBuffers.stats().allocatedBytes, allocated);
  assert.ok(readBuffers.stats().idleBytes <= MAX_IDLE_BYTES);
});

test("streams served at once never share a buffer: every byte of each is right", async () => {
  const results = await Promise.all([
    getOverHttp("fast"),
    getOverHttp("slow"),
    readFileOver("connect", "fast"),
    readFileOver("grpc", "slow"),
    readFileOver("grpc-web", "fast"),
    readFileOver("connect", "slow"),
  ]);
  for (const result of results) assert.equal(result, digest);
  await allReturned();
});

test("a client that stops reading and goes away: its buffers come back", async () => {
  const url = new URL(peer.url);
  const body = encodeEnvelope(
    0,
    toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, { itemId: "share/big.bin", chunkSize: CHUNK })),
  );
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const first = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.write(
    `POST /peer.v1.PeerService/ReadFile HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/connect+proto\r\nAuthorization: Bearer ${peer.key}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  await first;
  socket.pause();
  assert.ok(readBuffers.stats().lentBuffers >= 1, "the stream holds its buffers while it runs");
  checkLent(2, "a stalled ReadFile");
  socket.destroy();
  await allReturned();
  for (let i = 0; peer.server.limiter.active() !== 0; i++) {
    if (i > 100_000) assert.fail("the stream slot was never released");
    await new Promise((r) => setImmediate(r));
  }
});
