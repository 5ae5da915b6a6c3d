/** Table tests of one source's failure decision (client/retry/source-failure.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DownloadError, type DownloadErrorCode } from "../../../client/errors.js";
import { decideSourceFailure, MAX_SOURCE_FAILURES } from "../../../client/retry/source-failure.js";

const backoff = { baseMs: 1000, capMs: 60_000, maxHintMs: 120_000 };
const half = () => 0.5;

function decide(code: DownloadErrorCode, others: number, failures = 1, retryAfterMs?: number) {
  const error = new DownloadError(code, `a ${code}`, { retryAfterMs });
  return decideSourceFailure({ error, failures, othersUsable: others, backoff, random: half });
}

const cases: Array<[string, ReturnType<typeof decide>, ReturnType<typeof decide>]> = [
  [
    "one source: a network error ends the attempt (the job's retry policy decides)",
    decide("network", 0),
    { kind: "end-attempt" },
  ],
  ["one source: a changed file ends the attempt (restart)", decide("changed", 0), { kind: "end-attempt" }],
  ["a user's cancel ends the attempt even with other sources", decide("cancelled", 2), { kind: "end-attempt" }],
  ["a full disk ends the attempt even with other sources", decide("disk-full", 2), { kind: "end-attempt" }],
  [
    "others left: a network error backs off (full jitter, first failure ≤ base)",
    decide("network", 1),
    { kind: "backoff", delayMs: 500 },
  ],
  ["the third failure in a row backs off longer", decide("unavailable", 1, 3), { kind: "backoff", delayMs: 2000 }],
  ["a server hint wins", decide("unavailable", 1, 1, 7000), { kind: "backoff", delayMs: 7000 }],
  ["a server hint is capped", decide("unavailable", 1, 1, 10_000_000), { kind: "backoff", delayMs: 120_000 }],
  ["others left: not found → dropped", decide("not-found", 1), { kind: "drop", reason: "a not-found" }],
  [
    "others left: unauthenticated → dropped",
    decide("unauthenticated", 1),
    { kind: "drop", reason: "a unauthenticated" },
  ],
  [
    "others left: its file changed → dropped, not a restart of the job",
    decide("changed", 1),
    { kind: "drop", reason: "a changed" },
  ],
  [
    `others left: ${MAX_SOURCE_FAILURES} failures in a row → dropped`,
    decide("network", 1, MAX_SOURCE_FAILURES),
    { kind: "drop", reason: `${MAX_SOURCE_FAILURES} failures in a row; last: a network` },
  ],
];

for (const [name, got, want] of cases) {
  test(`decideSourceFailure: ${name}`, () => {
    assert.deepEqual(got, want);
  });
}
