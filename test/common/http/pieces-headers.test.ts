/** The pieces root on the HTTP route: X-Pieces-Root + X-Piece-Length on 200/206 (and HEAD), never malformed. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  PIECE_LENGTH_HEADER,
  PIECES_ROOT_HEADER,
  piecesFields,
  planResponse,
  type FileFacts,
} from "../../../common/http/response-plan.js";

const ROOT = "3f".repeat(32);
const facts = (extra: Partial<FileFacts> = {}): FileFacts => ({
  size: 100_000,
  etag: '"186a0-abc"',
  modified: Date.UTC(2025, 5, 1),
  contentType: "application/octet-stream",
  name: "file.bin",
  ...extra,
});

test("piecesFields: table, hostile inputs first", () => {
  const cases: Array<{ name: string; piecesRoot?: string; pieceLength?: number; want: Record<string, string> }> = [
    { name: "unknown root", want: {} },
    { name: "empty root (empty file)", piecesRoot: "", pieceLength: 16384, want: {} },
    { name: "upper-case hex", piecesRoot: "3F".repeat(32), pieceLength: 16384, want: {} },
    { name: "63 characters", piecesRoot: ROOT.slice(1), pieceLength: 16384, want: {} },
    { name: "header injection", piecesRoot: ROOT.slice(2) + "\r\n", pieceLength: 16384, want: {} },
    { name: "no piece length", piecesRoot: ROOT, want: {} },
    { name: "piece length 0", piecesRoot: ROOT, pieceLength: 0, want: {} },
    { name: "piece length below 16 KiB", piecesRoot: ROOT, pieceLength: 8192, want: {} },
    { name: "piece length not a power of two", piecesRoot: ROOT, pieceLength: 3 * 16384, want: {} },
    { name: "piece length NaN", piecesRoot: ROOT, pieceLength: Number.NaN, want: {} },
    {
      name: "16 KiB",
      piecesRoot: ROOT,
      pieceLength: 16384,
      want: { [PIECES_ROOT_HEADER]: ROOT, [PIECE_LENGTH_HEADER]: "16384" },
    },
    {
      name: "16 MiB",
      piecesRoot: ROOT,
      pieceLength: 16 << 20,
      want: { [PIECES_ROOT_HEADER]: ROOT, [PIECE_LENGTH_HEADER]: "16777216" },
    },
  ];
  for (const c of cases)
    assert.deepEqual(piecesFields({ piecesRoot: c.piecesRoot, pieceLength: c.pieceLength }), c.want, c.name);
  assert.equal(PIECES_ROOT_HEADER, "X-Pieces-Root");
  assert.equal(PIECE_LENGTH_HEADER, "X-Piece-Length");
});

test("planResponse: the root on 200 and 206, GET and HEAD alike; not on 304, 412, 416", () => {
  const file = facts({ piecesRoot: ROOT, pieceLength: 65536 });
  const cases: Array<{ name: string; headers: Record<string, string>; status: number; carries: boolean }> = [
    { name: "whole", headers: {}, status: 200, carries: true },
    { name: "one range", headers: { range: "bytes=0-9" }, status: 206, carries: true },
    { name: "two ranges", headers: { range: "bytes=0-9,20-29" }, status: 206, carries: true },
    { name: "not modified", headers: { "if-none-match": file.etag }, status: 304, carries: false },
    { name: "precondition failed", headers: { "if-match": '"other"' }, status: 412, carries: false },
    { name: "unsatisfiable", headers: { range: "bytes=200000-" }, status: 416, carries: false },
  ];
  for (const c of cases) {
    for (const method of ["GET", "HEAD"]) {
      const plan = planResponse({ method, headers: c.headers, file, boundary: "b" });
      assert.equal(plan.status, c.status, `${c.name} ${method}`);
      assert.equal(plan.headers[PIECES_ROOT_HEADER], c.carries ? ROOT : undefined, `${c.name} ${method}`);
      assert.equal(plan.headers[PIECE_LENGTH_HEADER], c.carries ? "65536" : undefined, `${c.name} ${method}`);
    }
  }
  const unknown = planResponse({ method: "GET", headers: {}, file: facts(), boundary: "b" });
  assert.equal(unknown.headers[PIECES_ROOT_HEADER], undefined, "no root yet: no field");
});
