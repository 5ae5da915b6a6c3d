/** Table tests of the read priorities (client/pieces/read-priority.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EDGE_BYTES,
  pickPreemption,
  urgentPieces,
  type PreemptInput,
  type PriorityInput,
} from "../../../client/pieces/read-priority.js";

const K = 1024;
const P = 64 * K;
const file = (over: Partial<PriorityInput>): PriorityInput => ({ size: 10 * P, pieceLength: P, reads: [], ...over });
const read = (position: number, end = 10 * P, readAhead = 2 * P) => ({ position, end, readAhead });

const urgentCases: Array<[string, PriorityInput, Array<[number, number]>]> = [
  ["hostile: a negative position → nothing", file({ reads: [read(-5)] }), []],
  ["hostile: NaN position → nothing", file({ reads: [read(Number.NaN)] }), []],
  ["hostile: end before position → nothing", file({ reads: [read(5 * P, 2 * P)] }), []],
  ["hostile: a position past the end → nothing", file({ reads: [read(20 * P, 30 * P)] }), []],
  ["hostile: an empty file → nothing", file({ size: 0, reads: [read(0)] }), []],
  ["hostile: piece length 0 → nothing", file({ pieceLength: 0, reads: [read(0)] }), []],
  ["hostile: NaN read-ahead → the piece it needs only", file({ reads: [read(P, 10 * P, Number.NaN)] }), [[1, 0]]],
  ["no reads, not sequential → nothing", file({}), []],
  [
    "one read: its piece now, then its window by distance",
    file({ reads: [read(P + 100, 10 * P, 2 * P)] }),
    [
      [1, 0],
      [2, P - 100],
      [3, 2 * P - 100],
    ],
  ],
  ["a window stops at the read's end", file({ reads: [read(0, P / 2, 4 * P)] }), [[0, 0]]],
  ["a window stops at the file's end", file({ reads: [read(9 * P, 20 * P, 4 * P)] }), [[9, 0]]],
  [
    "two reads (start and index at the end): interleaved by deadline",
    file({ reads: [read(0, 10 * P, 2 * P), read(9 * P + 10, 10 * P, 2 * P)] }),
    [
      [0, 0],
      [9, 0],
      [1, P],
    ],
  ],
  [
    "overlapping reads: a piece once, with its earliest deadline",
    file({ reads: [read(0, 10 * P, 3 * P), read(2 * P, 10 * P, P)] }),
    [
      [0, 0],
      [2, 0],
      [1, P],
    ],
  ],
  [
    "sequential, no reads: first and last pieces (2 MiB each end = 32 pieces ⇒ the whole small file)",
    file({ size: 100 * P, sequential: true, edgeBytes: 2 * P }),
    [
      [0, Number.MAX_SAFE_INTEGER],
      [1, Number.MAX_SAFE_INTEGER],
      [98, Number.MAX_SAFE_INTEGER],
      [99, Number.MAX_SAFE_INTEGER],
    ],
  ],
  [
    "sequential with a read: the read's window before the edges",
    file({ size: 100 * P, sequential: true, edgeBytes: P, reads: [read(50 * P, 100 * P, P)] }),
    [
      [50, 0],
      [0, Number.MAX_SAFE_INTEGER],
      [99, Number.MAX_SAFE_INTEGER],
    ],
  ],
];

for (const [name, given, want] of urgentCases) {
  test(`urgentPieces: ${name}`, () => {
    assert.deepEqual(
      urgentPieces(given).map((d) => [d.index, d.ahead]),
      want,
    );
  });
}

test("urgentPieces: the default edge is EDGE_BYTES at each end", () => {
  const out = urgentPieces({ size: 1024 * P, pieceLength: P, reads: [], sequential: true });
  assert.equal(out.length, 2 * (EDGE_BYTES / P));
});

const INF = Number.POSITIVE_INFINITY;
const due = (table: Record<number, number>) => (i: number) => table[i] ?? INF;
const soonCases: Array<[string, PreemptInput, number | undefined]> = [
  [
    "nothing unserved → keep every read",
    { unserved: [], reads: [{ position: 0, end: 9 }], deadline: () => 0, soon: 2 },
    undefined,
  ],
  [
    "an idle source takes it → keep every read",
    { unserved: [8], reads: [{ position: 0, end: 9 }, undefined], deadline: due({ 8: 0 }), soon: 2 },
    undefined,
  ],
  [
    "the only read serves nobody → stop it",
    { unserved: [8], reads: [{ position: 0, end: 9 }], deadline: due({ 8: 0 }), soon: 2 },
    0,
  ],
  [
    "a read serving a piece due earlier is kept",
    { unserved: [8], reads: [{ position: 3, end: 6 }], deadline: due({ 3: 0, 8: 5 }), soon: 2 },
    undefined,
  ],
  [
    "a read serving a piece due later is stopped for a reader that waits (index at the end)",
    { unserved: [8], reads: [{ position: 3, end: 6 }], deadline: due({ 4: 1000, 8: 0 }), soon: 2 },
    0,
  ],
  [
    "of two reads, the one due latest is stopped",
    {
      unserved: [8],
      reads: [
        { position: 3, end: 6 },
        { position: 0, end: 3 },
      ],
      deadline: due({ 3: 500, 8: 0 }),
      soon: 2,
    },
    1,
  ],
  [
    "a read in big messages serves nobody soon, even the piece a reader waits for → stopped",
    { unserved: [3], reads: [{ position: 3, end: 6, bulk: true }], deadline: due({ 3: 0 }), soon: 2 },
    0,
  ],
  [
    "a tie in deadline → keep the read",
    { unserved: [8], reads: [{ position: 3, end: 6 }], deadline: due({ 3: 0, 8: 0 }), soon: 2 },
    undefined,
  ],
];

for (const [name, given, want] of soonCases) {
  test(`pickPreemption: ${name}`, () => {
    assert.equal(pickPreemption(given), want);
  });
}
