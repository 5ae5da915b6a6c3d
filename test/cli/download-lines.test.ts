/**
 * What `peer get`'s bars and lines say (cli/download-lines.ts), as tables: hostile names and
 * messages first (escaped, never reaching the terminal raw), then each event's line and bar fields.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DownloadEvent } from "../../client/index.js";
import {
  barLabel,
  endedLine,
  folderBarFields,
  formatEta,
  newBarFields,
  noticeLine,
  progressFields,
  retryLine,
  summaryLine,
} from "../../cli/download-lines.js";

const base = { id: "0123456789abcdef", fileName: "film.mkv", time: "2024-01-01T00:00:00.000Z" };
const MiB = 1024 * 1024;
const ev = (e: Record<string, unknown>): DownloadEvent => ({ ...base, ...e }) as unknown as DownloadEvent;

test("barLabel: table", () => {
  const cases: Array<[string, string, string]> = [
    ["an escape sequence in a name is escaped, then cut", "\x1b[2Jevil.mkv", "\\x1b[2Jevil.mkv".padEnd(24)],
    ["a bidi override is escaped", "a\u202eb", "a\\u202eb".padEnd(24)],
    ["escapes that make it long are cut", "\x07".repeat(10), `${"\\x07".repeat(5)}\\...`],
    ["empty (a folder's bar before its reading)", "", " ".repeat(24)],
    ["exactly 24 characters: kept", "x".repeat(24), "x".repeat(24)],
    ["25 characters: 21 and ...", "y".repeat(25), `${"y".repeat(21)}...`],
    ["short: padded", "film.mkv", "film.mkv".padEnd(24)],
  ];
  for (const [name, raw, want] of cases) assert.equal(barLabel(raw), want, name);
});

test("noticeLine and endedLine: table", () => {
  const error = { code: "network", message: "reset\x1b[31m" };
  const cases: Array<[string, DownloadEvent, string | undefined, string | undefined]> = [
    [
      "a hostile file name and reason are escaped",
      ev({ type: "restarted", fileName: "a\nb", reason: "\x1b]0;x\x07", restarts: 1 }),
      "a\\x0ab: restarting from 0: \\x1b]0;x\\x07",
      undefined,
    ],
    [
      "a hostile error message in a pause is escaped",
      ev({ type: "paused", error }),
      undefined,
      "‖ film.mkv: paused: reset\\x1b[31m (then: peer downloads retry 01234567)",
    ],
    [
      "validated from 0: nothing to say",
      ev({ type: "validated", size: MiB, etag: "", sha256: null, piecesRoot: null, resumeFrom: 0 }),
      undefined,
      undefined,
    ],
    [
      "validated part way: resuming",
      ev({ type: "validated", size: 5 * MiB, etag: "", sha256: null, piecesRoot: null, resumeFrom: MiB }),
      "↻ film.mkv: resuming at 1.0 MiB of 5.0 MiB",
      undefined,
    ],
    [
      "piece failed",
      ev({ type: "piece-failed", index: 7, source: "http://p:1" }),
      "film.mkv: piece 7 from http://p:1 failed its hash; reading it again",
      undefined,
    ],
    [
      "source banned",
      ev({ type: "source-banned", source: "http://p:1", reason: "piece 7" }),
      "film.mkv: banned http://p:1: piece 7",
      undefined,
    ],
    [
      "retrying: the wait rounded up to seconds",
      ev({ type: "retrying", attempt: 2, delayMs: 61_001, error: { code: "network", message: "refused" } }),
      "film.mkv: refused; retrying in 1m02s",
      undefined,
    ],
    [
      "completed, verified by pieces root",
      ev({
        type: "completed",
        destination: "/d/film.mkv",
        size: MiB,
        sha256: "",
        digestVerified: true,
        verified: "pieces root",
        piecesRoot: "r",
      }),
      undefined,
      "✔ film.mkv: 1.0 MiB, every piece verified against the pieces root → /d/film.mkv",
    ],
    [
      "completed, already there",
      ev({
        type: "completed",
        destination: "/d/film.mkv",
        size: 0,
        sha256: "",
        digestVerified: true,
        verified: "sha256",
        piecesRoot: null,
        alreadyThere: true,
      }),
      undefined,
      "✔ film.mkv: 0 B, already there, nothing fetched → /d/film.mkv",
    ],
    ["failed", ev({ type: "failed", error: { code: "x", message: "gone" } }), undefined, "✘ film.mkv: failed: gone"],
    ["cancelled", ev({ type: "cancelled" }), undefined, "✘ film.mkv: cancelled"],
    ["queued: silent", ev({ type: "queued", destination: "/d" }), undefined, undefined],
    ["verifying: silent", ev({ type: "verifying" }), undefined, undefined],
    [
      "progress: a bar, no line",
      ev({ type: "progress", bytes: 1, size: 2, bytesPerSecond: 1, etaSeconds: 1 }),
      undefined,
      undefined,
    ],
  ];
  for (const [name, e, notice, ended] of cases) {
    assert.equal(noticeLine(e), notice, `${name}: notice`);
    assert.equal(endedLine(e), ended, `${name}: ended`);
  }
});

test("progressFields: table", () => {
  const progress = (e: Record<string, unknown>) =>
    ev({ type: "progress", bytes: MiB, size: 5 * MiB, bytesPerSecond: MiB, etaSeconds: 4, ...e }) as Extract<
      DownloadEvent,
      { type: "progress" }
    >;
  const active = { url: "u", kind: "peer", bytes: 1, bytesPerSecond: MiB, state: "active" };
  const cases: Array<[string, ReturnType<typeof progress>, ReturnType<typeof progressFields>]> = [
    [
      "a NaN ETA (hostile) shows as no estimate",
      progress({ etaSeconds: Number.NaN }),
      { done: "1.0 MiB", speed: "1.0 MiB/s", sources: "", etaText: "-", reads: "" },
    ],
    [
      "no ETA yet",
      progress({ etaSeconds: null }),
      { done: "1.0 MiB", speed: "1.0 MiB/s", sources: "", etaText: "-", reads: "" },
    ],
    [
      "whole-file path: its own rate",
      progress({}),
      { done: "1.0 MiB", speed: "1.0 MiB/s", sources: "", etaText: "4s", reads: "" },
    ],
    [
      "several sources: their rates added up",
      progress({ sources: [active, { ...active, url: "v" }] }),
      { done: "1.0 MiB", speed: "2.0 MiB/s", sources: " from 2 sources", etaText: "4s", reads: "" },
    ],
  ];
  for (const [name, e, want] of cases) assert.deepEqual(progressFields(e), want, name);
});

test("new bars, folder bars, retry and summary lines", () => {
  assert.deepEqual(newBarFields("film.mkv", 5 * MiB), {
    file: "film.mkv".padEnd(24),
    done: "0 B",
    size: "5.0 MiB",
    speed: "-",
    sources: "",
    etaText: "-",
    reads: "",
  });
  assert.deepEqual(newBarFields("", null), { ...newBarFields("", 0), file: " ".repeat(24), size: "0 B" });
  assert.deepEqual(
    folderBarFields({
      name: "Season 1",
      files: 10,
      completed: 3,
      bytes: 5 * MiB,
      doneBytes: MiB,
      bytesPerSecond: MiB,
      etaSeconds: 3700,
    }),
    {
      file: "Season 1/".padEnd(24),
      done: "1.0 MiB",
      size: "5.0 MiB",
      speed: "1.0 MiB/s",
      sources: " | 3 of 10 files",
      etaText: "1h01m",
    },
  );
  assert.equal(retryLine("share/\x1bx", "no\x00", 0), "share/\\x1bx: no\\x00; retrying in 0s");
  const summaries: Array<[string, string[], string | undefined]> = [
    ["nothing ran: no line", [], undefined],
    ["some incomplete", ["completed", "failed", "paused"], "1 of 3 downloads complete\n"],
    ["all complete", ["completed"], "1 of 1 downloads complete\n"],
  ];
  for (const [name, statuses, want] of summaries) assert.equal(summaryLine(statuses), want, name);
  assert.equal(formatEta(-5), "0s");
});
