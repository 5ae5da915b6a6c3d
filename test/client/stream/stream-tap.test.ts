/** The stream tap's rules (client/stream/stream-tap.ts, tap-registry.ts): what a reader may read, and when it gives up. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamTap } from "../../../client/stream/stream-tap.js";
import { createTapRegistry } from "../../../client/stream/tap-registry.js";
import { downloadRow } from "../../helpers/download-rows.js";

const P = 16 * 1024;
const file = {
  id: "j",
  fileName: "f.mp4",
  partPath: "/x/f.mp4.part",
  destination: "/x/f.mp4",
  size: 10 * P,
  sequential: false,
};
const layout = (rootHex = "a".repeat(64)) => ({ size: 10 * P, pieceLength: P, rootHex });

test("nothing is readable before an attempt, nor a piece the transfer did not report", () => {
  const tap = new StreamTap(file);
  assert.equal(tap.current.kind, "waiting");
  assert.equal(tap.isReadable(0), false);
  tap.begin(layout(), (i) => i === 3);
  assert.equal(tap.isReadable(3), true, "reported readable at the start");
  assert.equal(tap.isReadable(4), false);
  assert.equal(tap.readyFrom(3 * P + 5, 10 * P), 4 * P, "a run of readable bytes stops at the first missing piece");
  assert.equal(tap.readyFrom(2 * P, 10 * P), 2 * P, "nothing ready before a missing piece");
});

test("hostile indices are ignored", () => {
  const tap = new StreamTap(file);
  tap.begin(layout(), () => false);
  tap.pieceReadable(-1);
  tap.pieceReadable(10);
  tap.pieceReadable(Number.NaN);
  assert.equal(tap.readyFrom(0, 10 * P), 0);
});

test("a new pieces root forgets what was readable; the same root keeps it across attempts", () => {
  const tap = new StreamTap(file);
  tap.begin(layout(), () => false);
  tap.pieceReadable(0);
  tap.begin(layout(), () => false);
  assert.equal(tap.isReadable(0), true, "the same content: still readable");
  tap.begin(layout("b".repeat(64)), () => false);
  assert.equal(tap.isReadable(0), false, "other content: nothing readable");
});

test("forget (the file changed) and stop end readers; a completed file is readable everywhere", () => {
  const tap = new StreamTap(file);
  tap.begin(layout(), () => true);
  tap.forget("changed");
  assert.equal(tap.current.kind, "stopped");
  assert.equal(tap.isReadable(0), false);
  tap.complete("/x/f.mp4", "a".repeat(64));
  assert.equal(tap.isReadable(9), true);
  tap.stop("paused");
  assert.equal(tap.current.kind, "complete", "a completed file stays served");
});

test("reads make urgent pieces, earliest deadline first, minus readable ones; snapshot reports them", () => {
  const tap = new StreamTap(file);
  tap.begin(layout(), (i) => i === 9);
  const start = tap.open(0, 10 * P, 2 * P);
  const end = tap.open(9 * P, 10 * P, 2 * P);
  assert.deepEqual(
    tap.urgent().map((d) => d.index),
    [0, 1],
    "piece 9 is readable already",
  );
  tap.advance(start, 5 * P);
  assert.deepEqual(
    tap.urgent().map((d) => d.index),
    [5, 6],
  );
  const snap = tap.snapshot();
  assert.equal(snap.length, 2);
  assert.deepEqual(snap[1], { start: 9 * P, end: 10 * P, position: 9 * P, readAhead: P, ready: P, waiting: false });
  tap.close(end);
  tap.close(start);
  assert.equal(tap.readCount, 0);
  assert.deepEqual(tap.urgent(), []);
});

test("registry: a file completed with size only is never served; terminal events of unheld taps drop them", () => {
  const reg = createTapRegistry();
  const row = { ...downloadRow({ id: "j1", expected_size: 10 * P }), sequential: 0, lease_token: 0 } as never;
  const tap = reg.forRow(row, true);
  const base = { id: "j1", fileName: "f", time: "" };
  reg.onEvent({
    ...base,
    type: "completed",
    destination: "/x",
    size: 1,
    sha256: "",
    digestVerified: false,
    verified: "size only",
    piecesRoot: null,
  });
  assert.equal(tap.current.kind, "stopped");
  assert.equal(reg.get("j1"), tap, "held by a stream server");
  const row2 = { ...downloadRow({ id: "j2", expected_size: 10 * P }), sequential: 1, lease_token: 0 } as never;
  const engineTap = reg.forRow(row2);
  assert.equal(engineTap.file.sequential, true);
  reg.onEvent({ ...base, id: "j2", type: "cancelled" });
  assert.equal(reg.get("j2"), undefined, "the engine's own tap goes with its job");
  assert.throws(
    () => reg.forRow({ ...downloadRow({ id: "j3", expected_size: null }), sequential: 0 } as never),
    /no known size/,
  );
});
