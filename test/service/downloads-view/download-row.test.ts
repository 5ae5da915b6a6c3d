/** The downloads view's row model (pure): numbers, ETA and which buttons each state offers; hostile inputs first. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Download, DownloadStatus } from "../../../client/index.js";
import { actionsOf, downloadRow, formatDuration } from "../../../service/downloads-view/download-row.js";

function download(over: Partial<Download>): Download {
  return {
    id: "d1",
    peerUrl: "http://127.0.0.1:1",
    transport: "connect",
    itemId: "share/a.bin",
    fileName: "a.bin",
    destination: "/r/a.bin",
    partPath: "/r/a.bin.part",
    size: 1000,
    etag: null,
    sha256: null,
    committedBytes: 0,
    status: "queued",
    attempts: 0,
    restarts: 0,
    error: null,
    nextAttemptAt: null,
    leaseOwner: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    completedAt: null,
    ...over,
  } as Download;
}

describe("downloadRow", () => {
  const live = (bytes: number, bytesPerSecond: number) => ({ bytes, bytesPerSecond, lastActivityMs: 0 });
  const cases: Array<[string, Download, ReturnType<typeof live> | undefined, Partial<ReturnType<typeof downloadRow>>]> =
    [
      [
        "negative rate is shown as none, no ETA",
        download({ status: "downloading" }),
        live(10, -5),
        { rate: 0, etaSeconds: undefined },
      ],
      [
        "live bytes beyond the size cap the percent at 100",
        download({ status: "downloading" }),
        live(5000, 10),
        { percent: 100, etaSeconds: 0 },
      ],
      [
        "unknown size: no percent, no ETA",
        download({ status: "downloading", size: null }),
        live(10, 10),
        { percent: undefined, etaSeconds: undefined, size: undefined },
      ],
      ["empty file is 100 %", download({ status: "completed", size: 0 }), undefined, { percent: 100, done: 0 }],
      [
        "running: percent, rate and ETA",
        download({ status: "downloading", committedBytes: 100 }),
        live(250, 100),
        { done: 250, percent: 25, rate: 100, etaSeconds: 8 },
      ],
      [
        "paused: no rate even with a live record",
        download({ status: "paused", committedBytes: 300 }),
        live(400, 100),
        { done: 300, rate: 0, etaSeconds: undefined },
      ],
      [
        "failed shows its error",
        download({ status: "failed", error: { code: "not-found", message: "gone" } }),
        undefined,
        { error: "not-found: gone" },
      ],
      [
        "completed hides an old error",
        download({ status: "completed", error: { code: "x", message: "y" } }),
        undefined,
        { error: undefined, percent: 100 },
      ],
    ];
  for (const [name, d, l, expected] of cases)
    test(name, () => {
      const row = downloadRow(d, l);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(row[k as keyof typeof row], v, k);
    });
});

describe("actionsOf", () => {
  const cases: Array<[DownloadStatus | "bogus", string[]]> = [
    ["bogus", ["remove", "remove-files"]],
    ["queued", ["pause", "cancel", "remove", "remove-files"]],
    ["downloading", ["pause", "cancel", "remove", "remove-files"]],
    ["verifying", ["cancel", "remove", "remove-files"]],
    ["paused", ["resume", "cancel", "remove", "remove-files"]],
    ["failed", ["retry", "remove", "remove-files"]],
    ["cancelled", ["retry", "remove", "remove-files"]],
    ["completed", ["remove", "remove-files"]],
  ];
  for (const [state, expected] of cases)
    test(state, () => assert.deepEqual(actionsOf(state as DownloadStatus), expected));
});

describe("formatDuration", () => {
  const cases: Array<[number, string]> = [
    [Number.NaN, "?"],
    [-1, "?"],
    [Number.POSITIVE_INFINITY, "?"],
    [0, "0 s"],
    [0.2, "1 s"],
    [59, "59 s"],
    [60, "1 min 0 s"],
    [3599, "59 min 59 s"],
    [3600, "1 h 0 min"],
    [86_399, "23 h 59 min"],
    [90_000, "1 d 1 h"],
  ];
  for (const [seconds, text] of cases) test(`${seconds} → ${text}`, () => assert.equal(formatDuration(seconds), text));
});
