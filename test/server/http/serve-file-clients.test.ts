/**
 * Real clients against the route: curl (full, resume with `-C -`, HEAD,
 * conditional, HTTP/2 prior knowledge), wget (`-c`), and Node's fetch with Range.
 * Resumed files must be byte-identical to the original.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { fileBytes } from "./helpers/cases.js";
import { filePath } from "./helpers/client.js";
import { parseMultipart } from "./helpers/multipart.js";
import { SHARE, TEST_KEY, startRouteServers, type RouteServers } from "./helpers/route-servers.js";

const run = promisify(execFile);
const SIZE = 20 * 1024 * 1024 + 12345;
const BYTES = fileBytes(SIZE, 3);
const NAME = "movie.bin";
const authHeader = `Authorization: Bearer ${TEST_KEY}`;

describe("real clients", { timeout: 180_000 }, () => {
  let servers: RouteServers;
  let work: string;
  let url1: string;
  let url2: string;
  before(async () => {
    servers = await startRouteServers({ files: { [NAME]: BYTES, "empty.bin": "" } });
    work = await mkdtemp(path.join(os.tmpdir(), "peer-clients-"));
    url1 = `${servers.h1}${filePath(SHARE, NAME)}`;
    url2 = `${servers.h2}${filePath(SHARE, NAME)}`;
  });
  after(async () => {
    await servers?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const same = async (file: string): Promise<void> => {
    const got = await readFile(file);
    assert.equal(got.length, SIZE, "size");
    assert.ok(got.equals(BYTES), "byte-identical");
  };

  test("curl: full download", async () => {
    const out = path.join(work, "full.bin");
    await run("curl", ["-sS", "--fail", "-o", out, "-H", authHeader, url1]);
    await same(out);
  });

  for (const [name, extra, url] of [
    ["HTTP/1.1", [] as string[], () => url1],
    ["HTTP/1.1, --compressed (asks for gzip; must still get the raw bytes)", ["--compressed"], () => url1],
    ["h2c prior knowledge", ["--http2-prior-knowledge"], () => url2],
  ] as const) {
    test(`curl -C - resumes a partial file (${name})`, async () => {
      const out = path.join(work, `resume-${extra.join("") || "plain"}.bin`);
      await writeFile(out, BYTES.subarray(0, 7_654_321));
      await run("curl", ["-sS", "--fail", ...extra, "-C", "-", "-o", out, "-H", authHeader, url()]);
      await same(out);
    });
  }

  test("wget -c resumes a partial file, and leaves a complete one alone", async () => {
    const dir = await mkdtemp(path.join(work, "wget-"));
    const out = path.join(dir, NAME);
    await writeFile(out, BYTES.subarray(0, 3_000_001));
    await run("wget", ["-q", "-c", "--header", authHeader, url1], { cwd: dir });
    await same(out);
    await run("wget", ["-q", "-c", "--header", authHeader, url1], { cwd: dir });
    await same(out);
  });

  test("curl -I (HEAD) shows the fields without a body", async () => {
    const { stdout } = await run("curl", ["-sS", "--fail", "-I", "-H", authHeader, url1]);
    assert.match(stdout, /^HTTP\/1\.1 200 OK\r$/m);
    assert.match(stdout, new RegExp(`^Content-Length: ${SIZE}\\r$`, "m"));
    assert.match(stdout, /^Accept-Ranges: bytes\r$/m);
    assert.match(stdout, /^ETag: "[^"]+"\r$/m);
  });

  test("curl conditional GET with If-None-Match gets 304", async () => {
    const { stdout: head } = await run("curl", ["-sS", "-I", "-H", authHeader, url1]);
    const etag = /^ETag: (.*)\r$/m.exec(head)?.[1];
    assert.ok(etag);
    const { stdout } = await run("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      authHeader,
      "-H",
      `If-None-Match: ${etag}`,
      url1,
    ]);
    assert.equal(stdout, "304");
  });

  test("curl -r range and a missing key", async () => {
    const out = path.join(work, "range.bin");
    await run("curl", ["-sS", "--fail", "-r", "100-199", "-o", out, "-H", authHeader, url1]);
    assert.ok((await readFile(out)).equals(BYTES.subarray(100, 200)));
    const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url1]);
    assert.equal(stdout, "401");
  });

  test("fetch with Range: single and multipart", async () => {
    const single = await fetch(url1, { headers: { authorization: `Bearer ${TEST_KEY}`, range: "bytes=-4096" } });
    assert.equal(single.status, 206);
    assert.equal(single.headers.get("content-range"), `bytes ${SIZE - 4096}-${SIZE - 1}/${SIZE}`);
    assert.ok(Buffer.from(await single.arrayBuffer()).equals(BYTES.subarray(SIZE - 4096)));

    const multi = await fetch(url1, { headers: { "x-api-key": TEST_KEY, range: "bytes=0-99,5000000-5000099" } });
    assert.equal(multi.status, 206);
    const parts = parseMultipart(Buffer.from(await multi.arrayBuffer()), multi.headers.get("content-type") ?? "");
    assert.deepEqual(
      parts.map((p) => [p.first, p.last]),
      [
        [0, 99],
        [5_000_000, 5_000_099],
      ],
    );
    for (const p of parts) assert.ok(p.body.equals(BYTES.subarray(p.first, p.last + 1)));
  });

  test("curl downloads an empty file", async () => {
    const out = path.join(work, "empty.bin");
    await run("curl", ["-sS", "--fail", "-o", out, "-H", authHeader, `${servers.h1}${filePath(SHARE, "empty.bin")}`]);
    assert.equal((await readFile(out)).length, 0);
  });
});
