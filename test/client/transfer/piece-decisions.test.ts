/**
 * The per-piece check's pure decisions: what a failed piece does
 * (client/transfer/piece-failure.ts) and whether a read of a range can be used
 * (client/transfer/piece-read.ts `checkPieceRead`). Tables, hostile inputs first.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DownloadError } from "../../../client/errors.js";
import {
  pieceFailureVerdict,
  type PieceFailureInput,
  type PieceFailureVerdict,
} from "../../../client/transfer/piece-failure.js";
import { checkPieceRead, type PieceReadAsk } from "../../../client/transfer/piece-read.js";
import type { OpenedRead } from "../../../client/transfer/read-source.js";
import { SourceRefused } from "../../../client/transfer/source-refused.js";

const failures: Array<[string, PieceFailureInput, PieceFailureVerdict]> = [
  [
    "a source sending bad pieces while another remains is banned, however few failures",
    { index: 3, pieceFailures: 1, badPieces: 1, othersUsable: true },
    { kind: "ban" },
  ],
  [
    "one source, the same piece failing twice ends the attempt",
    { index: 7, pieceFailures: 2, badPieces: 2, othersUsable: false },
    { kind: "end", reason: "piece 7 failed its hash 2 times" },
  ],
  [
    "one source, four different bad pieces end the attempt",
    { index: 9, pieceFailures: 1, badPieces: 4, othersUsable: false },
    { kind: "end", reason: "4 pieces failed their hash" },
  ],
  [
    "limits given: a piece may fail 3 times",
    { index: 1, pieceFailures: 2, badPieces: 2, othersUsable: false, maxFailuresPerPiece: 3, maxBadPieces: 10 },
    { kind: "again" },
  ],
  [
    "one source, a first bad piece is read again",
    { index: 0, pieceFailures: 1, badPieces: 1, othersUsable: false },
    { kind: "again" },
  ],
];

for (const [name, input, want] of failures) {
  test(`pieceFailureVerdict: ${name}`, () => {
    assert.deepEqual(pieceFailureVerdict(input), want);
  });
}

const SIZE = 1000;
const body: AsyncIterator<never> = { next: async () => ({ done: true, value: undefined }) };
function read(start: number, size = SIZE, etag = '"e"', more: Partial<OpenedRead> = {}): OpenedRead {
  return { meta: { size, etag, sha256: undefined }, start, body, ...more };
}
const peer: PieceReadAsk = { kind: "peer", etag: '"e"', offset: 200, length: 100, size: SIZE, maxFileSize: 2 ** 40 };
const mirror: PieceReadAsk = { ...peer, kind: "mirror", etag: undefined };

const reads: Array<[string, OpenedRead, PieceReadAsk, boolean | ((e: unknown) => boolean)]> = [
  [
    "a mirror serving another size is banned",
    read(200, 999),
    mirror,
    (e) => e instanceof SourceRefused && e.verdict === "ban",
  ],
  [
    "a mirror ignoring the range is unusable",
    read(0, SIZE, '"m"', { full: true }),
    mirror,
    (e) => e instanceof SourceRefused && e.verdict === "unusable",
  ],
  [
    "a peer whose etag changed",
    read(200, SIZE, '"other"'),
    peer,
    (e) => e instanceof DownloadError && e.code === "changed",
  ],
  ["a peer answering from another offset", read(100), peer, (e) => e instanceof DownloadError && e.code === "protocol"],
  ["a peer with a negative size", read(200, -1), peer, (e) => e instanceof DownloadError && e.code === "protocol"],
  [
    "a peer answering as if the file were complete",
    read(200, SIZE, '"e"', { atEnd: true }),
    peer,
    (e) => e instanceof DownloadError && e.code === "protocol",
  ],
  [
    "a file over the limit",
    read(200),
    { ...peer, maxFileSize: 10 },
    (e) => e instanceof DownloadError && e.code === "too-large",
  ],
  ["a peer that ignored the range: the whole file from 0 is used", read(0), peer, true],
  ["a mirror answering the range", read(200, SIZE, '"m"'), mirror, false],
  ["a peer answering the range", read(200), peer, false],
];

for (const [name, r, ask, want] of reads) {
  test(`checkPieceRead: ${name}`, () => {
    if (typeof want === "boolean") assert.equal(checkPieceRead(r, ask), want);
    else assert.throws(() => checkPieceRead(r, ask), want);
  });
}
