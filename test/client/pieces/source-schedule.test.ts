/** Table tests of the multi-source schedule (client/pieces/source-schedule.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assignRange, rangePieces, type ScheduleInput } from "../../../client/pieces/source-schedule.js";

const K = 1024;

/** A file of `count` pieces: `have` in hand, `reading` = piece → readers, `mine` = this source's pieces. */
function input(over: Partial<ScheduleInput> & { have?: number[]; reading?: Record<number, number> }): ScheduleInput {
  const have = new Set(over.have ?? []);
  const reading = over.reading ?? {};
  return {
    count: 10,
    pieceLength: 64 * K,
    missing: (i) => !have.has(i),
    readers: (i) => reading[i] ?? 0,
    mine: () => false,
    distance: (i) => i,
    rate: 0,
    activeSources: 1,
    ...over,
  };
}

const cases: Array<[string, ScheduleInput, ReturnType<typeof assignRange>]> = [
  ["nothing missing → nothing to read", input({ have: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }), undefined],
  ["an empty file → nothing to read", input({ count: 0 }), undefined],
  ["alone: the whole first run of missing pieces", input({ have: [0, 1, 5] }), { first: 2, end: 5, duplicate: false }],
  ["alone, nothing in hand: the whole file", input({}), { first: 0, end: 10, duplicate: false }],
  [
    "several, not measured: startBytes worth (4 MiB = 64 pieces, the run is shorter)",
    input({ activeSources: 3 }),
    { first: 0, end: 10, duplicate: false },
  ],
  [
    "several, not measured, small startBytes: 2 pieces",
    input({ activeSources: 3, startBytes: 128 * K }),
    { first: 0, end: 2, duplicate: false },
  ],
  [
    "several, measured 96 KiB/s × 2 s = 3 pieces",
    input({ activeSources: 2, rate: 96 * K }),
    { first: 0, end: 3, duplicate: false },
  ],
  ["a slow source still gets one piece", input({ activeSources: 2, rate: 1 }), { first: 0, end: 1, duplicate: false }],
  [
    "pieces another source reads are skipped",
    input({ activeSources: 2, reading: { 0: 1, 1: 1, 2: 1 } }),
    { first: 3, end: 10, duplicate: false },
  ],
  [
    "a range stops at a piece another source reads",
    input({ activeSources: 2, reading: { 4: 1 } }),
    { first: 0, end: 4, duplicate: false },
  ],
  [
    "endgame: every missing piece is being read → the tail half of what its reader has left",
    input({ activeSources: 2, have: [0, 1, 2, 3, 4, 5, 6], reading: { 7: 1, 8: 1, 9: 1 }, distance: (i) => i - 7 }),
    { first: 8, end: 10, duplicate: true },
  ],
  [
    "endgame: a stalled reader's long range → its tail half",
    input({ activeSources: 2, reading: { 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1 } }),
    { first: 5, end: 10, duplicate: true },
  ],
  [
    "endgame: the stolen tail is at most one range of the stealer",
    input({ activeSources: 2, rate: 128 * K, reading: { 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1 } }),
    { first: 6, end: 10, duplicate: true },
  ],
  [
    "endgame: pieces already read twice are not taken a third time",
    input({ activeSources: 3, have: [0, 1, 2, 3, 4, 5, 6, 7, 8], reading: { 9: 2 } }),
    undefined,
  ],
  [
    "endgame: never one's own piece",
    input({ activeSources: 2, have: [0, 1, 2, 3, 4, 5, 6, 7, 8], reading: { 9: 1 }, mine: (i) => i === 9 }),
    undefined,
  ],
  [
    "endgame off (maxReaders 1)",
    input({ activeSources: 2, have: [0, 1, 2, 3, 4, 5, 6, 7, 8], reading: { 9: 1 }, maxReaders: 1 }),
    undefined,
  ],
  [
    "endgame prefers pieces with fewer readers",
    input({ activeSources: 3, have: [0, 1, 2, 3, 4, 5, 6, 7], reading: { 8: 1, 9: 2 } }),
    { first: 8, end: 9, duplicate: true },
  ],
  // Urgent pieces (read-priority.ts): hostile inputs first.
  [
    "urgent: indices out of the file are ignored",
    input({ urgent: [-1, 10, 99] }),
    { first: 0, end: 10, duplicate: false },
  ],
  [
    "urgent: pieces in hand are skipped",
    input({ have: [8, 9], urgent: [8, 9] }),
    { first: 0, end: 8, duplicate: false },
  ],
  [
    "urgent: the earliest deadline first, alone",
    input({ urgent: [9, 3] }),
    { first: 9, end: 10, duplicate: false, urgent: true },
  ],
  [
    "urgent: a run of urgent free pieces, cut at the first non-urgent one",
    input({ urgent: [4, 5, 6, 8] }),
    { first: 4, end: 7, duplicate: false, urgent: true },
  ],
  [
    "urgent: at most URGENT_RANGE_BYTES (2 MiB = 2 pieces of 1 MiB)",
    input({ pieceLength: 1024 * K, urgent: [2, 3, 4, 5] }),
    { first: 2, end: 4, duplicate: false, urgent: true },
  ],
  [
    "urgent: a piece another source delivers soon is left to it",
    input({ activeSources: 2, reading: { 5: 1 }, distance: () => 0, urgent: [5, 7] }),
    { first: 7, end: 8, duplicate: false, urgent: true },
  ],
  [
    "urgent: a piece deep in another source's range is read again (duplicate)",
    input({ activeSources: 2, reading: { 5: 1 }, distance: () => 1000, urgent: [5] }),
    { first: 5, end: 6, duplicate: true, urgent: true },
  ],
  [
    "urgent: deep in another source's range but its reader needs it later still → left to it (the free pieces go first)",
    input({
      activeSources: 2,
      reading: { 5: 1, 6: 1, 7: 1, 8: 1, 9: 1 },
      distance: () => 1000,
      lead: () => 2000,
      urgent: [5],
    }),
    { first: 0, end: 5, duplicate: false },
  ],
  [
    "urgent: a piece another source reads in big messages on a slow link is read again (duplicate)",
    input({ activeSources: 2, reading: { 5: 1 }, distance: () => 0, bulk: () => true, urgent: [5] }),
    { first: 5, end: 6, duplicate: true, urgent: true },
  ],
  [
    "urgent: never a duplicate of one's own range",
    input({ activeSources: 2, reading: { 5: 1 }, mine: (i) => i === 5, distance: () => 1000, urgent: [5] }),
    { first: 0, end: 5, duplicate: false },
  ],
];

for (const [name, given, want] of cases) {
  test(`assignRange: ${name}`, () => {
    assert.deepEqual(assignRange(given), want);
  });
}

test("rangePieces: proportional to the rate, at least one piece", () => {
  const table: Array<[number, number, number]> = [
    // [rate B/s, piece length, pieces]
    [0, 64 * K, 64],
    [20 * 1024 * K, 512 * K, 80],
    [10 * 1024 * K, 512 * K, 40],
    [100, 512 * K, 1],
  ];
  for (const [rate, pieceLength, want] of table) assert.equal(rangePieces({ rate, pieceLength }), want, `${rate}`);
});
