/**
 * The ReadFile message pump (client/transfer/fast-read/message-pump.ts): its pause/resume rule as a
 * table (pump-flow.ts), its queue (message-queue.ts), and the pump itself over a real PassThrough
 * stream carrying a gRPC body: bounded while the reader waits, in order, ended by its trailers.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadFileResponseSchema } from "../../../../gen/peer/v1/peer_pb.js";
import type { ReadFileFields } from "../../../../common/wire/read-file-decode.js";
import { pumpMessages } from "../../../../client/transfer/fast-read/message-pump.js";
import { MessageQueue, sizeOf } from "../../../../client/transfer/fast-read/message-queue.js";
import { pumpFlow, type PumpFlow, type PumpFlowState } from "../../../../client/transfer/fast-read/pump-flow.js";
import { createResponseDecoder } from "../../../../client/transfer/fast-read/response-decoder.js";
import { envelope } from "./fixtures.js";

test("pumpFlow: table", () => {
  const hw = 1000;
  const cases: Array<[string, Omit<PumpFlowState, "highWaterBytes"> & { highWaterBytes?: number }, PumpFlow]> = [
    [
      "NaN bytes queued (hostile): keep",
      { change: "queued", queuedBytes: Number.NaN, paused: false, open: true },
      "keep",
    ],
    [
      "NaN bytes after a take: no resume",
      { change: "taken", queuedBytes: Number.NaN, paused: true, open: true },
      "keep",
    ],
    ["negative bytes after a take: resume", { change: "taken", queuedBytes: -1, paused: true, open: true }, "resume"],
    [
      "a zero high water mark pauses on any byte",
      { change: "queued", queuedBytes: 1, paused: false, open: true, highWaterBytes: 0 },
      "pause",
    ],
    [
      "a zero high water mark resumes once the queue is empty (no stall)",
      { change: "taken", queuedBytes: 0, paused: true, open: true, highWaterBytes: 0 },
      "resume",
    ],
    [
      "queued exactly the high water mark: keep",
      { change: "queued", queuedBytes: 1000, paused: false, open: true },
      "keep",
    ],
    ["queued one byte past it: pause", { change: "queued", queuedBytes: 1001, paused: false, open: true }, "pause"],
    [
      "queued past it while paused: pause again",
      { change: "queued", queuedBytes: 5000, paused: true, open: true },
      "pause",
    ],
    [
      "queued little while paused: a push never resumes",
      { change: "queued", queuedBytes: 0, paused: true, open: true },
      "keep",
    ],
    [
      "taken down to a quarter exactly: resume",
      { change: "taken", queuedBytes: 250, paused: true, open: true },
      "resume",
    ],
    ["taken to just above a quarter: keep", { change: "taken", queuedBytes: 251, paused: true, open: true }, "keep"],
    ["taken below a quarter: resume", { change: "taken", queuedBytes: 249, paused: true, open: true }, "resume"],
    ["taken below a quarter, not paused: keep", { change: "taken", queuedBytes: 0, paused: false, open: true }, "keep"],
    [
      "taken below a quarter, pump ended or failed: keep",
      { change: "taken", queuedBytes: 0, paused: true, open: false },
      "keep",
    ],
    [
      "taken, still past the high water mark: a take never pauses",
      { change: "taken", queuedBytes: 5000, paused: false, open: true },
      "keep",
    ],
  ];
  for (const [name, state, want] of cases) {
    assert.equal(pumpFlow({ highWaterBytes: hw, ...state }), want, name);
  }
});

const fields = (n: number, offset = 0): ReadFileFields =>
  ({ offset: BigInt(offset), data: n === 0 ? [] : [new Uint8Array(n)] }) as unknown as ReadFileFields;

test("MessageQueue: first in, first out across its compaction, counting data bytes", () => {
  const queue = new MessageQueue();
  assert.equal(queue.waiting, false);
  for (let i = 0; i < 200; i++) queue.push(fields(i % 3, i));
  assert.equal(
    queue.bytes,
    [...Array(200).keys()].reduce((s, i) => s + (i % 3), 0),
  );
  for (let i = 0; i < 150; i++) assert.equal(queue.take().offset, BigInt(i));
  for (let i = 200; i < 300; i++) queue.push(fields(1, i));
  for (let i = 150; i < 300; i++) assert.equal(queue.take().offset, BigInt(i));
  assert.equal(queue.waiting, false);
  assert.equal(queue.bytes, 0);
  queue.push(fields(7));
  queue.clear();
  assert.equal(queue.waiting, false);
  assert.equal(queue.bytes, 0);
  assert.equal(sizeOf(fields(0)), 0);
});

const GRPC_HEADERS = new Headers({ "content-type": "application/grpc+proto" });
const message = (offset: number, size: number): Uint8Array =>
  envelope(
    0,
    toBinary(
      ReadFileResponseSchema,
      create(ReadFileResponseSchema, { offset: BigInt(offset), data: new Uint8Array(size).fill(offset % 251) }),
    ),
  );

function pumpOver(stream: PassThrough, highWaterBytes: number, signal = new AbortController().signal) {
  let destroyed = 0;
  const iterator = pumpMessages(stream, createResponseDecoder("grpc", 200, GRPC_HEADERS), {
    trailers: () => new Headers({ "grpc-status": "0" }),
    mapError: (error) => (error instanceof Error ? error : new Error(String(error))),
    closeError: () => undefined,
    highWaterBytes,
    signal,
    destroy: () => {
      destroyed++;
      stream.destroy();
    },
  });
  return { iterator, destroyed: () => destroyed };
}

test("the pump pauses its stream past the high water mark and resumes as the reader drains it", async () => {
  const stream = new PassThrough();
  const { iterator } = pumpOver(stream, 2500);
  for (let i = 0; i < 10; i++) stream.write(message(i * 1000, 1000));
  stream.end();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stream.isPaused(), true, "ten 1000-byte messages against 2500: paused");
  const offsets: number[] = [];
  for (;;) {
    const r = await iterator.next();
    if (r.done === true) break;
    offsets.push(Number(r.value.offset));
  }
  assert.deepEqual(
    offsets,
    [...Array(10).keys()].map((i) => i * 1000),
  );
});

test("a stream closed before its end fails the reader with Aborted; return() ends the request once", async () => {
  const stream = new PassThrough();
  const { iterator, destroyed } = pumpOver(stream, 2500);
  stream.write(message(0, 10));
  assert.equal(Number(((await iterator.next()).value as ReadFileFields).offset), 0);
  const pending = iterator.next();
  stream.destroy();
  await assert.rejects(pending, (e: unknown) => e instanceof ConnectError && e.code === Code.Aborted);
  assert.equal(destroyed(), 1);

  const other = new PassThrough();
  const second = pumpOver(other, 2500);
  await second.iterator.return?.();
  assert.equal(second.destroyed(), 1);
  await second.iterator.return?.();
  assert.equal(second.destroyed(), 1, "a second return() does nothing");
  await assert.rejects(second.iterator.next(), (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
});

test("an aborted signal fails the pump at once with Canceled", async () => {
  const abort = new AbortController();
  abort.abort(new Error("stop"));
  const { iterator, destroyed } = pumpOver(new PassThrough(), 2500, abort.signal);
  await assert.rejects(iterator.next(), (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
  assert.equal(destroyed(), 1);
});
