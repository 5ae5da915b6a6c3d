/**
 * The stored-ZIP layout (pure): offsets and sizes, where ZIP64 starts, DOS
 * dates, refused entries; and a real ZIP64 archive (a sparse 4 GiB file and
 * one after it, so sizes, an offset and the end records all need ZIP64) whose
 * central directory, fetched by a Range request, Python's zipfile, unzip and
 * 7z read back.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { open, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { dosDateTime, segmentBytes, zipLayout, type ZipEntryInput } from "../../../server/zip/zip-layout.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const run = promisify(execFile);
const file = (p: string, size: number): ZipEntryInput => ({ path: p, kind: "file", size, modified: 0 });

describe("zipLayout", () => {
  const refused: Array<[string, ZipEntryInput]> = [
    ["an absolute name", file("/etc/passwd", 1)],
    ["an empty name", file("", 1)],
    ["a folder without a slash", { path: "a", kind: "folder", size: 0, modified: 0 }],
    ["a file ending in a slash", file("a/", 1)],
    ["a folder with bytes", { path: "a/", kind: "folder", size: 3, modified: 0 }],
    ["a negative size", file("a", -1)],
    ["a fractional size", file("a", 1.5)],
    ["a name over 65,535 bytes", file("x".repeat(70_000), 1)],
  ];
  for (const [name, entry] of refused)
    test(`refuses ${name}`, () => assert.throws(() => zipLayout([entry]), RangeError));

  test("small archive: local header, body, 16-byte descriptor; central records; 22-byte end", () => {
    const l = zipLayout([file("d/é.txt", 10), { path: "d/e/", kind: "folder", size: 0, modified: 0 }]);
    const name = Buffer.byteLength("d/é.txt");
    assert.deepEqual(
      l.segments.map((s) => [s.kind, s.offset, s.length]),
      [
        ["local", 0, 30 + name],
        ["data", 30 + name, 10],
        ["descriptor", 40 + name, 16],
        ["local", 56 + name, 30 + 4],
        ["central", 90 + name, 46 + name],
        ["central", 136 + 2 * name, 46 + 4],
        ["end", 186 + 2 * name, 22],
      ],
    );
    assert.equal(l.size, 208 + 2 * name);
    const local = segmentBytes(l, l.segments[0]!);
    assert.equal(local.readUInt16LE(6), 0x0808, "UTF-8 names, data descriptor");
    assert.equal(local.subarray(30).toString(), "d/é.txt");
  });
  test("ZIP64 only where needed", () => {
    const big = zipLayout([file("big", 0xffffffff), file("after", 1)]);
    const kinds = big.segments.map((s) => `${s.kind}:${s.length}`);
    assert.deepEqual(kinds, [
      "local:53", // 30 + 3 + 20 (ZIP64 extra)
      `data:${0xffffffff}`,
      "descriptor:24", // 8-byte sizes
      "local:35",
      "data:1",
      "descriptor:16",
      "central:69", // 46 + 3 + 4 + 16 (sizes)
      "central:63", // 46 + 5 + 4 + 8 (offset beyond 4 GiB)
      "end:98", // ZIP64 end record 56 + locator 20 + end 22
    ]);
    const small = zipLayout([file("a", 0xffffff00)]);
    assert.deepEqual(
      small.segments.map((s) => s.length),
      [31, 0xffffff00, 16, 47, 22],
    );
    // Below 4 GiB itself, but its central directory starts past 4 GiB: ZIP64 end records.
    const justBelow = zipLayout([file("a", 0xfffffffe)]);
    assert.deepEqual(
      justBelow.segments.map((s) => s.length),
      [31, 0xfffffffe, 16, 47, 98],
    );
  });
  test("the same entries give the same bytes", () => {
    const entries = [file("a", 5), file("b", 7)];
    const a = zipLayout(entries);
    const b = zipLayout([...entries]);
    assert.deepEqual(
      a.segments.filter((s) => s.kind !== "data").map((s) => segmentBytes(a, s, 42)),
      b.segments.filter((s) => s.kind !== "data").map((s) => segmentBytes(b, s, 42)),
    );
  });
  test("DOS dates: UTC, clamped to 1980", () => {
    assert.deepEqual(dosDateTime(0), { time: 0, date: (0 << 9) | (1 << 5) | 1 });
    assert.deepEqual(dosDateTime(Date.UTC(2026, 11, 7, 13, 45, 31)), {
      time: (13 << 11) | (45 << 5) | 15,
      date: (46 << 9) | (12 << 5) | 7,
    });
  });
});

describe("a real ZIP64 archive", { timeout: 300_000 }, () => {
  let peer: TestPeer;
  let work: string;
  before(async () => {
    peer = await startTestPeer({ files: { "Big/zz-after.txt": "after\n" } });
    // Sparse: 4 GiB - 1 bytes of zeros take no disk.
    await writeFile(path.join(peer.shareDir, "Big", "huge.bin"), "");
    await truncate(path.join(peer.shareDir, "Big", "huge.bin"), 0xffffffff);
    work = await mkdtemp(path.join(os.tmpdir(), "peer-zip64-"));
  });
  after(async () => {
    await peer?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });
  test("its central directory (fetched by Range) reads back in zipfile, unzip -l and 7z l", async () => {
    const link = await peer.server.links.create({ target: "share/Big/", createdBy: peer.keyId });
    const url = `${peer.url}/v1/links/${link.token}/?zip`;
    const head = await fetch(url, { method: "HEAD" });
    const size = Number(head.headers.get("content-length"));
    assert.ok(size > 0xffffffff);
    // The tail: the last local header, body and descriptor, the central directory and the end records.
    const tailStart = size - 300;
    const res = await fetch(url, { headers: { range: `bytes=${tailStart}-` } });
    assert.equal(res.status, 206);
    const tail = Buffer.from(await res.arrayBuffer());
    const first = await fetch(url, { headers: { range: "bytes=0-99" } });
    assert.equal(first.status, 206);
    const headBytes = Buffer.from(await first.arrayBuffer());
    const zip = path.join(work, "big.zip");
    await writeFile(zip, "");
    await truncate(zip, size); // the body of zeros is the sparse file's: no need to fetch it
    const handle = await open(zip, "r+");
    await handle.write(headBytes, 0, headBytes.length, 0);
    await handle.write(tail, 0, tail.length, tailStart);
    await handle.close();
    const py = await run("/usr/bin/python3", [
      "-c",
      "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps([[i.filename,i.file_size,i.header_offset,i.CRC] for i in z.infolist()]))",
      zip,
    ]);
    const listed = JSON.parse(py.stdout) as Array<[string, number, number, number]>;
    assert.deepEqual(
      listed.map((x) => [x[0], x[1]]),
      [
        ["Big/huge.bin", 0xffffffff],
        ["Big/zz-after.txt", 6],
      ],
    );
    assert.equal(listed[0]![2], 0);
    assert.ok(listed[1]![2] > 0xffffffff, "the second entry's offset needs ZIP64");
    const ul = await run("unzip", ["-l", zip]).catch((e: { stdout?: string; code?: string }) => e);
    if ("code" in ul && ul.code === "ENOENT") assert.notEqual(process.env.CI, "true", "unzip must be installed in CI");
    else assert.match((ul as { stdout: string }).stdout, /4294967295\s+\S+\s+\S+\s+Big\/huge\.bin/);
    const sl = await run("7z", ["l", zip]).catch((e: { stdout?: string; code?: string }) => e);
    if ("code" in sl && sl.code === "ENOENT") assert.notEqual(process.env.CI, "true", "7z must be installed in CI");
    else assert.match((sl as { stdout: string }).stdout, /4294967295\s+\d*\s*Big\/huge\.bin/);
  });
});
