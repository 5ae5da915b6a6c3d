import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ETA_INFINITE,
  etaSeconds,
  qbtState,
  STALLED_AFTER_MS,
  type StateInput,
} from "../../../service/qbittorrent/qbt-state.js";

const NOW = 1_000_000_000;
const base: StateInput = {
  status: "downloading",
  fileExists: false,
  lastActivityMs: NOW,
  waitingToRetry: false,
  nowMs: NOW,
};

describe("qbtState", () => {
  const cases: Array<[string, Partial<StateInput>, string]> = [
    ["completed but its file was removed", { status: "completed", fileExists: false }, "missingFiles"],
    ["failed", { status: "failed" }, "error"],
    ["no bytes for the stall time", { lastActivityMs: NOW - STALLED_AFTER_MS }, "stalledDL"],
    ["waiting to retry", { status: "queued", waitingToRetry: true }, "stalledDL"],
    ["cancelled", { status: "cancelled" }, "stoppedDL"],
    ["paused", { status: "paused" }, "stoppedDL"],
    ["queued", { status: "queued" }, "queuedDL"],
    ["downloading", {}, "downloading"],
    ["bytes just under the stall time ago", { lastActivityMs: NOW - STALLED_AFTER_MS + 1 }, "downloading"],
    ["verifying", { status: "verifying" }, "checkingDL"],
    ["completed, file there", { status: "completed", fileExists: true }, "stalledUP"],
  ];
  for (const [name, patch, want] of cases) test(name, () => assert.equal(qbtState({ ...base, ...patch }), want));
});

describe("etaSeconds", () => {
  const cases: Array<[string, Parameters<typeof etaSeconds>, number]> = [
    ["unknown size", [null, 0, 100, false], ETA_INFINITE],
    ["nothing moving", [1000, 10, 0, false], ETA_INFINITE],
    ["negative rate", [1000, 10, -5, false], ETA_INFINITE],
    ["more done than the size", [1000, 2000, 10, false], 0],
    ["very slow", [1e15, 0, 1, false], ETA_INFINITE],
    ["complete", [1000, 1000, 0, true], 0],
    ["half way", [1000, 500, 100, false], 5],
  ];
  for (const [name, args, want] of cases) test(name, () => assert.equal(etaSeconds(...args), want));
});
