/**
 * The protocol from another language: Python stubs generated from proto/ at test time with
 * Debian's grpcio-tools (`python3-grpc-tools`), calls over gRPC with `python3-grpcio` against a
 * real peer (test/clients/python_client.py; docs/clients.md).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Debian's interpreter: the apt packages install there (a python3 first on PATH may lack them).
const PYTHON = "/usr/bin/python3";
const CONTENT = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));

let peer: TestPeer;
let stubs: string;

before(async () => {
  await run(PYTHON, ["-c", "import grpc, grpc_tools"]).catch(() => {
    throw new Error("Python gRPC is missing: apt-get install python3-grpcio python3-grpc-tools (.ci/run does)");
  });
  stubs = await mkdtemp(path.join(os.tmpdir(), "peer-py-stubs-"));
  const protos = ["peer/v1/peer.proto", "google/api/annotations.proto", "google/api/http.proto"];
  await run(
    PYTHON,
    [
      "-m",
      "grpc_tools.protoc",
      "-I",
      path.join(REPO, "proto"),
      `--python_out=${stubs}`,
      `--grpc_python_out=${stubs}`,
      ...protos,
    ],
    { cwd: REPO },
  );
  peer = await startTestPeer({ files: { "data.bin": CONTENT, "b.txt": "bee" } });
});

after(async () => {
  await peer?.close();
  if (stubs) await rm(stubs, { recursive: true, force: true });
});

test("Python over gRPC: Handshake, ListItems, StatItem, a ReadFile range, GetPieceHashes, errors with codes", async () => {
  const target = new URL(peer.url).host;
  const { stdout } = await run(
    PYTHON,
    [path.join(REPO, "test/clients/python_client.py"), stubs, target, peer.key, "share/data.bin"],
    {
      timeout: 120_000,
    },
  );
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.match(String(out.protocol_version), /^\d+\.\d+\.\d+$/);
  assert.ok((out.capabilities as string[]).includes("pieces"), String(out.capabilities));
  assert.deepEqual(out.items, ["share/b.txt", "share/data.bin"]);
  assert.equal(out.size, CONTENT.length);
  assert.equal(out.range_sha256, createHash("sha256").update(CONTENT.subarray(100, 70_100)).digest("hex"));
  assert.match(String(out.pieces_root), /^[0-9a-f]{64}$/);
  const pieceLength = Number(out.piece_length);
  assert.ok(pieceLength >= 16_384, String(pieceLength));
  assert.equal(out.piece_count, Math.ceil(CONTENT.length / pieceLength));
  assert.equal(out.hashes_bytes, 32 * Number(out.piece_count));
  const errors = out.errors as Record<string, [string, string]>;
  assert.equal(errors.missing?.[0], "NOT_FOUND");
  assert.match(errors.missing?.[1] ?? "", /missing\.bin/);
  assert.equal(errors.bad_key?.[0], "UNAUTHENTICATED");
});
