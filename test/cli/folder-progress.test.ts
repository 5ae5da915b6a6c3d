import assert from "node:assert/strict";
import { test } from "node:test";
import type { FolderSummary } from "../../client/index.js";
import { folderSummaryLines } from "../../cli/folder-progress.js";

const ESC = "\u001b";
const RLO = "\u202e";

function summary(over: Partial<FolderSummary>): FolderSummary {
  return {
    id: "f1",
    name: "Season 1",
    folderItemId: "share/Season 1/",
    peerUrl: "http://127.0.0.1:1",
    destination: "/tmp/out/Season 1",
    status: "completed",
    files: 2,
    completed: 2,
    bytes: 2048,
    bytesDone: 2048,
    reused: { files: 0, bytes: 0 },
    failed: [],
    refused: [],
    removed: [],
    jobs: [],
    createdAt: new Date(0),
    ...over,
  };
}

test("a folder's summary lines: the counts, the reuse line and each kind of file", () => {
  const lines = folderSummaryLines(
    summary({
      status: "failed",
      completed: 1,
      reused: { files: 1, bytes: 1024 },
      failed: [{ path: "b.mkv", code: "digest-mismatch", message: "bad pieces" }],
      refused: [{ path: "../x", reason: "has a .. component" }],
      removed: ["old.srt"],
    }),
  );
  assert.deepEqual(lines, [
    "✘ Season 1/: 1 of 2 files, 2.0 KiB of 2.0 KiB → /tmp/out/Season 1",
    "  1 file, 1.0 KiB reused from earlier downloads",
    "  failed: b.mkv: bad pieces",
    '  refused: "../x": has a .. component',
    "  removed upstream (left on disk): old.srt",
  ]);
});

test("every name, path and message from the peer is escaped before it reaches a terminal", () => {
  const hostile = `x${ESC}[2J${RLO}gpj.exe`;
  const lines = folderSummaryLines(
    summary({
      name: hostile,
      destination: `/tmp/${hostile}`,
      failed: [{ path: hostile, code: "x", message: hostile }],
      refused: [{ path: hostile, reason: hostile }],
      removed: [hostile],
    }),
  );
  for (const line of lines) {
    assert.ok(!line.includes(ESC), `no raw ESC in ${JSON.stringify(line)}`);
    assert.ok(!line.includes(RLO), `no raw bidi override in ${JSON.stringify(line)}`);
  }
  assert.match(lines[0] ?? "", /x\\x1b\[2J\\u202egpj\.exe\//);
});
